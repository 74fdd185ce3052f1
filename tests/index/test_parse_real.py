"""Structure of real 2025 decisions (copies in tests/data/real/): attachments, table rows, plans, directives."""

from __future__ import annotations

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
    assert any(p.citation == "Danh sách kèm theo, trích yếu" for p in found)


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


@pytest.mark.parametrize("name, issuer, number, date, title_start", [
    ("daklak-02144-2025-tthc-xuat-nhap-khau", "Ủy ban nhân dân tỉnh Đắk Lắk", "02144/QĐ-UBND",
     "2025-11-25", "VỀ VIỆC CÔNG BỐ"),
    ("cantho-159-2025-truyen-thong-giam-ngheo", "Ủy ban nhân dân thành phố Cần Thơ", "159/KH-UBND", None,
     "TRUYỀN THÔNG VỀ GIẢM NGHÈO"),
    ("cantho-09-2025-nuoc-duoi-dat", "Ủy ban nhân dân thành phố Cần Thơ", "09/CT-UBND", "2025-11-18",
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
