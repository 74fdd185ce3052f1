"""Answer, doubt, or decline: a calibrated decision from what the search found.

``features`` turns a question's hits into numbers that can be computed for any question
(semantic closeness, lexical evidence, coverage of the question's words, lead over the
runner-up, agreement of the BM25 and dense rankings, a named decision, whether the passage
holds the kind of content asked for). Two logistic models, fitted on the calibration half
of the officers' question set by ``bench/fit_decision.py`` and stored in
``decision_model.json`` beside this file, turn them into probabilities:

- ``p_first``: the first passage answers the question;
- ``p_shown``: one of the first three passages does.

``decide`` answers when ``p_first`` reaches the answer threshold, shows the best clauses
as a doubt ("uncertain") when ``p_shown`` reaches the doubt threshold, and otherwise says
nothing was found. Same input, same output: the models are fixed numbers.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path

from sotay.index.question_kind import QuestionKind, has_kind, question_kind
from sotay.index.search.hybrid import Hit
from sotay.text import has_diacritics

MODEL_FILE = Path(__file__).with_name("decision_model.json")
FEATURES = ("dense", "dense_gap", "lexical_gap", "log_bm25", "coverage", "coverage_gap", "phrases", "phrases_gap",
            "lead", "top_lexical", "top_dense", "agree", "first_both", "named", "kind_match", "kind_asked", "folded",
            "row", "restates")


class Status(Enum):
    """The three outcomes of a question."""

    ANSWERED = "answered"
    UNCERTAIN = "uncertain"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Verdict:
    """The outcome, with the two probabilities it was decided from."""

    status: Status
    p_first: float
    p_shown: float


def features(question: str, hits: list[Hit], runner_up: Hit | None, named: bool) -> dict[str, float]:
    """The decision's inputs for ``question`` and its ranked ``hits`` (``runner_up``: best other unit)."""
    best = hits[0]
    kind = question_kind(question)
    second = runner_up or (hits[1] if len(hits) > 1 else None)
    return {
        "dense": best.dense,
        "dense_gap": best.dense - second.dense if second else 0.1,
        "lexical_gap": best.lexical - second.lexical if second else 1.0,
        "log_bm25": math.log1p(best.bm25),
        "coverage": best.coverage,
        "coverage_gap": best.coverage - second.coverage if second else best.coverage,
        "phrases": best.phrases,
        "phrases_gap": best.phrases - second.phrases if second else best.phrases,
        "lead": best.score - second.score if second else 0.5,
        "top_lexical": 1.0 if best.lexical_rank <= 3 else 0.0,
        "top_dense": 1.0 if best.dense_rank <= 3 else 0.0,
        "agree": 1.0 if best.lexical_rank <= 3 and best.dense_rank <= 3 else 0.0,
        "first_both": 1.0 if best.lexical_rank == 1 and best.dense_rank == 1 else 0.0,
        "named": 1.0 if named else 0.0,
        "kind_match": 1.0 if has_kind(kind, best.passage.text) else 0.0,
        "kind_asked": 0.0 if kind is QuestionKind.OTHER else 1.0,
        "folded": 0.0 if has_diacritics(question) else 1.0,
        "row": 1.0 if best.passage.kind in ("row", "column") else 0.0,
        "restates": 1.0 if best.passage.kind in ("title", "recital", "closing") else 0.0,
    }


@dataclass(frozen=True)
class _Logistic:
    weights: dict[str, float]
    bias: float
    means: dict[str, float]
    scales: dict[str, float]

    def probability(self, x: dict[str, float]) -> float:
        z = self.bias + sum(w * (x[f] - self.means[f]) / self.scales[f] for f, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@dataclass(frozen=True)
class DecisionModel:
    """The two fitted models and the thresholds chosen on the calibration half."""

    first: _Logistic
    shown: _Logistic
    answer_threshold: float
    doubt_threshold: float

    def decide(self, x: dict[str, float]) -> Verdict:
        p_first, p_shown = self.first.probability(x), self.shown.probability(x)
        if p_first >= self.answer_threshold:
            return Verdict(Status.ANSWERED, p_first, p_shown)
        if p_shown >= self.doubt_threshold:
            return Verdict(Status.UNCERTAIN, p_first, p_shown)
        return Verdict(Status.NOT_FOUND, p_first, p_shown)


def _logistic(raw: dict) -> _Logistic:
    return _Logistic(dict(raw["weights"]), float(raw["bias"]), dict(raw["means"]), dict(raw["scales"]))


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> DecisionModel:
    """The decision model stored at ``path`` (``decision_model.json`` by default)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    return DecisionModel(_logistic(raw["first"]), _logistic(raw["shown"]), float(raw["answer_threshold"]),
                         float(raw["doubt_threshold"]))
