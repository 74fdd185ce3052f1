"""Build real .docx and .pdf decisions from the seed texts in ``corpus/``, for tests and benchmarks.

The files look like what provinces publish:

- the head is a two-column table: issuer ("ỦY BAN NHÂN DÂN / TỈNH …") and number on the left,
  the national banner and "<Tỉnh>, ngày … tháng … năm …" on the right;
- .docx: articles with a bold "Điều N." run, khoản "1." and điểm "a)" inside articles typed with
  Word's automatic numbering (a multi-level list restarted per article) wherever the seed's labels
  follow Word's counters, bullets in the "List Bullet" style, the recipients and the signature side
  by side in a table, a running header and footer in the section (which ingestion must ignore);
- .pdf (fpdf2, DejaVu Serif embedded from matplotlib's fonts, so a fresh machine has it from PyPI):
  justified paragraphs wrapped mid-sentence over several pages, sentences cut by page breaks, the
  banner and a running header at the top of every page after the first, "Trang N/M" at the bottom.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sotay.index.parse import clean_lines

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SEEDS = sorted(CORPUS.glob("*.txt"))
BANNER = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")

_ISSUER = re.compile(r"^ỦY BAN NHÂN DÂN (TỈNH .+)$")
_NUMBER = re.compile(r"^Số\s*:")
_PLACE_DATE = re.compile(r"^[^\W\d_][^,]{0,40},\s*ngày\b")
_DOC_TYPES = ("QUYẾT ĐỊNH", "QUY ĐỊNH", "KẾ HOẠCH", "KẾ HOẠCH HÀNH ĐỘNG")
_ARTICLE = re.compile(r"^(Điều \d+\.)\s*(.*)$")
_KHOAN = re.compile(r"^(\d+)\.\s+(.*)$")
_DIEM = re.compile(r"^([a-z])\)\s+(.*)$")


@dataclass
class Decision:
    """A seed decision split the way it is laid out on paper."""

    issuer: tuple[str, str]  # ("ỦY BAN NHÂN DÂN", "TỈNH NINH THUẬN")
    number: str  # "Số: /2022/QĐ-UBND"
    place_date: str  # "Ninh Thuận, ngày tháng 12 năm 2022"
    blocks: list[tuple[str, list[str]]]  # ("body" | "signature" | "head", lines)

    @property
    def running_header(self) -> str:
        province = self.issuer[1].split(" ", 1)[1].title()
        return f"UBND tỉnh {province} — {self.number.replace('Số:', 'Quyết định số').strip()}"


def load_decision(seed: Path, *, number: str | None = None, date_text: str | None = None) -> Decision:
    """The seed's logical lines (``parse.clean_lines``) arranged as a printed decision.

    ``number`` ("12/2022/QĐ-UBND") and ``date_text`` ("ngày 01 tháng 12 năm 2022") fill in the blanks
    of the draft seeds.
    """
    lines = clean_lines(seed.read_text(encoding="utf-8"))
    issuer_line = next(ln for ln in lines[:15] if _ISSUER.match(ln))
    issuer = ("ỦY BAN NHÂN DÂN", _ISSUER.match(issuer_line).group(1))
    number_at = next(i for i, ln in enumerate(lines[:5]) if _NUMBER.match(ln))
    place_at = next(i for i, ln in enumerate(lines[:5]) if _PLACE_DATE.match(ln))
    number_line = f"Số: {number}" if number else lines[number_at]
    place_date = lines[place_at].split(",")[0] + ", " + date_text if date_text else lines[place_at]
    rest = [ln for i, ln in enumerate(lines) if i not in (number_at, place_at)]
    blocks: list[tuple[str, list[str]]] = [("body", [])]
    i = 0
    while i < len(rest):
        line = rest[i]
        if line.startswith("Nơi nhận"):
            block = [line]
            i += 1
            while i < len(rest) and not _starts_attachment(rest, i):
                block.append(rest[i])
                i += 1
            blocks.append(("signature", block))
            blocks.append(("body", []))
            continue
        if line == issuer[0] and i + 1 < len(rest) and rest[i + 1] == issuer[1]:
            skip = 2 + sum(1 for ln in rest[i + 2:i + 4] if ln in BANNER)
            blocks.append(("head", []))
            blocks.append(("body", []))
            i += skip
            continue
        blocks[-1][1].append(line)
        i += 1
    return Decision(issuer, number_line, place_date, [(k, b) for k, b in blocks if b or k == "head"])


def _starts_attachment(lines: list[str], i: int) -> bool:
    return lines[i] in _DOC_TYPES or lines[i] == "ỦY BAN NHÂN DÂN"


def _split_signature(block: list[str]) -> tuple[list[str], list[str]]:
    """("Nơi nhận:" and its recipients, the signature lines)."""
    recipients = [block[0]]
    for n, line in enumerate(block[1:], 1):
        if not line.startswith("-"):
            return recipients, block[n:]
        recipients.append(line)
    return recipients, []


# -- .docx ---------------------------------------------------------------------------------------


_ABSTRACT_NUM = """
<w:abstractNum xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:abstractNumId="90">
  <w:multiLevelType w:val="multilevel"/>
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%2)"/></w:lvl>
</w:abstractNum>"""
_NUM = """
<w:num xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:numId="{num_id}">
  <w:abstractNumId w:val="90"/>
  <w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>
</w:num>"""


class _ArticleLists:
    """Word's automatic numbering for khoản/điểm inside articles: one restarted list per article."""

    def __init__(self, document) -> None:
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.oxml import parse_xml

        self._parse_xml = parse_xml
        self._root = document.part.part_related_by(RT.NUMBERING).element
        first_num = self._root.find(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}num"
        )
        first_num.addprevious(parse_xml(_ABSTRACT_NUM))
        self._next_id = 900
        self.num_id: int | None = None
        self._khoan = 0
        self._diem = 0

    def new_article(self) -> None:
        self._next_id += 1
        self.num_id = self._next_id
        self._root.append(self._parse_xml(_NUM.format(num_id=self.num_id)))
        self._khoan = self._diem = 0

    def end_articles(self) -> None:
        self.num_id = None

    def level(self, line: str) -> tuple[int, str] | None:
        """(ilvl, text without label) when Word's counters would draw exactly this line's label."""
        if self.num_id is None:
            return None
        if (m := _KHOAN.match(line)) and int(m.group(1)) == self._khoan + 1:
            self._khoan += 1
            self._diem = 0
            return 0, m.group(2)
        if (m := _DIEM.match(line)) and ord(m.group(1)) - ord("a") == self._diem:
            self._diem += 1
            return 1, m.group(2)
        if _DIEM.match(line) or line.startswith("đ)"):
            self._diem += 1  # Word's letters skip "đ": the label stays typed by hand
        return None


def _numbered(paragraph, num_id: int, ilvl: int) -> None:
    from docx.oxml import parse_xml

    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(parse_xml(
        '<w:numPr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f'<w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'
    ))


def _head_columns(decision: Decision, first: bool) -> tuple[list[str], list[str]]:
    """Issuer (and number) | banner (and place, date): the first page's head, or an attachment's."""
    if first:
        return [*decision.issuer, decision.number], [*BANNER, decision.place_date]
    return list(decision.issuer), list(BANNER)


def _head_table(document, decision: Decision, first: bool) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    table = document.add_table(rows=1, cols=2)
    for cell, lines in zip(table.rows[0].cells, _head_columns(decision, first)):
        cell.paragraphs[0].text = lines[0]
        for line in lines[1:]:
            cell.add_paragraph(line)
        for p in cell.paragraphs:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER


def write_docx(decision: Decision, path: Path) -> Path:
    """Save ``decision`` as a Word document at ``path``."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = decision.running_header
    section.footer.paragraphs[0].text = "Văn bản điện tử — trang chân"
    lists = _ArticleLists(document)
    _head_table(document, decision, first=True)
    for kind, lines in decision.blocks:
        if kind == "head":
            _head_table(document, decision, first=False)
            lists.end_articles()
        elif kind == "signature":
            recipients, signature = _split_signature(lines)
            table = document.add_table(rows=1, cols=2)
            for cell, cell_lines in zip(table.rows[0].cells, (recipients, signature)):
                cell.paragraphs[0].text = cell_lines[0] if cell_lines else ""
                for line in cell_lines[1:]:
                    cell.add_paragraph(line)
            lists.end_articles()
        else:
            for line in lines:
                if line in _DOC_TYPES:
                    lists.end_articles()
                if m := _ARTICLE.match(line):
                    lists.new_article()
                    paragraph = document.add_paragraph()
                    paragraph.add_run(m.group(1)).bold = True
                    if m.group(2):
                        paragraph.add_run(" " + m.group(2))
                elif level := lists.level(line):
                    paragraph = document.add_paragraph(level[1])
                    _numbered(paragraph, lists.num_id, level[0])
                elif line.startswith("- "):
                    document.add_paragraph(line[2:], style="List Bullet")
                else:
                    paragraph = document.add_paragraph()
                    paragraph.add_run(line).bold = line.isupper()
                    if line.isupper():
                        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.save(path)
    return path


# -- .pdf ----------------------------------------------------------------------------------------


def font_paths() -> dict[str, Path]:
    """DejaVu Serif regular and bold, shipped inside matplotlib (a test dependency)."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return {"": folder / "DejaVuSerif.ttf", "B": folder / "DejaVuSerif-Bold.ttf"}


def write_pdf(decision: Decision, path: Path, *, font_size: float = 12) -> Path:
    """Save ``decision`` as a multi-page A4 PDF with running header, banner and page numbers."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    class _Pdf(FPDF):
        def header(self) -> None:
            if self.page_no() == 1:
                return
            self.set_font("Serif", "", 9)
            self.cell(0, 5, decision.running_header, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_font("Serif", "B", 9)
            for line in BANNER:
                self.cell(0, 4.5, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(3)
            self.set_font("Serif", "", font_size)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Serif", "", 9)
            self.cell(0, 8, f"Trang {self.page_no()}/{{nb}}", align="C")

    pdf = _Pdf(format="A4")
    for style, font in font_paths().items():
        pdf.add_font("Serif", style, str(font))
    pdf.set_margins(25, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    line_height = font_size * 0.5
    _pdf_head(pdf, decision, line_height, font_size, first=True)
    for kind, lines in decision.blocks:
        if kind == "head":
            _pdf_head(pdf, decision, line_height, font_size, first=False)
        elif kind == "signature":
            recipients, signature = _split_signature(lines)
            _two_columns(pdf, recipients, signature, line_height, font_size, aligns=("L", "C"))
        else:
            for line in lines:
                bold = line.isupper() or bool(_ARTICLE.match(line))
                pdf.set_font("Serif", "B" if bold else "", font_size)
                pdf.multi_cell(0, line_height, line, align="C" if line.isupper() else "J",
                               new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.ln(1.5)
    pdf.output(str(path))
    return path


def _pdf_head(pdf, decision: Decision, line_height: float, font_size: float, first: bool) -> None:
    left, right = _head_columns(decision, first)
    _two_columns(pdf, left, right, line_height, font_size, aligns=("C", "C"))
    pdf.ln(4)


def _two_columns(pdf, left: list[str], right: list[str], line_height: float, font_size: float,
                 aligns: tuple[str, str]) -> None:
    """Two side-by-side blocks, written left column first (the way word processors emit tables)."""
    from fpdf.enums import XPos, YPos

    width = pdf.epw
    if pdf.get_y() + line_height * max(len(left), len(right)) * 2 > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    bottoms = []
    for x, column_width, lines, align in ((pdf.l_margin, width * 0.4, left, aligns[0]),
                                          (pdf.l_margin + width * 0.4, width * 0.6, right, aligns[1])):
        pdf.set_xy(x, top)
        for line in lines:
            pdf.set_font("Serif", "B" if line.isupper() else "", font_size - 2)
            pdf.set_x(x)
            pdf.multi_cell(column_width, line_height, line, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)
        bottoms.append(pdf.get_y())
    pdf.set_xy(pdf.l_margin, max(bottoms) + 2)
