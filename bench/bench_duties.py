"""Duty extraction (`sotay who`) on real decisions: quality against hand labels, and scale.

Run from the repository root::

    .venv/bin/python bench/bench_duties.py labels [--show misses,extra] [--out FILE]
    .venv/bin/python bench/bench_duties.py scale [--folder ../shared/real-decisions] [--runs 3] [--out FILE]

``labels`` scores ``extract_duties`` against ``tests/data/duties_real.yaml`` (10 bodies, 173 duties in
10 real decisions) exactly as ``tests/index/test_duties_real.py`` does: a label is found when a duty
record of the same body in the same decision contains its text (NFC, lower case, white space collapsed,
"*" dropped); precision counts that body's records in the decisions where it has labels, a record being
right when it contains one of the labels. ``--show`` lists the labels missed and the records that match
no label (the false positives), to study them.

``scale`` (the 128-decision scale bench) reads, parses and extracts the duties of every decision of the
folder: median times of each phase over ``--runs``, records per decision, per role, district duties in
decisions after 1/7/2025, bodies found (known / by shape only) and the bodies most often given duties.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

import yaml

from sotay.index.documents import load_document
from sotay.index.duties.gazetteer import gazetteer
from sotay.index.duties.records import Duty, duties_for, extract_duties
from sotay.index.parse import parse_document

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "data" / "duties_real.yaml"
REAL = ROOT / "tests" / "data" / "real"
SHARED = ROOT.parent / "shared" / "real-decisions"


def norm(text: str) -> str:
    """The comparison form of a label or a record's text."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).replace("*", "")).strip().lower()


def score_labels(show: set[str], labels_file: Path = LABELS, folder: Path = REAL) -> dict:
    """Recall and precision against the hand labels, per body and overall (see the module docstring)."""
    labels = yaml.safe_load(labels_file.read_text(encoding="utf-8"))
    docs = sorted({d["doc"] for body in labels for d in body["duties"]})
    extracted = {d: extract_duties(load_document(folder / f"{d}.txt")) for d in docs}
    everything = [duty for found in extracted.values() for duty in found]
    per_body, misses, extra = {}, [], []
    totals = Counter()
    for body in labels:
        agency, _ = duties_for(body["agency"], everything)
        name = agency.name if agency else body["agency"]
        own: dict[str, list[Duty]] = {d: [x for x in extracted[d] if x.agency.name == name] for d in docs}
        found = 0
        for label in body["duties"]:
            hit = any(norm(label["text"]) in norm(x.text) for x in own[label["doc"]])
            found += hit
            if not hit:
                misses.append({"body": name, "doc": label["doc"], "role": label.get("role"), "text": label["text"]})
        right = reported = 0
        for doc in sorted({label["doc"] for label in body["duties"]}):
            texts = [norm(label["text"]) for label in body["duties"] if label["doc"] == doc]
            for x in own[doc]:
                reported += 1
                ok = any(t in norm(x.text) for t in texts)
                right += ok
                if not ok:
                    extra.append({"body": name, "doc": doc, "citation": x.citation, "role": x.role,
                                  "text": x.text[:300]})
        per_body[name] = {"labels": len(body["duties"]), "found": found, "records": reported, "right": right}
        totals.update(labels=len(body["duties"]), found=found, records=reported, right=right)
    result = {
        "recall": round(totals["found"] / totals["labels"], 3),
        "precision": round(totals["right"] / max(totals["records"], 1), 3),
        **totals,
        "per_body": per_body,
    }
    if "misses" in show:
        result["misses"] = misses
    if "extra" in show:
        result["extra"] = extra
    return result


def scale(folder: Path, runs: int) -> dict:
    """Extract the duties of every decision of ``folder`` ``runs`` times; median times and counts.

    ``load_s``: reading the files (metadata included); ``parse_s``: ``parse_document`` alone;
    ``duties_s``: ``extract_duties``, which parses again — what `sotay who` pays per decision on a
    cold start (its results are then cached in memory per corpus state).
    """
    files = sorted(folder.glob("*.txt"))
    registry = gazetteer()
    phases: dict[str, list[float]] = {"load_s": [], "parse_s": [], "duties_s": []}
    for _ in range(runs):
        t0 = time.perf_counter()
        docs = [load_document(path) for path in files]
        t1 = time.perf_counter()
        for doc in docs:
            parse_document(doc)
        t2 = time.perf_counter()
        found = {doc.meta.id: extract_duties(doc, registry) for doc in docs}
        t3 = time.perf_counter()
        for name, seconds in zip(phases, (t1 - t0, t2 - t1, t3 - t2)):
            phases[name].append(seconds)
    per_doc = {name: len(duties) for name, duties in found.items()}
    roles, bodies, unknown, districts = Counter(), Counter(), Counter(), 0
    for duties in found.values():
        for d in duties:
            roles[d.role] += 1
            (bodies if d.agency.known else unknown)[d.agency.name] += 1
            districts += getattr(d, "after_districts", False)  # (absent before the 2025 flag)
    counts = list(per_doc.values())
    return {
        "decisions": len(files),
        "runs": runs,
        **{name: round(statistics.median(values), 2) for name, values in phases.items()},
        "records": sum(counts),
        "decisions_with_duties": sum(c > 0 for c in counts),
        "records_per_decision_median": statistics.median(counts) if counts else 0,
        "records_per_decision_max": max(per_doc.items(), key=lambda kv: kv[1]) if counts else None,
        "roles": dict(roles),
        "district_duties_after_1_7_2025": districts,
        "known_bodies": len(bodies),
        "bodies_by_shape_only": len(unknown),
        "records_of_bodies_by_shape": sum(unknown.values()),
        "top_bodies": bodies.most_common(15),
        "top_bodies_by_shape": unknown.most_common(15),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    lab = sub.add_parser("labels", help="recall/precision against hand labels (default tests/data/duties_real.yaml)")
    lab.add_argument("--show", default="", help="comma-separated: misses, extra")
    lab.add_argument("--labels", type=Path, default=LABELS, help="labels file (e.g. tests/data/duties_blind.yaml)")
    lab.add_argument("--folder", type=Path, default=REAL, help="where the labelled decisions are (default tests/data/real;"
                     " ../shared/real-decisions for duties_blind.yaml)")
    lab.add_argument("--out", type=Path)
    sc = sub.add_parser("scale", help="extract duties from every decision of a folder")
    sc.add_argument("--folder", type=Path, default=SHARED)
    sc.add_argument("--runs", type=int, default=3, help="timed runs (median reported; default 3)")
    sc.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.mode == "labels":
        result = score_labels(set(filter(None, args.show.split(","))), args.labels, args.folder)
    else:
        if not args.folder.is_dir():
            print(f"no folder {args.folder}", file=sys.stderr)
            return 2
        result = scale(args.folder, args.runs)
    text = json.dumps(result, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
