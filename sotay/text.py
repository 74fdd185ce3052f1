"""Text helpers shared by every part of sotay: Unicode form, accent folding, cleaning.

Contract:
- ``nfc`` puts text in Unicode NFC (composed) form; every other function
  expects or returns NFC text.
- ``fold`` removes diacritics and lower-cases ("Ủy ban" -> "uy ban", "Đ" -> "d"),
  the form in which typed-without-diacritics questions and the corpus meet; it
  keeps the length of NFC text, so offsets carry over.
- ``clean_text`` drops control and format characters (bidi overrides,
  zero-width marks) and collapses white space; ``strip_controls`` drops them
  and keeps the lines.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


def nfc(text: str) -> str:
    """Unicode NFC form of ``text``."""
    return unicodedata.normalize("NFC", text)


def clean_text(text: str) -> str:
    """NFC ``text`` without control or format characters, whitespace collapsed to single spaces."""
    kept = "".join(ch for ch in nfc(text) if unicodedata.category(ch)[0] != "C" or ch in "\t\n")
    return re.sub(r"\s+", " ", kept).strip()


@lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("Đ", "D").lower()


def fold(text: str) -> str:
    """Lower-cased ``text`` without diacritics; length and word boundaries are kept."""
    return " ".join(fold_word(w) for w in text.split(" "))


def has_diacritics(text: str) -> bool:
    """True when ``text`` carries any Vietnamese diacritic (or đ)."""
    return fold(text) != text.lower()


def strip_controls(text: str) -> str:
    """``text`` without control, bidi-override and zero-width characters (line breaks and tabs kept).

    For text that reaches a terminal or a chat from a file: ESC, BEL or U+202E in a decision
    must not move the cursor, ring a bell or reverse what an officer reads.
    """
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
