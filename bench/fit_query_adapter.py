"""Fit and measure a low-rank adapter on the question's e5 vector, trained on officers' questions.

The adapter moves only the question's vector: q' = normalize(q + share * U (V^T q)) (384-dim e5-small;
passage vectors unchanged), then the same fused search runs with q'. It is trained with a contrastive
loss: the gold passage against the other candidates of the shipped fused ranking (the 20 best) and
the gold passages of the other questions (in-batch negatives).

Usage, as run on 2026-12-01 (indexes built with the current code, data directories copied first since
opening one takes its locks; the test halves are never read)::

    S=/work/qwork/s7 T=tests/data
    HF_HUB_OFFLINE=1 python bench/fit_query_adapter.py collect \\
        --set train-corpus:train-data:$S/questions_E.jsonl,$S/questions_F.jsonl,$S/questions_G.jsonl:held \\
        --set realdocs96-corpus:realdocs96-data:$T/officer_questions_calibration.jsonl,$T/officer_questions2_calibration.jsonl \\
        --set corpus:bundled-data:$T/questions.jsonl,$T/heldout_questions.jsonl,../shared/eval/dev_questions.jsonl \\
        --out /tmp/adapter.pkl
    HF_HUB_OFFLINE=1 python bench/fit_query_adapter.py measure --vectors /tmp/adapter.pkl \\
        --eval-files officer_questions_calibration.jsonl,officer_questions2_calibration.jsonl \\
        --regression-files questions.jsonl,heldout_questions.jsonl,dev_questions.jsonl \\
        --grid '{"rank": [8], "lam": [0.1], "temp": [0.05], "share": [0.5, 1.0]}' \\
        --final '{"rank": 8, "lam": 0.1, "temp": 0.05, "share": 0.5}' --report /tmp/adapter.json

``collect`` searches every in-domain question (as written and accent-folded) once with the shipped
code and stores its raw query vector, the candidates, the gold passages and the passages' vectors.
``measure`` cross-validates by DECISION (GroupKFold over every question with a gold passage, synthetic
and calibration alike): for each setting and fold, the adapter is trained on the other decisions'
questions and the held-out decisions' ``--eval-files`` questions are searched again with the adapted
vector (the full search, ``retrieve``), reporting gold first / in the first 5 base vs adapted. An adapter
trained on every question is then scored on the ``--regression-files`` (never trained on).
"""

from __future__ import annotations

import argparse
import itertools
import json
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sotay.index.answer import retrieve, validate_question
from sotay.index.search.hybrid import open_index
from sotay.text import fold

sys.path.insert(0, str(Path(__file__).parent))
from score_questions import _cells_in, contains_gold, norm  # noqa: E402

CANDIDATES = 20  # the fused ranking's candidates a question is trained against
BATCH = 64  # questions per step; their gold passages are each other's in-batch negatives


class CachedEncoder:
    """Wraps the index's encoder: query vectors are computed once, then optionally adapted."""

    def __init__(self, base) -> None:
        self.base = base
        self.cache: dict[str, np.ndarray] = {}
        self.adapter: tuple[np.ndarray, np.ndarray, float] | None = None
        self.last: np.ndarray | None = None
        self.last_text: str | None = None  # the question as the dense model last saw it

    def __getattr__(self, name):
        return getattr(self.base, name)

    def encode_query(self, text: str) -> np.ndarray:
        if text not in self.cache:
            self.cache[text] = self.base.encode_query(text)
        q = self.cache[text]
        self.last, self.last_text = q, text
        if self.adapter is None:
            return q.copy()
        u, v, share = self.adapter
        moved = q + share * (u @ (v.T @ q))
        return (moved / np.linalg.norm(moved)).astype(np.float32)


def load_rows(path: Path) -> list[dict]:
    """In-domain questions of ``path``, each as written and (when different) accent-folded."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        if item.get("ood") or not item.get("gold"):
            continue
        for variant, q in enumerate(dict.fromkeys([item["q"], fold(item["q"])])):
            rows.append({"file": path.name, "id": item["id"], "q": validate_question(q), "gold": item["gold"],
                         "doc": item.get("doc") or "", "folded": variant == 1 or q == fold(q)})
    return rows


def _gold_in(body: str, gold: list[str]) -> bool:
    """``contains_gold`` on a passage text already normalised (``norm``)."""
    return any(_cells_in(body, [norm(c) for c in g.split("|")]) if "|" in g else norm(g) in body for g in gold)


def rank_of_gold(index, question: str, gold: list[str]) -> int | None:
    """1-based place of the first gold passage in the shipped ranking (``retrieve``), None if absent."""
    hits = retrieve(index, question).hits
    return next((k for k, h in enumerate(hits, 1) if contains_gold(h.passage.text, gold)), None)


def collect(sets: list[str], out: Path) -> None:
    """Search every question once; store vectors, candidates and gold positions per index."""
    data = {"indexes": {}, "rows": []}
    for spec in sets:
        corpus, data_dir, files, *flags = spec.split(":")
        index = open_index(Path(corpus), Path(data_dir), progress=False)
        encoder = CachedEncoder(index.encoder)
        index.encoder = encoder
        key = str(data_dir)
        normed = [norm(p.text) for p in index.passages]
        data["indexes"][key] = {"corpus": corpus, "vectors": np.load(index.build / "vectors.npy")}
        positions = {(p.doc_id, p.citation): i for i, p in enumerate(index.passages)}
        held = {Path(m.get("extra", {}).get("source") or doc_id).stem for doc_id, m in index.documents.items()}
        held |= set(index.documents)
        for file in files.split(","):
            for row in load_rows(Path(file)):
                if "held" in flags and row["doc"] not in held:
                    continue  # a question about a decision this index does not hold
                hits = index.search(row["q"], k=CANDIDATES)
                q, dense_text = encoder.last, encoder.last_text
                golds = [i for i, body in enumerate(normed) if _gold_in(body, row["gold"])]
                row.update(index=key, vector=q, dense_text=dense_text,
                           candidates=[positions[(h.passage.doc_id, h.passage.citation)] for h in hits],
                           golds=golds, base_rank=rank_of_gold(index, row["q"], row["gold"]))
                data["rows"].append(row)
        data["indexes"][key]["cache"] = encoder.cache
        print(f"{data_dir}: {sum(r['index'] == key for r in data['rows'])} rows, "
              f"{sum(r['index'] == key and not r['golds'] for r in data['rows'])} without a gold passage",
              file=sys.stderr, flush=True)
    with out.open("wb") as f:
        pickle.dump(data, f)


@dataclass(frozen=True)
class Setting:
    rank: int
    lam: float
    temp: float
    share: float = 1.0
    epochs: int = 30
    lr: float = 5e-3


def train(rows: list[dict], vectors: dict[str, np.ndarray], setting: Setting, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """U, V (384 x rank) minimising the contrastive loss of ``rows`` (full batch, Adam)."""
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    dim = next(iter(vectors.values())).shape[1]
    q = torch.tensor(np.stack([r["vector"] for r in rows]))
    golds = [_positives(r) for r in rows]
    width = max(len(set(r["candidates"]) | set(g)) for r, g in zip(rows, golds))
    cand = np.zeros((len(rows), width, dim), np.float32)
    is_gold = np.zeros((len(rows), width), bool)
    present = np.zeros((len(rows), width), bool)
    first_gold = np.zeros((len(rows), dim), np.float32)
    gold_key = []
    for n, (r, positives) in enumerate(zip(rows, golds)):
        ids = list(dict.fromkeys(positives + r["candidates"]))
        cand[n, :len(ids)] = vectors[r["index"]][ids]
        is_gold[n, :len(ids)] = [i in r["golds"] for i in ids]
        present[n, :len(ids)] = True
        first_gold[n] = vectors[r["index"]][positives[0]]
        gold_key.append(frozenset((r["index"], g) for g in r["golds"]))
    # in-batch: another question's gold passage is a negative unless it is one of this question's golds
    same = np.array([[bool(a & b) for b in gold_key] for a in gold_key])
    cand_t, gold_t, present_t = torch.tensor(cand), torch.tensor(is_gold), torch.tensor(present)
    batch_t, same_t = torch.tensor(first_gold), torch.tensor(same)
    u = torch.zeros(dim, setting.rank, requires_grad=True)
    v = (torch.randn(dim, setting.rank) * 0.01).requires_grad_()
    opt = torch.optim.Adam([u, v], lr=setting.lr)
    order = torch.Generator().manual_seed(seed)
    for _ in range(setting.epochs):
        for at in torch.randperm(len(rows), generator=order).split(BATCH):
            qa = q[at] + (q[at] @ v) @ u.T
            qa = qa / qa.norm(dim=1, keepdim=True)
            s = torch.einsum("ncd,nd->nc", cand_t[at], qa) / setting.temp
            inbatch = (qa @ batch_t[at].T / setting.temp).masked_fill(same_t[at][:, at], -1e9)
            everything = torch.cat([s.masked_fill(~present_t[at], -1e9), inbatch], 1)
            loss = (torch.logsumexp(everything, 1) - torch.logsumexp(s.masked_fill(~gold_t[at], -1e9), 1)).mean()
            loss = loss + setting.lam * ((u @ v.T) ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return u.detach().numpy(), v.detach().numpy()


def _positives(row: dict) -> list[int]:
    """The gold passages trained towards: those among the candidates (at most 5), else the first 3 found
    (a short gold phrase can occur in a hundred table rows)."""
    return [g for g in row["candidates"] if g in row["golds"]][:5] or row["golds"][:3]


def ranks_with(indexes: dict, rows: list[dict], adapter) -> list[int | None]:
    """Gold's place in the full search of each row with ``adapter`` (U, V, share) or none."""
    found = []
    for r in rows:
        index = indexes[r["index"]]
        index.encoder.adapter = adapter
        found.append(rank_of_gold(index, r["q"], r["gold"]) if adapter is not None else r["base_rank"])
        index.encoder.adapter = None
    return found


def summary(ranks: list[int | None]) -> tuple[float, float]:
    n = len(ranks) or 1
    return (sum(r == 1 for r in ranks) / n, sum(r is not None and r <= 5 for r in ranks) / n)


def load_collected(paths: list[Path]) -> dict:
    """The files written by ``collect``, merged: {"indexes": {data dir: meta}, "rows": [...]}."""
    data = {"indexes": {}, "rows": []}
    for path in paths:
        with path.open("rb") as f:
            part = pickle.load(f)
        for key, meta in part["indexes"].items():
            cache = {**data["indexes"].get(key, {}).get("cache", {}), **meta["cache"]}
            data["indexes"][key] = {**meta, "cache": cache}
        data["rows"].extend(part["rows"])
    return data


def trainable_rows(rows: list[dict], regression_files: set[str]) -> tuple[list[dict], np.ndarray]:
    """The rows trained on (a gold passage found, not a regression set's) and their groups (decision)."""
    trainable = [r for r in rows if r["golds"] and r["file"] not in regression_files]
    return trainable, np.array([r["doc"] or r["file"] + r["id"] for r in trainable])


def measure(args) -> None:
    from sklearn.model_selection import GroupKFold

    data = load_collected(args.vectors)
    vectors = {k: v["vectors"] for k, v in data["indexes"].items()}
    indexes = {}
    for key, meta in data["indexes"].items():
        index = open_index(Path(meta["corpus"]), Path(key), progress=False)
        index.encoder = CachedEncoder(index.encoder)
        index.encoder.cache = meta["cache"]  # the query vectors computed at collection
        indexes[key] = index
    rows = data["rows"]
    eval_files = set(args.eval_files.split(","))
    regression_files = set(args.regression_files.split(","))
    trainable, groups = trainable_rows(rows, regression_files)
    evaluated = [r for r in rows if r["file"] in eval_files]
    folds = list(GroupKFold(args.folds).split(trainable, groups=groups))
    grid = json.loads(args.grid)
    names = list(grid)
    base = ranks_with(indexes, evaluated, None)
    report = {"n_train": len(trainable), "n_eval": len(evaluated), "settings": []}
    print(json.dumps({"base": _scores(evaluated, base)}, ensure_ascii=False), flush=True)
    shares = grid.pop("share", [1.0])
    names = list(grid)
    for values in itertools.product(*(grid[n] for n in names)):
        setting = Setting(**dict(zip(names, values)))
        adapted = {s: [None] * len(evaluated) for s in shares}
        position = {id(r): k for k, r in enumerate(evaluated)}
        for train_at, test_at in folds:
            u, v = train([trainable[k] for k in train_at], vectors, setting, args.seed)
            held_docs = {trainable[k]["doc"] for k in test_at}
            held = [r for r in evaluated if r["doc"] in held_docs]
            for s in shares:
                for r, rank in zip(held, ranks_with(indexes, held, (u, v, s))):
                    adapted[s][position[id(r)]] = rank
        for s in shares:
            line = {"setting": {**setting.__dict__, "share": s}, **_scores(evaluated, adapted[s], base)}
            report["settings"].append(line)
            print(json.dumps(line, ensure_ascii=False), flush=True)
    if args.final:
        final = Setting(**{k: v for k, v in json.loads(args.final).items() if k != "share"})
        share = json.loads(args.final).get("share", 1.0)
        u, v = train(trainable, vectors, final, args.seed)
        regression = [r for r in rows if r["file"] in regression_files]
        adapted, base = ranks_with(indexes, regression, (u, v, share)), ranks_with(indexes, regression, None)
        line = {"final": {**final.__dict__, "share": share}, **_scores(regression, adapted, base),
                "changed": [(r["file"], r["id"], r["q"], b, a) for r, a, b in zip(regression, adapted, base)
                            if (a == 1) != (b == 1)]}
        report["final"] = line
        print(json.dumps(line, ensure_ascii=False), flush=True)
        if args.save:
            np.savez(args.save, u=u.astype(np.float32), v=v.astype(np.float32), share=np.float32(share),
                     trained_on=np.array(sorted({r["file"] for r in trainable})),
                     setting=json.dumps(line["final"]))
    if args.report:
        args.report.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


def _scores(rows: list[dict], ranks: list, base: list | None = None) -> dict:
    """Gold first / in the first 5 per file and folding (and the rows gained / lost against ``base``)."""
    out = {}
    for file in sorted({r["file"] for r in rows}) + ["all"]:
        for folded in (False, True, None):
            at = [k for k, r in enumerate(rows) if (file == "all" or r["file"] == file)
                  and (folded is None or r["folded"] == folded)]
            if not at:
                continue
            first, five = summary([ranks[k] for k in at])
            name = f"{file}{'' if folded is None else (' folded' if folded else ' written')}"
            out[name] = {"n": len(at), "first": round(first, 3), "first5": round(five, 3)}
            if base is not None:
                out[name]["gained"] = sum(ranks[k] == 1 and base[k] != 1 for k in at)
                out[name]["lost"] = sum(ranks[k] != 1 and base[k] == 1 for k in at)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--set", action="append", required=True, help="CORPUS:DATA_DIR:file.jsonl,...[:held] (held: only the questions about "
                   "decisions the index holds, by file stem)")
    c.add_argument("--out", type=Path, required=True)
    m = sub.add_parser("measure")
    m.add_argument("--vectors", type=Path, nargs="+", required=True)
    m.add_argument("--eval-files", required=True)
    m.add_argument("--regression-files", default="")
    m.add_argument("--grid", default='{"rank": [16], "lam": [1e-2], "temp": [0.05], "share": [1.0]}')
    m.add_argument("--folds", type=int, default=5)
    m.add_argument("--seed", type=int, default=0, help="the adapter's initialisation and batch order")
    m.add_argument("--final", help="JSON setting of the adapter trained on every question and scored on the regression sets")
    m.add_argument("--save", type=Path)
    m.add_argument("--report", type=Path)
    args = parser.parse_args(argv)
    if args.command == "collect":
        collect(args.set, args.out)
    else:
        measure(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
