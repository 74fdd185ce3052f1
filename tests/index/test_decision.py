"""The answer / doubt / decline decision: question kinds, officers' paraphrases, the fitted model."""

from __future__ import annotations

import json

import pytest

from sotay.index.decision import FEATURES, MODEL_FILE, Status, load_model
from sotay.index.question_kind import QuestionKind, asks_effective_date, has_kind, question_kind, states_effective_date
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
    ("qd 08/2021 phu tho ve may moc chuyen dung het hieu luc khi nao", False),  # when another one ceases
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
