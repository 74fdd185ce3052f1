"""Taking in a decision file: .docx, .pdf (text layer, or scanned pages read by OCR), a page image, .txt or .md.

``extract_decision(path)`` checks the file before reading it (the real type is
sniffed from its first bytes, not from its name; size, zip-bomb, encryption and
page-count limits), pulls out the text (python-docx for .docx, pypdf for .pdf,
both imported only when needed), repairs it into one paragraph per line the
way ``corpus/*.txt`` is written, and reads the metadata the document states
(``stated_meta``). PDF pages without a text layer and image files (.png, .jpg, .tif) are read
by Tesseract (``ocr``: rasterised, read in parallel, page and time limits) and their lines
repaired (``ocr_repair``), their diacritics corrected against the corpus's vocabulary when one is
given (``ocr_spelling``), before the same line repair; when Tesseract or its Vietnamese data is
missing they are refused, naming the packages to install. Every refusal is an ``IngestError`` whose message is
Vietnamese and names the file and the reason.

``read_sidecar(path)`` reads the metadata overrides in ``<stem>.yaml`` next to
the file.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from sotay.index.ingest import ocr
from sotay.index.ingest.docx_numbering import Numbering
from sotay.index.ingest.line_repair import full_line_length, join_lines, strip_page_furniture
from sotay.index.ingest.ocr_repair import repair_ocr_document, repair_ocr_lines
from sotay.index.ingest.ocr_spelling import correct_diacritics
from sotay.index.ingest.stated_meta import doc_type, stated_metadata
from sotay.index.search.restore import DiacriticRestorer
from sotay.text import nfc, strip_controls

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_PDF_PAGES = 200
# A PDF's page content streams, once inflated, may not exceed this in total (a flate bomb of
# many streams per page would otherwise take seconds of parsing per page).
MAX_PDF_CONTENT_BYTES = 64 * 1024 * 1024
# Paragraphs of text a decision may have (each becomes passages to embed: the bound on indexing
# time), and paragraph elements a .docx may hold, empty ones included (the bound on reading it).
MAX_PARAGRAPHS = 20_000
MAX_DOCX_PARAGRAPHS = 200_000
# A .docx is a zip: refuse one whose members would inflate beyond this in total,
# or any member that inflates more than this many times its compressed size.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100
# Below this many letters per page on average, a PDF has no real text layer.
MIN_LETTERS_PER_PAGE = 40

SUFFIX_FORMATS = {
    ".docx": "docx", ".pdf": "pdf", ".txt": "txt", ".md": "md",
    ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".tif": "tiff", ".tiff": "tiff",
}
IMAGE_FORMATS = ("png", "jpeg", "tiff")
_MAGIC = (
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"\x7fELF", "elf"),
    (b"MZ", "exe"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"Rar!", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b", "gzip"),
)

_KIND_NAMES = {
    "png": "một ảnh PNG",
    "jpeg": "một ảnh JPEG",
    "gif": "một ảnh GIF",
    "tiff": "một ảnh TIFF",
    "elf": "một tệp chương trình (ELF)",
    "exe": "một tệp chương trình Windows",
    "ole": "một tệp Word/Excel đời cũ (.doc/.xls) — hãy lưu lại thành .docx",
    "zip": "một tệp nén ZIP",
    "broken_zip": "một tệp nén bị hỏng (có thể tải về chưa trọn)",
    "rar": "một tệp nén RAR",
    "7z": "một tệp nén 7z",
    "gzip": "một tệp nén gzip",
    "pdf": "một tệp PDF",
    "docx": "một tài liệu Word (.docx)",
    "text": "một tệp văn bản thuần",
    "legacy": "văn bản không mã hóa UTF-8 (có thể là TCVN3, VNI hoặc Windows-1258) — hãy lưu lại với mã UTF-8",
    "binary": "dữ liệu nhị phân không rõ loại",
}
_ARTICLE = re.compile(r"^Điều\s+\d+\b")
_MARKDOWN = re.compile(r"[*_#]+")


class IngestError(ValueError):
    """A file that cannot be taken in; str(exc) is a clear Vietnamese message for the user."""


@dataclass(frozen=True)
class ExtractedDecision:
    """The cleaned text of a decision, what it states about itself, and where it came from.

    ``text`` is NFC, one paragraph per line (blank line between paragraphs), shaped like
    ``corpus/*.txt``; ``meta`` holds only fields the document states (see ``stated_meta``);
    ``source_format`` is "docx" | "pdf" | "txt" | "md", or "pdf-ocr" when some PDF pages were read by
    OCR, "png-ocr" | "jpeg-ocr" | "tiff-ocr" for an image; ``pages`` the PDF's (or image's) page count,
    else None; ``ocr_pages`` the 1-based pages read by OCR and ``ocr_confidence`` Tesseract's mean
    word confidence (0–100) for each of them, in the same order (both empty without OCR).
    """

    text: str
    meta: dict[str, str]
    source_format: str
    pages: int | None
    ocr_pages: tuple[int, ...] = ()
    ocr_confidence: tuple[float, ...] = ()

    @property
    def mean_confidence(self) -> float | None:
        """The mean of ``ocr_confidence`` (one decimal), None without OCR."""
        if not self.ocr_confidence:
            return None
        return round(sum(self.ocr_confidence) / len(self.ocr_confidence), 1)

    def low_confidence_pages(self, threshold: float = ocr.LOW_CONFIDENCE) -> list[int]:
        """OCR'd pages whose confidence is below ``threshold``: to be checked by eye."""
        return [n for n, c in zip(self.ocr_pages, self.ocr_confidence) if c < threshold]


# Gives, when first needed, the vocabulary OCR'd text is corrected against (see ocr_spelling).
Vocabulary = Callable[[], DiacriticRestorer]


def extract_decision(path: Path, vocabulary: Vocabulary | None = None) -> ExtractedDecision:
    """Read a .docx/.pdf/.png/.jpg/.tif/.txt/.md decision. The real type is sniffed from the bytes, not the name.

    PDF pages with fewer than MIN_LETTERS_PER_PAGE letters in their text layer, and images, are read
    by OCR (``ocr``), their lines repaired (``ocr_repair``) and, when ``vocabulary`` is given (called once,
    only if some page is OCR'd), their diacritics corrected against it (``ocr_spelling``);
    ``ocr_pages`` / ``ocr_confidence`` say so.

    Raises IngestError for: a type that is not what the name claims (renamed binary), an unsupported
    type, a file over MAX_FILE_BYTES, a zip bomb (docx whose members inflate beyond a limit or ratio),
    an encrypted PDF, a PDF over MAX_PDF_PAGES or whose page contents inflate beyond MAX_PDF_CONTENT_BYTES,
    more than MAX_PARAGRAPHS paragraphs of text (MAX_DOCX_PARAGRAPHS paragraph elements in a .docx), scanned pages when Tesseract (or its Vietnamese data)
    is missing (the message names the apt packages), more than ``ocr.MAX_OCR_PAGES`` scanned pages, OCR
    over ``ocr.MAX_SECONDS``, scanned pages where OCR reads nothing (scan: say so), an empty
    document, a text that does not look like a decision (no Điều/khoản/Mục structure and no
    QUYẾT ĐỊNH/KẾ HOẠCH/... heading).
    """
    path = Path(path)
    name = path.name
    claimed = SUFFIX_FORMATS.get(path.suffix.lower())
    if claimed is None:
        raise IngestError(
            f"Tệp {name}: định dạng '{path.suffix or '(không có đuôi)'}' chưa được hỗ trợ; "
            "hãy gửi tệp .docx, .pdf, .txt, .md hoặc ảnh chụp văn bản .png, .jpg, .tif."
        )
    if not path.is_file():
        raise IngestError(f"Không tìm thấy tệp {name}.")
    size = path.stat().st_size
    if size == 0:
        raise IngestError(f"Tệp {name} rỗng (0 byte), không có nội dung.")
    if size > MAX_FILE_BYTES:
        raise IngestError(
            f"Tệp {name} quá lớn ({_megabytes(size)}); giới hạn là {_megabytes(MAX_FILE_BYTES)} mỗi tệp."
        )
    data = path.read_bytes()
    actual = _sniff(data)
    expected = "text" if claimed in ("txt", "md") else claimed
    if actual != expected:
        raise IngestError(
            f"Tệp {name} mang đuôi {path.suffix} nhưng thực chất là {_KIND_NAMES[actual]}; không nhận tệp này."
        )
    pages: int | None = None
    read: list[ocr.OcrPage] = []
    source_format = claimed
    if claimed == "docx":
        lines = _docx_lines(data, name)
    elif claimed == "pdf":
        lines, pages, read = _pdf_lines(data, name, vocabulary)
    elif claimed in IMAGE_FORMATS:
        lines, pages, read = _image_lines(data, name, vocabulary)
    else:
        lines = _text_lines(data, name)
    if len(lines) > MAX_PARAGRAPHS:
        raise IngestError(_too_many_paragraphs(name, len(lines)))
    text = strip_controls(nfc("\n\n".join(lines))).strip()
    if not text:
        raise IngestError(f"Tệp {name} không có nội dung chữ nào.")
    if not _looks_like_decision(text):
        raise IngestError(
            f"Tệp {name} không giống một văn bản quyết định: không có Điều khoản nào và không có "
            "tiêu đề QUYẾT ĐỊNH / KẾ HOẠCH / QUY ĐỊNH …"
        )
    if read:
        source_format = f"{claimed}-ocr"
    return ExtractedDecision(
        text=text + "\n", meta=stated_metadata(text), source_format=source_format, pages=pages,
        ocr_pages=tuple(p.number for p in read), ocr_confidence=tuple(p.confidence for p in read),
    )


def read_sidecar(path: Path) -> dict[str, str]:
    """Metadata overrides from a YAML file next to the input (same stem, .yaml); {} if none.

    Raises IngestError if it is not valid YAML mapping of names to plain values.
    """
    sidecar = Path(path).with_suffix(".yaml")
    if not sidecar.is_file():
        return {}
    try:
        loaded = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise IngestError(f"Tệp siêu dữ liệu {sidecar.name} sai cú pháp YAML hoặc không phải UTF-8.") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise IngestError(f"Tệp siêu dữ liệu {sidecar.name} phải là một bảng 'khóa: giá trị'.")
    out: dict[str, str] = {}
    for key, value in loaded.items():
        if value is None:
            continue
        if isinstance(value, (dict, list)):
            raise IngestError(f"Tệp siêu dữ liệu {sidecar.name}: giá trị của '{key}' phải là chữ hoặc số, không phải danh sách.")
        out[str(key)] = nfc(str(value))
    return out


def _count(n: int) -> str:
    """A whole number the Vietnamese way: 100.000."""
    return f"{n:,}".replace(",", ".")


def _too_many_paragraphs(name: str, count: int) -> str:
    return (f"Tệp {name} có {_count(count)} đoạn văn, vượt giới hạn {_count(MAX_PARAGRAPHS)} đoạn mỗi văn bản; "
            "hãy chia văn bản thành nhiều tệp.")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def _sniff(data: bytes) -> str:
    """The real kind of ``data``: "pdf", "docx", "text", or what else it is (see ``_KIND_NAMES``)."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            if kind == "zip":
                return _zip_kind(data)
            return kind
    if _decode_text(data) is not None:
        return "text"
    controls = sum(1 for b in data[:65536] if b < 0x20 and b not in b"\t\r\n")
    return "legacy" if b"\x00" not in data and controls <= len(data[:65536]) // 100 else "binary"


def _zip_kind(data: bytes) -> str:
    """"docx" for a zip holding word/document.xml, "zip" for another zip, "broken_zip" if unreadable."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "docx" if "word/document.xml" in archive.namelist() else "zip"
    except (zipfile.BadZipFile, OSError, ValueError):
        return "broken_zip"


def _decode_text(data: bytes) -> str | None:
    """UTF-8 (BOM allowed) or UTF-16 with a BOM; None for anything else or text with NUL bytes."""
    for bom, codec in ((b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _text_lines(data: bytes, name: str) -> list[str]:
    text = _decode_text(data)
    if text is None:  # unreachable after sniffing; kept for a clear message
        raise IngestError(f"Tệp {name} không phải văn bản UTF-8.")
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [p.rstrip() for p in (para.strip("\n") for para in paragraphs) if p.strip()]


def _check_zip(data: bytes, name: str) -> None:
    """Refuse a zip bomb from the members' declared sizes, before anything is inflated.

    zipfile never inflates a member beyond its declared size (it stops and fails the CRC),
    so checking the declared sizes bounds what python-docx can later read.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
    total = sum(m.file_size for m in members)
    worst = max(members, key=lambda m: m.file_size / max(m.compress_size, 1))
    ratio = worst.file_size / max(worst.compress_size, 1)
    if total > MAX_UNZIPPED_BYTES or (worst.file_size > 1024 * 1024 and ratio > MAX_ZIP_RATIO):
        raise IngestError(
            f"Tệp {name} bị nghi là 'bom nén': khi giải nén sẽ chiếm {_megabytes(total)} "
            f"(phần '{worst.filename}' nở gấp {ratio:.0f} lần); không mở tệp này."
        )


def _docx_lines(data: bytes, name: str) -> list[str]:
    """Paragraphs of the document body in order, tables cell by cell; section headers/footers are not read."""
    _check_zip(data, name)
    import docx  # python-docx, imported here so that commands that never read .docx stay light
    from docx.oxml.ns import qn

    try:
        document = docx.Document(io.BytesIO(data))
        count = sum(1 for _ in document.element.body.iter(qn("w:p")))
        if count > MAX_DOCX_PARAGRAPHS:
            raise IngestError(f"Tệp {name} có {_count(count)} đoạn (kể cả đoạn trống), vượt giới hạn "
                              f"{_count(MAX_DOCX_PARAGRAPHS)} đoạn; không đọc tệp này.")
        numbering = Numbering(document)
        lines: list[str] = []
        for paragraph in _docx_paragraphs(document):
            label = numbering.label(paragraph)
            broken = [ln for ln in paragraph.text.replace("\t", " ").split("\n") if ln.strip()]
            if not broken:
                continue
            if label:
                broken[0] = f"{label} {broken[0].lstrip()}"
            lines.extend(join_lines(broken))
            if len(lines) > MAX_PARAGRAPHS:
                raise IngestError(_too_many_paragraphs(name, len(lines)))
    except (IngestError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - any failure inside python-docx/lxml on an untrusted file
        raise IngestError(f"Tệp {name} là tệp .docx hỏng, không đọc được.") from exc
    return lines


def _docx_paragraphs(container):
    """Paragraphs of a document or table cell in reading order, descending into tables."""
    for block in container.iter_inner_content():
        if hasattr(block, "rows"):
            for row in block.rows:
                seen = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell appears once per grid column it spans
                        continue
                    seen.add(id(cell._tc))
                    yield from _docx_paragraphs(cell)
        else:
            yield block


def _ocr_lines(read: list[ocr.OcrPage], vocabulary: Vocabulary | None) -> list[list[str]]:
    """Each OCR'd page's lines repaired (``ocr_repair``), then diacritics corrected when a vocabulary is given."""
    pages = [repair_ocr_lines(page.lines) for page in read]
    if vocabulary is None or not read:
        return pages
    counts = vocabulary()
    return [correct_diacritics("\n".join(lines), counts)[0].split("\n") if lines else [] for lines in pages]


def _pdf_lines(data: bytes, name: str, vocabulary: Vocabulary | None) -> tuple[list[str], int, list[ocr.OcrPage]]:
    """Paragraphs of a PDF, page furniture removed; (lines, page count, pages read by OCR).

    Pages whose text layer has fewer than MIN_LETTERS_PER_PAGE letters are read by OCR when
    Tesseract is here; without it, a PDF that has too few letters overall is refused as a scan.
    """
    from pypdf import PdfReader  # imported here so that commands that never read PDFs stay light
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = bool(reader.decrypt(""))  # permissions-only encryption: readable without a password
            except (DependencyError, NotImplementedError):
                opened = False
            if not opened:
                raise IngestError(
                    f"Tệp {name} là PDF được mã hóa bằng mật khẩu; hãy gửi bản không đặt mật khẩu."
                )
        count = len(reader.pages)
    except IngestError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure inside pypdf on an untrusted file
        raise IngestError(f"Tệp {name} là tệp PDF hỏng, không đọc được.") from exc
    if count == 0:
        raise IngestError(f"Tệp {name} là PDF không có trang nào.")
    if count > MAX_PDF_PAGES:
        raise IngestError(f"Tệp {name} có {count} trang, vượt giới hạn {MAX_PDF_PAGES} trang mỗi văn bản.")
    try:
        inflated = 0
        pages = []
        for number, page in enumerate(reader.pages, 1):
            contents = page.get_contents()
            inflated += len(contents.get_data()) if contents is not None else 0
            if inflated > MAX_PDF_CONTENT_BYTES:
                raise IngestError(
                    f"Tệp {name}: nội dung giải nén của {number} trang đầu đã vượt "
                    f"{_megabytes(MAX_PDF_CONTENT_BYTES)} (có thể là 'bom nén'); không đọc tệp này.")
            pages.append((page.extract_text() or "").splitlines())
    except (IngestError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - as above
        raise IngestError(f"Tệp {name} là tệp PDF hỏng, không đọc được chữ.") from exc
    letters = [sum(ch.isalpha() for line in page for ch in line) for page in pages]
    scanned = [n for n, found in enumerate(letters, 1) if found < MIN_LETTERS_PER_PAGE]
    read: list[ocr.OcrPage] = []
    if scanned:
        problem = ocr.tesseract_problem()
        if problem is None:
            try:
                read = ocr.ocr_pdf_pages(data, scanned, name)
            except ocr.OcrError as exc:
                raise IngestError(str(exc)) from exc
            for page_read, lines in zip(read, _ocr_lines(read, vocabulary)):
                pages[page_read.number - 1] = lines
            found = sum(ch.isalpha() for n in scanned for line in pages[n - 1] for ch in line)
            if found < MIN_LETTERS_PER_PAGE * len(scanned):
                raise IngestError(
                    f"Tệp {name} có vẻ là bản quét, không có lớp chữ, và nhận dạng chữ (OCR) cũng chỉ đọc được "
                    f"{found} chữ cái trên {len(scanned)} trang quét; hãy gửi bản .docx, PDF có lớp chữ "
                    "hoặc bản quét rõ nét hơn."
                )
        elif sum(letters) < MIN_LETTERS_PER_PAGE * count:
            raise IngestError(
                f"Tệp {name} có vẻ là bản quét, không có lớp chữ (đọc được {sum(letters)} chữ cái trên {count} "
                f"trang) và chưa nhận dạng chữ được vì {problem}; hoặc hãy gửi bản .docx hoặc PDF có lớp chữ "
                "(đã nhận dạng OCR)."
            )
    body = [line for page in strip_page_furniture(pages) for line in page]
    if read:
        body = repair_ocr_document(body)
    return join_lines(body, full_line_length(body)), count, read


def _image_lines(data: bytes, name: str, vocabulary: Vocabulary | None) -> tuple[list[str], int, list[ocr.OcrPage]]:
    """Paragraphs of a page image (or multi-page TIFF) read by OCR; (lines, page count, pages read)."""
    problem = ocr.tesseract_problem()
    if problem is not None:
        raise IngestError(
            f"Tệp {name} là ảnh chụp/quét văn bản nhưng chưa nhận dạng chữ được vì {problem}; "
            "hoặc hãy gửi bản .docx hoặc PDF có lớp chữ."
        )
    try:
        read = ocr.ocr_image(data, name)
    except ocr.OcrError as exc:
        raise IngestError(str(exc)) from exc
    pages = _ocr_lines(read, vocabulary)
    body = repair_ocr_document([line for page in strip_page_furniture(pages) for line in page])
    return join_lines(body, full_line_length(body)), len(read), read


def _looks_like_decision(text: str) -> bool:
    """A decision has an article ("Điều 1.") or a type heading (QUYẾT ĐỊNH, KẾ HOẠCH, ...)."""
    for line in text.splitlines():
        plain = _MARKDOWN.sub("", line).strip()
        if _ARTICLE.match(plain) or doc_type(plain):
            return True
    return False
