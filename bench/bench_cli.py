"""Benchmark of the light commands: `sotay who --json` and `sotay recover --json` as fresh processes.

Run from the repository root::

    .venv/bin/python bench/bench_cli.py --runs 7 --out bench/results-cli.json

Each command runs once to warm the OS cache, then ``--runs`` times; reported: median and
maximum wall time and the child's peak memory (``ru_maxrss``). These commands stay fast
because they never import the embedding stack (the tests check the imports, not the time).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SOTAY = str(Path(sys.executable).with_name("sotay"))
COMMANDS = {
    "who": ["who", "--json", "Sở Tài chính"],
    "recover": ["recover", "--json", "--tier", "kho-khan", "--amount", "40000000", "--end", "15/03/2024"],
}


def run_once(args: list[str]) -> tuple[float, float]:
    """(wall seconds, peak MiB) of one ``sotay`` child process; it must exit 0."""
    start = time.perf_counter()
    child = subprocess.Popen([SOTAY, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"sotay {' '.join(args)} exited {child.returncode}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7)")
    parser.add_argument("--out", type=Path, help="write the JSON results here")
    args = parser.parse_args()
    results = {}
    for name, argv in COMMANDS.items():
        run_once(argv)  # warm the OS cache
        runs = [run_once(argv) for _ in range(args.runs)]
        walls = [w for w, _ in runs]
        results[name] = {"median_s": round(statistics.median(walls), 3), "max_s": round(max(walls), 3),
                         "peak_mib": round(max(m for _, m in runs), 1), "runs": args.runs}
        print(f"sotay {name}: median {results[name]['median_s']} s, max {results[name]['max_s']} s, "
              f"peak {results[name]['peak_mib']} MiB")
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
