"""Passage embedding throughput: the build's encoder against one plain sentence-transformers call.

Usage (from the repository root; ~2 min on 2 idle cores, much longer under load)::

    HF_HUB_OFFLINE=1 SOTAY_DATA=/tmp/sotay-embed .venv/bin/python bench/bench_embed.py --rounds 3 \\
        --out bench/results-embed.json

Every passage of the corpus (default: the bundled one) is embedded, in one process, by turns with

- ``plain``: ``model.encode(texts, batch_size=32)`` with torch's default threads (one per core): what
  ``Encoder.encode_passages`` did before (one call, sentence-transformers sorts by length inside it);
- ``encoder``: ``Encoder.encode_passages`` as it is now;
- ``plain-1t``: the plain call with one torch thread (to separate batch size from threading).

Each timing is wall and process CPU time, with the 1-minute load average before it (the machine is
shared: compare the two variants within a round, not across runs). The cosine of each passage's vector
with the ``plain`` one of the same round shows that the vectors do not change.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np


def passages(corpus: Path) -> list[str]:
    """The texts the index embeds (``passage_index_text``) of every passage of ``corpus``."""
    from sotay.index.documents import load_corpus
    from sotay.index.parse import parse_document
    from sotay.index.search.store import passage_index_text

    return [passage_index_text(p) for doc in load_corpus(corpus) for p in parse_document(doc)]


def main(argv: list[str]) -> int:
    from sotay.config import corpus_dir

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: the bundled one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", nargs="+", default=["plain", "encoder", "plain-1t"])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    texts = passages(args.corpus or corpus_dir())

    started, cpu = time.perf_counter(), time.process_time()
    from sotay.index.model.encoder import Encoder

    encoder = Encoder()
    model = encoder._model
    import torch

    load = {"wall_s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu}
    default_threads = torch.get_num_threads()

    def plain(threads: int):
        def run(batch: list[str]) -> np.ndarray:
            torch.set_num_threads(threads)
            try:
                return np.asarray(model.encode(batch, batch_size=32, prompt_name="passage", normalize_embeddings=True,
                                               convert_to_numpy=True, show_progress_bar=False), np.float32)
            finally:
                torch.set_num_threads(default_threads)
        return run

    variants = {"plain": plain(default_threads), "encoder": encoder.encode_passages, "plain-1t": plain(1)}
    for name in args.variants:
        variants[name](texts[:4])  # warm-up
    runs = []
    for r in range(args.rounds):
        reference = None
        for name in args.variants:
            load_avg = os.getloadavg()[0]
            t0, c0 = time.perf_counter(), time.process_time()
            vectors = variants[name](texts)
            wall, cpu_s = time.perf_counter() - t0, time.process_time() - c0
            if reference is None:
                reference = vectors
            cosine = float((vectors * reference).sum(axis=1).min())
            run = {"round": r, "variant": name, "wall_s": round(wall, 2), "cpu_s": round(cpu_s, 2),
                   "passages_per_s": round(len(texts) / wall, 2), "passages_per_cpu_s": round(len(texts) / cpu_s, 2),
                   "min_cosine_vs_first": round(cosine, 7), "load_avg_1m": round(load_avg, 2)}
            runs.append(run)
            print(json.dumps(run), file=sys.stderr, flush=True)
    summary = {}
    for name in args.variants:
        mine = [r for r in runs if r["variant"] == name]
        summary[name] = {"median_passages_per_s": float(np.median([r["passages_per_s"] for r in mine])),
                         "median_cpu_s": float(np.median([r["cpu_s"] for r in mine]))}
    result = {"passages": len(texts), "torch_threads": default_threads, "cores": os.cpu_count(),
              "model_load": {k: round(v, 2) for k, v in load.items()}, "runs": runs, "summary": summary,
              "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
              "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    print(json.dumps(result["summary"], indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
