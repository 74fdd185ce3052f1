"""Every number the ranking uses, with where it comes from.

Measured with ``bench/sweep_ranking.py`` (it sets these module constants and reports where the
gold passage lands on the calibration half, the held-out set, ``tests/data/questions.jsonl``
and the shared dev set); the table is in bench/README.md, "Re-ranking ideas". Values marked
"by hand" were set when their rule was introduced, on the bundled question sets, and have not
been swept; "depth" values bound work, not order.
"""

from __future__ import annotations

# BM25 over folded syllables, compounds and pairs (``lexical.py``): by hand.
BM25_K1 = 0.9  # saturation; passages range from one line to a page
BM25_B = 0.4  # a lower b keeps long clauses from being buried under short ones

# Fusion of the two rankings. Swept: BM25 share 0.6 / 0.5 / 0.4 / 0.3 gave first place 0.746 / 0.732 /
# 0.711 / 0.693 on the calibration half (dense alone 0.513, BM25 alone 0.627).
LEXICAL_WEIGHT = 0.6  # share of the fused score that comes from BM25
DENSE_CANDIDATES = 200  # depth: passages taken from the vector search before fusing

# The best fused candidates are re-ranked by how many of the question's content words
# (IDF-weighted) they contain: a clause that has them all beats a shorter sibling.
RERANK_DEPTH = 20  # depth
COVERAGE_WEIGHT = 0.2  # swept: 0.1 gave 0.737 / 0.853 (calibration / held-out) against 0.746 / 0.872

# A short unit is indexed both whole and clause by clause (see parse.MAX_WHOLE_UNIT_CHARS).
# One of its clauses answers more precisely than the whole when it is at least as close
# semantically (the question is about that clause, not the unit) and nearly as strong overall. By hand.
CLAUSE_DENSE_MARGIN = 0.002
CLAUSE_SCORE_MARGIN = 0.06

# A passage that assigns its duties to a body the question names ("Liên minh HTX tỉnh tổ
# chức hội nghị gì?") is about that body, not one that merely mentions it beside others. By hand.
HOLDER_WEIGHT = 0.2

# A question asking when its decision takes effect is answered by the clause that sets the date, not
# by the points listing what ceases "kể từ ngày Quyết định này có hiệu lực". Swept: +0.8 pt.
EFFECT_WEIGHT = 0.2
# A question asking what a decision repeals or replaces lifts the clauses that say "bãi bỏ / thay thế / hết hiệu
# lực", judged on the question as typed: naming a repeal decision by its title ("QĐ 451 Bắc Ninh bãi bỏ văn bản
# nào") takes those words out of what is searched. Swept 0.1 / 0.2 / 0.3: +2 / +1 / +1 rows first on the
# calibration halves (written and folded), 0.2 and 0.3 with one more wrong answer.
CHANGE_WEIGHT = 0.1
# A question asking who proposed the decision lifts its recital "Theo đề nghị của Sở …", the one clause
# that can say it, over the articles sharing its words: by hand.
PROPOSER_WEIGHT = 0.4

# A question asking for a number in a unit ("bao nhiêu điểm", "mấy ngày làm việc", "bao nhiêu %") is
# answered by the clause that states a number in that unit, not by a sibling that shares its words.
QUANTITY_WEIGHT = 0.1

# A title or a closing paragraph ("Trên đây là Kế hoạch ...") restates what the whole document
# is about, so it matches any question naming the document; it answers only when no clause does. By hand.
RESTATEMENT_KINDS = frozenset({"title", "closing"})
RESTATEMENT_PENALTY = 0.2

# Recitals ("Căn cứ Luật …") name laws, bodies and dates that match many questions; they answer
# only a question about the legal basis or who proposed the decision (``question_kind.recitals_answer``),
# and rank like restatements for any other.
RECITAL_KINDS = frozenset({"recital"})
