"""Ingestion of .docx/.pdf/.txt/.md decisions: same passages and citations as the seed texts, stated
metadata, sidecar overrides, and every refusal with its Vietnamese message.

The .docx and .pdf files are built here from the seeds (tests/decision_files.py): real Word
documents (python-docx, with automatic numbering) and real multi-page PDFs (fpdf2, embedded font).
"""

from __future__ import annotations

import io
import random
import re
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest
import yaml
from decision_files import SEEDS, load_decision, write_docx, write_pdf
from pypdf import PdfReader, PdfWriter

from sotay.index.documents import Document, DocumentMeta, load_document
from sotay.index.ingest import formats as ingest
from sotay.index.ingest.formats import IngestError, extract_decision, read_sidecar
from sotay.index.ingest.line_repair import join_lines, strip_page_furniture
from sotay.index.parse import parse_document

NINH_THUAN = next(s for s in SEEDS if s.stem.startswith("ninh-thuan"))


def _passages(text: str, path: Path) -> dict[str, list[str]]:
    """Citation -> passage texts (whitespace collapsed), as the index would store them."""
    doc = Document(DocumentMeta(id="d", title="d"), text, path)
    out: dict[str, list[str]] = {}
    for passage in parse_document(doc):
        out.setdefault(passage.citation, []).append(" ".join(passage.text.split()))
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """(seed stem, "docx" | "pdf") -> a file built from that seed."""
    folder = tmp_path_factory.mktemp("decisions")
    files = {}
    for seed in SEEDS:
        decision = load_decision(seed)
        files[(seed.stem, "docx")] = write_docx(decision, folder / f"{seed.stem}.docx")
        files[(seed.stem, "pdf")] = write_pdf(decision, folder / f"{seed.stem}.pdf")
    return files


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: s.stem)
def test_built_file_gives_the_seed_passages(built, seed: Path, fmt: str) -> None:
    path = built[(seed.stem, fmt)]
    extracted = extract_decision(path)
    expected = _passages(load_document(seed).text, seed)
    got = _passages(extracted.text, path)
    assert set(got) == set(expected)
    assert got == expected  # same clauses, word for word
    assert extracted.source_format == fmt
    assert "Trang " not in extracted.text and "— Quyết định số" not in extracted.text  # footer, running header
    if fmt == "pdf":
        assert extracted.pages == len(PdfReader(path).pages) > 3
        assert extracted.text.count("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") <= 2  # not once per page
    else:
        assert extracted.pages is None


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_ninh_thuan_recovery_rate_clause(built, fmt: str) -> None:
    path = built[(NINH_THUAN.stem, fmt)]
    passages = _passages(extract_decision(path).text, path)
    (text,) = passages["Quy định kèm theo, Điều 4, khoản 2, điểm b"]
    assert text.startswith("b) Tỷ lệ thu hồi vốn hỗ trợ bằng tiền hoặc hiện vật trong cộng đồng")
    assert text.endswith("địa bàn khó khăn: 10%/dự án.")


def test_docx_automatic_numbering_keeps_labels(built) -> None:
    path = built[(NINH_THUAN.stem, "docx")]
    xml = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert xml.count("<w:numPr>") > 30  # khoản and điểm are Word list items, not typed labels
    assert "Tỷ lệ thu hồi vốn hỗ trợ bằng tiền hoặc hiện vật trong cộng đồng đối với dự án thực hiện trên địa bàn khó khăn" in xml
    assert "b) Tỷ lệ thu hồi vốn hỗ trợ bằng tiền hoặc hiện vật trong cộng đồng" not in xml
    text = extract_decision(path).text
    assert "\nb) Tỷ lệ thu hồi vốn hỗ trợ bằng tiền hoặc hiện vật trong cộng đồng" in text


def test_pdf_sentence_cut_by_page_break_is_repaired(built) -> None:
    path = built[(NINH_THUAN.stem, "pdf")]
    pages = [(page.extract_text() or "").splitlines() for page in PdfReader(path).pages]
    cuts = []
    for page, following in zip(pages, pages[1:]):
        last, first = page[-2].strip(), following[3].strip()  # before "Trang N/M"; after header and banner
        if not re.search(r"[.:;]$", last):
            cuts.append(" ".join(f"{last} {first}".split()))
    assert cuts, "the fixture should cut at least one sentence across pages"
    text = " ".join(extract_decision(path).text.split())
    for cut in cuts:
        assert cut in text


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: s.stem)
@pytest.mark.parametrize("suffix", [".txt", ".md"])
def test_text_seed_is_taken_as_is(tmp_path, seed: Path, suffix: str) -> None:
    path = tmp_path / (seed.stem + suffix)
    path.write_bytes(seed.read_bytes())
    extracted = extract_decision(path)
    assert extracted.source_format == suffix[1:]
    assert _passages(extracted.text, path) == _passages(load_document(seed).text, seed)
    sidecar = yaml.safe_load(seed.with_suffix(".yaml").read_text(encoding="utf-8"))
    for key in ("number", "date", "date_text", "issuer", "province", "type", "title"):
        assert extracted.meta[key] == sidecar[key]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_stated_number_and_date_are_extracted(tmp_path, fmt: str) -> None:
    decision = load_decision(NINH_THUAN, number="25/2022/QĐ-UBND", date_text="ngày 01 tháng 12 năm 2022")
    writer = write_docx if fmt == "docx" else write_pdf
    meta = extract_decision(writer(decision, tmp_path / f"qd.{fmt}")).meta
    assert meta["number"] == "25/2022/QĐ-UBND"
    assert meta["date"] == "2022-12-01"
    assert meta["date_text"] == "ngày 01 tháng 12 năm 2022"
    assert meta["issuer"] == "Ủy ban nhân dân tỉnh Ninh Thuận"
    assert meta["province"] == "Ninh Thuận"
    assert meta["type"] == "Quyết định"
    assert meta["title"].startswith("Ban hành quy định cơ chế quay vòng một phần vốn hỗ trợ")
    assert meta["title"].endswith("trên địa bàn tỉnh Ninh Thuận")


def test_sidecar_overrides_stated_metadata(tmp_path, built) -> None:
    path = tmp_path / "nt.docx"
    path.write_bytes(built[(NINH_THUAN.stem, "docx")].read_bytes())
    path.with_suffix(".yaml").write_text(
        "number: 25/2022/QĐ-UBND\ndate: 2022-12-01\nshort_name: QĐ 25/2022 Ninh Thuận\nnote:\n", encoding="utf-8"
    )
    stated = extract_decision(path).meta
    overrides = read_sidecar(path)
    assert overrides == {"number": "25/2022/QĐ-UBND", "date": "2022-12-01", "short_name": "QĐ 25/2022 Ninh Thuận"}
    merged = {**stated, **overrides}
    assert merged["number"] == "25/2022/QĐ-UBND" != stated["number"]
    assert merged["issuer"] == "Ủy ban nhân dân tỉnh Ninh Thuận"


def test_sidecar_absent_or_invalid(tmp_path) -> None:
    path = tmp_path / "qd.pdf"
    assert read_sidecar(path) == {}
    path.with_suffix(".yaml").write_text("- một\n- hai\n", encoding="utf-8")
    with pytest.raises(IngestError, match="bảng 'khóa: giá trị'"):
        read_sidecar(path)
    path.with_suffix(".yaml").write_text("number: [25\n", encoding="utf-8")
    with pytest.raises(IngestError, match="sai cú pháp YAML"):
        read_sidecar(path)


# -- refusals ---------------------------------------------------------------------------------------


def _rejected(path: Path) -> str:
    with pytest.raises(IngestError) as info:
        extract_decision(path)
    return str(info.value)


def _png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_renamed_binaries_are_refused(tmp_path, built) -> None:
    png = tmp_path / "quyet-dinh.pdf"
    png.write_bytes(_png_bytes())
    message = _rejected(png)
    assert "quyet-dinh.pdf" in message and "đuôi .pdf" in message and "ảnh PNG" in message

    elf = tmp_path / "quyet-dinh2.pdf"
    with open(sys.executable, "rb") as executable:
        elf.write_bytes(executable.read(65536))
    assert "tệp chương trình" in _rejected(elf)

    noise = tmp_path / "quyet-dinh.docx"
    noise.write_bytes(random.Random(6).randbytes(4096))
    assert "nhị phân không rõ loại" in _rejected(noise)

    pdf_as_docx = tmp_path / "that-ra-la-pdf.docx"
    pdf_as_docx.write_bytes(built[(NINH_THUAN.stem, "pdf")].read_bytes())
    assert "thực chất là một tệp PDF" in _rejected(pdf_as_docx)

    docx_as_txt = tmp_path / "van-ban.txt"
    docx_as_txt.write_bytes(built[(NINH_THUAN.stem, "docx")].read_bytes())
    assert "tài liệu Word (.docx)" in _rejected(docx_as_txt)


def _cp1258(text: str) -> bytes:
    """Windows-1258 bytes: precomposed letters where the code page has them, else base letter + tone mark."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            tone = "".join(c for c in decomposed if c in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tone))
            out += (base + tone).encode("cp1258")
    return out


def test_plain_zip_and_old_formats_are_refused(tmp_path) -> None:
    archive = tmp_path / "ho-so.docx"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("bang-tinh.csv", "a,b\n1,2\n")
    assert "tệp nén ZIP" in _rejected(archive)
    assert "chưa được hỗ trợ" in _rejected(tmp_path / "quyet-dinh.odt")
    legacy = tmp_path / "tcvn3.txt"
    legacy.write_bytes(_cp1258("Điều 1. Quyết định này có hiệu lực."))
    message = _rejected(legacy)
    assert "UTF-8" in message and "TCVN3" in message


def test_zip_bomb_is_refused_before_inflating(tmp_path) -> None:
    bomb = tmp_path / "bom.docx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"<w:document>" + b"\0" * (64 * 1024 * 1024))
    assert bomb.stat().st_size < 200_000
    message = _rejected(bomb)
    assert "bom nén" in message and "word/document.xml" in message


def test_password_protected_pdf_is_refused(tmp_path, built) -> None:
    writer = PdfWriter(clone_from=built[(NINH_THUAN.stem, "pdf")])
    writer.encrypt(user_password="mat-khau", owner_password="chu-so-huu", algorithm="RC4-128")
    locked = tmp_path / "khoa.pdf"
    writer.write(locked)
    message = _rejected(locked)
    assert "mã hóa" in message and "mật khẩu" in message


def test_pdf_encrypted_only_for_permissions_is_read(tmp_path, built) -> None:
    source = built[(NINH_THUAN.stem, "pdf")]
    writer = PdfWriter(clone_from=source)
    writer.encrypt(user_password="", owner_password="chu-so-huu", algorithm="RC4-128")
    restricted = tmp_path / "han-che.pdf"
    writer.write(restricted)
    assert PdfReader(restricted).is_encrypted
    assert extract_decision(restricted).text == extract_decision(source).text


def test_pdf_over_page_limit_is_refused(tmp_path) -> None:
    writer = PdfWriter()
    for _ in range(500):
        writer.add_blank_page(width=595, height=842)
    long_pdf = tmp_path / "500-trang.pdf"
    writer.write(long_pdf)
    message = _rejected(long_pdf)
    assert "500 trang" in message and f"giới hạn {ingest.MAX_PDF_PAGES} trang" in message


def test_empty_documents_are_refused(tmp_path) -> None:
    import docx
    from fpdf import FPDF

    empty_file = tmp_path / "rong.txt"
    empty_file.write_bytes(b"")
    assert "rỗng" in _rejected(empty_file)

    blank_text = tmp_path / "trang.md"
    blank_text.write_text("\n \n\t\n", encoding="utf-8")
    assert "không có nội dung chữ" in _rejected(blank_text)

    empty_docx = tmp_path / "rong.docx"
    docx.Document().save(empty_docx)
    assert "không có nội dung chữ" in _rejected(empty_docx)

    no_pages = tmp_path / "khong-trang.pdf"
    PdfWriter().write(no_pages)
    assert "không có trang nào" in _rejected(no_pages)

    scan = tmp_path / "ban-quet.pdf"  # pages holding only an image, as a scanner makes them
    image = tmp_path / "trang.png"
    image.write_bytes(_png_bytes())
    pdf = FPDF(format="A4")
    for _ in range(3):
        pdf.add_page()
        pdf.image(str(image), x=10, y=10, w=190)
    pdf.output(str(scan))
    message = _rejected(scan)
    assert "bản quét" in message and "không có lớp chữ" in message


def test_file_over_size_limit_is_refused(tmp_path, built, monkeypatch) -> None:
    path = built[(NINH_THUAN.stem, "docx")]
    monkeypatch.setattr(ingest, "MAX_FILE_BYTES", path.stat().st_size - 1)
    message = _rejected(path)
    assert "quá lớn" in message and "giới hạn" in message


def test_text_that_is_not_a_decision_is_refused(tmp_path) -> None:
    recipe = tmp_path / "banh-chung.txt"
    recipe.write_text(
        "CÁCH GÓI BÁNH CHƯNG\n\nNguyên liệu: gạo nếp, đậu xanh, thịt ba chỉ, lá dong.\n\n"
        "1. Ngâm gạo nếp qua đêm, để ráo.\n\n2. Đãi đậu xanh, hấp chín.\n\n"
        "3. Xếp lá dong, cho gạo, đậu, thịt rồi gói vuông và luộc 10 tiếng.\n",
        encoding="utf-8",
    )
    message = _rejected(recipe)
    assert "không giống một văn bản quyết định" in message


# -- line repair ------------------------------------------------------------------------------------


def test_page_furniture_and_wrapped_lines() -> None:
    pages = [
        ["ỦY BAN NHÂN DÂN", "Điều 1. Phạm vi", "Quy định này áp dụng cho các tổ chức chính trị-", "Trang 1/3"],
        ["UBND tỉnh X — Quyết định 12", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "xã hội trên địa bàn tỉnh.", "- 2 -"],
        ["UBND tỉnh X — Quyết định 12", "Điều 2. Hiệu lực", "Quyết định có hiệu lực", "3"],
    ]
    lines = [ln for page in strip_page_furniture(pages) for ln in page]
    assert lines == ["ỦY BAN NHÂN DÂN", "Điều 1. Phạm vi", "Quy định này áp dụng cho các tổ chức chính trị-",
                     "xã hội trên địa bàn tỉnh.", "Điều 2. Hiệu lực", "Quyết định có hiệu lực"]
    assert join_lines(lines) == ["ỦY BAN NHÂN DÂN", "Điều 1. Phạm vi",
                                 "Quy định này áp dụng cho các tổ chức chính trị-xã hội trên địa bàn tỉnh.",
                                 "Điều 2. Hiệu lực", "Quyết định có hiệu lực"]


def test_damaged_files_are_refused(tmp_path, built) -> None:
    pdf = built[(NINH_THUAN.stem, "pdf")].read_bytes()
    cut_pdf = tmp_path / "cat-ngan.pdf"
    cut_pdf.write_bytes(pdf[: len(pdf) // 2])
    assert "PDF hỏng" in _rejected(cut_pdf)

    document = built[(NINH_THUAN.stem, "docx")].read_bytes()
    cut_docx = tmp_path / "cat-ngan.docx"
    cut_docx.write_bytes(document[: len(document) // 2])
    assert "tệp nén bị hỏng" in _rejected(cut_docx)

    bad_xml = tmp_path / "xml-hong.docx"
    with zipfile.ZipFile(io.BytesIO(document)) as source, zipfile.ZipFile(bad_xml, "w") as target:
        for member in source.infolist():
            body = source.read(member)
            target.writestr(member, body[: len(body) // 2] if member.filename == "word/document.xml" else body)
    assert ".docx hỏng" in _rejected(bad_xml)


def test_docx_list_styles_and_roman_numbering(tmp_path) -> None:
    """Word lists other than the fixture's: a Roman-numbered section list and the built-in bullet style."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    document = docx.Document()
    numbering = document.part.part_related_by(RT.NUMBERING).element
    numbering.find(f"{{{w}}}num").addprevious(parse_xml(
        f'<w:abstractNum xmlns:w="{w}" w:abstractNumId="77">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl>'
        "</w:abstractNum>"))
    numbering.append(parse_xml(f'<w:num xmlns:w="{w}" w:numId="77"><w:abstractNumId w:val="77"/></w:num>'))

    def item(text: str, level: int) -> None:
        paragraph = document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr xmlns:w="{w}"><w:ilvl w:val="{level}"/><w:numId w:val="77"/></w:numPr>'))

    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Thực hiện chương trình giảm nghèo năm 2024")
    item("MỤC ĐÍCH", 0)
    item("Nâng cao năng lực cán bộ xã.", 1)
    item("NHIỆM VỤ", 0)
    item("Tổ chức tập huấn:", 1)
    document.add_paragraph("Ở cấp huyện;", style="List Bullet")
    item("Báo cáo kết quả.", 1)
    path = tmp_path / "ke-hoach.docx"
    document.save(path)
    lines = extract_decision(path).text.strip().split("\n\n")
    assert lines[2:] == ["I. MỤC ĐÍCH", "1. Nâng cao năng lực cán bộ xã.", "II. NHIỆM VỤ", "1. Tổ chức tập huấn:",
                         "- Ở cấp huyện;", "2. Báo cáo kết quả."]
