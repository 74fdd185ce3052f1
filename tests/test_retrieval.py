"""Retrieval and abstention on real questions, with and without diacritics.

The questions in tests/data/questions.jsonl were written for this project from
the seed decisions (they are not the shared development set); gold phrases are
quoted from the clause that answers each question.
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from sotay.index.answer import answer_question
from sotay.index.normalize import fold

from conftest import DATA, load_questions

QUESTIONS = load_questions(DATA / "questions.jsonl")
IN_DOMAIN = [q for q in QUESTIONS if not q["ood"]]
OUT_OF_DOMAIN = [q for q in QUESTIONS if q["ood"]]


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


def _hits(index, fold_questions: bool) -> tuple[float, float]:
    ranks = [_rank(index, fold(q["q"]) if fold_questions else q["q"], q["gold"]) for q in IN_DOMAIN]
    return (sum(r == 1 for r in ranks) / len(ranks), sum(r is not None and r <= 3 for r in ranks) / len(ranks))


@pytest.fixture(scope="module")
def scores(index) -> dict[str, tuple[float, float]]:
    return {"accented": _hits(index, False), "folded": _hits(index, True)}


def test_in_domain_questions_are_found(scores) -> None:
    hit1, hit3 = scores["accented"]
    assert hit1 >= 0.8 and hit3 >= 0.9, scores


def test_questions_without_diacritics_score_within_five_points(scores) -> None:
    (a1, a3), (f1, f3) = scores["accented"], scores["folded"]
    assert f1 >= 0.8 and f3 >= 0.9, scores
    assert abs(a1 - f1) <= 0.05 and abs(a3 - f3) <= 0.05, scores


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
