#!/usr/bin/env python
"""Benchmark of incremental corpus changes: full build vs adding / removing one decision.

Run from the repository root (see bench/README.md, "Incremental updates")::

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_incremental.py --scales 100 1000 --out bench/results-incremental.json

For each scale ×N, on the synthetic corpus of ``bench_index.generate_corpus`` (3·N decisions),
each step runs in its own child process (peak memory = that step's ``ru_maxrss``):

1. ``scratch``: ``store.build_index`` from an empty data dir (parse + underthesea run for real;
   vectors copied from the seeds, as in bench_index.py ``--reuse-vectors``);
2. ``reassemble``: the live build deleted, the per-document cache kept: a full assembly of
   every document from its cache (what a rebuild costs when nothing needs parsing);
3. ``add``: ``corpus_admin.add_decisions`` of one new decision (a further variant of the Ninh
   Thuận seed with its own number), embedded for real;
4. ``open``: ``search.open_index`` right after the add (corpus scan + load);
5. ``remove``: ``corpus_admin.remove_decision`` of that decision.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_index  # noqa: E402  (the synthetic corpus and the seed vectors come from there)

REPO = bench_index.REPO
NEW_ID = "bench-new-decision"


def _timed_child_encoder(seed_vectors: dict, counters: dict):
    """An Encoder that copies the seed's vectors for synthetic copies (see bench_index.seed_reusing_encode)."""
    from sotay.index.model.encoder import Encoder
    from sotay.index.search import store

    def tally(kind, doc, count, seconds):
        counters[kind] = counters.get(kind, 0) + count
        if kind == "embedded":
            counters["embed_s"] = counters.get("embed_s", 0.0) + seconds

    class BenchEncoder(Encoder):
        def encode_passages(self, texts, before_batch=None):  # the bench sets no time limit
            return encode(texts)

    bench_encoder = BenchEncoder()
    encode = bench_index.seed_reusing_encode(store, seed_vectors,
                                             lambda texts: Encoder.encode_passages(bench_encoder, texts), tally)
    return bench_encoder


def _segment_timer(counters: dict) -> None:
    from sotay.index.search import store

    original = store.segment_passage

    def segment(text):
        started = time.perf_counter()
        try:
            return original(text)
        finally:
            counters["segment_s"] = counters.get("segment_s", 0.0) + time.perf_counter() - started

    store.segment_passage = segment


def phase(ns: argparse.Namespace) -> dict:
    """One step, in this (child) process."""
    import numpy as np

    from sotay.index import corpus_admin
    from sotay.index.search import store
    from sotay.index.search.hybrid import open_index

    data, corpus = Path(os.environ["SOTAY_DATA"]), Path(os.environ["SOTAY_CORPUS"])
    counters: dict = {}
    _segment_timer(counters)
    started = time.perf_counter()
    if ns.phase in ("scratch", "reassemble"):
        seed_vectors = dict(np.load(ns.vectors))
        build = store.build_index(corpus, data, _timed_child_encoder(seed_vectors, counters), progress=False)
        result = {"passages": store.read_manifest(build)["passages"]}
    elif ns.phase == "add":
        from sotay.index.model.encoder import Encoder

        real_encode = Encoder.encode_passages

        def encode(encoder, texts):  # the real model: time it (model load included)
            begun = time.perf_counter()
            try:
                return real_encode(encoder, texts)
            finally:
                counters["embed_s"] = counters.get("embed_s", 0.0) + time.perf_counter() - begun
                counters["embedded"] = counters.get("embedded", 0) + len(texts)

        Encoder.encode_passages = encode
        [added] = corpus_admin.add_decisions([Path(ns.new_file)], corpus, data)
        result = {"passages_added": added.passages, "id": added.id}
    elif ns.phase == "open":
        index = open_index(corpus, data, progress=False)
        result = {"passages": len(index.passages)}
    else:
        corpus_admin.remove_decision(NEW_ID, corpus, data)
        result = {}
    result["seconds"] = round(time.perf_counter() - started, 3)
    result.update({k: round(v, 3) if isinstance(v, float) else v for k, v in counters.items() if k != "doc"})
    manifest = store.read_manifest(store.IndexPaths(data).live_build())
    result["build_seconds"] = manifest["build_seconds"]
    return result


def _new_decision(seed_corpus: Path, folder: Path, scale: int) -> Path:
    """A decision not in the synthetic corpus: the Ninh Thuận seed with its own number and figures."""
    seed = seed_corpus / "ninh-thuan-2022-quay-vong-von.txt"
    text = bench_index._shift_figures(seed.read_text(encoding="utf-8"), scale + 17)
    text = text.replace("Số: /2022/QĐ-UBND", f"Số: {scale + 17}/2024/QĐ-UBND")
    path = folder / "quyet-dinh-moi.txt"
    path.write_text(text, encoding="utf-8")
    path.with_suffix(".yaml").write_text(f"id: {NEW_ID}\ntitle: Quyết định mới (benchmark)\n", encoding="utf-8")
    return path


def _spawn(name: str, args: list[str], env: dict[str, str], result: Path) -> dict:
    """Run one step of this script as a child; its result plus wall time and peak RSS."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", name, "--result", str(result), *args]
    wall, peak, _, _ = bench_index._wait(cmd, env, result.parent)
    data = json.loads(result.read_text(encoding="utf-8"))
    data.update(process_wall_s=round(wall, 3), peak_rss_mib=round(peak / 1024, 1))
    return data


def run_scale(scale: int, ns: argparse.Namespace, model: Path, log) -> dict:
    work = Path(ns.workdir) / f"inc-x{scale}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    corpus, data = work / "corpus", work / "data"
    log(f"[x{scale}] generating the corpus ...")
    generated = bench_index.generate_corpus(Path(ns.corpus), corpus, scale)
    new_file = _new_decision(Path(ns.corpus), work, scale)
    env = bench_index._child_env(data, corpus, model)
    out: dict = {"scale": scale, "documents": generated["documents"]}
    steps = [("scratch", ["--vectors", ns.seed_vectors]), ("reassemble", ["--vectors", ns.seed_vectors]),
             ("add", ["--new-file", str(new_file)]), ("open", []), ("remove", [])]
    for name, extra in steps:
        if name == "reassemble":
            paths_root = data / "index"
            (paths_root / "CURRENT").unlink()
        log(f"[x{scale}] {name} ...")
        out[name] = _spawn(name, extra, env, work / f"{name}.json")
        log(f"[x{scale}] {name}: {out[name]['seconds']} s, peak {out[name]['peak_rss_mib']} MiB")
    out["index_mib"] = {"build": bench_index._mib(bench_index._dir_size(next((data / "index").glob("build-*")))),
                        "docs_cache": bench_index._mib(bench_index._dir_size(data / "index" / "docs"))}
    if not ns.keep:
        shutil.rmtree(work, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=int, nargs="+", default=[100])
    parser.add_argument("--out")
    parser.add_argument("--corpus", default=str(REPO / "corpus"))
    parser.add_argument("--workdir", default=str(bench_index.DEFAULT_WORK))
    parser.add_argument("--model-data", default=None)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--nice", type=int, default=10)
    parser.add_argument("--phase", choices=["scratch", "reassemble", "add", "open", "remove"], help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--vectors", help=argparse.SUPPRESS)
    parser.add_argument("--new-file", help=argparse.SUPPRESS)
    ns = parser.parse_args(argv)
    if ns.phase:
        Path(ns.result).write_text(json.dumps(phase(ns)), encoding="utf-8")
        return 0
    os.nice(ns.nice)
    work = Path(ns.workdir)
    work.mkdir(parents=True, exist_ok=True)

    def log(msg: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)

    model_data = Path(ns.model_data or work / "model-data")
    convert = bench_index._spawn_phase("convert", [], bench_index._child_env(model_data, None, None),
                                       work / "convert.json")
    model = Path(convert["model_path"])
    ns.seed_vectors = str(work / "seed-vectors.npz")
    log("embedding the seed passages once ...")
    seeds = bench_index._spawn_phase("seeds", ["--corpus", ns.corpus, "--vectors", ns.seed_vectors],
                                     bench_index._child_env(model_data, Path(ns.corpus), model), work / "seeds.json")
    results = {"machine": bench_index.machine_info(), "seeds": seeds, "scales": []}
    for scale in ns.scales:
        results["scales"].append(run_scale(scale, ns, model, log))
        if ns.out:
            Path(ns.out).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(results["scales"], ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
