"""Officers' words -> the decisions' words (``paraphrases.yaml``), for the lexical query.

"ai lập tổ thẩm định" is written in the decision as "Tổ thẩm định do … thành lập";
"bao lâu thì xong" as "thời hạn giải quyết … ngày làm việc". ``expansion(question)`` is the
text of the decision phrases that the question's everyday words stand for; the search adds
its tokens to the BM25 query (the dense model sees the question as typed).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from sotay.text import fold, nfc

PARAPHRASES_FILE = Path(__file__).with_name("paraphrases.yaml")


@lru_cache(maxsize=1)
def _table() -> tuple[tuple[re.Pattern[str], str], ...]:
    entries = yaml.safe_load(PARAPHRASES_FILE.read_text(encoding="utf-8"))
    table = []
    for entry in entries:
        words = sorted({fold(nfc(w)) for w in entry["officer"]}, key=len, reverse=True)
        pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)")
        table.append((pattern, " . ".join(entry["decision"])))
    return tuple(table)


def expansion(question: str) -> str:
    """The decision phrases standing for the officer's words in ``question`` ("" when none)."""
    folded = fold(nfc(question))
    return " . ".join(decision for pattern, decision in _table() if pattern.search(folded))
