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
import unicodedata

import pytest
from conftest import DATA, load_questions

from sotay.index.answer import answer_question
from sotay.text import fold

QUESTIONS = load_questions(DATA / "questions.jsonl")
IN_DOMAIN = [q for q in QUESTIONS if not q["ood"]]
OUT_OF_DOMAIN = [q for q in QUESTIONS if q["ood"]]
HELDOUT = load_questions(DATA / "heldout_questions.jsonl")
# set -> (in-domain questions, floor of hit@1, floor of hit@3)
FLOORS = {"written": (IN_DOMAIN, 0.85, 0.92), "heldout": ([q for q in HELDOUT if not q["ood"]], 0.75, 0.88)}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip().lower()


def _rank(index, question: str, gold: list[str]) -> int | None:
    answer = answer_question(index, question)
    if not answer.answered:
        return None
    for rank, source in enumerate(answer.sources, 1):
        if any(_norm(g) in _norm(source["text"]) for g in gold):
            return rank
    return None


def _hits(index, questions: list[dict], fold_questions: bool) -> tuple[float, float]:
    ranks = [_rank(index, fold(q["q"]) if fold_questions else q["q"], q["gold"]) for q in questions]
    return (sum(r == 1 for r in ranks) / len(ranks), sum(r is not None and r <= 3 for r in ranks) / len(ranks))


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
    assert abs(a1 - f1) <= 0.05 and abs(a3 - f3) <= 0.05, scores[name]


def test_most_heldout_out_of_domain_questions_are_not_answered(index) -> None:
    questions = [q["q"] for q in HELDOUT if q["ood"]]
    answered = [q for q in questions + [fold(q) for q in questions] if answer_question(index, q).answered]
    assert len(answered) <= 0.35 * 2 * len(questions), answered


@pytest.mark.parametrize("item", OUT_OF_DOMAIN, ids=[q["id"] for q in OUT_OF_DOMAIN])
def test_out_of_domain_questions_are_not_answered(index, item) -> None:
    for question in (item["q"], fold(item["q"])):
        answer = answer_question(index, question)
        assert not answer.answered, (question, answer.sources[0]["citation"])
        assert "Không tìm thấy" in answer.answer
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
