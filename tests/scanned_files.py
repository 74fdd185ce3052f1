"""Build scanned decisions from the seed texts, for the OCR tests and bench/bench_ocr.py.

A "scan" here is what an office scanner gives: each page an image (DejaVu Sans from matplotlib,
rendered by Pillow at ``DPI``), slightly rotated, blurred and speckled (seeded, so reproducible),
with a page number "- N -" at the top of every page after the first and a rule under the banner.
``write_scanned_pdf`` puts the images in an image-only PDF (no text layer), ``write_mixed_pdf`` a
PDF whose first page has a text layer (fpdf2) and whose second page is a scan.

``decision_scan_lines(text)`` turns a corpus text (markdown, " | " tables) into the lines a printed copy
shows, for scanning the real decisions of tests/data/real (bench/bench_scan_retrieval.py).

``reference_text`` is the text the pages show (the logical lines, one per line), and
``cer(reference, hypothesis)`` the character error rate between two texts with whitespace
collapsed (edit distance / reference length, rapidfuzz).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from decision_files import CORPUS, font_paths
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from rapidfuzz.distance import Levenshtein

from sotay.index.parse import _layout_row, _strip_markdown, clean_lines

DPI = 200
PAGE_PX = (round(8.27 * DPI), round(11.69 * DPI))  # A4
MARGIN_PX = round(0.8 * DPI)
NINH_THUAN = CORPUS / "ninh-thuan-2022-quay-vong-von.txt"


def ninh_thuan_excerpt() -> list[str]:
    """The head of the Ninh Thuận decision and its attached Quy định up to the end of Điều 4 (~3 pages)."""
    lines = clean_lines(NINH_THUAN.read_text(encoding="utf-8"))
    head = ["ỦY BAN NHÂN DÂN", "TỈNH NINH THUẬN", "Số: 12/2022/QĐ-UBND",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
            "Ninh Thuận, ngày 01 tháng 12 năm 2022"]
    start = next(i for i, ln in enumerate(lines) if ln == "QUY ĐỊNH")
    end = next(i for i, ln in enumerate(lines) if ln.startswith("Điều 5."))
    return head + lines[start:end]


def decision_scan_lines(text: str) -> list[str]:
    """The lines a printed copy of corpus ``text`` shows: markdown stripped; the header rows' cells (agency |
    banner) one per line, the banner split from its motto and its rules dropped; a table row's cells side by side."""
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = _strip_markdown(raw)
        if not line:
            continue
        if " | " not in raw:
            lines.append(line)
            continue
        cells = [_strip_markdown(c) for c in raw.split(" | ")]
        if not _layout_row(line):
            lines.append("   ".join(c for c in cells if c))
            continue
        for cell in cells:
            cell = re.sub(r"\s*[-_]{3,}\s*", " ", cell).strip()
            motto = cell.find("Độc lập")
            pieces = [cell[:motto].strip(), cell[motto:].strip()] if motto > 0 else [cell]
            lines += [piece for piece in pieces if piece]
    return lines


def reference_text(lines: list[str]) -> str:
    return "\n".join(lines)


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: edit distance over the reference's length, whitespace collapsed."""
    ref = " ".join(reference.split())
    hyp = " ".join(hypothesis.split())
    return Levenshtein.distance(ref, hyp) / max(1, len(ref))


def _font(size_pt: float, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = font_paths()[""].parent / name
    return ImageFont.truetype(str(path), round(size_pt * DPI / 72))


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    words, out, current = text.split(), [], ""
    for word in words:
        trial = f"{current} {word}".strip()
        if current and font.getlength(trial) > width:
            out.append(current)
            current = word
        else:
            current = trial
    return out + ([current] if current else [])


def render_pages(lines: list[str], *, size_pt: float = 11, seed: int = 7, rotate: float = 0.4,
                 blur: float = 0.7, speckles: int = 1500) -> list[Image.Image]:
    """The lines typeset on A4 pages and degraded like a scan (grey-scale images at DPI)."""
    regular, bold = _font(size_pt), _font(size_pt, bold=True)
    height = round(size_pt * DPI / 72 * 1.45)
    width = PAGE_PX[0] - 2 * MARGIN_PX
    pages: list[list[tuple[str, ImageFont.FreeTypeFont, bool]]] = [[]]
    y = MARGIN_PX
    for line in lines:
        heading = line.isupper() or bool(re.match(r"^(Điều \d+\.|Chương [IVX]+)", line))
        font = bold if heading else regular
        centred = line.isupper() or line.startswith(("Độc lập", "(Ban hành"))
        for piece in _wrap(line, font, width):
            if y + height > PAGE_PX[1] - MARGIN_PX:
                pages.append([])
                y = MARGIN_PX
            pages[-1].append((piece, font, centred))
            y += height
        if line == "Độc lập - Tự do - Hạnh phúc":
            pages[-1].append(("\x00rule", font, True))
            y += height // 2
    rng = random.Random(seed)
    images = []
    for number, content in enumerate(pages, 1):
        image = Image.new("L", PAGE_PX, 255)
        draw = ImageDraw.Draw(image)
        y = MARGIN_PX
        if number > 1:
            draw.text((PAGE_PX[0] // 2, MARGIN_PX // 2), f"- {number} -", font=regular, fill=0, anchor="mt")
        for piece, font, centred in content:
            if piece == "\x00rule":
                draw.line((PAGE_PX[0] // 2 - 250, y - height // 3, PAGE_PX[0] // 2 + 250, y - height // 3), fill=0, width=3)
                y += height // 2
                continue
            x = (PAGE_PX[0] - font.getlength(piece)) / 2 if centred else MARGIN_PX
            draw.text((x, y), piece, font=font, fill=0)
            y += height
        for _ in range(speckles):
            cx, cy, r = rng.randrange(PAGE_PX[0]), rng.randrange(PAGE_PX[1]), rng.choice((1, 1, 1, 2))
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=rng.choice((0, 60, 120)))
        image = image.rotate(rotate * (1 if number % 2 else -1), resample=Image.BICUBIC, fillcolor=255)
        images.append(image.filter(ImageFilter.GaussianBlur(blur)))
    return images


def write_scanned_pdf(images: list[Image.Image], path: Path) -> Path:
    """An image-only PDF (as a scanner makes it: one image per page, no text layer)."""
    images[0].save(path, "PDF", resolution=DPI, save_all=True, append_images=images[1:])
    return path


def write_png(image: Image.Image, path: Path) -> Path:
    image.save(path, "PNG", dpi=(DPI, DPI))
    return path


def write_mixed_pdf(text_pdf: Path, scan: Image.Image, path: Path) -> Path:
    """The first page of ``text_pdf`` (with its text layer) followed by ``scan`` as an image-only page."""
    from pypdf import PdfReader, PdfWriter  # test helper: pypdf only needed here

    scanned = path.with_suffix(".scan.pdf")
    write_scanned_pdf([scan], scanned)
    writer = PdfWriter()
    writer.add_page(PdfReader(text_pdf).pages[0])
    writer.add_page(PdfReader(scanned).pages[0])
    with path.open("wb") as out:
        writer.write(out)
    scanned.unlink()
    return path
