"""Provinces: which of Vietnam's provinces a question names, from ``provinces.yaml``.

A province is recognised when written with capitals ("Cao Bằng") or after "tỉnh" /
"thành phố" ("tinh cao bang"); the gazetteer lists the 63 provinces of 2008–2025 (which
cover the 34 names of 2025) with their other spellings ("Huế"). ``provinces_2025.yaml``
says which of them were merged into which on 1 July 2025 (Nghị quyết 202/2025/QH15): a
question about Khánh Hòa is also about the decisions of Ninh Thuận, now part of it.
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
_MERGERS_FILE = Path(__file__).with_name("provinces_2025.yaml")
MERGER_DATE = "2025-07-01"  # Nghị quyết 202/2025/QH15 takes effect
MERGER_SOURCE = "Nghị quyết số 202/2025/QH15"
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
def _spellings() -> dict[str, tuple[str, ...]]:
    """Each province's name in ``provinces.yaml`` -> its spellings, the name first."""
    entries = yaml.safe_load(_PROVINCES_FILE.read_text(encoding="utf-8"))
    pairs = (next(iter(e.items())) if isinstance(e, dict) else (e, []) for e in entries)
    return {name: (name, *others) for name, others in pairs}


@lru_cache(maxsize=1)
def province_gazetteer() -> dict[tuple[str, ...], str]:
    """Folded syllables of every spelling in ``provinces.yaml`` -> the province's name."""
    return {tuple(t.word for t in word_tokens(spelling)): name
            for name, spellings in _spellings().items() for spelling in spellings}


def written_spellings(province: str) -> tuple[str, ...]:
    """Every spelling of ``province`` in ``provinces.yaml``, with its diacritics ("Thừa Thiên Huế", "Huế")."""
    province = canonical_province(province)
    return _spellings().get(province, (province,))


@lru_cache(maxsize=1)
def _mergers() -> dict[str, tuple[str, ...]]:
    """Each province formed on 1 July 2025 -> the provinces it was formed from (itself first)."""
    return {name: tuple(parts) for name, parts in yaml.safe_load(_MERGERS_FILE.read_text(encoding="utf-8")).items()}


def successor(province: str) -> str:
    """The province of 1 July 2025 that ``province`` is part of (itself when it was not merged into another)."""
    return next((new for new, parts in _mergers().items() if province in parts), province)


def provinces_covered(province: str, date: str) -> tuple[str, ...]:
    """The provinces, by any name of 2008–2025 or 2025, whose officers a decision of ``province`` issued on
    ``date`` (ISO, "2022-12" or "2025-08-14") speaks to: its own, the one it is now part of, and, for a
    decision of a merged province issued from 1 July 2025, the provinces it was formed from."""
    province = canonical_province(province)
    covered = [province, successor(province)]
    if date[:7] >= MERGER_DATE[:7]:
        covered.extend(_mergers().get(province, ()))
    return tuple(dict.fromkeys(p for p in covered if p))


def merger_note(province: str) -> str | None:
    """Vietnamese note that ``province`` has been part of another province since 1 July 2025, or None."""
    now = successor(canonical_province(province))
    if now == canonical_province(province):
        return None
    return (f"Lưu ý: từ 01/07/2025 tỉnh {canonical_province(province)} đã hợp nhất vào {_kind_and_name(now)} "
            f"theo {MERGER_SOURCE}.")


_CITIES = frozenset({"Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ"})  # centrally-run cities, beside "Thành phố Hồ Chí Minh"


def _kind_and_name(province: str) -> str:
    """"tỉnh Khánh Hòa", "thành phố Hải Phòng", "Thành phố Hồ Chí Minh"."""
    if province.startswith("Thành phố"):
        return province
    return f"{'thành phố' if province in _CITIES else 'tỉnh'} {province}"


def province_spellings(province: str) -> list[tuple[str, ...]]:
    """Folded syllables of ``province`` as written and of every spelling ``provinces.yaml`` gives its name."""
    written = tuple(t.word for t in word_tokens(province))
    name = province_gazetteer().get(written, province)
    return list(dict.fromkeys([written, *(key for key, n in province_gazetteer().items() if n == name)]))


def named_provinces(question: str) -> tuple[str, ...]:
    """The provinces (names from ``provinces.yaml``) ``question`` names, in order."""
    text = expand_abbreviations(nfc(question))
    return tuple(dict.fromkeys(name for _, name in province_mentions(text, word_tokens(text))))


def canonical_province(name: str) -> str:
    """``name`` as ``provinces.yaml`` writes it ("Hue" -> "Thừa Thiên Huế"; a decision's "Hồ Chí Minh", its header
    "THÀNH PHỐ HỒ CHÍ MINH" without the city's title -> "Thành phố Hồ Chí Minh"); unknown names unchanged."""
    words = tuple(t.word for t in word_tokens(name))
    gazetteer = province_gazetteer()
    return gazetteer.get(words) or gazetteer.get(("thanh", "pho", *words), name)


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


