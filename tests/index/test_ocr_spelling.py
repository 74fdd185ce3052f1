"""Diacritic correction of OCR'd text against the corpus's own vocabulary (index/ingest/ocr_spelling.py).

The vocabulary is the three bundled seed decisions; the texts corrected are real decisions that are not
in it (tests/data/real), with tone marks swapped the way Tesseract swaps them ("cứ" → "cử").
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from decision_files import CORPUS

from sotay.index.ingest.ocr_spelling import correct_diacritics, spelling_vocabulary
from sotay.index.parse import clean_lines
from sotay.index.vietnamese import syllables

REAL = Path(__file__).resolve().parents[1] / "data" / "real"
# Tone marks (combining), each replaced by the next: the confusions of a blurred scan.
_TONES = ["\u0301", "\u0309", "\u0300", "\u0303", "\u0323"]


@pytest.fixture(scope="module")
def vocabulary():
    return spelling_vocabulary("\n".join(clean_lines(p.read_text(encoding="utf-8"))) for p in CORPUS.glob("*.txt"))


def _swap_tone(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    for i, ch in enumerate(decomposed):
        if ch in _TONES:
            swapped = _TONES[(_TONES.index(ch) + 1) % len(_TONES)]
            result = unicodedata.normalize("NFC", decomposed[:i] + swapped + decomposed[i + 1:])
            return result if len(result) == len(word) else word  # no precomposed letter: leave it
    return word


def _corrupt(text: str, every: int) -> str:
    """Every ``every``-th word that carries a tone mark gets the wrong one."""
    out, marked = [], 0
    for word in text.split(" "):
        if _swap_tone(word) != word:
            marked += 1
            if marked % every == 0:
                word = _swap_tone(word)
        out.append(word)
    return " ".join(out)


def _differences(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(syllables(a), syllables(b), strict=True))


@pytest.mark.parametrize("name", ["hcm-172-2025-luat-viec-lam.txt", "daklak-012-2025-cai-cach-tthc.txt"])
def test_swapped_tone_marks_are_mostly_put_back(vocabulary, name: str) -> None:
    original = "\n".join(clean_lines((REAL / name).read_text(encoding="utf-8")))
    scanned = _corrupt(original, every=5)
    before = _differences(original, scanned)
    fixed, changed = correct_diacritics(scanned, vocabulary)
    after = _differences(original, fixed)
    print(f"{name}: {before} wrong syllables → {after}; {changed} changed")
    assert before > 100
    assert after <= 0.4 * before
    assert changed > 0


def test_a_clean_text_is_left_almost_untouched(vocabulary) -> None:
    original = "\n".join(clean_lines((REAL / "hcm-174-2025-binh-dang-gioi.txt").read_text(encoding="utf-8")))
    fixed, changed = correct_diacritics(original, vocabulary)
    assert changed == _differences(original, fixed)
    assert changed <= 0.01 * len(syllables(original))


def test_known_ocr_confusions_and_case(vocabulary) -> None:
    fixed, _ = correct_diacritics("Căn cử Luật Tổ chức chính quyền địa phương;\nỦY BẠN NHÂN DÂN TỈNH", vocabulary)
    assert fixed == "Căn cứ Luật Tổ chức chính quyền địa phương;\nỦY BAN NHÂN DÂN TỈNH"


def test_unknown_words_digits_and_punctuation_are_kept(vocabulary) -> None:
    line = "Xã Đạ Tẻh, Đạ Huoai 3 (mã 74/2025/QĐ-UBND): 1.200.000 đồng/tháng."
    assert correct_diacritics(line, vocabulary) == (line, 0)
