"""Structure-aware parsing of Vietnamese decisions into citable passages.

A decision is a main part (the "Quyết định": number, title, recitals,
articles, recipients, signature) optionally followed by attachments
("QUY ĐỊNH", "KẾ HOẠCH" ... ban hành kèm theo). Inside a part the legal
hierarchy is recognised:

    Chương I / Điều 4. / khoản "2." / điểm "b)" / bullets "-", "+"
    Mục "II." / numbered "2." or "2.1." / điểm "a)" / bullets

Every passage carries a citation ("Quy định kèm theo, Điều 4, khoản 2, điểm b",
"Kế hoạch kèm theo, Mục II.2.1, điểm a") and its heading path as context.
Markdown emphasis and heading marks are removed, lines split by a page break
("Hiệu quả của hợp" / "tác xã chính là ...") are joined, and recipient lists
("Nơi nhận"), signatures, national banners and separators never become
passages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sotay.index.documents import Document
from sotay.index.ingest.stated_meta import doc_type as stated_doc_type
from sotay.index.ingest.stated_meta import glued_type, title_goes_on
from sotay.index.table_header import merge_header_rows
from sotay.text import fold, nfc

# Passages longer than this, whose body is a bullet list, are split per bullet.
MAX_PASSAGE_CHARS = 1200
# A short article or section with several clauses ("Điều 3. Nguyên tắc thực hiện": 1., 2.)
# is also a passage as a whole, so a question about the unit itself is answered by all of
# it; longer units are answered clause by clause.
MAX_WHOLE_UNIT_CHARS = 1000

_CHAPTER = re.compile(r"^Chương\s+([IVXLC]+|\d+)\b\.?\s*(.*)$")
_ARTICLE = re.compile(r"^Điều\s+(\d+)\s*[.:]?\s*(.*)$")
_ROMAN = re.compile(r"^([IVXL]+)\s*[.)]\s+(\S.*)$")
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)[.)](?!\d)\s*(.*)$")
_POINT = re.compile(r"^([a-zđ])\)\s*(.*)$")
_BULLET = re.compile(r"^([-+•–])\s*(.*)$")
_RECIPIENTS = re.compile(r"^Nơi\s+nhận\b", re.IGNORECASE)
_SIGNATURE = re.compile(r"^(TM|KT|TL|TUQ|Q)\s*\.\s*\S")
_SIGNATURE_TITLES = {"chu tich", "pho chu tich", "giam doc", "pho giam doc", "truong ban", "pho truong ban"}
_BANNER_FOLDED = ("cong hoa xa hoi chu nghia viet nam", "doc lap - tu do - hanh phuc")
_NUMBER_LINE = re.compile(r"^Số\s*:")
_PLACE_DATE = re.compile(r"^[^\W\d_][^,]{0,40},\s*ngày\b")
_ENACTING = re.compile(r"^(QUYẾT ĐỊNH|QUYẾT NGHỊ|CHỈ THỊ)\s*:\s*$")
_RECITAL = re.compile(r"^(Căn cứ|Theo đề nghị|Xét đề nghị|Theo đề xuất)\b"
                      # a plan's or a directive's basis: "Thực hiện Quyết định số …", "Triển khai thực hiện Nghị quyết …"
                      r"|^(Thực hiện|Triển khai thực hiện|Triển khai)\s+(các\s+)?(Nghị quyết|Quyết định|Chỉ thị|Kế hoạch"
                      r"|Thông tư|Nghị định|Luật|Kết luận|Công văn|Văn bản|Thông tri|Chương trình|Hướng dẫn|Đề án)\b")
# The enacting formula closing the recitals: "Ủy ban nhân dân tỉnh ban hành Quyết định …", "UBND tỉnh ban hành kế hoạch như sau:"
_ENACTING_FORMULA = re.compile(r"^(Ủy ban nhân dân|Uỷ ban nhân dân|UBND|Chủ tịch)\b.{0,120}?\bban hành\b", re.IGNORECASE)
# Headings of an attachment's parts: "PHẦN II. NỘI DUNG …", "A. DANH MỤC THỦ TỤC …", a label alone ("I.", "B.")
# whose title is the next line.
_DIVISION = re.compile(r"^(?:PHẦN|Phần)\s+([IVXLC]+|\d{1,2})\b\s*[.:]?\s*(.*)$")
_LETTER = re.compile(r"^([A-ZĐ])\s*[.)]\s*(.*)$")
_BARE_LABEL = re.compile(r"^([IVXLC]+)\s*[.)]$")
RESUME_MIN_CHARS = 60  # a paragraph this long after a form's signature is the attachment's text again
CAPTION_MAX_CHARS = 250  # an unnumbered capitalised line of an attachment this short is a heading
_ATTACHMENT_NOTE = re.compile(r"^\((Ban hành )?[Kk][eè]m theo\b")  # "kem theo": a typo of the originals
_CLOSING = re.compile(r"^Trên đây là\b")
_SEPARATOR = re.compile(r"^[\W_]*$")
_ENDS_SENTENCE = re.compile(r"[.:;!?…)\]\"”]$")
_DOC_TYPES = (
    "QUYẾT ĐỊNH", "QUY ĐỊNH", "KẾ HOẠCH", "KẾ HOẠCH HÀNH ĐỘNG", "QUY CHẾ", "HƯỚNG DẪN",
    "ĐỀ ÁN", "CHƯƠNG TRÌNH", "CHƯƠNG TRÌNH HÀNH ĐỘNG", "PHƯƠNG ÁN", "ĐIỀU LỆ", "CHỈ THỊ",
)
# What may follow the signature as an attachment, whatever its heading says next:
# "PHỤ LỤC I", "QUY TRÌNH RÀ SOÁT …", "DANH MỤC THỦ TỤC …", "DANH SÁCH XÃ …", "MẪU SỐ 01".
_ATTACHMENT_HEADING = re.compile(
    r"^(PHỤ LỤC|DANH MỤC|DANH SÁCH|QUY TRÌNH|QUY ĐỊNH|QUY CHẾ|KẾ HOẠCH|PHƯƠNG ÁN|ĐIỀU LỆ|NỘI QUY|HƯỚNG DẪN"
    r"|CHƯƠNG TRÌNH|ĐỀ ÁN|BIỂU MẪU|MẪU|BẢNG|TIÊU CHÍ)\b\s*(SỐ\s*)?([IVXLC]+|\d+[a-z]?)?\b"
)
# An appendix numbered on its own ("PHỤ LỤC II", "Phụ lục 02", "MẪU SỐ 01") starts a new part anywhere.
_NUMBERED_APPENDIX = re.compile(r"^(PHỤ LỤC|Phụ lục|MẪU|Mẫu)\s*(SỐ|số)?\s*([IVXLC]+|\d+[a-z]?)\s*[.:]?\s*$")
# A question about the legal basis is answered by the recitals; any other is not.
ROW_MARK = "\u241e"  # starts a cleaned line that is a table row "Header: cell; Header: cell"


@dataclass(frozen=True)
class Passage:
    """One answerable unit of a decision.

    ``text`` is the verbatim clause (markdown removed); ``headings`` the titles
    of the enclosing units, outermost first; ``citation`` where it stands.
    """

    doc_id: str
    citation: str
    text: str
    headings: tuple[str, ...] = ()
    kind: str = "body"  # body | whole (a short unit with its clauses) | row (of a table) | column (one column of a
    # long row, after the cells that name the row) | preamble | title | recital | closing
    lead_lines: int = 0  # leading lines of ``text`` that are the parent's lead sentence, not the clause itself

    @property
    def clause(self) -> str:
        """``text`` without the parent's lead sentence: the clause as the decision numbers it."""
        return self.text.split("\n", self.lead_lines)[-1] if self.lead_lines else self.text


@dataclass
class _Unit:
    """A node of the legal hierarchy while parsing."""

    kind: str  # part | chapter | division | letter | caption | article | section | numbered | point
    label: str  # "4", "II", "2.1", "b"
    line: str  # the line that opened it, e.g. "b) Tỷ lệ thu hồi ..."
    parent: "_Unit | None"
    body: list[str] = field(default_factory=list)
    has_children: bool = False
    prefix: str = ""  # for a part: how its passages are cited ("Quy định kèm theo", "Phụ lục II")
    titled: bool = False  # for a part: its title line has been read

    def ancestors(self) -> list["_Unit"]:
        chain: list[_Unit] = []
        node: _Unit | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]


def clean_lines(raw: str) -> list[str]:
    """Non-empty logical lines: markdown stripped, page-break splits joined, table rows made self-describing.

    A table is a run of consecutive lines with cells separated by " | " (as the corpus and
    ``ingest`` write them). Its first row names the columns; every further row becomes one
    line starting with :data:`ROW_MARK` that carries its column names ("Tên thủ tục: …;
    Thời hạn giải quyết: 90 ngày"). Layout tables (the agency / national banner header, the
    recipients / signature block) are left as plain lines.

    Converted tables are often broken by blank lines, a long cell running on as lines of its
    own ("1.1 | Rà soát … |" / "Các cơ chế, chính sách …" / "| II | Phát triển hạ tầng"). A
    block that comes right after a table (at most :data:`TABLE_GAP` lines of text between) goes
    on with that table: a row whose first cell is a row label ("2.1", "II", "A", "Bước 3") is a
    row of it, anything else (and the text lines before it) the rest of the row before. A row of
    bold column names, in a block of its own or not, starts the table again under those names.

    Column names written over two or more rows are made one row first (:mod:`table_header`). A group
    row ("1 | Cà Phê") names the rows under it (:class:`_GroupRows`); figures one per line right under
    a row ("9 | Sữa và sản phẩm từ sữa" / "14.000" / "19.000") are that row's cells, without column
    names unless they fill it exactly. Column names go on past short bold or capitalised captions
    ("**A. THỦ TỤC HÀNH CHÍNH ÁP DỤNG CHUNG**") to numbered rows of the same width; a bold "label: |
    value" row under a table ("**- Cấp tỉnh:** | **01** | **TTHC**") is a summary, not a row of its columns.
    """
    text = nfc(raw).replace("\r\n", "\n").replace("\u00a0", " ")
    text = "\n".join(line for raw_line in text.split("\n") for line in _unglue_tables(raw_line))
    text = re.sub(r"\*{4,}", "\n", text)  # "**I. MỤC ĐÍCH****1. Mục đích**": two headings glued
    lines: list[str] = []
    header: list[str] | None = None  # the column names of the table being read
    held: list[str] = []  # text lines after a table row, until it is known whether the table goes on
    filled = 0  # cells of the last row read: a cell running on as a line of its own fills the next column
    fresh = False  # column names read and no row yet: a bold paragraph of its own is one more column name
    groups = _GroupRows()
    kept: list[str] | None = None  # the column names of the table before the captions read since ("**A. …**")
    kept_gap = 0  # caption lines read since that table
    previous_blank = True

    def add_text(line: str) -> None:
        if lines and not lines[-1].startswith(ROW_MARK) and _continues(lines[-1], line):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)

    def release() -> None:
        nonlocal header, kept, kept_gap
        for line in held:
            add_text(line)
        held.clear()
        if header is not None and any(header):
            kept, kept_gap = header, 0
        header = None
        groups.end()

    def add_loose(numbers: list[str]) -> None:
        """Numbers read one per line under a row, as its next cells: named by their columns when they fill
        the row exactly, else without names (which column a number is under cannot be told)."""
        nonlocal filled
        assert header is not None
        if filled + len(numbers) == len(header):
            run_on(numbers)
        else:
            lines[-1] = "; ".join([lines[-1], *numbers])
            filled = len(header)

    def add_row(number: str, cells: list[str], at: int) -> None:
        """A row of the table (line ``at``), under the group row above it; a group row starts a group. A bold
        "label: | value" row ("**Tổng số danh mục TTHC công bố:** | **02** | **TTHC**") is a summary under the
        table, not a row of its columns."""
        nonlocal filled, fresh
        assert header is not None
        if _is_summary(raw_lines[at]):
            lines.append(f"{ROW_MARK}{ROW_MARK}{_row_text([''] * len(cells), cells)}")
            filled, fresh = len(header), False
            return
        cells = groups.read(header, cells, _next_row(raw_lines, at))
        filled, fresh = len(cells), False
        lines.append(f"{ROW_MARK}{number}{ROW_MARK}{_row_text(header, cells)}")

    def run_on(cells: list[str]) -> None:
        """The held lines, then ``cells``, as the next cells of the last row, named by their columns."""
        nonlocal filled
        assert header is not None
        parts = [lines[-1]]
        for cell in [*held, *cells]:
            name = header[filled] if filled < len(header) else ""
            filled += 1
            if cell:
                parts.append(f"{name}: {cell}" if name else cell)
        lines[-1] = "; ".join(parts)
        held.clear()

    raw_lines = merge_header_rows(text.split("\n"))
    loose = _loose_runs(raw_lines)
    skip_to = 0
    for at, raw_line in enumerate(raw_lines):
        if at < skip_to:
            continue
        line = _strip_markdown(raw_line)
        if not line:
            previous_blank = True
            continue
        if raw_line.startswith("| "):
            raw_line = f" {raw_line}"  # "| **II** | …": an empty first cell
        cells = [_strip_markdown(c) for c in raw_line.split(" | ")] if " | " in raw_line else []
        # a new block right after a table row
        broken = header is not None and previous_blank and bool(lines) and lines[-1].startswith(ROW_MARK)
        previous_blank = False
        groups.next_line(bool(cells) and not _layout_row(line))
        if at in loose and header is not None and not held and lines[-1].startswith(ROW_MARK):
            skip_to = loose[at]  # " | **Tổng I + II**" / "**240.000**" / "**270.000**": cells one per line
            add_loose([_strip_markdown(raw) for raw in raw_lines[at:skip_to]])
            continue
        if cells and not _layout_row(line) and header is not None and held and _is_row_label(held[0]) \
                and not _is_row_label(cells[0]) and len(held) + len(cells) <= len(header) + 1:
            # "1.1" / "Kiện toàn Ban Chỉ đạo …" / "Sở Khoa học … | 2025 | Quyết định": one row broken over paragraphs
            cells = [*held, *cells]
            held.clear()
            label = cells[0].rstrip(".") if re.fullmatch(r"[0-9.]+", cells[0]) else ""
            if len(cells) == len(header) + 1:
                cells = cells[1:]  # the row label, under column names without an STT column
            add_row(label, cells, at)
            continue
        if cells and not _layout_row(line):
            if header is not None and _is_bold_header(raw_line) and _looks_like_header(cells):
                if lines and lines[-1].startswith(ROW_MARK) or held:  # after rows: the table starts again
                    release()
                    header = _column_names(cells)
                    if len(header) < len(cells):
                        add_text(cells[0])  # "B. THỦ TỤC … | STT | Tên TTHC": the title glued in front is a heading
                    fresh = True
                continue  # right under the column names: their second line ("Năm 2026 | Năm 2027")
            if held and not broken and _is_row_label(next((c for c in cells if c), "")):
                run_on([])  # "1 | 1.009642" / its name / its place, as paragraphs / "2 | …" with no blank line before
            if broken:
                if not _is_row_label(next((c for c in cells if c), "")):
                    run_on(cells)
                    continue
                run_on([])  # text before a new row: the rest of the row before
            elif header is None or previous_blank:
                carried = kept if kept_gap and not _looks_like_header(cells) and not _is_bold_row(raw_line) \
                    and _fits_columns(kept, cells) else None
                release()
                if carried:
                    header = list(carried)  # "**A. THỦ TỤC … ÁP DỤNG CHUNG**" between the column names and the rows
                else:
                    header = _column_names(cells) if _looks_like_header(cells) else [""] * len(cells)
                    if len(header) < len(cells):
                        add_text(cells[0])
                    if any(header):
                        fresh = _is_bold_header(raw_line)
                        continue
            assert header is not None
            if not cells[0] and len(cells) > 1 and (_is_row_label(cells[1]) or len(cells) == len(header) + 1):
                cells = cells[1:]  # " | 2 | Xã Cát Tiên", " | - | Diện tích": a merged first column flattened
            number = cells[0] if re.fullmatch(r"\d{1,4}\.?", cells[0]) else ""
            if len(cells) == len(header) + 1 and _is_row_label(cells[0]):
                cells = cells[1:]  # a row label under column names without an STT column: names the rest
            add_row(number.rstrip("."), cells, at)
            continue
        if header is not None and fresh and not held and _is_bold_cell(raw_line):
            header.append(line)  # "**Nội dung** | **Đơn vị thực hiện**" / "**Thời gian thực hiện**": a header broken
            continue
        if header is not None and len(held) < TABLE_GAP and not _opens_section(line, raw_line):
            held.append(line)
            continue
        release()
        add_text(line)
        kept_gap += 1
        if kept_gap > TABLE_GAP or not _is_caption(line, raw_line):
            kept = None  # text after the table: a table after it is another one
    release()
    return lines


def _is_summary(raw_line: str) -> bool:
    """A row of bold cells whose first names the others ("**- Cấp tỉnh:** | **01** | **TTHC**")."""
    filled = [c.strip() for c in raw_line.split(" | ") if c.strip()]
    return len(filled) >= 2 and all(c.startswith("**") and c.endswith("**") for c in filled[1:]) \
        and _strip_markdown(filled[0]).endswith(":") and "**" in filled[0]


def _is_bold_row(raw_line: str) -> bool:
    """Every cell bold ("**1** | **KÝ HIỆU QUY TRÌNH** | **QT.TBYT.01**"): after captions, a new table's first row."""
    return all(c.strip().startswith("**") and c.strip().endswith("**") for c in raw_line.split(" | ") if c.strip())


def _is_caption(line: str, raw_line: str) -> bool:
    """A short bold or capitalised paragraph ("**III**", "**Lĩnh vực Quản lý Công sản (07 TTHC)**")."""
    raw = raw_line.strip()
    return len(line) <= CAPTION_MAX_CHARS and (raw.startswith("**") and raw.endswith("**") or _is_upper(line))


def _fits_columns(names: list[str] | None, cells: list[str]) -> bool:
    """Whether a numbered row of ``cells`` has the columns ``names`` name: a label or an empty first cell
    before them, an empty last cell dropped ("… | Căn cứ pháp lý | Ghi chú" over rows without the note)."""
    width = len(cells) - (0 if cells[0] else 1)
    numbered = _is_row_label(next((c for c in cells if c), ""))  # "01 | 2.000908 | …", not "Tổng số: | 02"
    return names is not None and numbered and len(names) - 1 <= width <= len(names) + 1


_LOOSE_NUMBER = re.compile(r"\d[\d.,]*")
MIN_LOOSE_CELLS = 2  # a number alone under a row may be the label of the next one ("1.1" / its text / its cells)


def _loose_runs(raw_lines: list[str]) -> dict[int, int]:
    """Runs of numbers one per line right under a table row, as {first line: line after the last}: at least
    :data:`MIN_LOOSE_CELLS` of them, followed by another row, a blank line or the end of the text."""
    runs: dict[int, int] = {}
    at = 1
    while at < len(raw_lines):
        end = at
        while end < len(raw_lines) and " | " not in raw_lines[end] \
                and _LOOSE_NUMBER.fullmatch(_strip_markdown(raw_lines[end])):
            end += 1
        after = raw_lines[end] if end < len(raw_lines) else ""
        if end - at >= MIN_LOOSE_CELLS and " | " in raw_lines[at - 1] and (" | " in after or not after.strip()):
            runs[at] = end
        at = max(end, at + 1)
    return runs


GROUP_MIN_COLUMNS = 3  # a table this wide has group rows ("1 | Cà Phê") over rows of figures or names
GROUP_LAST_COLUMN = 1  # a group's name stands where its rows' names do: in the first or second column
GROUP_MAX_CHARS = 120  # a group's name ("Lĩnh vực Thành lập và hoạt động của hộ kinh doanh (02 TTHC)")
_NUMBER_COLUMN = re.compile(r"S?TT|Số TT|Số thứ tự", re.IGNORECASE)


@dataclass(frozen=True)
class _Group:
    """A group row of a table: the level of its label (None without one), the column of its text, the text."""

    level: int | None
    column: int
    text: str


class _GroupRows:
    """The group row ("1 | Cà Phê", "I | LĨNH VỰC …") the rows of a table read after it belong to.

    A group row is one short text cell, with or without a label (:func:`_group_of`); it heads the rows that
    follow it directly, which then carry its name before their own ("Chỉ tiêu: Cà Phê — Diện tích"). The group
    ends at the next group row, at a row whose label stands as high as its own ("2 | Chè" after "1 | Cà Phê"),
    for a group without a label at a row standing higher than its first row, and with the table.
    """

    def __init__(self) -> None:
        self.group: _Group | None = None
        self.fresh = False  # the group row was the last line: it heads rows only if a row follows
        self.rows_level: int | None = None  # the level of the first row under a group without a label

    def end(self) -> None:
        self.group = None

    def next_line(self, is_row: bool) -> None:
        """Called for every line after a group row: one that is not a table row ends the group
        ("9 | Sữa và sản phẩm từ sữa" then "14.000": a row with its cells one per line)."""
        if self.fresh and not is_row:
            self.group = None
        self.fresh = False

    def read(self, header: list[str], cells: list[str], following: list[str]) -> list[str]:
        """The cells to write for a row of the table under ``header`` (``following``: the next row's cells):
        a group row's, without a label standing outside the columns; any other row's with the group's name
        before the row's own (its first cell with letters from the group's column on)."""
        label = cells[0] if _is_row_label(cells[0]) else ""
        level = _row_level(cells)
        group = self.group
        if group is not None and level is not None:
            if group.level is not None and level <= group.level or self.rows_level is not None \
                    and level < self.rows_level:
                group = self.group = None  # "2 | Chè" after the rows of "1 | Cà Phê"; "II" after a group's "1"
            elif self.rows_level is None:
                self.rows_level = level  # the level of the group's rows: "- | Diện tích", "+ Học sinh …"
        named = cells[1:] if label and _label_outside(header, following) else cells
        if (new := _group_of(header, named, level if label else None)) is not None:
            self.group, self.fresh, self.rows_level = new, True, None
            return named  # "II | Hợp tác …" over "Nội dung | Đơn vị thực hiện", rows "2.1 | Hợp tác … | Sở …"
        if group is None:
            return cells
        at_name = next((k for k in range(group.column, len(cells)) if any(c.isalpha() for c in cells[k])), None)
        if at_name is None:
            return cells
        return [*cells[:at_name], f"{group.text} — {cells[at_name]}", *cells[at_name + 1:]]


def _row_level(cells: list[str]) -> int | None:
    """How high a row stands in its table, by its label or the bullet its name starts with: "A" 0, "II" 1,
    "2" 2, "2.1" 3 …, "-" 8, "+" 9; None for a row with neither."""
    first = cells[0].rstrip(".)") if cells else ""
    if cells and _is_row_label(cells[0]):
        if re.fullmatch(r"[IVXLC]+", first):
            return 1
        if re.fullmatch(r"[A-ZĐ]", first, re.IGNORECASE):
            return 0
        if re.fullmatch(r"\d+(\.\d+)*", first):
            return 1 + first.count(".") + 1
        return None  # "Bước 3"
    name = next((c for c in cells if c), "")
    return 9 if name.startswith("+") else 8 if _BULLET.match(name) else None


def _next_row(raw_lines: list[str], at: int) -> list[str]:
    """The cells of the first table row after line ``at`` ([] when a text line comes first)."""
    for raw_line in raw_lines[at + 1:]:
        if not raw_line.strip():
            continue
        if " | " not in f" {raw_line}":
            return []
        cells = [_strip_markdown(c) for c in f" {raw_line}".split(" | ")]
        return cells[1:] if not cells[0] and len(cells) > 1 and _is_row_label(cells[1]) else cells
    return []


def _label_outside(header: list[str], following: list[str]) -> bool:
    """Whether row labels stand outside the named columns: the next row is a label and one cell per column."""
    return len(following) == len(header) + 1 and _is_row_label(following[0])


def _group_of(header: list[str], cells: list[str], level: int | None) -> _Group | None:
    """The group a row opens ("1 | Cà Phê", "I | CÂY CÔNG NGHIỆP", " | CẤP TỈNH"): in a table of at least
    :data:`GROUP_MIN_COLUMNS` columns, two of them named, a row of one short text cell, with or without a
    label (of ``level``)."""
    if len(header) < GROUP_MIN_COLUMNS or sum(1 for h in header if h) < 2 or sum(1 for c in cells if c) > 2:
        return None
    texts = [(k, c) for k, c in enumerate(cells) if c and not _is_row_label(c)]
    if len(texts) != 1 or texts[0][0] > GROUP_LAST_COLUMN or len(cells) > len(header):
        return None  # a cell further right, or a row wider than the table: not a name over the rows below
    column, text = texts[0]
    if len(text) > GROUP_MAX_CHARS or _BULLET.match(text) or not any(ch.isalpha() for ch in text):
        return None  # a long or bulleted cell alone on its row: a merged cell's text, not a group's name
    return _Group(level, column, text)


GLUED_CLOSING_CELLS = 3  # cells of the last row before the glued heading ("12 ngày"; "Tổng thời gian …" | "17 ngày")
_PROCEDURE_NUMBER = re.compile(r"\bQuy trình số:?\s*\d{1,3}\b\s*", re.IGNORECASE)
_HEADING_START = re.compile(r"(?:[IVXL]+|[A-ZĐ]|\d{1,2}(?:\.\d{1,2})*)\.\s+\S")
_HEADING_SPLIT = re.compile(r"\s+(?=(?:[IVXL]+|[A-ZĐ]|\d{1,2}(?:\.\d{1,2})*)\.\s+[^\W\d_])")


def _unglue_tables(raw_line: str) -> list[str]:
    """``raw_line``, or the three things a conversion glued into it when two tables stood back to back.

    "**Tổng thời gian thực hiện TTHC** | **17 ngày làm việc** | **Quy trình số: 05 5. Quy trình …: Cấp lại
    giấy phép …** | **Thứ tự công việc** | **Nội dung công việc** | …" is the last row of one procedure's
    table ("Tổng thời gian thực hiện TTHC: 17 ngày làm việc"), the next procedure's heading(s) and the
    column names of its table. Split so that the heading opens its own unit and heads the rows below.
    """
    cells = raw_line.split(" | ")
    for at in range(1, min(len(cells) - 2, GLUED_CLOSING_CELLS + 1)):
        heading = _PROCEDURE_NUMBER.sub("", _strip_markdown(cells[at]))
        names = [c.strip() for c in cells[at + 1:] if c.strip()]
        if not (cells[at].lstrip().startswith("**") and _HEADING_START.match(heading) and len(names) >= 3
                and all(c.startswith("**") for c in names) and _looks_like_header([_strip_markdown(c) for c in names])):
            continue
        before = [_strip_markdown(c) for c in cells[:at] if _strip_markdown(c)]
        if len(before) == 2:  # "Tổng thời gian …" | "17 ngày làm việc": a label and its value
            label, value = before
            closing = [value if value.startswith(label) else f"{label} {value}" if label.endswith(":") else f"{label}: {value}"]
        else:
            closing = [" | ".join(cells[:at])] if before else []
        headings = [f"**{part}**" for part in _HEADING_SPLIT.split(heading) if part]
        return [*closing, *headings, " | ".join(cells[at + 1:])]
    return [raw_line]


TABLE_GAP = 3  # text lines a broken table may have between two of its blocks
_ROW_LABEL = re.compile(r"(Bước\s*)?(\d{1,3}(\.\d{1,3})*|[IVXLC]{1,6}|[A-ZĐ])\s*[.)]?", re.IGNORECASE)


def _column_names(cells: list[str]) -> list[str]:
    """A header row's column names, without the table's title when the conversion glued it in front
    ("DANH MỤC THỦ TỤC HÀNH CHÍNH ĐƯỢC SỬA ĐỔI (08 TTHC) | TT | Tên thủ tục hành chính | …")."""
    first = cells[0]
    if len(cells) >= 3 and len(first) > 30 and first == first.upper() and any(c.isalpha() for c in first):
        return cells[1:]
    return cells


def _is_label(line: str) -> bool:
    """A numbered heading that only names what follows ("2. Trình tự thực hiện", "b) Thành phần hồ sơ:"): short,
    no figure, no sentence."""
    m = _NUMBERED.match(line) or _POINT.match(line)
    text = (m.group(2) if m else line).strip().rstrip(":")
    return 0 < len(text) <= LABEL_MAX_CHARS and not any(c.isdigit() for c in text) and not _ENDS_SENTENCE.search(text)


LABEL_MAX_CHARS = 60


def _is_row_label(cell: str) -> bool:
    """Whether a table's first cell numbers its row ("2.1", "II", "A", "Bước 3")."""
    return bool(_ROW_LABEL.fullmatch(cell))


def _is_bold_cell(raw_line: str) -> bool:
    """A short bold paragraph of a few words without a sentence's end ("**Thời gian thực hiện**")."""
    raw = raw_line.strip()
    text = _strip_markdown(raw)
    return (raw.startswith("**") and raw.endswith("**") and 0 < len(text) <= 40 and not _ENDS_SENTENCE.search(text)
            and any(c.isalpha() for c in text) and not _is_upper(text) and not _is_row_label(text))


def _is_bold_header(raw_line: str) -> bool:
    """A row of bold column names ("**STT** | **Nội dung** | **Đơn vị thực hiện**"), not a bold section row
    of a table ("**II** | **Phát triển hạ tầng**")."""
    filled = [c.strip() for c in raw_line.split(" | ") if c.strip()]
    return (len(filled) >= 3 and all(c.startswith("**") and c.endswith("**") for c in filled)
            and not _is_row_label(_strip_markdown(filled[0])))


def _opens_section(line: str, raw_line: str) -> bool:
    """A heading or a line that starts a unit of the decision, never the rest of a table cell."""
    bold = raw_line.strip().startswith("**") and raw_line.strip().endswith("**")
    return bool(bold or _is_upper(line) or _ARTICLE.match(line) or _CHAPTER.match(line) or _NUMBERED.match(line)
                or _RECIPIENTS.match(line) or _SIGNATURE.match(line) or _ATTACHMENT_HEADING.match(line)
                or _NUMBERED_APPENDIX.match(line) or _ROMAN.match(line))


def _strip_markdown(raw_line: str) -> str:
    line = re.sub(r"^\s{0,3}#{1,6}\s*", "", raw_line)
    line = line.replace("**", "").replace("__", "")
    line = re.sub(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])", r"\1", line)  # *italic*
    line = re.sub(r"(?:(?<=\s)|^)\*+|\*+(?=\s|$)", "", line)  # stray emphasis marks: "* * *Nơi nhận:*", "*- Trực"
    return re.sub(r"\s+", " ", line).strip()


def _layout_row(line: str) -> bool:
    """The header (agency | national banner, number | place and date) or signature rows of a decision."""
    folded = fold(line)
    return bool(re.match(r"(uy ban nhan dan|ubnd|chu tich|so\s*:|noi nhan|tm\.|kt\.|hoi dong nhan dan)", folded)
                or "cong hoa xa hoi chu nghia" in folded or "doc lap - tu do" in folded)


def _is_table_continuation(lines: list[str]) -> bool:
    return bool(lines) and lines[-1].startswith(ROW_MARK)


def _looks_like_header(cells: list[str]) -> bool:
    """Column names: short, mostly letters, none of them a row number or a long sentence."""
    filled = [c for c in cells if c]
    return (len(filled) >= 2 and all(len(c) <= 80 and not re.fullmatch(r"[\d.]+", c) for c in filled)
            and not any(c.endswith((".", ";")) for c in filled) and not filled[0].endswith(":"))


def _row_text(header: list[str], cells: list[str]) -> str:
    """One row as "Column: cell; Column: cell" (cells without a column name are kept as they are)."""
    parts = []
    for at, (name, cell) in enumerate(zip(header + [""] * (len(cells) - len(header)), cells)):
        if not cell or (not name and at == 0 or _NUMBER_COLUMN.fullmatch(name)) \
                and re.fullmatch(r"\d{1,4}\.?", cell):
            continue  # the row's number
        if _NUMBER_COLUMN.fullmatch(name):
            if sum(c.isalpha() for c in cell) < 2 or _is_row_label(cell) and not cell.lower().startswith("bước"):
                continue  # a section number ("II", "A") or a dash in the number column
            name = ""  # anything else there ("Bước 1", an indicator's name) is kept as it is
        parts.append(f"{name}: {cell}" if name else cell)
    return "; ".join(parts)


def _continues(previous: str, line: str) -> bool:
    """True when ``line`` is the rest of a sentence cut by a page or line break."""
    if _ENDS_SENTENCE.search(previous) or _BULLET.match(line) or _POINT.match(line):
        return False
    first = line.lstrip("(")[:1]
    return first.islower()


def _is_banner(line: str) -> bool:
    folded = fold(line)
    return any(folded.startswith(b) for b in _BANNER_FOLDED)


def _is_upper(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _doc_type(line: str) -> str | None:
    """The document type when ``line`` is a bare type heading ("QUY ĐỊNH")."""
    stripped = line.strip(" :.")
    return stripped if stripped in _DOC_TYPES and not line.endswith(":") else None


class _Parser:
    """Single pass over the cleaned lines of one document."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.units: list[_Unit] = []
        self.extra: list[Passage] = []
        self.part = _Unit("part", "", "", None)
        self.part_prefix = ""
        self.current: _Unit = self.part
        self.state = "header"  # header | body | skip | attachment-title
        self.attachments = 0
        self.parts: list[_Unit] = []  # the attachments, in order
        self.titled = False  # the title (trích yếu) has been read
        self.title_lines: list[str] | None = None  # the title's lines while it is read, after the type heading
        self.title_at = -1  # its passage in ``extra``
        self.doc_kind = ""  # the type heading read ("Quyết định", "Kế hoạch" …)
        self.rows = 0  # table rows read in the current part (for rows without a number)

    # -- hierarchy -------------------------------------------------------
    def _open(self, kind: str, label: str, line: str) -> None:
        unit = _Unit(kind, label, line, None)
        parent = self.current
        while parent.kind != "part" and self._depth(parent) >= self._depth(unit):
            parent = parent.parent  # type: ignore[assignment]
        if kind == "numbered" and parent.kind == "numbered" and not label.startswith(parent.label + "."):
            parent = parent.parent  # type: ignore[assignment]
        unit.parent = parent
        parent.has_children = True
        self.units.append(unit)
        self.current = unit

    @staticmethod
    def _depth(unit: _Unit) -> float:
        base = {"chapter": 0, "division": 0.3, "letter": 0.5, "caption": 0.9, "article": 1, "section": 1,
                "numbered": 2, "point": 3}[unit.kind]
        if unit.kind == "numbered":  # "2.1" sits below "2"
            return base + unit.label.count(".") * 0.1
        return base

    def _start_part(self, heading: str) -> None:
        """An attachment begins: "QUY ĐỊNH" -> "Quy định kèm theo", "PHỤ LỤC II" -> "Phụ lục II"."""
        m = _ATTACHMENT_HEADING.match(heading.upper())
        named = heading.strip(" :.")
        kind = named if named in _DOC_TYPES or not m else m.group(1)
        number = m.group(3) if m and kind == m.group(1) else None
        if number or kind in ("PHỤ LỤC", "MẪU", "BIỂU MẪU"):
            prefix = kind.capitalize() + (f" {'số ' if kind != 'PHỤ LỤC' else ''}{number}" if number else "")
        else:
            prefix = kind.capitalize() + " kèm theo"
        self.attachments += 1
        self.part = _Unit("part", kind, heading, None, prefix=prefix)
        self.parts.append(self.part)
        self.part_prefix = prefix
        self.current = self.part
        self.rows = 0
        self.state = "attachment-title"
        if m and kind == m.group(1) and not number and len(named) > m.end() + 10:
            # "DANH SÁCH XÃ, PHƯỜNG MIỀN NÚI …", "QUY TRÌNH RÀ SOÁT …": the heading is the attachment's title
            self.part.titled = True
            self.extra.append(self._passage(prefix + ", trích yếu", named, "title"))

    # -- dispatch ---------------------------------------------------------
    def feed(self, line: str) -> None:
        if line.startswith(ROW_MARK):
            self._row(line)
            return
        if _SEPARATOR.match(line) or _is_banner(line):
            return
        if _RECIPIENTS.match(line) or _SIGNATURE.match(line):
            self.state = "skip"
            return
        doc_type = _doc_type(line)
        if doc_type and (self.state == "skip" or (self.state == "body" and not self.units)):
            self._start_part(doc_type)
            return
        if self.state == "skip" and _is_upper(line.split("(", 1)[0]) and _ATTACHMENT_HEADING.match(line):
            # "DANH MỤC VÀ QUY TRÌNH NỘI BỘ … (Kèm theo Quyết định số …)": the note may follow in the same line
            self._start_part(line)
            return
        if self.state in ("body", "attachment-title") and self.attachments and _NUMBERED_APPENDIX.match(line):
            self._start_part(line.upper())
            return
        if self.state == "skip":
            if not (self.attachments and self._resumes(line)):
                return
            self.state = "body"  # a form's "Nơi nhận" / signature inside an attachment: its text goes on
        if self.state == "header":
            self._header(line)
        elif self.state == "attachment-title":
            self._attachment_title(line)
        else:
            self._body(line)

    def _header(self, line: str) -> None:
        if " | " in line and _layout_row(line):
            return  # the agency | national banner block
        if self._title_line(line):
            return
        if _ENACTING.match(line):
            self.state = "body"
        elif (_ARTICLE.match(line) or _CHAPTER.match(line)
              or (m := _ROMAN.match(line)) and self._roman_plausible(m.group(1))
              or self.titled and _NUMBERED.match(line)):
            self.state = "body"  # a decision's first article, a plan's first section, a directive's first point
            self._body(line)
        elif _RECITAL.match(line) or _ENACTING_FORMULA.match(line) or self._recital_goes_on():
            self.extra.append(self._passage("Phần căn cứ", line, "recital"))
        elif (_NUMBER_LINE.match(line) or _PLACE_DATE.match(line) or _is_upper(line)):
            return  # number, place and date, type, issuer: metadata, not passages
        elif not self.titled and self.title_lines is None:  # no type heading: the first plain line
            self.titled = True
            self.extra.append(self._passage("Trích yếu", line, "title"))
        elif not self.titled:
            return  # between the type heading and a title that never came: an authority line
        else:  # the opening paragraphs of a plan or a directive, before its first section
            self.extra.append(self._passage("Phần mở đầu", line, "preamble"))

    def _recital_goes_on(self) -> bool:
        """In a decision, a paragraph after a recital is more of the recitals ("Nghị định số 92/2017/NĐ-CP …",
        a recital broken in two); a plan's or a directive's paragraphs after its basis are its preamble."""
        return self.doc_kind == "Quyết định" and bool(self.extra) and self.extra[-1].kind == "recital"

    def _title_line(self, line: str) -> bool:
        """Read the trích yếu: the line(s) after the bare type heading ("KẾ HOẠCH" / "TRUYỀN THÔNG VỀ …"),
        in capitals or not, or the rest of a heading that carries it ("QUYẾT ĐỊNH CÔNG BỐ …")."""
        if self.titled and self.title_lines is None:
            return False
        if self.title_lines is None:
            if kind := stated_doc_type(line):
                self.title_lines = []
                self.doc_kind = kind
                return True
            glued = glued_type(line)
            if glued is None:
                return False
            self.title_lines = []
            self.doc_kind, line = glued
        elif not title_goes_on(self.title_lines, line) or _RECITAL.match(line):
            self.title_lines = None
            return False
        self.title_lines.append(line)
        passage = self._passage("Trích yếu", " ".join(self.title_lines), "title")
        if self.titled:
            self.extra[self.title_at] = passage
        else:
            self.titled = True
            self.title_at = len(self.extra)
            self.extra.append(passage)
        return True

    def _attachment_title(self, line: str) -> None:
        if _ATTACHMENT_NOTE.match(line):
            self.part.body.append(line)
            return
        if self.part.line == self.part.label and self.part_prefix.endswith(" kèm theo") is False \
                and _is_upper(line) and _ATTACHMENT_HEADING.match(line):
            # "PHỤ LỤC" then "QUY TRÌNH NỘI BỘ …": the appendix is that Quy trình
            self.part.line = f"{self.part.line}: {line}"
            self.extra.append(self._passage(self.part_prefix + ", trích yếu", line, "title"))
            return
        if any(p.match(line) for p in (_CHAPTER, _ARTICLE, _ROMAN, _NUMBERED, _POINT, _DIVISION, _BARE_LABEL)) \
                or self._letter(line):
            self.state = "body"
            self._body(line)
            return
        if self.part.titled:
            self.state = "body"  # the attachment's text begins, with or without a heading of its own
            self._body(line)
            return
        self.part.titled = True
        self.part.line = f"{self.part.line}: {line}" if self.part.line == self.part.label else self.part.line
        self.extra.append(self._passage(self.part_prefix + ", trích yếu", line, "title"))

    @staticmethod
    def _letter(line: str) -> re.Match[str] | None:
        """ "A. DANH MỤC THỦ TỤC …" or a bare "B.": a lettered part of an attachment (not "A. Nguyễn …")."""
        m = _LETTER.match(line)
        if m is None or m.group(1) in "IVX":  # "I. MỤC ĐÍCH" is a Roman section
            return None
        return m if not m.group(2) or _is_upper(m.group(2)) else None

    def _heading_title(self, line: str) -> bool:
        """A capitalised line right under a heading that has nothing yet ("Chương I" / "QUY ĐỊNH CHUNG",
        "B." / "QUY TRÌNH NỘI BỘ …"): the heading's title, joined to it."""
        unit = self.current
        if (unit.kind in ("chapter", "division", "letter", "section") and not unit.body and not unit.has_children
                and _is_upper(line) and len(line) <= CAPTION_MAX_CHARS and len(unit.line) <= CAPTION_MAX_CHARS):
            unit.line = f"{unit.line} {line}"
            return True
        return False

    def _body(self, line: str) -> None:
        if self._heading_title(line):
            return
        if m := _CHAPTER.match(line):
            self._open("chapter", m.group(1), line)
        elif self.attachments and (m := _DIVISION.match(line)):
            self._open("division", m.group(1), line)
        elif self.attachments and (m := self._letter(line)):
            self._open("letter", m.group(1), line)
        elif self.attachments and (m := _BARE_LABEL.match(line)) and self._roman_plausible(m.group(1)):
            self._open("section", m.group(1), line)
        elif m := _ARTICLE.match(line):
            self._open("article", m.group(1), line)
        elif (m := _ROMAN.match(line)) and self._roman_plausible(m.group(1)):
            self._open("section", m.group(1), line)
        elif m := _NUMBERED.match(line):
            self._open("numbered", m.group(1), line)
        elif m := _POINT.match(line):
            self._open("point", m.group(1), line)
        elif _CLOSING.match(line):
            self.extra.append(self._passage(self._prefixed("đoạn kết"), line, "closing"))
            self.state = "skip"
        elif _SIGNATURE_TITLES.intersection({fold(line)}):
            self.state = "skip"
        elif (self.attachments and _is_upper(line) and len(line) <= CAPTION_MAX_CHARS
              and self.current.kind in ("part", "division", "letter", "caption")):
            self._open("caption", "", line)  # "THỦ TỤC HÀNH CHÍNH CẤP TỈNH": a heading of the rows below
        else:
            self.current.body.append(line)

    def _row(self, line: str) -> None:
        """A table row: its own passage, cited by its part (and unit) and its row number."""
        _, number, text = line.split(ROW_MARK, 2)
        if self.state in ("skip", "header") and not self.attachments:
            if self.state == "header":
                return  # a table in the heading block is layout
            self._start_part("PHỤ LỤC")  # rows after the signature with no heading: an unnamed appendix
        if self.state in ("skip", "attachment-title"):
            self.state = "body"  # a table ends an attachment's title; after a form's signature it goes on with it
        self.rows += 1
        unit = self.current
        if unit.kind in ("division", "letter", "caption") or unit.kind in ("numbered", "point") and not unit.body \
                and _is_label(unit.line):
            unit.has_children = True  # a heading over table rows ("2. Trình tự thực hiện") is context, not a passage
        base = _citation(unit) if unit.kind != "part" else self.part_prefix
        citation = f"{base}, dòng {number or self.rows}" if base else f"Bảng, dòng {number or self.rows}"
        headings = tuple(_short(n.line) for n in unit.ancestors() if n.line and n.kind != "part") or (
            (_short(self.part.line),) if self.part.line else ())
        self.extra.append(Passage(self.doc.meta.id, citation, text, headings, "row"))
        self.extra.extend(Passage(self.doc.meta.id, f"{citation}, {name}", part, headings, "column")
                          for name, part in _row_columns(text))

    def _resumes(self, line: str) -> bool:
        """After a signature inside an attachment (a form's "Nơi nhận" | "NGƯỜI ĐẠI DIỆN …"), whether ``line``
        is the attachment's text again: a numbered heading or a paragraph, not a signature's name or title."""
        opens = (_ARTICLE.match(line) or _CHAPTER.match(line) or _NUMBERED.match(line) or _DIVISION.match(line)
                 or (m := _ROMAN.match(line)) and self._roman_plausible(m.group(1)))
        return bool(opens) or len(line) >= RESUME_MIN_CHARS and not _is_upper(line)

    def _roman_plausible(self, numeral: str) -> bool:
        """"I." and "V." are also Latin letters; accept numerals, not sentences."""
        return len(numeral) > 1 or numeral in "IVX"

    # -- output -------------------------------------------------------------
    def _prefixed(self, citation: str) -> str:
        return f"{self.part_prefix}, {citation}" if self.part_prefix else citation[:1].upper() + citation[1:]

    def _passage(self, citation: str, text: str, kind: str, headings: tuple[str, ...] = ()) -> Passage:
        return Passage(self.doc.meta.id, citation, text, headings, kind)

    def passages(self) -> list[Passage]:
        out = list(p for p in self.extra if p.kind in ("title", "recital", "preamble"))
        children: dict[int, list[_Unit]] = {}
        for unit in self.units:
            children.setdefault(id(unit.parent), []).append(unit)
        for unit in self.units:
            if whole := _whole_unit_passage(self.doc.meta.id, unit, children):
                out.append(whole)
            out.extend(_unit_passages(self.doc.meta.id, unit))
        for part in self.parts:  # an attachment's paragraphs before (or without) any numbered heading
            text = [line for line in part.body if not _ATTACHMENT_NOTE.match(line)]
            out.extend(Passage(self.doc.meta.id, part.prefix, line, (_short(part.line),)) for line in text)
        out.extend(p for p in self.extra if p.kind in ("row", "column", "closing"))
        return out


_COLUMN = re.compile(r"; (?=([A-ZĐ][^;:]{1,60}): )")
MAX_ROW_COLUMNS = 30  # real procedure tables have at most a dozen columns
NAMING_CHARS = 40  # the first cells of a row up to this many characters name it ("Mã TTHC: 1.000603; Tên TTHC: …")


def _row_columns(text: str) -> list[tuple[str, str]]:
    """A long row's columns, each as (column name, the row's naming cells then that column), or [] for a row
    short enough to be one passage. A procedures table's row runs to pages ("Tên thủ tục: …; Thời hạn giải
    quyết: …; Phí, lệ phí: …; Căn cứ pháp lý: …"): each column is also searchable, and quotable, on its own."""
    if len(text) <= MAX_PASSAGE_CHARS:
        return []
    starts = [0, *(m.start() + 2 for m in _COLUMN.finditer(text))]
    if len(starts) > MAX_ROW_COLUMNS:
        return []  # not a table's columns: a cell's own "; Bước 1: …" list, or a hostile file
    parts = [text[a:b].removesuffix("; ") for a, b in zip(starts, [*starts[1:], len(text) + 2])]
    naming = 1
    while naming < len(parts) and len("; ".join(parts[:naming])) < NAMING_CHARS:
        naming += 1
    prefix = "; ".join(parts[:naming])
    return [(part.split(": ", 1)[0], f"{prefix}; {part}") for part in parts[naming:]] if len(parts) > naming else []


def _citation(unit: _Unit) -> str:
    parts: list[str] = []
    in_article = False
    section = ""
    for node in unit.ancestors():
        if node.kind == "part" and node.label:
            parts.append(node.prefix or node.label.capitalize() + " kèm theo")
        elif node.kind == "article":
            in_article = True
            parts.append(f"Điều {node.label}")
        elif node.kind in ("division", "letter"):
            parts.append(f"Phần {node.label}")
        elif node.kind == "section":
            section = node.label
            parts.append(f"Mục {node.label}")
        elif node.kind == "numbered":
            if in_article:
                parts.append(f"khoản {node.label}")
            else:
                label = f"{section}.{node.label}" if section else node.label
                if parts and parts[-1].startswith("Mục "):
                    parts[-1] = f"Mục {label}"
                else:
                    parts.append(f"Mục {label}")
        elif node.kind == "point":
            parts.append(f"điểm {node.label}")
    return ", ".join(parts)


def _short(line: str, limit: int = 160) -> str:
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _headings(unit: _Unit) -> tuple[str, ...]:
    return tuple(_short(n.line) for n in unit.ancestors()[:-1] if n.kind != "part")


def _bullet_groups(body: list[str]) -> tuple[list[str], list[list[str]]]:
    """Split a body into its lead-in lines and its top-level bullets (with sub-bullets)."""
    lead: list[str] = []
    groups: list[list[str]] = []
    for line in body:
        m = _BULLET.match(line)
        if m and m.group(1) != "+":
            groups.append([line])
        elif groups:
            groups[-1].append(line)
        else:
            lead.append(line)
    return lead, groups


def _unit_passages(doc_id: str, unit: _Unit) -> list[Passage]:
    if unit.has_children and not unit.body:
        return []  # a heading: context for its children
    citation = _citation(unit)
    headings = _headings(unit)
    if unit.kind == "caption":  # paragraphs under an unnumbered heading: each its own passage, as in the part
        return [Passage(doc_id, citation, line, headings + (_short(unit.line),)) for line in unit.body]
    lead_in = _lead_in(unit)
    whole = "\n".join([*lead_in, unit.line, *unit.body])
    lead, groups = _bullet_groups(unit.body)
    if len(whole) <= MAX_PASSAGE_CHARS or not groups:
        return [Passage(doc_id, citation, whole, headings, lead_lines=len(lead_in))]
    out: list[Passage] = []
    lead_text = "\n".join([unit.line, *lead])
    inner_headings = headings + (_short(unit.line),)
    if lead:
        out.append(Passage(doc_id, citation, lead_text, headings))
    for n, group in enumerate(groups, 1):
        out.append(Passage(doc_id, f"{citation}, gạch đầu dòng {n}", "\n".join(group), inner_headings))
    return out


def _lead_in(unit: _Unit) -> list[str]:
    """The parent's lead sentence a point or a khoản completes ("2. Mức chi 200.000 đồng/người/ngày cho:" before
    "a) …"; "Điều 1. Ủy quyền cho Giám đốc Sở … cụ thể như sau:" before "15. Hủy bỏ hiệu lực …")."""
    parent = unit.parent
    if parent is None or parent.body or (unit.kind, parent.kind) not in (
            ("point", "numbered"), ("point", "article"), ("numbered", "article")):
        return []
    return [parent.line] if parent.line.rstrip().endswith(":") else []


def _subtree_lines(unit: _Unit, children: dict[int, list[_Unit]]) -> list[str]:
    lines = [unit.line, *unit.body]
    for child in children.get(id(unit), []):
        lines.extend(_subtree_lines(child, children))
    return lines


def _whole_unit_passage(doc_id: str, unit: _Unit, children: dict[int, list[_Unit]]) -> Passage | None:
    """The unit with all its clauses as one passage, if it has several and is short."""
    if unit.kind == "chapter" or len(children.get(id(unit), [])) < 2:
        return None  # a chapter has no citation of its own
    whole = "\n".join(_subtree_lines(unit, children))
    if len(whole) > MAX_WHOLE_UNIT_CHARS:
        return None
    return Passage(doc_id, _citation(unit), whole, _headings(unit), "whole")


def parse_document(doc: Document) -> list[Passage]:
    """All answerable passages of ``doc``, in document order."""
    parser = _Parser(doc)
    for line in clean_lines(doc.text):
        parser.feed(line)
    return parser.passages()
