"""Retrieval and abstention on real questions, with and without diacritics.

Two question sets written for this project from the seed decisions (neither is the
shared development set); gold phrases are quoted from the clause that answers each
question:

- tests/data/questions.jsonl: 40 in-domain, 12 out-of-domain;
- tests/data/heldout_questions.jsonl: 70 in-domain and 20 out-of-domain questions written
  in a separate pass by someone who saw only the decisions, never the system's answers —
  informal, 44% without diacritics, abbreviations and typos; 6 of its out-of-domain
  questions use the corpus's own vocabulary ("lãi suất vay vốn quỹ hỗ trợ HTX Sơn La").
  Its floors are lower. It was blind when first scored; its misses have since been studied
  (the abstention thresholds and ``docref`` drew on them), so it is a regression check now.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import DATA, load_questions
from corpus_workspace import make_workspace

from sotay.index import answer as answer_module
from sotay.index.answer import Retrieval, answer_question, answers_about_named_decision, quotable_as_answer
from sotay.index.decision import Status
from sotay.index.documents import load_document
from sotay.index.parse import parse_document
from sotay.index.question_kind import asks_proposer, recitals_answer, states_proposer
from sotay.index.search.docref import Reference
from sotay.index.search.hybrid import Hit, open_index
from sotay.text import fold

QUESTIONS = load_questions(DATA / "questions.jsonl")
IN_DOMAIN = [q for q in QUESTIONS if not q["ood"]]
OUT_OF_DOMAIN = [q for q in QUESTIONS if q["ood"]]
HELDOUT = load_questions(DATA / "heldout_questions.jsonl")
# set -> (in-domain questions, floor of hit@1, floor of "gold among the clauses shown").
# hit@1: answered, and the quoted clause holds a gold phrase. Shown: answered or uncertain, and one of
# the (at most three) clauses shown holds one. Measured 2026-11-30: written 0.850 / 0.975, heldout 0.771 / 0.971.
FLOORS = {"written": (IN_DOMAIN, 0.80, 0.95), "heldout": ([q for q in HELDOUT if not q["ood"]], 0.70, 0.93)}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip().lower()


def _outcome(index, question: str, gold: list[str]) -> tuple[bool, bool]:
    """(answered with a gold phrase in the quoted clause, a gold phrase among the clauses shown)."""
    answer = answer_question(index, question)
    found = [any(_norm(g) in _norm(s["text"]) for g in gold) for s in answer.sources]
    return answer.answered and found[:1] == [True], any(found[:3])


def _hits(index, questions: list[dict], fold_questions: bool) -> tuple[float, float]:
    outcomes = [_outcome(index, fold(q["q"]) if fold_questions else q["q"], q["gold"]) for q in questions]
    return (sum(a for a, _ in outcomes) / len(outcomes), sum(s for _, s in outcomes) / len(outcomes))


@pytest.fixture(scope="module")
def scores(index) -> dict[str, dict[str, tuple[float, float]]]:
    return {name: {"accented": _hits(index, questions, False), "folded": _hits(index, questions, True)}
            for name, (questions, _, _) in FLOORS.items()}


@pytest.mark.parametrize("name", FLOORS)
def test_in_domain_questions_are_found(scores, name: str) -> None:
    _, floor1, floor3 = FLOORS[name]
    hit1, hit3 = scores[name]["accented"]
    assert hit1 >= floor1 and hit3 >= floor3, scores[name]


@pytest.mark.parametrize("name", FLOORS)
def test_questions_without_diacritics_score_within_five_points(scores, name: str) -> None:
    _, floor1, floor3 = FLOORS[name]
    (a1, a3), (f1, f3) = scores[name]["accented"], scores[name]["folded"]
    assert f1 >= floor1 and f3 >= floor3, scores[name]
    assert round(abs(a1 - f1), 6) <= 0.05 and round(abs(a3 - f3), 6) <= 0.05, scores[name]


def test_most_heldout_out_of_domain_questions_are_not_answered(index) -> None:
    questions = [q["q"] for q in HELDOUT if q["ood"]]
    answered = [q for q in questions + [fold(q) for q in questions] if answer_question(index, q).answered]
    assert len(answered) <= 0.35 * 2 * len(questions), answered


@pytest.mark.parametrize("item", OUT_OF_DOMAIN, ids=[q["id"] for q in OUT_OF_DOMAIN])
def test_out_of_domain_questions_are_not_answered(index, item) -> None:
    for question in (item["q"], fold(item["q"])):
        answer = answer_question(index, question)
        assert answer.status is Status.NOT_FOUND, (question, answer.status, answer.sources)
        assert "Không tìm thấy" in answer.answer and answer.sources == []
        assert "Ninh Thuận" in answer.answer  # says what the corpus does cover


@pytest.mark.parametrize("question", ["Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu?",
                                      "ty le thu hoi von dia ban kho khan"])
def test_answer_quotes_and_cites_the_clause(index, question: str) -> None:
    answer = answer_question(index, question)
    assert answer.answered
    top = answer.sources[0]
    assert top["doc"] == "QĐ …/2022 Ninh Thuận"
    assert top["citation"] == "Quy định kèm theo, Điều 4, khoản 2, điểm b"
    assert "QĐ …/2022 Ninh Thuận, Quy định kèm theo, Điều 4, khoản 2, điểm b" in answer.answer
    assert "10%/dự án" in answer.answer


def test_abbreviations_find_the_full_form(index) -> None:
    answer = answer_question(index, "UBND cấp xã phải làm gì với các hộ gia đình tham gia dự án?")
    assert answer.answered and "Đôn đốc, hướng dẫn các hộ gia đình" in answer.sources[0]["text"]


def test_a_recital_is_quoted_as_the_answer_only_to_a_question_about_the_legal_basis(index) -> None:
    # "Căn cứ Thông tư số 46/2022/TT-BTC … quy định quản lý, sử dụng và quyết toán kinh phí sự nghiệp …" names a
    # circular; it does not say how the budget is settled, so it cannot be the answer to that
    hits = index.search("Thông tư 46/2022/TT-BTC quy định quyết toán kinh phí sự nghiệp", k=8)
    assert hits[0].passage.kind == "recital"
    assert not quotable_as_answer(Retrieval("quyết toán kinh phí sự nghiệp như thế nào", hits, None))
    assert quotable_as_answer(Retrieval("quyết định này căn cứ thông tư nào của Bộ Tài chính", hits, None))


def test_a_clause_stating_no_time_limit_does_not_answer_how_many_days(index) -> None:
    hits = index.search("Tổ thẩm định do ai thành lập?", k=8)
    assert "Tổ thẩm định do Ủy ban nhân dân cấp huyện thành lập" in hits[0].passage.text
    assert quotable_as_answer(Retrieval("Tổ thẩm định do ai thành lập?", hits, None))
    assert not quotable_as_answer(Retrieval("Tổ thẩm định phải thành lập trong mấy ngày?", hits, None))


@pytest.mark.parametrize("question, proposer", [
    ("Sở nào đề nghị ban hành quy định quay vòng vốn Ninh Thuận?", "Sở Lao động - Thương binh và Xã hội"),
    ("so nao de nghi ban hanh quy dinh quay vong von ninh thuan", "Sở Lao động - Thương binh và Xã hội"),
    ("Ai trình kế hoạch tập huấn Chương trình 135 của Lạng Sơn?", "Trưởng Ban Dân tộc tỉnh"),
])
def test_who_proposed_a_decision_is_answered_by_its_recital(index, question, proposer) -> None:
    # "Theo đề nghị của Giám đốc Sở … tại Tờ trình số …": the one clause that says who proposed it
    answer = answer_question(index, question)
    assert answer.answered and answer.sources[0]["citation"] == "Phần căn cứ"
    assert answer.sources[0]["text"].startswith("Theo đề nghị") and proposer in answer.sources[0]["text"]


def test_an_application_for_a_permit_is_no_question_about_who_proposed_the_decision() -> None:
    assert asks_proposer("sở nào đề nghị bãi bỏ quy định chuyên trách CNTT")
    assert not asks_proposer("hồ sơ đề nghị cấp giấy phép khai thác nước gồm gì")
    assert not recitals_answer("đơn đề nghị hỗ trợ dự án nộp ở đâu")
    assert states_proposer("Theo đề nghị của Sở Xây dựng tại Tờ trình số 14634/TTr-SXD-BTKT")


def test_a_named_decisions_date_of_effect_is_answered_even_when_the_model_doubts(index, monkeypatch) -> None:
    # "Quyết định này có hiệu lực …" reads the same in every decision: the model's features cannot tell whose it
    # is, the decision named in the question can
    doubting = replace(answer_module.load_model(), answer_threshold=1.01)
    monkeypatch.setattr(answer_module, "load_model", lambda: doubting)
    named = answer_question(index, "QĐ quay vòng vốn Ninh Thuận có hiệu lực từ khi nào?")
    assert named.answered and named.sources[0]["citation"] == "Điều 2, khoản 1"
    assert "có hiệu lực thi hành từ ngày" in named.sources[0]["text"]
    for other in ("QĐ quay vòng vốn Ninh Thuận quy định tỷ lệ thu hồi vốn bao nhiêu?",  # not the date asked
                  "Quyết định có hiệu lực từ khi nào?"):  # no decision named
        assert not answer_question(index, other).answered


def test_a_named_decisions_number_or_sum_asked_is_answered_even_when_the_model_doubts(index, monkeypatch) -> None:
    # "QĐ 2934 công bố mấy thủ tục": the clause of the decision named that states a number of that unit answers;
    # so does the one stating a sum when a sum is asked
    doubting = replace(answer_module.load_model(), answer_threshold=1.01)
    monkeypatch.setattr(answer_module, "load_model", lambda: doubting)
    named = answer_question(index, "Kế hoạch tập huấn Chương trình 135 Lạng Sơn đào tạo cán bộ cơ sở bao nhiêu lớp?")
    assert named.answered and "Số lượng: 10 lớp" in named.sources[0]["text"]
    assert not answer_question(index, "Đào tạo cán bộ cơ sở bao nhiêu lớp?").answered  # no decision named
    money = answer_question(index, "Kế hoạch tập huấn Chương trình 135 Lạng Sơn tổng kinh phí bao nhiêu?")
    assert money.answered and "tổng kinh phí là 8.040 triệu đồng" in money.sources[0]["text"]


def test_what_a_named_decision_repeals_is_its_article_that_says_so() -> None:
    # hcm-2828: "Điều 1. Bãi bỏ Quyết định số 32/2023/QĐ-UBND …" answers "QĐ 2828 bãi bỏ QĐ nào?"
    found = parse_document(load_document(DATA / "real" / "hcm-2828-2025-bai-bo-qd-32-2023.txt"))
    [article] = [p for p in found if p.citation == "Điều 1"]
    named = Reference(frozenset({article.doc_id}), "bãi bỏ QĐ nào")
    hits = [Hit(article, 1.0, 1.0, 0.9, 1.0, 1.0)]
    assert answers_about_named_decision(Retrieval("QĐ 2828 TP HCM bãi bỏ QĐ nào?", hits, named))
    assert not answers_about_named_decision(Retrieval("Bãi bỏ QĐ nào?", hits, None))  # no decision named
    assert not answers_about_named_decision(Retrieval("QĐ 2828 TP HCM do ai ký?", hits, named))  # not asked


def test_a_question_about_what_a_decision_repeals_quotes_its_repealing_clauses(
        tmp_path: Path, index, session_data_dir: Path) -> None:
    # danang-81: "QĐ bãi bỏ quy định vỉa hè" names the decision by its title, so "bãi bỏ" leaves what is searched;
    # its two "Bãi bỏ toàn bộ Quyết định số …" clauses, not the article on its date of effect, answer
    corpus, data = make_workspace(tmp_path, session_data_dir)
    shutil.copy(DATA / "real" / "danang-81-2025-bai-bo-via-he.txt", corpus)
    with closing(open_index(corpus, data, progress=False)) as with_repeal:
        answer = answer_question(with_repeal, "QĐ bãi bỏ quy định vỉa hè Đà Nẵng bỏ văn bản nào")
    assert answer.answered and len(answer.sources) >= 2
    assert all(s["text"].lstrip().startswith(("1. Bãi bỏ", "2. Bãi bỏ")) for s in answer.sources)


def test_a_sum_of_money_is_not_answered_by_a_clause_that_states_none(index) -> None:
    # heldout h-ood: the corpus sets no allowance; the closest clause is a training plan ("212 lớp, … 70 học viên/lớp")
    for question in ("Phụ cấp của người hoạt động không chuyên trách cấp xã hiện nay là bao nhiêu?",
                     "phu cap cua nguoi hoat dong khong chuyen trach cap xa hien nay la bao nhieu?"):
        assert not answer_question(index, question).answered
    answer = answer_question(index, "Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu?")
    assert answer.answered and "10%/dự án" in answer.sources[0]["text"]
