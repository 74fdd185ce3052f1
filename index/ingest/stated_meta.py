"""Metadata a Vietnamese decision states about itself in its first lines.

``stated_metadata(text)`` reads the head of a cleaned text (one paragraph per
line) and returns only what is written there:

- ``number``: "Số: 12/2022/QĐ-UBND" -> "12/2022/QĐ-UBND"; a blank number
  ("Số:    /2022/QĐ-UBND", a draft) -> "…/2022/QĐ-UBND";
- ``date`` / ``date_text``: "Ninh Thuận, ngày 01 tháng 12 năm 2022" ->
  "2022-12-01" / "ngày 01 tháng 12 năm 2022"; blanks give "2022-12" and
  "ngày … tháng 12 năm 2022";
- ``issuer`` / ``province``: "ỦY BAN NHÂN DÂN" + "TỈNH NINH THUẬN" (one or two
  lines) -> "Ủy ban nhân dân tỉnh Ninh Thuận" / "Ninh Thuận"; without an
  issuer line the province is the place before ", ngày";
- ``type``: the bare heading "QUYẾT ĐỊNH" -> "Quyết định";
- ``title`` (trích yếu): the line(s) right after that heading.
"""

from __future__ import annotations

import datetime as dt
import re

from sotay.text import fold, nfc

HEAD_LINES = 40
DOC_TYPES = (
    "QUYẾT ĐỊNH", "QUY ĐỊNH", "KẾ HOẠCH", "KẾ HOẠCH HÀNH ĐỘNG", "QUY CHẾ", "HƯỚNG DẪN",
    "ĐỀ ÁN", "CHƯƠNG TRÌNH", "CHƯƠNG TRÌNH HÀNH ĐỘNG", "PHƯƠNG ÁN", "ĐIỀU LỆ", "CHỈ THỊ",
    "NGHỊ QUYẾT", "THÔNG BÁO", "CÔNG VĂN",
)
_NUMBER = re.compile(r"\bSố\s*:?\s*(\d*)[\s.…_]*(/[^\s,;]+)")
_PLACE_DATE = re.compile(
    r"([A-ZĐÀ-Ỹ][^\W\d_]*(?:\s*-?\s*[A-ZĐÀ-Ỹ][^\W\d_]*){0,4})\s*,\s*ngày\s*(\d{1,2})?[\s.…_/]*"
    r"tháng\s*(\d{1,2})?[\s.…_/]*năm\s*(\d{4})"
)
_ORGANS = {"uy ban nhan dan": "Ủy ban nhân dân", "hoi dong nhan dan": "Hội đồng nhân dân"}
_LEVELS = {"tinh": "tỉnh", "thanh pho": "thành phố", "huyen": "huyện", "thi xa": "thị xã", "quan": "quận", "xa": "xã"}
_TITLE_STOP = re.compile(r"^(Căn cứ|Theo đề nghị|Xét đề nghị|Điều\s+\d|Chương\s|QUYẾT ĐỊNH\s*:|\()")
_MARKDOWN = re.compile(r"[*_#]+")


def _plain(line: str) -> str:
    return re.sub(r"\s+", " ", _MARKDOWN.sub("", line)).strip()


def _is_upper(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def doc_type(line: str) -> str | None:
    """"Quyết định" when ``line`` is a bare type heading such as "QUYẾT ĐỊNH" (not "QUYẾT ĐỊNH:")."""
    plain = _plain(line)
    return plain.capitalize() if plain in DOC_TYPES else None


def _title_case(words: str) -> str:
    return " ".join(w[:1].upper() + w[1:].lower() if w != "-" else w for w in words.split())


def _header_cells(lines: list[str]) -> list[str]:
    """The head's lines with a two-column header row split ("ỦY BAN … TỈNH X ---- | CỘNG HÒA …")."""
    cells: list[str] = []
    for line in lines:
        for cell in line.split(" | "):
            cell = re.sub(r"-{2,}|_{2,}", " ", cell).strip()
            if cell:
                cells.append(re.sub(r"\s+", " ", cell))
    return cells


def _issuer(lines: list[str]) -> tuple[str, str] | None:
    """("Ủy ban nhân dân tỉnh Ninh Thuận", "Ninh Thuận") from one or two capitalised lines."""
    lines = _header_cells(lines)
    for i, line in enumerate(lines):
        if not _is_upper(line):
            continue
        folded = fold(line)
        if folded.startswith("chu tich "):  # "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH X": the chairman issues it
            found = _issuer([line[len("chu tich "):], *lines[i + 1:i + 2]])
            return (f"Chủ tịch {found[0]}", found[1]) if found else None
        for organ_folded, organ in _ORGANS.items():
            if not folded.startswith(organ_folded):
                continue
            rest = line[len(organ_folded):].strip()
            if not rest and i + 1 < len(lines) and _is_upper(lines[i + 1]):
                rest = lines[i + 1]
            rest_folded = fold(rest)
            for level_folded, level in _LEVELS.items():
                if rest_folded.startswith(level_folded + " "):
                    place = _title_case(rest[len(level_folded):])
                    return f"{organ} {level} {place}", place
    return None


def _date(match: re.Match[str]) -> tuple[str, str]:
    day, month, year = match.group(2), match.group(3), match.group(4)
    date_text = f"ngày {day or '…'} tháng {month or '…'} năm {year}"
    date = year
    try:
        if month:
            date = dt.date(int(year), int(month), int(day or 1)).strftime("%Y-%m-%d" if day else "%Y-%m")
    except ValueError:
        date = year
    return date, date_text


def _title(lines: list[str], start: int) -> str:
    """The trích yếu: up to three lines after the type heading, in capitals ("VỀ VIỆC BAN HÀNH …")
    or not ("Về việc ban hành …"), but not a mix of both (a capitalised heading follows a title)."""
    parts: list[str] = []
    for line in lines[start:start + 3]:
        if _TITLE_STOP.match(line) or doc_type(line) or " | " in line or len(" ".join(parts + [line])) > 400:
            break
        if parts and _is_upper(line) != _is_upper(parts[0]):
            break
        parts.append(line)
    return " ".join(parts)


def stated_metadata(text: str) -> dict[str, str]:
    """The metadata fields written in the head of ``text``; a field the text does not state is absent."""
    lines = [p for p in (_plain(ln) for ln in nfc(text).splitlines()) if p][:HEAD_LINES]
    head = "\n".join(lines)
    found: dict[str, str] = {}
    if m := _NUMBER.search(head):
        found["number"] = (m.group(1) or "…") + m.group(2)
    if m := _PLACE_DATE.search(head):
        found["date"], found["date_text"] = _date(m)
        found["province"] = re.sub(r"\s+", " ", m.group(1))
    if issuer := _issuer(lines):
        found["issuer"], found["province"] = issuer
    for i, line in enumerate(lines):
        if kind := doc_type(line):
            found["type"] = kind
            if title := _title(lines, i + 1):
                found["title"] = title
            break
    return found
