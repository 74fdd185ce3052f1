#!/usr/bin/env python
"""Retrieval on scanned decisions against the same decisions as clean text (issue 15: gap ≤ 10 points hit@1).

Run from the repository root (needs the ``test`` extra, tesseract-ocr + tesseract-ocr-vie, the model)::

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_scan_retrieval.py [--out bench/results-scan-retrieval.json]

Two corpora are built with ``sotay corpus add`` (in process, ``sotay.cli.main``), each in its own folder
and data dir under ``--workdir``: the bundled seeds plus the 14 real decisions of ``tests/data/real``,

- *clean*: every real decision as its ``.txt``;
- *scan*: the ``SCANNED`` decisions (default five, 18 calibration questions) as image-only PDFs instead:
  printed as they read (``scanned_files.decision_scan_lines``: DejaVu Sans, 200 dpi), skewed (alternately
  ±``--rotate`` degrees, default 0.8), blurred and speckled as the tests' scans (``render_pages``: ``--blur``
  0.7 px, ``--speckles`` 1500 a page), the others as ``.txt`` (distractors).

The questions are those of ``tests/data/officer_questions_calibration.jsonl`` on the scanned decisions
(never the test half). Each is asked as written and scored as ``bench/score_questions.py`` does:

- *strict*: hit@1 as in score_questions (a gold phrase, verbatim, in the first source of an answered question);
  an OCR typo inside the gold phrase counts as a miss;
- *fuzzy*: the same with a gold phrase found at ≥ ``FUZZY`` % similarity (rapidfuzz ``partial_ratio``), so
  retrieval is measured apart from spelling.

Per scanned decision it also reports the character error rate of Tesseract's raw lines and of the text
``corpus add`` stored, against the printed lines (``scanned_files.cer``), and the OCR seconds.
``--ocr-cache DIR`` keeps Tesseract's raw pages per PDF so that repair changes can be re-measured without
OCR (the OCR seconds are then those of the first run).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import score_questions  # noqa: E402
from rapidfuzz import fuzz  # noqa: E402
from scanned_files import cer, decision_scan_lines, reference_text, render_pages, write_scanned_pdf  # noqa: E402

from sotay.cli import main as sotay_main  # noqa: E402
from sotay.index.ingest import formats, ocr  # noqa: E402

REAL = ROOT / "tests" / "data" / "real"
QUESTIONS = ROOT / "tests" / "data" / "officer_questions_calibration.jsonl"
SCANNED = ("daklak-02144-2025-tthc-xuat-nhap-khau", "hanoi-308-2025-du-lieu-chuyen-doi-so",
           "hcm-2828-2025-bai-bo-qd-32-2023", "lamdong-2284-2025-xa-phuong-mien-nui",
           "thainguyen-27-2025-an-toan-dien")
FUZZY = 90


def fuzzy_contains_gold(text: str, gold: list[str]) -> bool:
    body = score_questions.norm(text)
    return any(fuzz.partial_ratio(score_questions.norm(g), body) >= FUZZY for g in gold)


@contextlib.contextmanager
def environment(**values: str):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class OcrRecorder:
    """Wraps ``ocr.ocr_pdf_pages``: times it, keeps the raw pages per file, optionally caches them on disk."""

    def __init__(self, cache: Path | None) -> None:
        self.cache, self.seconds, self.raw = cache, {}, {}
        self._real = ocr.ocr_pdf_pages

    def __call__(self, data: bytes, numbers, name: str):
        undated = re.sub(rb"/(?:CreationDate|ModDate) \(D:[^)]*\)", b"", data)  # Pillow stamps the time
        key = hashlib.sha256(undated + (repr(list(numbers)) + (" deskew" if ocr.DESKEW else "")).encode()).hexdigest()[:20]
        cached = self.cache / f"{key}.json" if self.cache else None
        if cached and cached.is_file():
            stored = json.loads(cached.read_text(encoding="utf-8"))
            pages = [ocr.OcrPage(p["number"], tuple(p["lines"]), p["confidence"]) for p in stored["pages"]]
            self.seconds[name] = stored["seconds"]
        else:
            start = time.perf_counter()
            pages = self._real(data, numbers, name)
            self.seconds[name] = round(time.perf_counter() - start, 2)
            if cached:
                cached.parent.mkdir(parents=True, exist_ok=True)
                cached.write_text(json.dumps({"seconds": self.seconds[name], "pages": [asdict(p) for p in pages]},
                                             ensure_ascii=False), encoding="utf-8")
        self.raw[name] = pages
        return pages


def build_corpus(kind: str, workdir: Path, scans: dict[str, Path]) -> tuple[Path, Path, list[str]]:
    """A fresh corpus folder (seeds copied, real decisions added with ``sotay corpus add``); its data dir is kept.
    When ``corpus add`` refuses the batch, the files are added one by one and the refused ones listed."""
    corpus, data = workdir / f"{kind}-corpus", workdir / f"{kind}-data"
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    for seed in (ROOT / "corpus").iterdir():
        if seed.suffix in (".txt", ".yaml"):
            shutil.copy(seed, corpus / seed.name)
    files = [str(scans[p.stem]) if kind == "scan" and p.stem in scans else str(p) for p in sorted(REAL.glob("*.txt"))]
    refused: list[str] = []
    with environment(SOTAY_CORPUS=str(corpus), SOTAY_DATA=str(data), HF_HUB_OFFLINE="1"):
        with contextlib.redirect_stdout(sys.stderr):
            if sotay_main(["corpus", "add", "--json", *files]) != 0:
                refused = [f for f in files if sotay_main(["corpus", "add", "--json", f]) != 0]
    return corpus, data, [Path(f).name for f in refused]


def score_corpus(corpus: Path, data: Path, rows: list[dict]) -> dict:
    with environment(SOTAY_CORPUS=str(corpus), SOTAY_DATA=str(data), HF_HUB_OFFLINE="1"):
        index = score_questions.open_index(progress=False)
        strict, misses = score_questions.score(rows, index, folded=False)
        exact = score_questions.contains_gold
        score_questions.contains_gold = fuzzy_contains_gold
        try:
            fuzzy, _ = score_questions.score(rows, index, folded=False)
        finally:
            score_questions.contains_gold = exact
    return {"strict": strict["all"], "fuzzy": fuzzy["all"], "misses": misses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results-scan-retrieval.json")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sotay-scanbench"))
    parser.add_argument("--ocr-cache", type=Path, help="keep Tesseract's raw pages here (re-measure repairs fast)")
    parser.add_argument("--rotate", type=float, default=0.8, help="skew of the pages, degrees (alternating sign)")
    parser.add_argument("--speckles", type=int, default=1500, help="specks per page (the tests' scans: 1500)")
    parser.add_argument("--blur", type=float, default=0.7, help="Gaussian blur, pixels (the tests' scans: 0.7)")
    parser.add_argument("--label", default="", help="a note stored with the results")
    parser.add_argument("--no-deskew", action="store_true", help="read the pages as they are (ocr.DESKEW off)")
    parser.add_argument("--no-spelling", action="store_true", help="no diacritic correction (ocr_spelling off)")
    args = parser.parse_args()
    problem = ocr.tesseract_problem()
    if problem:
        sys.exit(f"Tesseract unavailable: {problem}")
    rows = [json.loads(ln) for ln in QUESTIONS.read_text(encoding="utf-8").splitlines() if ln.strip()]
    rows = [r for r in rows if r.get("doc") in SCANNED and not r["ood"]]

    scan_dir = args.workdir / "scans"
    scan_dir.mkdir(parents=True, exist_ok=True)
    scans, references = {}, {}
    for seed, doc in enumerate(SCANNED):
        lines = decision_scan_lines((REAL / f"{doc}.txt").read_text(encoding="utf-8"))
        references[doc] = reference_text(lines)
        pages = render_pages(lines, seed=seed, rotate=args.rotate, blur=args.blur, speckles=args.speckles)
        scans[doc] = write_scanned_pdf(pages, scan_dir / f"{doc}.pdf")

    ocr.DESKEW = not args.no_deskew
    if args.no_spelling:
        formats.correct_diacritics = lambda text, vocabulary: (text, 0)
    recorder = OcrRecorder(args.ocr_cache)
    ocr.ocr_pdf_pages = recorder
    results: dict = {"label": args.label, "rotate": args.rotate, "blur": args.blur, "speckles": args.speckles, "deskew": ocr.DESKEW, "spelling": not args.no_spelling, "questions": len(rows), "scanned": list(SCANNED)}
    for kind in ("clean", "scan"):
        start = time.perf_counter()
        corpus, data, refused = build_corpus(kind, args.workdir, scans)
        added = time.perf_counter() - start
        results[kind] = {"add_seconds": round(added, 1), "refused": refused, **score_corpus(corpus, data, rows)}
        print(f"{kind}: {json.dumps(results[kind]['strict'], ensure_ascii=False)}", file=sys.stderr)
        if kind == "scan":
            per_doc = {}
            for doc, pdf in scans.items():
                if pdf.name in refused:
                    per_doc[doc] = {"refused": True, "pages": len(recorder.raw[pdf.name])}
                    continue
                stored = next(p for p in corpus.glob("*.yaml") if f"source: {pdf.name}" in p.read_text(encoding="utf-8"))
                text = stored.with_suffix(".txt").read_text(encoding="utf-8")
                raw = "\n".join(line for page in recorder.raw[pdf.name] for line in page.lines)
                per_doc[doc] = {"pages": len(recorder.raw[pdf.name]), "ocr_seconds": recorder.seconds[pdf.name],
                                "cer_raw": round(cer(references[doc], raw), 4),
                                "cer_stored": round(cer(references[doc], text), 4),
                                "confidence": [p.confidence for p in recorder.raw[pdf.name]]}
            results["scan"]["documents"] = per_doc
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    docs = {k: d for k, d in results["scan"]["documents"].items() if not d.get("refused")}
    ref_chars = {d: len(" ".join(references[d].split())) for d in docs}
    total = sum(ref_chars.values())
    print("| | clean | scan | gap |\n|---|---:|---:|---:|")
    for mode in ("strict", "fuzzy"):
        for metric in ("hit@1", "hit@3", "rank@5"):
            c, s = results["clean"][mode][metric], results["scan"][mode][metric]
            print(f"| {metric} ({mode}) | {c:.3f} | {s:.3f} | {100 * (c - s):+.1f} pt |")
    print(f"\nquestions {len(rows)}; refused by corpus add: {results['scan']['refused'] or 'none'}; pages {sum(d['pages'] for d in docs.values())}; "
          f"CER raw {sum(d['cer_raw'] * ref_chars[k] for k, d in docs.items()) / total:.4f} → stored "
          f"{sum(d['cer_stored'] * ref_chars[k] for k, d in docs.items()) / total:.4f} (weighted by length); "
          f"OCR {sum(d['ocr_seconds'] for d in docs.values()):.1f} s")


if __name__ == "__main__":
    main()
