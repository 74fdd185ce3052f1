"""Provinces: which of Vietnam's provinces a question names, from ``provinces.yaml``.

A province is recognised when written with capitals ("Cao Bằng") or after "tỉnh" /
"thành phố" ("tinh cao bang"); the gazetteer lists the 63 provinces of 2008–2025 (which
cover the 34 names of 2025) with their other spellings ("Huế").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import yaml

from sotay.index.vietnamese import expand_abbreviations, syllable_spans
from sotay.text import fold, nfc

MAX_NAME_WORDS = 6  # syllables in the longest province name looked up ("thành phố Hồ Chí Minh": 5)
_PROVINCES_FILE = Path(__file__).with_name("provinces.yaml")
T = TypeVar("T")


def folded_sequences(words: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    """Each of ``words`` as a tuple of folded syllables."""
    return tuple(tuple(fold(w).split()) for w in words)



# Words before a province written in lower case or without diacritics ("tinh cao bang", "o dien bien").
PROVINCE_MARKERS = folded_sequences(("tỉnh", "thành phố", "ở", "tại", "của", "thuộc", "địa bàn"))


@dataclass(frozen=True)
class WordToken:
    """A syllable of a text: its span and its folded form."""

    start: int
    end: int
    word: str  # folded syllable


@lru_cache(maxsize=1)
def province_gazetteer() -> dict[tuple[str, ...], str]:
    """Folded syllables of every spelling in ``provinces.yaml`` -> the province's name."""
    table: dict[tuple[str, ...], str] = {}
    for entry in yaml.safe_load(_PROVINCES_FILE.read_text(encoding="utf-8")):
        name, others = next(iter(entry.items())) if isinstance(entry, dict) else (entry, [])
        for spelling in (name, *others):
            table[tuple(t.word for t in word_tokens(spelling))] = name
    return table


def named_provinces(question: str) -> tuple[str, ...]:
    """The provinces (names from ``provinces.yaml``) ``question`` names, in order."""
    text = expand_abbreviations(nfc(question))
    return tuple(dict.fromkeys(name for _, name in province_mentions(text, word_tokens(text))))


def canonical_province(name: str) -> str:
    """``name`` as ``provinces.yaml`` writes it ("Hue" -> "Thừa Thiên Huế"); unknown names unchanged."""
    return province_gazetteer().get(tuple(t.word for t in word_tokens(name)), name)


def province_mentions(text: str, tokens: list[WordToken]) -> list[tuple[tuple[str, ...], str]]:
    """(folded words as written, province) for each province named with capitals or after a marker ("tỉnh", "ở" …)."""
    found = []
    for i in range(len(tokens)):
        if (match := longest_key_at(tokens, i, province_gazetteer())) is None:
            continue
        key, name = match
        written = all(text[t.start].isupper() for t in tokens[i:i + len(key)])
        marked = any(tuple(t.word for t in tokens[max(0, i - len(m)):i]) == m or key[:len(m)] == m
                     for m in PROVINCE_MARKERS)
        if written or marked:
            found.append((key, name))
    return found


def longest_key_at(tokens: list[WordToken], i: int, table: Mapping[tuple[str, ...], T]) -> tuple[tuple[str, ...], T] | None:
    """The longest key of ``table`` (folded words) that starts at ``tokens[i]``, with its value."""
    for n in range(min(MAX_NAME_WORDS, len(tokens) - i), 0, -1):
        key = tuple(t.word for t in tokens[i:i + n])
        if key in table:
            return key, table[key]
    return None


def word_tokens(text: str) -> list[WordToken]:
    return [WordToken(start, end, word) for start, end, word in syllable_spans(text)]


