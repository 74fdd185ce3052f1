"""Score `sotay ask` on question sets, in process: the figures of the "officers' wording" issue.

Usage::

    SOTAY_CORPUS=... SOTAY_DATA=... python bench/score_questions.py tests/data/officer_questions_test.jsonl [...]
        [--folded] [--misses FILE]

For each in-domain question (gold phrases are verbatim substrings of the answering passage,
compared after NFC, lower-casing and collapsing white space, as ../shared/eval/score.py does; a
phrase copied from a table's text form, "cell | cell", matches a row passage holding its cells in order):

- answered: the status is "answered";
- hit@1 / hit@3: answered and a gold phrase is in the first 1 / 3 sources;
- shown@3: a gold phrase is in the first 3 clauses shown to the officer (answered or uncertain);
- rank@1 / rank@5: a gold phrase is in the first / first 5 passages of the ranking, whatever was decided;
- wrong: answered, and the first source has no gold phrase.

For out-of-domain questions: answered (should be rare), split by near misses. ``--folded``
asks every question without diacritics. Results are printed as one JSON object per set,
per part ("bundled" = the seed decisions, "real" = the real decisions), and overall.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

from sotay.index.answer import answer_question, retrieve, validate_question
from sotay.index.search.hybrid import open_index
from sotay.text import fold

BUNDLED = ("ninh-thuan", "son-la", "lang-son")


def norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("*", "").replace("–", "-")
    return re.sub(r"\s+", " ", text).strip().lower()


def contains_gold(text: str, gold: list[str]) -> bool:
    """Whether a gold phrase is in ``text``. A phrase written from a table's text form ("cell | cell")
    matches a table-row passage, which carries each cell after its column name ("Tên: cell; Thời hạn:
    cell"), when every cell is found in it in order."""
    body = norm(text)
    return any(_cells_in(body, [norm(c) for c in g.split("|")]) if "|" in g else norm(g) in body for g in gold)


def _cells_in(body: str, cells: list[str]) -> bool:
    at = 0
    for cell in cells:
        found = body.find(cell, at)
        if found < 0:
            return False
        at = found + len(cell)
    return True


def status_of(answer) -> str:
    return answer.status.value


def shown_sources(answer) -> list[dict]:
    """The clauses the officer sees: every source for the answered/uncertain outcome, none when not found."""
    status = status_of(answer)
    if status == "not_found":
        return []
    return answer.sources


def score(rows: list[dict], index, folded: bool) -> tuple[dict, list[dict]]:
    tally: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    misses = []
    for row in rows:
        q = fold(row["q"]) if folded else row["q"]
        answer = answer_question(index, q)
        status = status_of(answer)
        part = "ood" if row["ood"] else ("bundled" if (row.get("doc") or "ninh-thuan").startswith(BUNDLED) else "real")
        groups = [part, "all"] if part != "ood" else ["ood"] + (["near_miss"] if row.get("near_miss") else [])
        for g in groups:
            t = tally[g]
            t["n"] += 1
            t["answered"] += status == "answered"
            t["uncertain"] += status == "uncertain"
            if part == "ood":
                continue
            shown = [s["text"] for s in shown_sources(answer)]
            first = next((k for k, text in enumerate(shown, 1) if contains_gold(text, row["gold"])), None)
            ranking = [h.passage.text for h in retrieve(index, validate_question(q)).hits]
            ranked = next((k for k, text in enumerate(ranking, 1) if contains_gold(text, row["gold"])), None)
            t["hit@1"] += status == "answered" and first == 1
            t["hit@3"] += status == "answered" and first is not None and first <= 3
            t["shown@3"] += first is not None and first <= 3
            t["rank@1"] += ranked == 1
            t["rank@5"] += ranked is not None and ranked <= 5
            t["wrong"] += status == "answered" and first != 1
        if (part == "ood" and status == "answered") or (part != "ood" and not (status == "answered" and first == 1)):
            misses.append({"id": row["id"], "q": q, "status": status, "rank": None if part == "ood" else first,
                           "gold": row["gold"][:1], "top": answer.sources[0]["citation"] if answer.sources else None,
                           "top_doc": answer.sources[0].get("doc_id") if answer.sources else None,
                           "expected_doc": row.get("doc")})
    report = {}
    for g, t in tally.items():
        n = t.pop("n")
        report[g] = {"n": int(n), **{k: round(v / n, 3) for k, v in t.items()}}
    return report, misses


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--folded", action="store_true", help="ask every question without diacritics")
    parser.add_argument("--misses", type=Path, help="write the misses (JSON lines) here")
    args = parser.parse_args(argv)
    index = open_index(progress=True)
    all_misses = []
    for path in args.files:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        report, misses = score(rows, index, args.folded)
        print(json.dumps({"set": path.name, "folded": args.folded, **report}, ensure_ascii=False))
        all_misses += [{"set": path.name, **m} for m in misses]
    if args.misses:
        args.misses.write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in all_misses), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
