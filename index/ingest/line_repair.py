"""Turn the physical lines of an extracted document into one paragraph per line.

Text pulled out of a PDF (and soft line breaks inside a .docx paragraph) is
cut wherever the layout wrapped it, and a PDF page also carries running
headers and footers, page numbers and, in Vietnamese decisions, the national
banner "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc"
repeated on every page. No PDF library knows Vietnamese legal structure, so
this module does that part by hand:

- ``strip_page_furniture`` removes, from the top and bottom lines of each
  page, lines that repeat on many pages (digits ignored, so "Trang 3/10" and
  "Trang 4/10" are the same line), page numbers ("- 3 -", "Trang 3/10",
  "3/10", "3"), and the banner on every page after the first.
- ``join_lines`` glues a line to the previous one unless it opens a
  structural unit (Chương, Điều, "1.", "2.1.", "a)", "-", "+", Roman "II.",
  "Căn cứ", "Nơi nhận", a line in capitals ...). A line is a continuation
  when the previous line was full (wrapped by the layout), or when it starts
  with a lower-case letter after a line that does not end a sentence. A word
  cut by a hyphen at the end of a line is glued back without a space.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from sotay.index.ingest.stated_meta import doc_type
from sotay.text import fold

# Lines at the top and at the bottom of a page that may be running headers/footers.
_EDGE_LINES = 3
# A line is "full" (wrapped by the layout) when at least this share of the typical long line.
_FULL_SHARE = 0.8

_PAGE_NUMBER = re.compile(
    r"^(?:[-–—]\s*\d{1,4}\s*[-–—]|\d{1,4}|(?:trang|page)\s*\d{1,4}(?:\s*(?:/|trên|of)\s*\d{1,4})?|\d{1,4}\s*/\s*\d{1,4})$",
    re.IGNORECASE,
)
_BANNER_FOLDED = ("cong hoa xa hoi chu nghia viet nam", "doc lap - tu do - hanh phuc", "doc lap – tu do – hanh phuc")
_STRUCTURAL = re.compile(
    r"""^(?:
        Chương\s+[IVXLC\d]+\b
      | Điều\s+\d+\b
      | Mục\s+[IVXLC\d]+\b
      | Phần\s+[IVXLC\d]+\b
      | [IVXL]+\s*[.)]\s
      | \d{1,2}(?:\.\d{1,2})*[.)](?!\d)
      | [a-zđ]\)
      | [-+•–*]\s
      | Căn\s+cứ\b | Theo\s+đề\s+nghị\b | Xét\s+đề\s+nghị\b
      | Nơi\s+nhận\b
      | Số\s*:
      | (?:TM|KT|TL|TUQ|Q)\s*\.
      | \((?:Ban\s+hành\s+)?[Kk]èm\s+theo\b
      | Trên\s+đây\s+là\b
    )""",
    re.VERBOSE,
)
_PLACE_DATE = re.compile(r"^[^\W\d_][^,]{0,40},\s*ngày\b")
_ENDS_SENTENCE = re.compile(r"[.:;!?…)\]\"”]$")
_ENDS_PARAGRAPH = re.compile(r"[.:!?…]$")
_HYPHEN_END = re.compile(r"(?<=[^\W\d_])[-\u00ad]$")


def _is_banner(line: str) -> bool:
    folded = fold(line)
    return any(folded.startswith(b) for b in _BANNER_FOLDED)


def _is_upper(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _edge_key(line: str) -> str:
    """A line's identity for running-header detection: folded, digits and spaces ignored."""
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", fold(line))).strip()


def strip_page_furniture(pages: Sequence[Sequence[str]]) -> list[list[str]]:
    """Each page's non-empty lines without running headers/footers, page numbers and repeated banners."""
    stripped = [[ln.strip() for ln in page if ln.strip()] for page in pages]
    edge_counts: Counter[str] = Counter()
    for page in stripped:
        edges = page[:_EDGE_LINES] + page[-_EDGE_LINES:]
        edge_counts.update({_edge_key(ln) for ln in edges})
    needed = max(2, (len(stripped) + 1) // 2)
    running = {key for key, n in edge_counts.items() if n >= needed and key}
    out: list[list[str]] = []
    for number, page in enumerate(stripped):
        last = len(page) - 1
        kept: list[str] = []
        for i, line in enumerate(page):
            at_edge = i < _EDGE_LINES or i > last - _EDGE_LINES
            if at_edge and (_edge_key(line) in running or _PAGE_NUMBER.match(line)):
                continue
            if number > 0 and i < _EDGE_LINES + 2 and _is_banner(line):
                continue
            kept.append(line)
        out.append(kept)
    return out


def starts_unit(line: str, previous: str = "") -> bool:
    """True when ``line`` opens a new paragraph whatever the layout: a structural label, a type heading
    ("QUY ĐỊNH"), the banner, or a line in capitals after one that is not (a heading)."""
    if _STRUCTURAL.match(line) or _PLACE_DATE.match(line) or _is_banner(line) or doc_type(line):
        return True
    return _is_upper(line) and (not _is_upper(previous) or bool(doc_type(previous)))


def full_line_length(lines: Sequence[str]) -> int:
    """Characters of a typical line wrapped by the layout (upper quartile of the longer lines)."""
    long = sorted(len(ln) for ln in lines if len(ln) > 30)
    return long[(3 * len(long)) // 4] if long else 0


def join_lines(lines: Sequence[str], full_length: int = 0) -> list[str]:
    """Merge wrapped lines into paragraphs; ``full_length`` 0 means breaks were deliberate (no "full" rule)."""
    out: list[str] = []
    for raw in lines:
        line = re.sub(r"\s+", " ", raw).strip()
        if not line:
            continue
        if out and not starts_unit(line, out[-1]) and _continues(out[-1], line, full_length):
            previous = out[-1]
            if _HYPHEN_END.search(previous) and line[:1].isalpha():
                out[-1] = previous.rstrip("\u00ad") + line
            else:
                out[-1] = f"{previous} {line}"
        else:
            out.append(line)
    return out


def _continues(previous: str, line: str, full_length: int) -> bool:
    """Whether ``line`` (not a unit start) is the rest of ``previous``."""
    if _is_upper(line):  # a heading in capitals wrapped over two lines
        return not _ENDS_SENTENCE.search(previous)
    lower = line.lstrip("(\"“")[:1].islower()
    if full_length and len(previous) >= _FULL_SHARE * full_length:  # the layout wrapped it
        return lower or not _ENDS_PARAGRAPH.search(previous)
    return lower and not _ENDS_SENTENCE.search(previous)
