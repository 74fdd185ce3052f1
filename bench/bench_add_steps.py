"""Where the time of one ``corpus_admin.add_decisions`` goes: wall-clock timers around its steps, no profiler.

Usage (a fresh process, as the add worker is; the checkout whose code is timed is the interpreter's)::

    HF_HUB_OFFLINE=1 SOTAY_EMBED_MODEL=<converted model folder> .venv/bin/python bench/bench_add_steps.py WORKDIR NEW_FILE

``WORKDIR`` holds ``corpus/`` and ``data/`` (e.g. a hard-linked copy, ``cp -al``, of a ×1000 store kept by
``bench_incremental.py --keep``, so that every run starts from the same store); ``NEW_FILE`` is the decision
to add. Prints one JSON object: seconds per step (cumulative over calls; steps run in threads overlap), the
whole ``add_decisions`` and the process. cProfile is not used: it inflated the Python-heavy steps (reading
3,000 decisions) several-fold.
"""

from __future__ import annotations

import json
import sys
import time

STARTED = time.perf_counter()

from pathlib import Path  # noqa: E402

from sotay.index import corpus_admin  # noqa: E402
from sotay.index.model import convert  # noqa: E402
from sotay.index.model import encoder as encoder_module  # noqa: E402
from sotay.index.search import journal, store  # noqa: E402

TIMES: dict[str, float] = {}


def _timed(owner, name: str) -> None:
    function = getattr(owner, name)

    def timed(*args, **kwargs):
        begun = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            TIMES[name] = round(TIMES.get(name, 0.0) + time.perf_counter() - begun, 3)

    setattr(owner, name, timed)


def main(argv: list[str]) -> int:
    work, new_file = Path(argv[0]), Path(argv[1])
    steps = [(corpus_admin, "_corpus_state"), (corpus_admin, "_stage"), (corpus_admin, "extract_duties"),
             (journal.StagedChange, "view"), (journal.StagedChange, "commit"), (store, "stage_build"),
             (store, "scan_corpus"), (store._State, "write"), (store._State, "append"), (store._State, "write_vectors"),
             (store, "_parse_for_index"), (encoder_module.Encoder, "encode_passages"), (convert, "load_model")]
    for owner, name in steps:
        if hasattr(owner, name):  # older checkouts lack some steps
            _timed(owner, name)
    load = store._State.load.__func__

    def timed_load(cls, *args):
        begun = time.perf_counter()
        try:
            return load(cls, *args)
        finally:
            TIMES["State.load"] = round(time.perf_counter() - begun, 3)

    store._State.load = classmethod(timed_load)
    TIMES["imports"] = round(time.perf_counter() - STARTED, 3)
    begun = time.perf_counter()
    corpus_admin.add_decisions([new_file], work / "corpus", work / "data")
    TIMES["add_decisions"] = round(time.perf_counter() - begun, 3)
    TIMES["process"] = round(time.perf_counter() - STARTED, 3)
    print(json.dumps(TIMES))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
