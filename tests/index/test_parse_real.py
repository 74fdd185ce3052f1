"""Structure of real 2025 decisions (copies in tests/data/real/): attachments, table rows, plans, directives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import DATA

from sotay.index.documents import load_document
from sotay.index.ingest.stated_meta import stated_metadata
from sotay.index.parse import Passage, parse_document

REAL = DATA / "real"


def passages(name: str) -> list[Passage]:
    return parse_document(load_document(REAL / f"{name}.txt"))


def test_an_appendix_table_after_the_signature_becomes_rows_with_their_column_names() -> None:
    rows = [p for p in passages("daklak-02144-2025-tthc-xuat-nhap-khau") if p.kind == "row"]
    [row] = rows
    assert row.citation == "Phụ lục, dòng 1"
    assert row.text.startswith("Mã TTHC: 1.000603; Tên thủ tục hành chính: Cấp Giấy chứng nhận xuất xứ")
    assert "Thời gian giải quyết: - Trực tuyến: Trong thời hạn 6 giờ làm việc" in row.text
    assert "*" not in row.text


def test_a_quy_trinh_appendix_is_cited_by_its_section_and_step_rows() -> None:
    rows = [p for p in passages("bacninh-1490-2025-quy-trinh-ppp") if p.kind == "row"]
    assert len(rows) >= 50
    assert rows[0].citation.startswith("Phụ lục, Mục I.1, dòng ")
    assert rows[0].text.startswith("Thứ tự công việc: Bước 1; Nội dung công việc cụ thể:")
    assert any("Tổng thời gian giải quyết" in p.text for p in rows)


def test_a_list_attachment_keeps_its_title_and_every_row() -> None:
    found = passages("lamdong-2284-2025-xa-phuong-mien-nui")
    rows = [p for p in found if p.kind == "row"]
    assert len(rows) == 95 and rows[-1].citation == "Danh sách kèm theo, dòng 95"
    assert rows[-1].text == "Tên xã, phường: Xã Hàm Thuận Bắc"
    [title] = [p for p in found if p.citation == "Danh sách kèm theo, trích yếu"]
    assert title.text == "DANH SÁCH XÃ, PHƯỜNG MIỀN NÚI TRÊN ĐỊA BÀN TỈNH LÂM ĐỒNG"  # the heading, not the closing line
    assert any(p.citation == "Danh sách kèm theo" and p.text.startswith("Ấn định danh sách 95 xã") for p in found)


def test_a_standalone_plan_is_cited_by_section_not_as_its_title() -> None:
    found = passages("cantho-159-2025-truyen-thong-giam-ngheo")
    titles = [p for p in found if p.citation in ("Trích yếu", "Phần căn cứ")]
    assert all(p.kind in ("title", "recital") for p in titles)
    assert sum(p.kind == "title" for p in found) <= 2
    [commune] = [p for p in found if p.citation == "Mục V.6"]
    assert commune.text.startswith("6. Ủy ban nhân dân cấp xã\n- Xây dựng kế hoạch")  # heading kept with its text


def test_a_directive_is_parsed_from_its_first_point_and_its_opening_is_searchable() -> None:
    found = passages("cantho-09-2025-nuoc-duoi-dat")
    assert any(p.citation == "Mục 1" and "Các cơ quan quản lý nhà nước" in p.text for p in found)
    opening = [p for p in found if p.kind == "preamble"]
    assert opening and all(p.citation == "Phần mở đầu" for p in opening)
    assert sum(p.kind == "title" for p in found) == 1


def test_a_points_lead_sentence_is_quoted_with_it_but_not_read_as_its_duty(tmp_path: Path) -> None:
    text = ("QUYẾT ĐỊNH\nVề mức chi tập huấn\nQUYẾT ĐỊNH:\nĐiều 1. Mức chi\n"
            "2. Mức chi 200.000 đồng/người/ngày cho các hoạt động sau:\n"
            "a) Tập huấn cán bộ cấp xã;\nb) Hội nghị sơ kết.\n")
    path = tmp_path / "qd-muc-chi.txt"
    path.write_text(text, encoding="utf-8")
    [point_a] = [p for p in parse_document(load_document(path)) if p.citation == "Điều 1, khoản 2, điểm a"]
    assert point_a.text == "2. Mức chi 200.000 đồng/người/ngày cho các hoạt động sau:\na) Tập huấn cán bộ cấp xã;"
    assert point_a.clause == "a) Tập huấn cán bộ cấp xã;"


def test_an_articles_lead_sentence_is_quoted_with_each_of_its_khoan() -> None:
    # "Điều 1. Ủy quyền Giám đốc Sở … cụ thể:" says who; "2. Cấp, … thu hồi Giấy chứng nhận …" alone does not
    found = passages("quangngai-1617-2025-uy-quyen-chat-luong-nls")
    [khoan_2] = [p for p in found if p.citation == "Điều 1, khoản 2"]
    lead = "Điều 1. Ủy quyền Giám đốc Sở Nông nghiệp và Môi trường thực hiện nhiệm vụ"
    assert khoan_2.text.startswith(lead) and khoan_2.lead_lines == 1
    assert khoan_2.clause.startswith("2. Cấp, bổ sung, sửa đổi, cấp lại, thu hồi Giấy chứng nhận lưu hành tự do")
    [duty] = [p for p in found if p.citation == "Điều 3, khoản 3"]
    assert duty.text.startswith("Điều 3. Giám đốc Sở Nông nghiệp và Môi trường tỉnh Quảng Ngãi:\n3. Định kỳ")
    # a whole article's passage, and an article with no khoản, are quoted as they stand
    assert all(p.lead_lines == 0 for p in found if p.kind == "whole" or p.citation == "Điều 2")


@pytest.mark.parametrize("name, issuer, number, date, title_start", [
    # the chairman issues a decision whose authority line says so, and a directive signed "KT. CHỦ TỊCH"
    # (without "TM. ỦY BAN NHÂN DÂN"), as ../shared/real-decisions/README.md lists them
    ("daklak-02144-2025-tthc-xuat-nhap-khau", "Chủ tịch Ủy ban nhân dân tỉnh Đắk Lắk", "02144/QĐ-UBND",
     "2025-11-25", "VỀ VIỆC CÔNG BỐ"),
    ("cantho-159-2025-truyen-thong-giam-ngheo", "Ủy ban nhân dân thành phố Cần Thơ", "159/KH-UBND", None,
     "TRUYỀN THÔNG VỀ GIẢM NGHÈO"),
    ("cantho-09-2025-nuoc-duoi-dat", "Chủ tịch Ủy ban nhân dân thành phố Cần Thơ", "09/CT-UBND", "2025-11-18",
     "VỀ TĂNG CƯỜNG CÔNG TÁC QUẢN LÝ"),
    ("lamdong-2284-2025-xa-phuong-mien-nui", None, "2284/QĐ-UBND", None, None),
])
def test_stated_metadata_of_real_decisions(name, issuer, number, date, title_start) -> None:
    meta = stated_metadata((REAL / f"{name}.txt").read_text(encoding="utf-8"))
    assert meta["number"] == number
    assert meta.get("issuer") and meta.get("title") and meta.get("date")
    if issuer:
        assert meta["issuer"] == issuer
    if date:
        assert meta["date"] == date
    if title_start:
        assert meta["title"].startswith(title_start)


@pytest.mark.parametrize("name, field, expected", [
    # the type heading and the title on one line ("# ## QUYẾT ĐỊNH CÔNG BỐ DANH MỤC …")
    ("quangtri-2715-2025-tthc-dien-luc", "title", "CÔNG BỐ DANH MỤC THỦ TỤC HÀNH CHÍNH ĐƯỢC BAN HÀNH MỚI"),
    ("quangtri-2715-2025-tthc-dien-luc", "type", "Quyết định"),
    ("quangtri-2715-2025-tthc-dien-luc", "issuer", "Chủ tịch Ủy ban nhân dân tỉnh Quảng Trị"),
    # a title of 1,162 characters on one line is the title, not the file name
    ("danang-81-2025-bai-bo-via-he", "title", "BÃI BỎ QUYẾT ĐỊNH SỐ 55/2014/QĐ-UBND NGÀY 31/12/2014"),
    ("danang-81-2025-bai-bo-via-he", "issuer", "Ủy ban nhân dân thành phố Đà Nẵng"),
    # "CHỦ TỊCH NHÂN DÂN THÀNH PHỐ HUẾ", as the original has it
    ("hue-123-2025-xac-lap-so-huu-toan-dan", "issuer", "Chủ tịch Ủy ban nhân dân thành phố Huế"),
    # a plan signed "KT. CHỦ TỊCH" without "TM. ỦY BAN NHÂN DÂN" is still the committee's
    ("daklak-0130-2025-moi-truong-sau-lu", "issuer", "Ủy ban nhân dân tỉnh Đắk Lắk"),
])
def test_title_and_issuer_of_real_decisions(name: str, field: str, expected: str) -> None:
    meta = load_document(REAL / f"{name}.txt").meta
    value = getattr(meta, field)
    assert value.startswith(expected) if field == "title" else value == expected
    assert field != "title" or len(value) < 1500 and "Căn cứ" not in value


def test_the_trich_yeu_passage_is_the_title_and_a_plans_basis_a_recital() -> None:
    plan = passages("hanoi-308-2025-du-lieu-chuyen-doi-so")
    [title] = [p for p in plan if p.citation == "Trích yếu"]
    assert title.text == load_document(REAL / "hanoi-308-2025-du-lieu-chuyen-doi-so.txt").meta.title
    assert any(p.citation == "Phần căn cứ" and p.text.startswith("Thực hiện Nghị quyết số 214/NQ-CP") for p in plan)
    directive = passages("cantho-09-2025-nuoc-duoi-dat")
    [title] = [p for p in directive if p.citation == "Trích yếu"]
    assert title.text.startswith("VỀ TĂNG CƯỜNG CÔNG TÁC QUẢN LÝ, BẢO VỆ TÀI NGUYÊN NƯỚC DƯỚI ĐẤT")
    assert any(p.citation == "Phần mở đầu" and p.text.startswith("Nước là nguồn tài nguyên") for p in directive)
    # a decision's recital block ends with its enacting formula: a recital, not a title or a preamble
    decision = passages("danang-81-2025-bai-bo-via-he")
    assert [p.kind for p in decision if p.citation in ("Trích yếu", "Phần căn cứ", "Phần mở đầu")] == \
        ["title"] + ["recital"] * 8
    assert decision[8].text.startswith("UBND thành phố Đà Nẵng ban hành Quyết định bãi bỏ Quyết định số 55/2014")


_BODY_START = re.compile(r"^(Điều\s+\d|Chương\s|(PHẦN|Phần)\s+[IVX\d]|[IVXL]+\s*[.)](\s|$)|[A-ZĐ]\s*[.)](\s|$)"
                         r"|\d{1,2}(\.\d{1,2})*[.)](\s|$)|[a-zđ]\)\s|[-+•]\s)")


@pytest.mark.parametrize("path", sorted(REAL.glob("*.txt")), ids=lambda p: p.stem)
def test_no_body_text_is_cited_as_a_title_or_a_recital(path: Path) -> None:
    found = parse_document(load_document(path))
    for p in found:
        if p.citation.endswith(("Trích yếu", "trích yếu", "Phần căn cứ")):
            assert p.kind in ("title", "recital") and not _BODY_START.match(p.text), (p.citation, p.text[:120])
    titles = [p.citation for p in found if p.kind == "title"]
    assert len(titles) == len(set(titles)), "one title per part; the part's other headings are headings"


def test_lettered_parts_of_an_appendix_are_headings_of_their_rows() -> None:
    # Lai Châu 2932: "**B. THỦ TỤC … SỬA ĐỔI, BỔ SUNG** | **STT** | **Tên TTHC**", then the last column name
    # "**Quy trình nội bộ giải quyết TTHC**" as a paragraph of its own
    lai_chau = passages("laichau-2932-2025-tthc-khcn")
    rows = [p for p in lai_chau if p.kind == "row"]
    assert [p.citation for p in rows] == [f"Phụ lục, Phần {part}, dòng {n}" for part in "AB" for n in (1, 2, 3)]
    changed = rows[3]
    assert changed.headings[-1] == "B. THỦ TỤC HÀNH CHÍNH SỬA ĐỔI, BỔ SUNG"
    assert changed.text.startswith("Tên TTHC: Thay đổi, bổ sung, cấp giấy chứng nhận đăng ký tổ chức khoa học")
    assert not any(p.text == "Quy trình nội bộ giải quyết TTHC" for p in lai_chau)  # a column name, not a passage
    # Hà Tĩnh 3005: "DANH MỤC VÀ QUY TRÌNH … (Kèm theo Quyết định …)" after the signature, then "**A. ****DANH MỤC …**"
    # and "**B. ****QUY TRÌNH NỘI BỘ …**" (a bare label, its title in the next line)
    found = passages("hatinh-3005-2025-tthc-giam-dinh-y-te")
    assert [p.citation for p in found if p.kind == "title"] == ["Trích yếu", "Danh mục kèm theo, trích yếu"]
    first = next(p for p in found if p.kind == "row")
    assert first.citation == "Danh mục kèm theo, Phần A, dòng 1" and first.headings == ("A. DANH MỤC THỦ TỤC HÀNH CHÍNH",)
    assert any(p.citation == "Danh mục kèm theo, Phần B, Mục 1, dòng 15"
               and p.text.endswith("Thời hạn giải quyết: 20 ngày, kể từ ngày nhận được hồ sơ hợp lệ.") for p in found)


def test_a_table_header_and_a_row_broken_over_paragraphs_are_read_whole() -> None:
    # Đồng Nai 179, Phụ lục part C: "**Nội dung** | **Đơn vị thực hiện** | **Đơn vị phối hợp**", then
    # "**Thời gian thực hiện**" and "**Sản phẩm đầu ra**" as paragraphs; row "1.1" / its task / the other cells
    found = passages("dongnai-179-2025-kinh-te-so")
    [row] = [p for p in found if p.kind == "row" and "Kiện toàn Ban Chỉ đạo về phát triển khoa học" in p.text]
    assert row.citation == "Phụ lục, dòng 1.1"
    assert row.text == ("Nội dung: Kiện toàn Ban Chỉ đạo về phát triển khoa học, Công nghệ, đổi mới sáng tạo, Chuyển đổi "
                        "số và Đề án 06; Đơn vị thực hiện: Sở Khoa học và Công nghệ; Đơn vị phối hợp: Các sở, ban, ngành; "
                        "UBND các phường, xã; Thời gian thực hiện: 2025; Sản phẩm đầu ra: Quyết định")
    assert not any(p.kind == "title" and p.text in ("Thời gian thực hiện", "Sản phẩm đầu ra") for p in found)


def test_an_appendix_goes_on_after_a_forms_signature() -> None:
    # Lai Châu 2926, Phụ lục I: each procedure carries its forms, each form its own "Nơi nhận" | "NGƯỜI ĐẠI DIỆN
    # PHÁP LUẬT" block; the procedure's steps and fields after it are text of the appendix, not a signature
    found = passages("laichau-2926-2025-tthc-uy-quyen-y-te")
    texts = [p.text for p in found]
    assert any("Đơn hàng này có giá trị một năm kể từ ngày ký ban hành" in t for t in texts)
    assert any(t.startswith("Bước 1: Tổ chức, cá nhân đề nghị cấp phép nhập khẩu") and "Sở Y tế nơi cửa khẩu" in t
               for t in texts)
    assert not any(t.startswith(("NGƯỜI ĐẠI DIỆN", "(Ký")) for t in texts)


def test_two_procedure_tables_glued_into_one_row_are_split_into_total_heading_and_columns() -> None:
    # Cao Bằng 1948, Phụ lục II: "**Tổng thời gian thực hiện TTHC** | **5 ngày làm việc** | **II. LĨNH VỰC PHÍ, LỆ
    # PHÍ (02 Quy trình) Quy trình số: 01 1. Quy trình Kê khai …** | **Các bước** | **Nội dung công việc** | …":
    # the last row of procedure 5's table, the next headings and the next table's column names in one line
    found = passages("caobang-1948-2025-tthc-khi-tuong-thuy-van")
    [renewal] = [p for p in found if p.citation == "Phụ lục II, Mục I.5" and p.kind == "body"]
    assert renewal.text == ("5. Quy trình giải quyết thủ tục hành chính: Cấp lại giấy phép hoạt động dự báo, cảnh báo "
                            "khí tượng thủy văn (1.000943)\nTổng thời gian thực hiện TTHC: 5 ngày làm việc")
    steps = [p for p in found if p.kind == "row" and p.citation.startswith("Phụ lục II, Mục I.5, dòng ")]
    assert steps[0].text.startswith("Thứ tự công việc: Bước 1; Nội dung công việc: Kiểm tra, xem xét")
    assert steps[0].headings[-1].startswith("5. Quy trình giải quyết thủ tục hành chính: Cấp lại giấy phép")
    assert not any("Quy trình số" in p.text for p in found if p.kind == "row")
    fees = next(p for p in found if p.citation == "Phụ lục II, Mục II.1" and p.kind == "body")
    assert fees.headings == ("II. LĨNH VỰC PHÍ, LỆ PHÍ (02 Quy trình)",)


def test_a_row_whose_cells_run_on_as_paragraphs_keeps_them_when_the_next_row_follows_without_a_blank() -> None:
    # Nghệ An 3851, Danh mục: "1 | 1.009642" / "Thủ tục chấp thuận nhà đầu tư …" / "- Nộp hồ sơ …" / "2 | 1.009644"
    found = passages("nghean-3851-2025-tthc-phi-dia-gioi-tai-chinh")
    first = next(p for p in found if p.kind == "row" and "1.009642" in p.text)
    assert first.text.startswith("Mã số TTHC: 1.009642; Tên thủ tục hành chính: Thủ tục chấp thuận nhà đầu tư thuộc "
                                 "thẩm quyền của UBND cấp tỉnh.; Cách thức, địa điểm thực hiện: - Nộp hồ sơ trực tiếp")
    assert not any(p.kind != "row" and p.text.startswith("Thủ tục chấp thuận") for p in found)


def test_a_numbered_label_over_a_table_heads_its_rows_and_is_no_passage_of_its_own() -> None:
    # Bắc Ninh 1486, Danh mục: "2. Danh mục thủ tục hành chính bị bãi bỏ" then the table of the repealed procedures
    found = passages("bacninh-1486-2025-tthc-dau-thau")
    assert not any(p.text.startswith(("1. Danh mục thủ tục", "2. Danh mục thủ tục")) for p in found)
    repealed = [p for p in found if p.kind == "row" and p.citation.startswith("Danh mục kèm theo, Mục 2, dòng ")]
    assert len(repealed) == 3
    assert all(p.headings[-1] == "2. Danh mục thủ tục hành chính bị bãi bỏ" for p in repealed)
    assert repealed[0].text.startswith("Mã TTHC: 1.012508.H05; Tên TTHC bị bãi bỏ: Cấp lại chứng chỉ nghiệp vụ")


def test_a_long_row_is_also_searchable_column_by_column_after_the_cells_that_name_it() -> None:
    # Đắk Lắk 02144: one procedure's row runs to 2,000 characters (time, channels, fee, legal basis)
    found = passages("daklak-02144-2025-tthc-xuat-nhap-khau")
    columns = {p.citation: p.text for p in found if p.kind == "column"}
    assert columns["Phụ lục, dòng 1, Phí, lệ phí (nếu có)"] == (
        "Mã TTHC: 1.000603; Tên thủ tục hành chính: Cấp Giấy chứng nhận xuất xứ hàng hoá (C/O) ưu đãi Mẫu AK; "
        "Phí, lệ phí (nếu có): Theo quy định của Bộ Tài chính")
    assert columns["Phụ lục, dòng 1, Thời gian giải quyết"].endswith(
        next(p.text for p in found if p.kind == "row").split("Thời gian giải quyết: ", 1)[1].split("; Cách thức", 1)[0])
    # a row short enough to be quoted whole is not split
    found = passages("bacninh-1486-2025-tthc-dau-thau")
    rows = [p for p in found if p.kind == "row"]
    assert any(len(p.text) <= 1200 for p in rows)
    assert all(any(len(r.text) > 1200 and c.citation.startswith(r.citation + ", ") for r in rows)
               for c in found if c.kind == "column")


def _rows(name: str, prefix: str = "") -> list[Passage]:
    return [p for p in passages(name) if p.kind == "row" and p.citation.startswith(prefix)]


def test_a_header_on_two_rows_names_every_column_and_group_rows_name_the_rows_under_them() -> None:
    # Sơn La 2954, Phụ lục 01: "TT | Chỉ tiêu | ĐVT | ƯTH Năm 2025 | GIAI ĐOẠN 2026 - 2030" over "Năm 2026 | … |
    # Năm 2030"; "1 | Cà Phê" over " | - | Diện tích | Ha | …" (a merged first column flattened to an empty cell)
    texts = [p.text for p in _rows("sonla-2954-2025-xuat-khau-nong-san", "Phụ lục 01")]
    assert ("Chỉ tiêu: Cà Phê — Diện tích; ĐVT: Ha; ƯTH Năm 2025: 26.120; Năm 2026: 27.000; Năm 2027: 27.500; "
            "Năm 2028: 28.000; Năm 2029: 29.000; Năm 2030: 30.000") in texts
    assert "Chỉ tiêu: Chè — Sản lượng chè búp tươi; ĐVT: Tấn; ƯTH Năm 2025: 56.182; Năm 2026: 64.213; Năm 2027: " \
           "66.456; Năm 2028: 67.405; Năm 2029: 76.715; Năm 2030: 90.000" in texts
    assert "Chỉ tiêu: BÒ SỮA — Tổng đàn; ĐVT: Con; ƯTH Năm 2025: 28.010; Năm 2026: 28.100; Năm 2027: 28.300; " \
           "Năm 2028: 28.350; Năm 2029: 28.500; Năm 2030: 29.000" in texts
    assert not any("Cà Phê — Chè" in t or "GIAI ĐOẠN" in t for t in texts)  # the next group ends the one before


def test_sub_columns_of_a_header_spread_over_paragraphs_and_a_numbering_row_are_not_data() -> None:
    # Sơn La 2954, Phụ lục 02: "Kế hoạch 2026 … 2030" each over "Lượng (Tấn) | Giá trị …", the ten lower names
    # split over three paragraphs, then " | *1* | *2* | … | *11*"
    rows = _rows("sonla-2954-2025-xuat-khau-nong-san", "Phụ lục 02")
    xoai = next(p.text for p in rows if "Xoài" in p.text)
    assert xoai.startswith("Sản phẩm: Xoài; Kế hoạch 2026 – Lượng (Tấn): 13.500; Kế hoạch 2026 – Giá trị tham gia "
                           "xuất khẩu (Nghìn USD): 7.000; Kế hoạch 2027 – Lượng (Tấn): 14.800")
    assert xoai.endswith("Kế hoạch 2030 – Giá trị tham gia xuất khẩu (Nghìn USD): 10.000")
    dua = next(p.text for p in rows if "Sản phẩm dứa" in p.text)  # its 800 and 820 are values, not row numbers
    assert "Kế hoạch 2026 – Lượng (Tấn): 800; Kế hoạch 2026 – Giá trị tham gia xuất khẩu (Nghìn USD): 820;" in dua
    assert not any(re.search(r"\b1; 2; 3\b|: 1; .*: 2;", p.text) for p in rows)


def test_cells_one_per_line_stay_with_their_row_and_never_name_a_column() -> None:
    # Sơn La 2954, Phụ lục 02: "9 | Sữa và sản phẩm từ sữa" then "14.000" … "35.000" one per line; which of the ten
    # columns they fill is not written, so they are kept in the row without names
    found = passages("sonla-2954-2025-xuat-khau-nong-san")
    texts = [p.text for p in found if p.kind == "row"]
    assert "Sản phẩm: Sữa và sản phẩm từ sữa; 14.000; 19.000; 24.000; 29.000; 35.000" in texts
    assert "Sản phẩm: Tổng I + II; 240.000; 270.000; 305.000; 345.000; 400.000" in texts
    assert not any(re.fullmatch(r"[\d.,]+", p.text) for p in found)  # no figure is a passage of its own
    # the row after them is still read under the table's column names
    assert any(t.startswith("Sản phẩm: Đường mía; Kế hoạch 2026 – Lượng (Tấn): 7.700;") for t in texts)
    for name in (p.name for p in REAL.glob("*.txt")):
        for row in (p for p in passages(name[:-4]) if p.kind in ("row", "column")):
            names = re.findall(r"(?:^|; )([^;:]{1,80}): ", row.text)
            assert not [n for n in names if re.fullmatch(r"[\d.,\s]+", n)], (name, row.citation)


def test_a_two_row_header_is_named_by_the_years_it_spans_or_left_unnamed_when_it_cannot_be_told() -> None:
    # Cà Mau 0204: "Năm hiện hành 2025 | Dự kiến 03 năm kế hoạch" over "Dự toán TTg giao | Dự toán HĐND tỉnh quyết
    # định | Đánh giá thực hiện | Năm 2026 | Năm 2027 | Năm 2028": the years say where the cut is
    texts = [p.text for p in _rows("camau-0204-2025-ngan-sach-3-nam")]
    assert ("Nội dung: TỔNG THU NSNN TRÊN ĐỊA BÀN (I+II+III); Năm hiện hành 2025 – Dự toán TTg giao: 10.367.700; "
            "Năm hiện hành 2025 – Dự toán HĐND tỉnh quyết định: 10.367.700; Năm hiện hành 2025 – Đánh giá thực hiện: "
            "11.580.000; Năm 2026: 11.405.000; Năm 2027: 13.286.400; Năm 2028: 14.900.700") in texts
    # "Đơn vị tính | Năm hiện hành 2025 | Năm 2026 | Năm 2027 | Năm 2028" over "Kế hoạch | Ước thực hiện": any of
    # them could be the one subdivided; the figures stay in order without a name rather than under a wrong year
    grdp = next(t for t in texts if "(GRDP) giá hiện hành" in t)
    assert grdp == ("Nội dung: Tổng sản phẩm trong nước của địa phương (GRDP) giá hiện hành; Tỷ đồng; 172.033; "
                    "172.033; 193.549; 218.628; 247.907")
    assert not any(re.match(r"(Nội dung: )?[AB1-8]; [AB1-8]; ", t) for t in texts)  # "A | B | 1 | 2 …" is no row


def test_a_group_row_whose_label_stands_outside_the_columns_names_the_rows_not_their_bodies() -> None:
    # Đồng Nai 179: "II | Hợp tác …" over "Nội dung | Đơn vị thực hiện | …" whose rows are "2.1 | … | Sở …"
    texts = [p.text for p in _rows("dongnai-179-2025-kinh-te-so")]
    assert "Nội dung: Hợp tác về phát triển kinh tế số, xã hội số" in texts
    assert any(t.startswith("Nội dung: Hợp tác về phát triển kinh tế số, xã hội số — Hợp tác giữa cơ quan nhà nước")
               and "; Đơn vị thực hiện: Sở Khoa học và Công nghệ;" in t for t in texts)
    assert not any("Đơn vị thực hiện: Hợp tác" in t for t in texts)
    # Bắc Ninh 471: "2 | Phường Tân Tiến" over " | - | Khu vực phố đi bộ … | Phường Tân Tiến, tỉnh Bắc Ninh"
    assert ("Địa điểm: Phường Tân Tiến — Khu vực phố đi bộ, thuộc khu đô thị phía Nam; Địa chỉ: Phường Tân Tiến, "
            "tỉnh Bắc Ninh") in [p.text for p in _rows("bacninh-471-2025-hoi-cho-trien-lam")]


def test_column_names_go_on_past_captions_between_them_and_the_rows() -> None:
    # Đồng Nai 2770: "**STT** | **Mã TTHC** | … | **Ghi chú**", then "**A. THỦ TỤC HÀNH CHÍNH ÁP DỤNG CHUNG**", then
    # "01 | 2.000908 | Cấp bản sao từ sổ gốc | …" (the empty "Ghi chú" cell dropped by the conversion)
    rows = _rows("dongnai-2770-2025-tthc-chung-thuc")
    assert rows[0].citation == "Phụ lục, Phần A, dòng 01"
    assert rows[0].text.startswith("Mã TTHC: 2.000908; Tên thủ tục hành chính: Cấp bản sao từ sổ gốc; Thời hạn giải "
                                   "quyết: Thời hạn thực hiện yêu cầu chứng thực là ngay trong ngày")
    assert all(p.text.startswith("Mã TTHC: ") for p in rows)
    # Cao Bằng 1951: the same under "**A. Thủ tục hành chính cấp tỉnh (01 TTHC)**"; the bold "Tổng số …: | 02 |
    # TTHC" lines right under the table are a summary, not rows of its columns
    texts = [p.text for p in _rows("caobang-1951-2025-tthc-bao-hiem-bai-bo")]
    assert texts[0].startswith("Tên thủ tục hành chính (Mã TTHC): Chấm dứt việc hưởng hỗ trợ phí bảo hiểm nông "
                               "nghiệp và hoàn phí bảo hiểm nông nghiệp (1.005411); Quyết định công bố danh mục")
    assert texts[2:] == ["Tổng số danh mục TTHC công bố:; 02; TTHC", "- Cấp tỉnh:; 01; TTHC", "- Cấp xã:; 01; TTHC"]
