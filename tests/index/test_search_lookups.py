"""The search's look-ups made once or for all candidates at once give what one look-up per passage gives.

At 173,000 passages these were most of a warm answer beside the vector search (bench/README.md, "×1000 warm
path"); here they are checked against their plain definitions on the bundled corpus and real questions.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DATA, load_questions

from sotay.index.answer import answer_question
from sotay.index.search.hybrid import _ranks
from sotay.index.search.tokens import query_terms
from sotay.text import fold, has_diacritics

WRITTEN = [q["q"] for q in load_questions(DATA / "questions.jsonl")][:20]
QUESTIONS = WRITTEN + [fold(q) for q in WRITTEN]


def _forget_last_search(index) -> None:
    index._last_nearest = index._last_bm25 = None


@pytest.mark.parametrize("question", QUESTIONS)
def test_coverage_of_all_passages_at_once_is_each_passages_share(index, question) -> None:
    terms = query_terms(question, index.lexicon, accented=has_diacritics(question))
    passages = np.arange(len(index.passages))
    for tokens in (list(terms.content), list(terms.phrases)):
        distinct = set(tokens)
        postings = {t: set(index._postings(t).tolist()) for t in distinct}
        weights = {t: index._idf(len(postings[t])) for t in distinct}
        total = 0.0
        for t in distinct:
            total += weights[t]
        expected = []
        for i in passages.tolist():
            found = 0.0
            for t in distinct:
                if i in postings[t]:
                    found += weights[t]
            expected.append(found / total if total > 0 else 0.0)
        assert index._coverage(tokens, passages).tolist() == expected
        assert any(expected) or not tokens  # the question's words are in the corpus


def test_ranks_count_the_scores_above_each_value(index) -> None:
    terms = query_terms(WRITTEN[0], index.lexicon, accented=True)
    pool = index.bm25.get_scores(terms.tokens)  # many zeros, ties among the rest
    values = np.concatenate([np.sort(pool)[::-1][:10], [0.0, pool.max()]]).astype(pool.dtype)
    assert _ranks(pool, values) == [int((pool > v).sum()) + 1 for v in values]
    assert _ranks(pool, values[:0]) == []


def test_the_last_search_kept_changes_no_answer(index) -> None:
    """A question answered right after itself, after another one, or with nothing kept gets the same answer;
    a responsibility question (two searches with one vector) included."""
    questions = ["Sở Tài chính có trách nhiệm gì?", "ai chịu trách nhiệm thu hồi vốn", *WRITTEN[:4]]
    first = []
    for question in questions:
        _forget_last_search(index)
        first.append(answer_question(index, question).to_json())
    again = [answer_question(index, q).to_json() for q in questions for _ in range(2)][1::2]
    assert again == first
    sims, ids = index._last_nearest[2:]
    assert not sims.flags.writeable and not ids.flags.writeable and not index._last_bm25[1].flags.writeable


def test_duty_positions_are_the_passages_each_record_quotes(index) -> None:
    records = list(index.duty_book.duties)
    expected: dict[int, object] = {}
    for record in records:
        for citation in record.passages or (record.citation,):
            position = index.position(record.doc_id, citation)
            if position is not None:
                expected.setdefault(position, record)
    found = index.duty_positions(records)
    assert list(found) == list(expected) and all(found[p] is expected[p] for p in found)
    assert len(found) > 20
