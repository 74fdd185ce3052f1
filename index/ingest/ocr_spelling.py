"""Correct the diacritics Tesseract gets wrong, against the accented Vietnamese of the corpus itself.

Tesseract's Vietnamese errors are mostly a wrong mark on the right letters: "Căn cử" for "Căn cứ",
"Đất đại" for "Đất đai", "só" for "số", "Ủy bạn" for "Ủy ban". Each line is decoded as a noisy
channel: the intended syllables follow the vocabulary's syllable bigram model (``DiacriticRestorer``
counts of the corpus texts), and OCR keeps a syllable as it is with probability 1 − ``EPSILON`` or
writes another accented form of the same letters (same fold) with probability ``EPSILON`` (squared for
a capitalised word inside a line: most likely a name, "Đam Rông", changed only on strong evidence). So a
syllable the vocabulary never uses, or a rare variant where its neighbours call for a frequent
one, is replaced; a syllable whose letters the vocabulary does not know at all (a place name) is
left as read. Digits, punctuation and spacing are untouched; a replacement keeps the case
pattern of what was read ("CỬ" → "CỨ", "Bạn" → "Ban").

``spelling_vocabulary(texts)`` counts a vocabulary; ``correct_diacritics(text, vocabulary)``
returns the corrected text and the number of syllables changed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from sotay.index.search.restore import DiacriticRestorer, count_syllables
from sotay.text import fold_word, nfc

# The chance that OCR wrote a syllable with other diacritics than printed: chosen on the five scans of
# bench/bench_scan_retrieval.py (CER 0.0305 without correction; 0.0297 / 0.0287 / 0.0286 / 0.0288 with
# 1e-2 / 3e-3 / 1e-3 / 3e-4), see bench/README.md.
EPSILON = 1e-3
_LETTERS = re.compile(r"[^\W\d_]+")


def spelling_vocabulary(texts: Iterable[str]) -> DiacriticRestorer:
    """Syllable and syllable-pair counts of accented ``texts`` (decisions typed, not scanned)."""
    return DiacriticRestorer(*count_syllables(texts))


def _with_case(form: str, read: str) -> str:
    if read.isupper() and len(read) > 1:
        return form.upper()
    if read[:1].isupper():
        return form[:1].upper() + form[1:]
    return form


def _correct_line(line: str, vocabulary: DiacriticRestorer, keep: float, change: float) -> tuple[str, int]:
    spans = [(m.start(), m.end(), m.group(0)) for m in _LETTERS.finditer(line)]
    if not spans:
        return line, 0
    # best[form] = (log-probability, path of forms) for the paths ending in ``form``
    best: dict[str | None, tuple[float, list[str]]] = {}
    previous_best: dict[str | None, tuple[float, list[str]]] = {None: (0.0, [])}
    for k, (_, _, read) in enumerate(spans):
        lower = read.lower()
        # a capitalised word inside a line is most likely a name (a commune, a person): changed only on
        # much stronger evidence
        name = k > 0 and read[:1].isupper() and not read.isupper()
        forms = vocabulary.forms(fold_word(lower))
        candidates = set(forms) | {lower} if forms else {lower}
        best = {}
        for form in candidates:
            emit = keep if form == lower else (2 * change if name else change)
            score, path = max(
                ((s + vocabulary.log_prob(prev, form) + emit, p) for prev, (s, p) in previous_best.items()),
                key=lambda item: item[0],
            )
            best[form] = (score, path + [form])
        previous_best = best
    path = max(best.values(), key=lambda item: item[0])[1]
    out, last, changed = [], 0, 0
    for (start, end, read), form in zip(spans, path):
        out.append(line[last:start])
        if form != read.lower():
            out.append(_with_case(form, read))
            changed += 1
        else:
            out.append(read)
        last = end
    out.append(line[last:])
    return "".join(out), changed


def correct_diacritics(text: str, vocabulary: DiacriticRestorer, epsilon: float = EPSILON) -> tuple[str, int]:
    """``text`` (NFC) with each line's syllables decoded against ``vocabulary``; (text, syllables changed)."""
    keep, change = math.log(1 - epsilon), math.log(epsilon)
    lines, total = [], 0
    for line in nfc(text).split("\n"):
        fixed, changed = _correct_line(line, vocabulary, keep, change)
        lines.append(fixed)
        total += changed
    return "\n".join(lines), total
