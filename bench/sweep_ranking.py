"""Sweep the ranking weights of ``index/search/ranking.py`` and report where the gold passage lands.

Usage (the corpus must hold the decisions the questions are about; see tests/data/README.md)::

    SOTAY_CORPUS=... SOTAY_DATA=... python bench/sweep_ranking.py \\
        --grid '{"LEXICAL_WEIGHT": [0.4, 0.5, 0.6], "COVERAGE_WEIGHT": [0.1, 0.2]}' \\
        tests/data/officer_questions_calibration.jsonl tests/data/heldout_questions.jsonl

For every combination of the module constants in ``--grid`` (names of ``ranking``'s weights), each
in-domain question is searched as written and folded, and the share whose gold phrase is in the
first passage (rank@1) and in the first three (rank@3) is printed per set, one JSON line per
combination. Query vectors are computed once and reused across combinations. Only the ranking is
measured here, not the answer / doubt / decline decision (``score_questions.py``). Never pass the
test half of the officers' set: weights are chosen on the calibration half and the earlier sets.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import sys
from pathlib import Path

from sotay.index.answer import validate_question
from sotay.index.search import hybrid, ranking
from sotay.text import fold

sys.path.insert(0, str(Path(__file__).parent))
from score_questions import contains_gold  # noqa: E402


def load(path: Path) -> list[tuple[str, list[str]]]:
    """(question, gold phrases) for every in-domain question of ``path``, as written and folded."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not (item := json.loads(line))["ood"]:
            rows.extend((validate_question(q), item["gold"]) for q in dict.fromkeys([item["q"], fold(item["q"])]))
    return rows


def measure(index: hybrid.HybridIndex, rows: list[tuple[str, list[str]]]) -> dict[str, float]:
    """rank@1 and rank@3 of the gold phrase over ``rows``."""
    first = top3 = 0
    for question, gold in rows:
        ranks = [k for k, hit in enumerate(index.search(question, k=3)) if contains_gold(hit.passage.text, gold)]
        first += bool(ranks) and ranks[0] == 0
        top3 += bool(ranks)
    return {"rank@1": round(first / len(rows), 3), "rank@3": round(top3 / len(rows), 3), "n": len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", type=Path, help="question sets (JSON lines)")
    parser.add_argument("--grid", required=True, help='JSON object: weight name -> values, e.g. {"LEXICAL_WEIGHT": [0.5, 0.6]}')
    args = parser.parse_args()
    grid: dict[str, list[float]] = json.loads(args.grid)
    unknown = [name for name in grid if not hasattr(ranking, name)]
    if unknown:
        parser.error(f"not a weight of index/search/ranking.py: {', '.join(unknown)}")
    index = hybrid.open_index(progress=False)
    index.encoder.encode_query = functools.lru_cache(maxsize=None)(index.encoder.encode_query)  # type: ignore[method-assign]
    sets = {path.name: load(path) for path in args.sets}
    for values in itertools.product(*grid.values()):
        for name, value in zip(grid, values):
            setattr(ranking, name, value)
        result = {name: measure(index, rows) for name, rows in sets.items()}
        print(json.dumps({"weights": dict(zip(grid, values)), **result}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
