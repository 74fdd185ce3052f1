"""The answer / doubt / decline decision: question kinds, officers' paraphrases, the fitted model."""

from __future__ import annotations

import json

import pytest

from sotay.index.decision import FEATURES, MODEL_FILE, Status, load_model
from sotay.index.question_kind import (
    QuestionKind,
    asked_quantity,
    asks_change,
    asks_effective_date,
    asks_money,
    has_kind,
    question_kind,
    required_quantity,
    states_change,
    states_effective_date,
    states_money,
    states_quantity,
)
from sotay.index.search.paraphrase import expansion


@pytest.mark.parametrize("question, kind", [
    ("Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu?", QuestionKind.AMOUNT),
    ("thoi han giai quyet ho so bao nhieu ngay", QuestionKind.TIME),
    ("Bao lâu thì Sơn La tổng kết kế hoạch?", QuestionKind.TIME),
    ("Tổ thẩm định do ai thành lập?", QuestionKind.WHO),
    ("co quan nao chu tri", QuestionKind.WHO),
    ("nộp hồ sơ ở đâu", QuestionKind.WHERE),
    ("Mục đích của kế hoạch là gì?", QuestionKind.OTHER),
])
def test_question_kinds(question: str, kind: QuestionKind) -> None:
    assert question_kind(question) is kind


def test_a_passage_without_the_asked_kind_is_recognised() -> None:
    assert has_kind(QuestionKind.AMOUNT, "b) Tỷ lệ thu hồi vốn … trên địa bàn khó khăn: 10%/dự án.")
    assert not has_kind(QuestionKind.AMOUNT, "Liên minh HTX tỉnh tuyên truyền, vận động thành lập mới hợp tác xã.")
    assert has_kind(QuestionKind.TIME, "Thời hạn giải quyết: 90 ngày, kể từ ngày nhận được hồ sơ hợp lệ")
    assert has_kind(QuestionKind.WHO, "Tổ thẩm định do Ủy ban nhân dân cấp huyện thành lập")
    assert not has_kind(QuestionKind.TIME, "Hình thức thu hồi để quay vòng: Bằng tiền hoặc hiện vật.")


@pytest.mark.parametrize("question, asks", [
    ("QĐ 44 phân cấp máy móc thiết bị Quảng Ngãi có hiệu lực khi nào", True),
    ("quy dinh an toan dien Thai Nguyen co hieu luc tu ngay nao", True),
    ("Quy định thi đua khen thưởng mới của Bắc Ninh hiệu lực ngày nào, bỏ QĐ nào", True),
    ("QĐ 02144 Đắk Lắk về C/O khi nào có hiệu lực", True),  # the question word first
    ("qd bai bo via he hcm bao gio thi ap dung", True),
    ("qd 08/2021 phu tho ve may moc chuyen dung het hieu luc khi nao", False),  # when another one ceases
    ("khi nào thì hết hiệu lực", False),
    ("Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu?", False),
])
def test_questions_asking_when_a_decision_takes_effect(question: str, asks: bool) -> None:
    assert asks_effective_date(question) is asks


def test_the_clause_setting_the_date_of_effect_is_told_from_the_list_of_what_ceases() -> None:
    # Quảng Ngãi 44/2025/QĐ-UBND, Điều 5: khoản 1 sets the date; khoản 2's points share its words.
    assert states_effective_date("1. Quyết định này có hiệu lực thi hành kể từ ngày 05 tháng 12 năm 2025.")
    assert states_effective_date("Điều 2. Quyết định này có hiệu lực kể từ ngày ký.")
    assert not states_effective_date("2. Các Quyết định sau hết hiệu lực thi hành kể từ ngày Quyết định này có hiệu "
                                     "lực:\ne) Quyết định số 60/2023/QĐ-UBND ngày 09/11/2023 của Ủy ban nhân dân tỉnh")


@pytest.mark.parametrize(("question", "answering", "sibling"), [
    # Cần Thơ 2579: the score that makes "xuất sắc", not the article that merely says "xuất sắc"
    ("dân vận bao nhiêu điểm thì xuất sắc", "Hoàn thành xuất sắc: … đạt từ 95 điểm trở lên",
     "xếp loại xuất sắc và có nhiều thành tích"),
    ("cap lai giay phep mat may ngay lam viec", "Tổng thời gian thực hiện TTHC: 5 ngày làm việc",
     "Trả kết quả; Không tính thời gian; 12 ngày"),
    ("vay quỹ tối đa bao nhiêu % tổng mức đầu tư", "không được vượt quá mức 70% tổng mức đầu tư",
     "Vốn điều lệ tối thiểu của Quỹ là 30.000.000.000 đồng"),
    ("Nghệ An có bao nhiêu TTHC cấp xã", "cấp xã: 38 thủ tục", "Tên TTHC: Cấp giấy phép"),
    ("máy móc được mua giá cao hơn bao nhiêu phần trăm", "tối đa 30% so với mức giá", "máy móc, thiết bị"),
    ("báo cáo trước ngày mấy hằng tháng", "trước ngày 15 hằng tháng", "báo cáo định kỳ hằng tháng"),
    ("hỗ trợ bao nhiêu tiền một người", "mức chi 200.000 đồng/người/ngày", "hỗ trợ cho người tham gia"),
])
def test_a_number_asked_in_a_unit_is_found_only_where_a_number_in_that_unit_is_stated(
        question: str, answering: str, sibling: str) -> None:
    asked = asked_quantity(question)
    assert asked is not None
    assert states_quantity(asked, answering) and not states_quantity(asked, sibling)


@pytest.mark.parametrize("question", ["mua máy móc cho chức danh nào", "bao nhiêu là đủ", "ai cấp giấy phép",
                                      "máy tính bảng được trang bị không"])
def test_no_number_is_asked_without_a_unit_after_how_many(question: str) -> None:
    assert asked_quantity(question) is None


@pytest.mark.parametrize(("question", "answering", "not_answering"), [
    # Thanh Hóa 145/2025: the article naming the procedure states no time limit
    ("cấp giấy chứng nhận đăng ký hoạt động thử nghiệm ở Thanh Hóa giải quyết mấy ngày",
     "Thời hạn giải quyết: 05 ngày làm việc kể từ ngày nhận đủ hồ sơ",
     "Điều 1. Ủy quyền cho Giám đốc Sở Khoa học và Công nghệ thực hiện giải quyết thủ tục hành chính theo quy định "
     "tại Điều 51 Nghị định số 133/2025/NĐ-CP ngày 12/6/2025"),
    ("lệ phí trước bạ nhà ở Đắk Lắk nộp mấy % giá trị nhà", "Tỷ lệ (%) chất lượng còn lại: 80",
     "1. Giá tính lệ phí trước bạ đối với nhà mới xây dựng được xác định theo Bảng đơn giá xây dựng mới nhà"),
    ("cong dong dan cu bao cao ket qua du an dinh ky may thang", "định kỳ hàng tháng báo cáo kết quả",
     "Cộng đồng dân cư báo cáo kết quả thực hiện dự án khi kết thúc"),
    ("lực lượng canh phòng phải trực mấy tiếng", "ứng trực 12/24 giờ", "bố trí lực lượng canh phòng"),
    # people, told as trainees or members too
    ("mỗi xã cử mấy người đi học ở tỉnh", "mỗi xã 01 - 02 học viên",
     "Tổ thẩm định do Ủy ban nhân dân cấp huyện thành lập"),
])
def test_a_time_limit_a_share_or_a_number_of_people_asked_for_must_be_stated(question: str, answering: str, not_answering: str) -> None:
    required = required_quantity(question)
    assert required is not None
    assert states_quantity(required, answering) and not states_quantity(required, not_answering)


def test_shorthand_for_how_many_asks_a_number() -> None:
    assert required_quantity("QĐ quay vòng vốn Ninh Thuận: địa bàn khó khăn phải thu lại bao nhiu % vốn?") is not None
    assert asked_quantity("lop can bo co so xa to chuc o tinh bn lop, moi lop bn nguoi") is not None


@pytest.mark.parametrize("question", [
    "có mấy bước thực hiện",  # a count of steps or items may be told in other words
    "tờ trình của sở lao động về quay vòng vốn số mấy ngày nào",  # a number and a date, not a duration
    "nộp bao nhiêu tiền",  # a sum: see asks_money
])
def test_counts_and_dates_are_not_required_to_be_stated(question: str) -> None:
    assert required_quantity(question) is None


@pytest.mark.parametrize(("question", "asks"), [
    ("phi cong chung hop dong mua ban nha o Hai Phong bao nhieu", True),
    ("Phụ cấp của người hoạt động không chuyên trách cấp xã hiện nay là bao nhiêu?", True),
    ("hỗ trợ bao nhiêu tiền một người", True),
    ("mức chi tập huấn cán bộ xã bao nhiêu", True),
    ("phí bảo vệ môi trường nộp mấy lần một năm", False),  # how often, not how much
    ("kh 308 ha noi uu tien hoan thien bao nhieu csdl", False),  # "ưu tiên", not "tiền"
    ("luc luong canh phong phai truc may tieng", False),  # "lực lượng", not "lương"
    ("phi chung thuc di chuc o xa bn", True),  # "bn": bao nhiêu
    ("TTHC chấm dứt hưởng hỗ trợ phí bảo hiểm nông nghiệp mã số bn, còn ko", False),  # a code, not a sum
])
def test_questions_asking_for_a_sum_of_money(question: str, asks: bool) -> None:
    assert asks_money(question) is asks


@pytest.mark.parametrize(("question", "answering"), [
    ("QĐ 2579 Cần Thơ thay thế QĐ nào", "Quyết định này thay thế Quyết định số 13/2023/QĐ-UBND"),
    ("QĐ 451 Bắc Ninh bãi bỏ văn bản nào vậy", "Bãi bỏ toàn bộ Quyết định số 445/2013/QĐ-UBND"),
    ("QĐ 2698 Gia Lai sửa đổi QĐ nào trước đó", "Sửa đổi, bổ sung Điều 1 Quyết định số 1203/QĐ-UBND"),
])
def test_questions_asking_what_a_decision_repeals_replaces_or_amends(question: str, answering: str) -> None:
    assert asks_change(question) and states_change(answering)
    assert not asks_change("QĐ 2698 Gia Lai có hiệu lực khi nào") and not states_change("Điều 1. Công bố kèm theo")


def test_a_sum_is_stated_by_an_amount_a_rate_or_an_exemption() -> None:
    assert states_money("Mức chi 200.000 đồng/người/ngày")
    assert states_money("Miễn lệ phí đối với hộ nghèo")
    assert states_money("bằng hệ số 0,3 mức lương cơ sở")
    assert not states_money("Số lượng: 212 lớp, dự kiến 01 - 02 lớp/xã, khoảng 70 học viên/lớp.")


def test_officers_words_are_expanded_to_the_decisions_words() -> None:
    assert "thành lập" in expansion("tổ thẩm định do ai lập?")
    assert "thời hạn" in expansion("bao lau thi xong")
    assert "ủy ban nhân dân cấp xã" in expansion("xã mình phải làm gì")
    assert expansion("Điều 4 quy định gì") == ""


def test_the_fitted_model_is_complete_and_decides_by_its_thresholds() -> None:
    raw = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert raw["features"] == list(FEATURES)
    assert set(raw["first"]["weights"]) == set(FEATURES) == set(raw["shown"]["weights"])
    model = load_model()
    assert 0 < model.doubt_threshold < model.answer_threshold < 1
    strong = {f: raw["first"]["means"][f] for f in FEATURES} | {
        "dense": 0.93, "coverage": 1.0, "lead": 0.5, "agree": 1.0, "first_both": 1.0, "kind_match": 1.0}
    weak = {f: raw["first"]["means"][f] for f in FEATURES} | {
        "dense": 0.80, "coverage": 0.1, "lead": 0.0, "agree": 0.0, "top_dense": 0.0, "top_lexical": 0.0,
        "log_bm25": 0.5, "kind_match": 0.0, "phrases": 0.0}
    assert model.decide(strong).status is Status.ANSWERED
    assert model.decide(weak).status is Status.NOT_FOUND
    assert model.decide(strong) == model.decide(dict(strong))  # same input, same output
