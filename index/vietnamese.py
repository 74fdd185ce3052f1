"""Vietnamese text handling for parsing, indexing and search (the generic folding is ``sotay.text``).

Contract:
- ``normalize_tones`` moves old-style tone marks to the new position
  ("Uỷ" -> "Ủy", "hoà" -> "hòa") with underthesea, imported lazily.
- ``expand_abbreviations`` replaces administrative abbreviations (UBND, HTX,
  ĐBKK, Sở LĐTBXH, ...) by their full forms, from ``abbreviations.yaml``; the
  same function runs on passages and on questions, so either form matches.
- ``syllables`` splits text into lower-case syllable tokens (letters and digits,
  keeping one-letter words such as "ở", "ý" and numbers such as "3,5", "30%").
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from sotay.index import segmenter
from sotay.text import fold, fold_word, nfc

ABBREVIATIONS_FILE = Path(__file__).with_name("abbreviations.yaml")

# A syllable: a run of letters/digits, optionally joined by "," "." "/" between
# digits (3,5 / 12/3/2021 / 8.040) and an optional trailing "%".
_TOKEN_RE = re.compile(r"\d+(?:[.,/]\d+)*%?|[^\W\d_]+(?:\d+)?", re.UNICODE)


def normalize_tones(text: str) -> str:
    """NFC text with tone marks in the new-style position (underthesea's text_normalize)."""
    return segmenter.load().text_normalize(nfc(text))


@lru_cache(maxsize=1)
def _abbreviation_table() -> tuple[re.Pattern[str], dict[str, str]]:
    raw: dict[str, str] = yaml.safe_load(ABBREVIATIONS_FILE.read_text(encoding="utf-8"))
    table = {fold(nfc(k)): nfc(v) for k, v in raw.items()}
    # Longest keys first so that "MTTQVN" wins over "MTTQ", "QĐ-UBND" over "QĐ".
    keys = sorted(table, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w&-])(" + "|".join(re.escape(k) for k in keys) + r")(?![\w&])",
    )
    return pattern, table


def abbreviations() -> dict[str, str]:
    """The abbreviation table as {folded abbreviation: full form}."""
    return dict(_abbreviation_table()[1])


def expand_abbreviations(text: str) -> str:
    """``text`` with every known abbreviation replaced by its full form.

    Matching is on the folded text, so "ubnd", "UBND" and "Ubnd" all expand,
    and "DBKK" matches "ĐBKK". Characters outside abbreviations are unchanged.
    """
    pattern, table = _abbreviation_table()
    folded = "".join(_fold_char(ch) for ch in text)
    if len(folded) != len(text):  # defensive: folding must keep offsets aligned
        return text
    out: list[str] = []
    last = 0
    for match in pattern.finditer(folded):
        out.append(text[last:match.start()])
        out.append(table[match.group(1)])
        last = match.end()
    out.append(text[last:])
    return "".join(out)


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    folded = fold_word(ch)
    return folded if len(folded) == 1 else ch.lower()


def syllables(text: str) -> list[str]:
    """Lower-case syllable tokens of ``text`` (diacritics kept), in order."""
    return [m.group(0).lower() for m in _TOKEN_RE.finditer(nfc(text))]


def syllable_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, folded syllable) of each syllable of ``text`` (offsets into ``text`` itself, taken as NFC)."""
    return [(m.start(), m.end(), fold_word(m.group(0))) for m in _TOKEN_RE.finditer(text)]
