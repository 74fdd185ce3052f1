"""Structure-aware parsing of the three seed decisions into cited passages."""

from __future__ import annotations

import pytest
from conftest import CORPUS

from sotay.index.documents import load_corpus
from sotay.index.parse import clean_lines, parse_document


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
