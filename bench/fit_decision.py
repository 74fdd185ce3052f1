"""Fit the answer / doubt / decline decision (``index/decision_model.json``) on calibration questions.

Usage (each set is searched on its own corpus; every question is asked as written and folded)::

    python bench/fit_decision.py \\
        --set tests/data/officer_questions_calibration.jsonl=/work/evalcorpus:/work/evaldata \\
        --set tests/data/questions.jsonl=corpus:/tmp/sotay-data \\
        --set tests/data/heldout_questions.jsonl=corpus:/tmp/sotay-data

Labels: ``first`` = an in-domain question whose first passage holds a gold phrase; ``shown`` =
one whose first three distinct clauses do. Out-of-domain questions are negatives for both.
Two logistic regressions (scikit-learn, standardised features, C=1) are fitted on all of them;
the thresholds are chosen on out-of-fold probabilities (5 folds, a document's questions held out
together), so that they hold on decisions the model has not seen:

- answer: the lowest threshold at which answered-but-wrong stays at most ``--max-wrong`` of the
  in-domain questions and out-of-domain questions answered at most ``--max-ood``;
- doubt: the lowest threshold at which out-of-domain questions shown as a doubt stay at most
  ``--max-ood-doubt``.

Prints the reliability table (predicted vs observed, by decile) and precision at each coverage,
and writes the model. The test half of the officers' set is never read here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from sotay.index.answer import decision_features, distinct_units, retrieve, validate_question
from sotay.index.decision import FEATURES, MODEL_FILE
from sotay.index.search.hybrid import open_index
from sotay.text import fold

sys.path.insert(0, str(Path(__file__).parent))
from score_questions import contains_gold  # noqa: E402


def collect(path: Path, corpus: Path, data: Path) -> list[dict]:
    """Feature rows for every question of ``path`` (as written and folded)."""
    index = open_index(corpus, data, progress=True)
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        for q in dict.fromkeys([item["q"], fold(item["q"])]):
            found = retrieve(index, validate_question(q))
            if not found.hits or (found.reference is not None and found.reference.elsewhere):
                continue  # decided without the model
            x = decision_features(found)
            units = distinct_units(found.hits)
            gold = item.get("gold") or []
            first = not item["ood"] and contains_gold(found.hits[0].passage.text, gold)
            shown = not item["ood"] and any(contains_gold(h.passage.text, gold) for h in units[:3])
            group = item.get("doc") or f"{path.name}:{item['id']}"  # questions of one document stay together
            rows.append({"x": x, "first": first, "shown": shown, "ood": item["ood"], "id": item["id"], "q": q,
                         "group": group})
    return rows


def fit(rows: list[dict], label: str) -> dict:
    X = np.array([[r["x"][f] for f in FEATURES] for r in rows])
    y = np.array([r[label] for r in rows], dtype=int)
    means, scales = X.mean(axis=0), X.std(axis=0)
    scales[scales == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=2000).fit((X - means) / scales, y)
    return {"weights": dict(zip(FEATURES, map(float, model.coef_[0]))), "bias": float(model.intercept_[0]),
            "means": dict(zip(FEATURES, map(float, means))), "scales": dict(zip(FEATURES, map(float, scales)))}


def out_of_fold(rows: list[dict], label: str, folds: int = 5) -> np.ndarray:
    """Each row's probability from a model fitted without its document (GroupKFold): the thresholds
    are chosen on these, so they hold for decisions the model has not seen."""
    groups = np.array([r["group"] for r in rows])
    p = np.zeros(len(rows))
    for train, held in GroupKFold(n_splits=folds).split(rows, groups=groups):
        model = fit([rows[i] for i in train], label)
        p[held] = [probability(model, rows[i]["x"]) for i in held]
    return p


def probability(model: dict, x: dict) -> float:
    z = model["bias"] + sum(w * (x[f] - model["means"][f]) / model["scales"][f] for f, w in model["weights"].items())
    return 1 / (1 + np.exp(-z))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", required=True, help="QUESTIONS.jsonl=CORPUS:DATA")
    parser.add_argument("--max-wrong", type=float, default=0.04)
    parser.add_argument("--max-ood", type=float, default=0.06)
    parser.add_argument("--max-ood-doubt", type=float, default=0.35)
    parser.add_argument("--output", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    rows = []
    for spec in args.set:
        path, _, where = spec.partition("=")
        corpus, _, data = where.partition(":")
        rows += collect(Path(path), Path(corpus), Path(data))
    first, shown = fit(rows, "first"), fit(rows, "shown")
    p1, p3 = out_of_fold(rows, "first"), out_of_fold(rows, "shown")
    ind = np.array([not r["ood"] for r in rows])
    ok1 = np.array([r["first"] for r in rows])
    ok3 = np.array([r["shown"] for r in rows])
    n_in, n_ood = ind.sum(), (~ind).sum()
    answer_t = 1.0
    for t in np.arange(0.30, 0.99, 0.01):
        answered = p1 >= t
        wrong = (answered & ind & ~ok1).sum() / n_in
        ood = (answered & ~ind).sum() / n_ood
        if wrong <= args.max_wrong and ood <= args.max_ood:
            answer_t = float(round(t, 2))
            break
    doubt_t = 1.0
    for t in np.arange(0.05, 0.99, 0.01):
        shown_ood = ((p3 >= t) & (p1 < answer_t) & ~ind).sum() / n_ood
        if shown_ood <= args.max_ood_doubt:
            doubt_t = float(round(t, 2))
            break
    answered = p1 >= answer_t
    doubted = ~answered & (p3 >= doubt_t)
    print(f"calibration questions: {n_in} in-domain, {n_ood} out-of-domain (each as written and folded)")
    print(f"answer threshold {answer_t}: answered {answered[ind].mean():.3f} of in-domain, right first "
          f"{(answered & ok1)[ind].mean():.3f}, wrong {(answered & ~ok1)[ind].mean():.3f}; "
          f"out-of-domain answered {answered[~ind].mean():.3f}")
    print(f"doubt threshold {doubt_t}: in-domain doubted {doubted[ind].mean():.3f} (gold shown "
          f"{(doubted & ok3)[ind].mean():.3f}); out-of-domain doubted {doubted[~ind].mean():.3f}; "
          f"gold shown in first 3 overall {((answered & ok3) | (doubted & ok3))[ind].mean():.3f}")
    print("reliability of p_first, out of fold (decile: mean predicted, observed, n)")
    order = np.argsort(p1)
    for chunk in np.array_split(order, 10):
        print(f"  {p1[chunk].mean():.2f}  {ok1[chunk].mean():.2f}  {len(chunk)}")
    print("precision of the first passage at each coverage (answered share -> right share)")
    for t in (0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3):
        a = p1 >= t
        if a.sum():
            print(f"  p_first >= {t:.1f}: answers {a.mean():.3f} of all, right {ok1[a].mean():.3f}")
    model = {"features": list(FEATURES), "first": first, "shown": shown, "answer_threshold": answer_t,
             "doubt_threshold": doubt_t,
             "fitted_on": [s.split("=")[0] for s in args.set], "questions": int(len(rows))}
    args.output.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
