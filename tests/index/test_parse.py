"""Structure-aware parsing of the three seed decisions into cited passages."""

from __future__ import annotations

import pytest
from conftest import CORPUS

from sotay.index.documents import load_corpus
from sotay.index.parse import ROW_MARK, clean_lines, parse_document


@pytest.fixture(scope="module")
def passages() -> dict[str, list]:
    return {doc.meta.id: parse_document(doc) for doc in load_corpus(CORPUS)}


def _cited(passages, doc_id: str, citation: str):
    found = [p for p in passages[doc_id] if p.citation == citation]
    assert found, f"{citation} not found in {doc_id}: {[p.citation for p in passages[doc_id]]}"
    return found[0]


@pytest.mark.parametrize(
    "doc_id, citation, quote",
    [
        ("nt-2022-quayvong", "Quy định kèm theo, Điều 4, khoản 2, điểm b", "trên địa bàn khó khăn: 10%/dự án"),
        ("nt-2022-quayvong", "Quy định kèm theo, Điều 4, khoản 2, điểm a", "đặc biệt khó khăn: không thu hồi"),
        ("nt-2022-quayvong", "Quy định kèm theo, Điều 4, khoản 3, điểm b", "Tối đa không quá 03 tháng"),
        ("nt-2022-quayvong", "Quy định kèm theo, Điều 4, khoản 4, điểm a", "tối đa 12 tháng"),
        ("nt-2022-quayvong", "Quy định kèm theo, Điều 5, khoản 2, điểm a", "Nơi mở tài khoản: Kho bạc nhà nước"),
        ("nt-2022-quayvong", "Quy định kèm theo, Điều 6, khoản 6", "Ủy ban Mặt trận Tổ quốc Việt Nam cấp xã"),
        ("nt-2022-quayvong", "Quy định kèm theo, Điều 8, khoản 2, điểm b", "Đôn đốc, hướng dẫn các hộ gia đình"),
        ("nt-2022-quayvong", "Điều 2, khoản 1", "có hiệu lực thi hành"),
        ("sl-2021-kttt", "Kế hoạch hành động kèm theo, Mục II.2, điểm b", "Sở Tài chính: Cân đối"),
        ("sl-2021-kttt", "Kế hoạch hành động kèm theo, Mục II.4, điểm c", "Bảo hiểm xã hội tỉnh"),
        ("sl-2021-kttt", "Kế hoạch hành động kèm theo, Mục IV.3", "2 năm/lần"),
        ("sl-2021-kttt", "Kế hoạch hành động kèm theo, Mục III.3", "nhà tài trợ"),
        ("sl-2021-kttt", "Kế hoạch hành động kèm theo, Mục II.1, điểm a, gạch đầu dòng 4", "tọa đàm"),
        ("ls-2020-ct135", "Kế hoạch kèm theo, Mục I.1", "Nhằm trang bị"),
        ("ls-2020-ct135", "Kế hoạch kèm theo, Mục II.2.1, điểm a", "3,5 ngày/lớp"),
        ("ls-2020-ct135", "Kế hoạch kèm theo, Mục II.5.1", "8.040 triệu đồng"),
        ("ls-2020-ct135", "Kế hoạch kèm theo, Mục III.1, điểm a", "Chủ trì, phối hợp"),
        ("ls-2020-ct135", "Kế hoạch kèm theo, Mục III.3, điểm b", "trước ngày 30/11/2020"),
    ],
)
def test_real_clauses_have_their_citation(passages, doc_id: str, citation: str, quote: str) -> None:
    assert quote in _cited(passages, doc_id, citation).text


def test_heading_path_gives_context(passages) -> None:
    point = _cited(passages, "nt-2022-quayvong", "Quy định kèm theo, Điều 4, khoản 2, điểm b")
    assert point.headings[-2].startswith("Điều 4. Hình thức, tỷ lệ")
    assert point.headings[-1].startswith("2. Tỷ lệ thu hồi")
    duty = _cited(passages, "ls-2020-ct135", "Kế hoạch kèm theo, Mục III.1, điểm a")
    assert duty.headings[-1] == "1. Ban Dân tộc tỉnh"


def test_page_break_splits_are_joined(passages) -> None:
    texts = [p.text for ps in passages.values() for p in ps]
    assert any("Hiệu quả của hợp tác xã chính là hiệu quả của hộ gia đình" in t for t in texts)
    assert any("Việc quản lý và sử dụng vốn hỗ trợ bằng tiền" in t for t in texts)
    assert any("làm cơ sở để các cơ quan chuyên môn" in t for t in texts)
    assert any("phê duyệt (nếu có) hoặc thực hiện nộp" in t for t in texts)


def test_recipients_signatures_banners_and_markdown_are_not_passages(passages) -> None:
    texts = "\n".join(p.text for ps in passages.values() for p in ps)
    for noise in ("Nơi nhận", "Như Điều 2", "Lưu: VT", "CỘNG HÒA XÃ HỘI", "Độc lập - Tự do",
                  "TM. ỦY BAN", "Trần Quốc Nam", "Nguyễn Thành Công", "Dương Xuân Huyền", "**", "###"):
        assert noise not in texts, noise


def test_citations_are_unique_within_a_document(passages) -> None:
    for doc_id, ps in passages.items():
        body = [p.citation for p in ps if p.kind == "body"]
        assert len(body) == len(set(body)), doc_id


def test_glued_bold_headings_are_split() -> None:
    assert clean_lines("**I. MỤC ĐÍCH, YÊU CẦU****1. Mục đích**\n\nNhằm trang bị.") == [
        "I. MỤC ĐÍCH, YÊU CẦU", "1. Mục đích", "Nhằm trang bị."]


def test_recitals_and_title_are_kept_with_their_own_citation(passages) -> None:
    nt = passages["nt-2022-quayvong"]
    assert any(p.citation == "Phần căn cứ" and "27/2022/NĐ-CP" in p.text for p in nt)
    assert any(p.citation == "Trích yếu" and "quay vòng" in p.text for p in nt)


# Đồng Nai 179/KH-UBND (2025), Phụ lục: a task table broken by blank lines in conversion, a cell running
# on as a line of its own, section rows in bold, and a second table under new column names.
BROKEN_TABLE = """**STT** | **Nhiệm vụ, giải pháp** | **Đơn vị thực hiện** | **Đơn vị phối hợp** | **Thời gian thực hiện** | \
**Sản phẩm đầu ra**
**I** | **Hoàn thiện thể chế**
1.1 | Rà soát, xây dựng, sửa đổi, bổ sung các quy định pháp luật | Sở Tư pháp | Các sở, ban, ngành; UBND các phường, \
xã | 2026 - 2030

Các cơ chế, chính sách; các văn bản quy phạm pháp luật

| **II** | **Phát triển hạ tầng**
2.1 | Triển khai hạ tầng số và hạ tầng bưu chính | Sở Khoa học và Công nghệ

Các sở, ban, ngành; UBND các phường, xã; Các doanh nghiệp cung cấp dịch vụ bưu chính

2026 - 2030 | Các giải pháp về hạ tầng số và hạ tầng bưu chính
2.2 | Triển khai chiến lược chuyển đổi số lĩnh vực giao thông | Sở Xây dựng | Các sở, ban, ngành; UBND các phường, xã | 2026 - 2030

**B** | **PHÁT TRIỂN KINH TẾ SỐ VÀ XÃ HỘI SỐ NGÀNH, LĨNH VỰC**
**Nội dung** | **Đơn vị thực hiện** | **Đơn vị phối hợp** | **Thời gian thực hiện**
1.4 | Tổ chức triển khai sáng kiến phổ cập kỹ năng số cho người nông dân | Sở Nông nghiệp và Môi trường | Các sở, ban, ngành; UBND các phường xã | 2026 - 2030
"""


def test_a_table_broken_by_blank_lines_keeps_its_column_names() -> None:
    rows = [line.split(ROW_MARK)[2] for line in clean_lines(BROKEN_TABLE) if line.startswith(ROW_MARK)]
    assert rows[0] == "Nhiệm vụ, giải pháp: Hoàn thiện thể chế"
    # a row under a group row carries the group's name; its last cell ran on as a line of its own:
    assert rows[1].startswith("Nhiệm vụ, giải pháp: Hoàn thiện thể chế — Rà soát")
    assert rows[1].endswith("; Sản phẩm đầu ra: Các cơ chế, chính sách; các văn bản quy phạm pháp luật")
    assert rows[2] == "Nhiệm vụ, giải pháp: Phát triển hạ tầng"  # a bold section row, not column names
    assert rows[3] == ("Nhiệm vụ, giải pháp: Phát triển hạ tầng — Triển khai hạ tầng số và hạ tầng bưu chính; Đơn vị thực hiện: Sở Khoa học "
                       "và Công nghệ; Đơn vị phối hợp: Các sở, ban, ngành; UBND các phường, xã; Các doanh nghiệp cung "
                       "cấp dịch vụ bưu chính; Thời gian thực hiện: 2026 - 2030; Sản phẩm đầu ra: Các giải pháp về hạ "
                       "tầng số và hạ tầng bưu chính")
    assert "Đơn vị phối hợp: Các sở, ban, ngành; UBND các phường, xã" in rows[4]
    assert rows[-1].startswith("Nội dung: Tổ chức triển khai sáng kiến phổ cập kỹ năng số cho người nông dân; "
                               "Đơn vị thực hiện: Sở Nông nghiệp và Môi trường; Đơn vị phối hợp: Các sở")


def test_a_header_on_two_lines_and_a_title_glued_to_it() -> None:
    # Sơn La 2954 (2025), Phụ lục 01; Cao Bằng 2031 (2025), Phụ lục I.
    two_lines = ("**TT** | **Chỉ tiêu** | **ĐVT** | **ƯTH Năm 2025** | **GIAI ĐOẠN 2026 - 2030**\n"
                 "**Năm 2026** | **Năm 2027** | **Năm 2028** | **Năm 2029** | **Năm 2030**\n"
                 "- | Sản lượng cà phê nhân | Tấn | 37.724 | 39.800 | 40.602 | 45.225 | 50.500 | 54.468\n")
    glued = ("**DANH MỤC THỦ TỤC HÀNH CHÍNH ĐƯỢC SỬA ĐỔI, BỔ SUNG (08 TTHC)** | **TT** | **Tên thủ tục hành chính** | "
             "**Thời hạn giải quyết** | **Địa điểm thực hiện**\n"
             "1 | Thủ tục cấp lại giấy chứng nhận đủ điều kiện hành nghề tu bổ di tích | 04 ngày làm việc | "
             "Trung tâm Phục vụ hành chính công tỉnh\n")
    rows = [line.split(ROW_MARK)[2] for text in (two_lines, glued) for line in clean_lines(text)
            if line.startswith(ROW_MARK)]
    assert rows == ["Chỉ tiêu: Sản lượng cà phê nhân; ĐVT: Tấn; ƯTH Năm 2025: 37.724; Năm 2026: 39.800; "
                    "Năm 2027: 40.602; Năm 2028: 45.225; Năm 2029: 50.500; Năm 2030: 54.468",
                    "Tên thủ tục hành chính: Thủ tục cấp lại giấy chứng nhận đủ điều kiện hành nghề tu bổ di tích; "
                    "Thời hạn giải quyết: 04 ngày làm việc; Địa điểm thực hiện: Trung tâm Phục vụ hành chính công tỉnh"]


def test_text_after_a_table_is_not_taken_into_it() -> None:
    text = ("**STT** | **Tên thủ tục** | **Thời hạn giải quyết**\n1 | Cấp giấy phép | 10 ngày\n\n"
            "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.\n")
    assert clean_lines(text)[-1] == "Điều 2. Quyết định này có hiệu lực kể từ ngày ký."
    # Hà Tĩnh 3004 (2025): headings between two tables are headings, not the rest of the last row.
    text = ("**STT** | **Tên thủ tục hành chính** | **Mã TTHC**\n4 | Công bố đối với nguyên liệu | 3.000449\n\n"
            "**B. QUY TRÌNH NỘI BỘ THỦ TỤC HÀNH CHÍNH**\n\n**1. Công bố đủ điều kiện sản xuất thiết bị y tế**\n\n"
            "**1** | **KÝ HIỆU QUY TRÌNH** | **QT.TBYT.01**\n")
    lines = clean_lines(text)
    assert lines[1:3] == ["B. QUY TRÌNH NỘI BỘ THỦ TỤC HÀNH CHÍNH", "1. Công bố đủ điều kiện sản xuất thiết bị y tế"]
    assert lines[0].endswith("Tên thủ tục hành chính: Công bố đối với nguyên liệu; Mã TTHC: 3.000449")
    assert lines[3].endswith("KÝ HIỆU QUY TRÌNH; QT.TBYT.01")  # a new table after the headings: not under those names


def test_a_header_of_too_many_possible_spans_is_left_as_written() -> None:
    # a hostile file: 30 column names over 40 more, above rows of 64 cells (C(28, 6) × C(33, 5) readings)
    upper = " | ".join(f"**Cột {i}**" for i in range(30))
    lower = " | ".join(f"**Phần {i}**" for i in range(40))
    row = " | ".join(str(i) for i in range(64))
    lines = clean_lines(f"{upper}\n{lower}\n{row}\n")
    assert lines[-1].split(ROW_MARK)[2].startswith("Cột 0: 0; Cột 1: 1; Cột 2: 2")  # the first row of names
