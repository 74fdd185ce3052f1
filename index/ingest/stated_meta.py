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
  issuer line the province is the place before ", ngày". The chairman issues
  it ("Chủ tịch Ủy ban nhân dân tỉnh …") when the header says so, when the
  authority line under the title is "CHỦ TỊCH ỦY BAN NHÂN DÂN …", or, without
  one and unless it is a plan (a Kế hoạch is the committee's), when the
  signature is the chairman's ("KT. CHỦ TỊCH") rather than the committee's
  ("TM. ỦY BAN NHÂN DÂN");
- ``type``: the bare heading "QUYẾT ĐỊNH" -> "Quyết định", also when the title
  runs on in the same line ("QUYẾT ĐỊNH CÔNG BỐ DANH MỤC …");
- ``title`` (trích yếu): the line(s) right after that heading, the first one
  whatever its length.
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
_TITLE_STOP = re.compile(r"^(Căn cứ|Theo đề nghị|Xét đề nghị|Điều\s+\d|Chương\s|QUYẾT ĐỊNH\s*:|\(|"
                         r"CHỦ TỊCH\s|ỦY BAN NHÂN DÂN\s|UBND\s)")
TITLE_MAX_CHARS = 400  # a title's further lines are taken while the whole stays this short
_GLUED_TYPE = re.compile(r"^(" + "|".join(sorted(map(re.escape, DOC_TYPES), key=len, reverse=True)) + r")\s+(\S.*)$")
# The signature of the committee ("TM. ỦY BAN NHÂN DÂN") or of its chairman ("KT. CHỦ TỊCH", "CHỦ TỊCH").
_SIGNED_BY_COMMITTEE = re.compile(r"\b(tm|t/m)\s*\.?\s*(uy ban nhan dan|ubnd)\b")
_SIGNED_BY_CHAIRMAN = re.compile(r"(\bkt\s*\.\s*chu tich\b|^\s*chu tich\s*$|\|\s*chu tich\b)")
_RECIPIENTS = re.compile(r"^\W*noi nhan\b")
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


def glued_type(line: str) -> tuple[str, str] | None:
    """("Quyết định", "CÔNG BỐ DANH MỤC …") when a capitalised type heading and its title share one line."""
    plain = _plain(line)
    m = _GLUED_TYPE.match(plain)
    if m is None or not _is_upper(plain) or len(m.group(2)) < 12 or m.group(2).startswith((":", "SỐ")):
        return None
    return m.group(1).capitalize(), m.group(2)


def title_goes_on(parts: list[str], line: str) -> bool:
    """Whether ``line`` is (more of) the trích yếu after the title lines ``parts`` read so far.

    The first line is taken whatever its length; further ones while the title stays under
    :data:`TITLE_MAX_CHARS`, up to three lines, in the case of the first (a capitalised
    heading after a lower-case title is the authority line, not the title)."""
    if _TITLE_STOP.match(line) or doc_type(line) or " | " in line or len(parts) >= 3:
        return False
    if not parts:
        return True
    return len(" ".join(parts + [line])) <= TITLE_MAX_CHARS and _is_upper(line) == _is_upper(parts[0])


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
            rest = line[len("chu tich "):]
            if fold(rest).startswith("nhan dan"):  # "CHỦ TỊCH NHÂN DÂN THÀNH PHỐ HUẾ": the original drops "ỦY BAN"
                rest = f"ỦY BAN {rest}"
            found = _issuer([rest, *lines[i + 1:i + 2]])
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


def _title(lines: list[str], start: int, first: str = "") -> tuple[str, int]:
    """The trích yếu after the type heading (see :func:`title_goes_on`), and the index of the line after it.

    ``first`` is a title already read on the heading's own line ("QUYẾT ĐỊNH CÔNG BỐ …")."""
    parts: list[str] = [first] if first else []
    end = start
    for line in lines[start:]:
        if not title_goes_on(parts, line):
            break
        parts.append(line)
        end += 1
    return " ".join(parts), end


def _chairman(lines: list[str], after_title: int, text: str, kind: str) -> bool | None:
    """Whether the chairman (not the committee) issues the decision: from the authority line under
    the title ("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH …"); without one a plan is the committee's, anything
    else the signature's ("KT. CHỦ TỊCH" without "TM. ỦY BAN NHÂN DÂN"); None when nothing says."""
    for line in lines[after_title:after_title + 3]:
        folded = fold(line)
        if not _is_upper(line) or not re.match(r"(chu tich\s+)?(uy ban nhan dan|ubnd)\b", folded):
            continue
        return folded.startswith("chu tich")
    if kind.startswith("Kế hoạch"):
        return False
    signature = _signature(text)
    if _SIGNED_BY_COMMITTEE.search(signature):
        return False
    if _SIGNED_BY_CHAIRMAN.search(signature):
        return True
    return None


def _signature(text: str) -> str:
    """The folded recipients / signature block: the first "Nơi nhận" paragraph and the two after it."""
    paragraphs = [p for p in (_plain(ln) for ln in text.splitlines()) if p]
    for i, paragraph in enumerate(paragraphs):
        if _RECIPIENTS.match(fold(paragraph)):
            return "\n".join(fold(p) for p in paragraphs[i:i + 3])
    return ""


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
    after_title = 0
    for i, line in enumerate(lines):
        glued = None if doc_type(line) else glued_type(line)
        if kind := doc_type(line) or (glued and glued[0]):
            found["type"] = kind
            title, after_title = _title(lines, i + 1, glued[1] if glued else "")
            if title:
                found["title"] = title
            break
    issuer_name = found.get("issuer", "")
    chairman = _chairman(lines, after_title, text, found.get("type", "")) if issuer_name and after_title else None
    if chairman is not None:
        organ = issuer_name.removeprefix("Chủ tịch ")
        found["issuer"] = f"Chủ tịch {organ}" if chairman else organ
    return found
