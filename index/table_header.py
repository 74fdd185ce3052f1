"""A table's column names written over several rows, read back as one row of names.

Converted tables lose their merged header cells: "**TT** | **Chỉ tiêu** | **ĐVT** | **ƯTH Năm 2025** |
**GIAI ĐOẠN 2026 - 2030**" is followed by "**Năm 2026** | **Năm 2027** | … | **Năm 2030**", the names of the
columns the last cell spans, and often by a row numbering the columns ("*1* | *2* | … | *10*", "*A* | *B* |
*1* | *4=3/2*"). :func:`merge_header_rows` replaces such a header with one bold row naming each column of the
data rows ("Chỉ tiêu", "ĐVT", "ƯTH Năm 2025", "Năm 2026", …), so that a row reads "Năm 2026: 27.000".

Which upper cells span the lower names is not written anywhere; it is inferred from the number of columns of
the data rows and from the years the names carry (a "Năm 2026" belongs under "GIAI ĐOẠN 2026 - 2030" or under
a cell without a year, never under "Năm 2025"). A column whose name differs between the readings that fit is
left unnamed: a row then shows that value without a name rather than under a wrong one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from itertools import combinations
from math import comb

MAX_NAME_CHARS = 80  # a column name longer than this is a sentence, not a header cell
MAX_SPANNING = 6  # upper cells spanning lower names in one header (real ones: up to 5)
MAX_READINGS = 10_000  # ways to read one header tried at most (real ones: up to 5); more is a hostile file
LOOKAHEAD_ROWS = 12  # data rows read to learn the table's width
FIXED_COLUMNS = 2  # the first columns (number, name of the row) are never subdivided
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_COLUMN_NUMBER = re.compile(r"\(?(\d{1,2}|[A-ZĐ])(\s*=\s*[\d/*+\-() ]+)?\)?")
_ROW_LABEL = re.compile(r"(\d{1,3}(\.\d{1,3})*|[IVXLC]{1,6}|[A-ZĐ])\s*[.)]?")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in f" {line}".split(" | ")] if " | " in f" {line}" else []


def _bare(cell: str) -> str:
    return re.sub(r"\s+", " ", cell.replace("*", "")).strip()


def _is_bold(cell: str) -> bool:
    return cell.startswith("**") and cell.endswith("**") and bool(_bare(cell))


def _is_name(cell: str) -> bool:
    """A column name: bold, short, with letters, no row label or sentence."""
    text = _bare(cell)
    return (_is_bold(cell) and len(text) <= MAX_NAME_CHARS and any(c.isalpha() for c in text)
            and not _ROW_LABEL.fullmatch(text) and not text.endswith((".", ";")))


def _names_row(line: str, at_least: int) -> list[str] | None:
    """The names of a row made only of column names, or None."""
    cells = _cells(line) or [line.strip()]
    if len(cells) < at_least or not all(_is_name(c) for c in cells):
        return None
    return [_bare(c) for c in cells]


def _column_numbers(line: str) -> int:
    """The number of columns a row numbering them names ("*1* | *2* | *3*", " | (1) | (2)"), or 0."""
    cells = [_bare(c) for c in _cells(line)]
    filled = [c for c in cells if c]
    digits = sum(c.strip("()").isdigit() for c in filled)
    if len(filled) < 3 or digits * 2 < len(filled) or not all(_COLUMN_NUMBER.fullmatch(c) for c in filled):
        return 0
    return len(cells)


def _data_width(lines: list[str]) -> int:
    """The usual number of cells of the table rows in ``lines`` (rows of a merged first column left out)."""
    widths: Counter[int] = Counter()
    for line in lines[:LOOKAHEAD_ROWS]:
        cells = _cells(line)
        if not cells:
            break
        if len(cells) >= 3 and cells[0]:
            widths[len(cells)] += 1
    return widths.most_common(1)[0][0] if widths else 0


def _years(name: str) -> tuple[int, int] | None:
    found = [int(y) for y in _YEAR.findall(name)]
    return (min(found), max(found)) if found else None


def _fits(upper: str, lower: list[str]) -> int:
    """How well ``lower`` names fit under ``upper``: 0 not at all, 1 possibly, 2 by their years."""
    spans = [_years(name) for name in lower]
    if not any(spans):
        return 1
    if not all(spans):
        return 0  # "Đánh giá thực hiện" and "Năm 2026" under one cell: a cut in the wrong place
    outer = _years(upper)
    if outer is None:
        return 1
    inside = all(outer[0] <= s[0] and s[1] <= outer[1] for s in spans if s)
    return 2 if inside else 0


def _compositions(total: int, parts: int, least: int = 2) -> Iterator[tuple[int, ...]]:
    """Ways to cut ``total`` names into ``parts`` runs of at least ``least``."""
    if parts == 1:
        if total >= least:
            yield (total,)
        return
    for first in range(least, total - least * (parts - 1) + 1):
        for rest in _compositions(total - first, parts - 1, least):
            yield (first, *rest)


def _joined(upper: str, lower: str) -> str:
    upper = upper.rstrip(": ")
    return lower if _years(lower) or lower.startswith(upper) else f"{upper} – {lower}"


def merged_names(upper: list[str], lower: list[str], width: int) -> list[str] | None:
    """One name per column for a header of ``upper`` names whose spanning cells are subdivided by ``lower``
    names, over rows of ``width`` cells; "" for a column the readings that fit do not agree on. None when no
    reading fits, or when there are too many to try (:data:`MAX_READINGS`)."""
    spanning = len(upper) + len(lower) - width
    if not 1 <= spanning <= min(MAX_SPANNING, len(upper) - FIXED_COLUMNS) or len(lower) < 2 * spanning:
        return None
    cuts = comb(len(lower) - spanning - 1, spanning - 1)  # ways to cut the lower names in runs of two or more
    if comb(len(upper) - FIXED_COLUMNS, spanning) * cuts > MAX_READINGS:
        return None
    readings: list[tuple[int, list[str]]] = []
    for cells in combinations(range(FIXED_COLUMNS, len(upper)), spanning):
        for runs in _compositions(len(lower), spanning):
            names: list[str] = []
            score, start, k = 0, 0, 0
            for i, name in enumerate(upper):
                if k < spanning and cells[k] == i:
                    run = lower[start:start + runs[k]]
                    fit = _fits(name, run)
                    if not fit:
                        break
                    score += fit
                    names.extend(_joined(name, sub) for sub in run)
                    start += runs[k]
                    k += 1
                else:
                    names.append(name)
            else:
                readings.append((score, names))
    if not readings:
        return None
    best = max(score for score, _ in readings)
    kept = [names for score, names in readings if score == best]
    return [names[0] if all(n[i] == names[0] for n in kept) else "" for i, names in enumerate(zip(*kept))]


def merge_header_rows(lines: list[str]) -> list[str]:
    """``lines`` with every table header written over several rows made one row of column names.

    A header is a row of at least three bold column names, followed (blank lines between allowed) by rows
    and bold paragraphs of further names, then optionally by a row numbering the columns, then by the data
    rows. The header lines become one bold row naming each column (see :func:`merged_names`); the column
    numbering row is dropped. Anything else is returned as it is."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        upper = _names_row(lines[i], 3)
        if upper is None:
            out.append(lines[i])
            i += 1
            continue
        lower: list[str] = []
        j = i + 1
        while j < len(lines):
            if not lines[j].strip():
                j += 1
            elif (names := _names_row(lines[j], 1)) is not None:
                lower.extend(names)
                j += 1
            else:
                break
        numbered = _column_numbers(lines[j]) if j < len(lines) else 0
        data = j + 1 if numbered else j
        width = numbered or _data_width(lines[data:])
        names = merged_names(upper, lower, width) if lower and width and data < len(lines) and _cells(
            lines[data]) else None
        if names is None and not lower and numbered == len(upper):
            out.append(lines[i])  # the header, without the row numbering its columns
            i = data
            continue
        if names is None:
            out.append(lines[i])
            i += 1
            continue
        out.append(" | ".join(f"**{name}**" if name else "" for name in names))
        i = data
    return out
