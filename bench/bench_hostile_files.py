#!/usr/bin/env python
"""How long reading a hostile decision file takes: a .docx of many empty paragraphs, a PDF flate bomb.

Run from the repository root::

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_hostile_files.py [--paragraphs 100000] [--out FILE.json]

The files are generated as the tests generate them (``tests/adversarial/test_document_limits.py``):
a .docx holding a decision's heading, one numbered article and N empty paragraphs (a few tens of KB
zipped), and a one-page PDF of 70 flate streams of 1 MiB each. Each is read by
``formats.extract_decision`` (wall and CPU seconds). A .txt decision whose table is one line of
``--cells`` bold cells (what a glued-tables repair must not read in quadratic time) is parsed into
passages; the .docx is also added with ``sotay corpus add``
(the worker process, embedding included) into a scratch copy of the bundled corpus and a scratch data
directory (the converted model of ``SOTAY_DATA`` linked), unless ``--no-add``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "adversarial")]


def _timed(call) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        call()
        outcome = "read"
    except Exception as exc:  # noqa: BLE001 - a refusal is an outcome to report
        outcome = f"refused: {exc}"
    return {"wall_s": round(time.perf_counter() - wall, 2), "cpu_s": round(time.process_time() - cpu, 2),
            "outcome": outcome}


def main() -> None:
    from test_document_limits import empty_paragraphs_docx, flate_bomb_pdf

    from sotay.index.documents import load_document
    from sotay.index.ingest.formats import extract_decision
    from sotay.index.parse import parse_document

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--no-add", action="store_true", help="only read the files, do not run sotay corpus add")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="sotay-hostile-") as folder:
        work = Path(folder)
        docx_path = empty_paragraphs_docx(work / "qd-rong.docx", args.paragraphs)
        results["docx"] = {"paragraphs": args.paragraphs, "bytes": docx_path.stat().st_size,
                           **_timed(lambda: extract_decision(docx_path))}
        wide = work / "qd-bang-rong.txt"
        wide.write_text("QUYẾT ĐỊNH\nVề việc công bố thủ tục hành chính\nĐiều 1. Công bố danh mục kèm theo.\n\n"
                        + " | ".join(["**Tổng thời gian**", "**5 ngày**", "**2. Quy trình**"] + ["**Cột**"] * args.cells)
                        + "\n", encoding="utf-8")
        results["txt_wide_table"] = {"cells": args.cells, "bytes": wide.stat().st_size,
                                     **_timed(lambda: parse_document(load_document(wide)))}
        bomb = flate_bomb_pdf(work / "qd-bom.pdf", streams=70, inflated=1024 * 1024)
        results["pdf_flate_bomb"] = {"bytes": bomb.stat().st_size, **_timed(lambda: extract_decision(bomb))}
        if not args.no_add:
            from sotay import config
            from sotay.index.search.hybrid import open_index

            corpus = Path(shutil.copytree(ROOT / "corpus", work / "corpus"))
            data = work / "data"
            (data / "index").mkdir(parents=True)
            (data / "models").symlink_to(config.data_dir() / "models", target_is_directory=True)
            if (config.data_dir() / "index" / "docs").is_dir():  # spares embedding the bundled decisions
                shutil.copytree(config.data_dir() / "index" / "docs", data / "index" / "docs")
            open_index(corpus, data, progress=False).close()  # the starting index, not timed
            env = {**os.environ, "SOTAY_CORPUS": str(corpus), "SOTAY_DATA": str(data)}
            started = time.perf_counter()
            added = subprocess.run([str(Path(sys.executable).with_name("sotay")), "corpus", "add", "--json",
                                    str(docx_path)], capture_output=True, env=env)
            results["docx_corpus_add"] = {"wall_s": round(time.perf_counter() - started, 2),
                                          "exit": added.returncode}
    text = json.dumps(results, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
