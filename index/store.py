"""Building, persisting and reloading the hybrid index.

Layout of ``<data dir>/index/``:

- ``docs/<digest>.json`` and ``docs/<digest>.npy``: per-document cache (passages,
  segmented words, passage vectors), keyed by the document's digest, so a
  rebuild only parses and embeds the documents that are new or changed;
- ``build-<id>/``: one assembled index (``manifest.json``, ``passages.json``,
  ``lexicon.json``, ``restorer.json``, ``bm25/``, ``vectors.faiss``);
- ``CURRENT``: the name of the live build, replaced atomically once a new build
  is complete, so an interrupted build leaves the previous index usable.

The manifest records the corpus hash, the embedding model id and the library
versions; ``open_index`` rebuilds (with a progress bar on stderr) whenever
any of them no longer matches.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import time
import uuid
from dataclasses import asdict
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

from .documents import Document, load_corpus
from .parse import Passage, parse_document
from .restore import DiacriticRestorer
from .tokenize import compounds_of, passage_tokens, segment_passage

FORMAT_VERSION = 5  # bump when parsing, tokens or the on-disk layout change
# BM25 saturation and length normalisation: passages range from one line to a
# page, and a lower b keeps long clauses from being buried under short ones.
BM25_K1 = 0.9
BM25_B = 0.4


def _versions() -> dict[str, str]:
    names = ("sotay", "bm25s", "faiss-cpu", "sentence-transformers", "underthesea", "torch")
    found: dict[str, str] = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "absent"
    return found


# Data files whose content shapes the index: editing one makes the index stale.
INDEX_RESOURCES = tuple(Path(__file__).with_name(n) for n in ("abbreviations.yaml", "question_words.txt"))


def _resources_key() -> str:
    """Short hash of the index's data files (part of the per-document cache key)."""
    h = hashlib.sha256()
    for resource in INDEX_RESOURCES:
        h.update(resource.read_bytes())
    return h.hexdigest()[:10]


def corpus_hash(docs: list[Document]) -> str:
    """Hash of every document digest, the index format version and the index's data files."""
    h = hashlib.sha256(f"format={FORMAT_VERSION};resources={_resources_key()}".encode())
    for doc in sorted(docs, key=lambda d: d.meta.id):
        h.update(f"{doc.meta.id}:{doc.digest}".encode())
    return h.hexdigest()


def content_key(doc: Document) -> str:
    """SHA-256 of what the passages are made of (the id and the text): a per-document cache key
    that a metadata-only edit (title, date …) does not change, so such an edit embeds nothing."""
    return hashlib.sha256(f"{doc.meta.id}\n{doc.text}".encode("utf-8")).hexdigest()


def passage_index_text(passage: Passage) -> str:
    """What is searched for a passage: its two nearest headings, then its text."""
    return "\n".join([*passage.headings[-2:], passage.text])


class IndexPaths:
    """File locations under one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "index"
        self.docs = self.root / "docs"
        self.current = self.root / "CURRENT"

    def live_build(self) -> Path | None:
        try:
            name = self.current.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        build = self.root / name
        return build if (build / "manifest.json").exists() else None


def read_manifest(build: Path) -> dict:
    return json.loads((build / "manifest.json").read_text(encoding="utf-8"))


def _doc_cache(paths: IndexPaths, doc: Document, encoder) -> tuple[list[Passage], list[list[str]], np.ndarray]:
    """Passages, segmented words and vectors of one document, from cache or computed."""
    stem = paths.docs / f"{content_key(doc)}-{FORMAT_VERSION}-{_resources_key()}-{encoder.cache_key}"
    json_path, npy_path = stem.with_suffix(".json"), stem.with_suffix(".npy")
    if json_path.exists() and npy_path.exists():
        cached = json.loads(json_path.read_text(encoding="utf-8"))
        passages = [Passage(**{**p, "headings": tuple(p["headings"])}) for p in cached["passages"]]
        return passages, cached["words"], np.load(npy_path)
    passages = parse_document(doc)
    words = [segment_passage(passage_index_text(p)) for p in passages]
    vectors = encoder.encode_passages([passage_index_text(p) for p in passages])
    paths.docs.mkdir(parents=True, exist_ok=True)
    _atomic_write(json_path, json.dumps({"passages": [asdict(p) for p in passages], "words": words}, ensure_ascii=False))
    tmp = npy_path.with_suffix(f".{uuid.uuid4().hex}.tmp.npy")
    np.save(tmp, vectors)
    os.replace(tmp, npy_path)
    return passages, words, vectors


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@lru_cache(maxsize=None)
def _lock_for(path: str):
    from filelock import FileLock

    return FileLock(path)


def index_lock(data_dir: Path):
    """The lock serialising index writers of ``data_dir`` (re-entrant within a process)."""
    root = IndexPaths(data_dir).root
    root.mkdir(parents=True, exist_ok=True)
    return _lock_for(str((root / "writer.lock").resolve()))


def passage_counts(build: Path) -> dict[str, int]:
    """Passages per document id in ``build``."""
    return read_manifest(build)["passage_counts"]


def build_index(corpus: Path, data_dir: Path, encoder, progress: bool = True) -> Path:
    """Assemble a new index for ``corpus`` and make it the live one; returns its folder."""
    with index_lock(data_dir):
        return _build_index(corpus, data_dir, encoder, progress)


def _build_index(corpus: Path, data_dir: Path, encoder, progress: bool) -> Path:
    import bm25s
    import faiss
    from tqdm import tqdm

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG on import

    paths = IndexPaths(data_dir)
    docs = load_corpus(corpus)
    all_passages: list[Passage] = []
    all_words: list[list[str]] = []
    vectors: list[np.ndarray] = []
    started = time.perf_counter()
    bar = tqdm(docs, desc="Lập chỉ mục văn bản", unit="văn bản", disable=not progress, file=sys.stderr)
    counts: dict[str, int] = {}
    for doc in bar:
        passages, words, vecs = _doc_cache(paths, doc, encoder)
        counts[doc.meta.id] = len(passages)
        all_passages.extend(passages)
        all_words.extend(words)
        vectors.append(vecs)

    build = paths.root / f"build-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    build.mkdir(parents=True)
    matrix = np.vstack(vectors).astype(np.float32) if vectors else np.zeros((0, encoder.dim), np.float32)
    dense = faiss.IndexFlatIP(matrix.shape[1])
    dense.add(matrix)
    faiss.write_index(dense, str(build / "vectors.faiss"))

    lexical = bm25s.BM25(k1=BM25_K1, b=BM25_B)
    lexical.index([passage_tokens(w) for w in all_words], show_progress=False)
    lexical.save(str(build / "bm25"))

    lexicon = sorted(set().union(*(compounds_of(w) for w in all_words))) if all_words else []
    _atomic_write(build / "lexicon.json", json.dumps(lexicon, ensure_ascii=False))
    restorer = DiacriticRestorer.from_texts(p.text for p in all_passages)
    _atomic_write(build / "restorer.json", json.dumps(restorer.to_json(), ensure_ascii=False))
    _atomic_write(build / "passages.json", json.dumps([asdict(p) for p in all_passages], ensure_ascii=False))
    _atomic_write(build / "documents.json", json.dumps({d.meta.id: _doc_meta(d) for d in docs}, ensure_ascii=False))
    manifest = {
        "format": FORMAT_VERSION,
        "corpus_hash": corpus_hash(docs),
        "corpus_dir": str(corpus.resolve()),
        "documents": {d.meta.id: d.digest for d in docs},
        "model_id": encoder.model_id,
        "versions": _versions(),
        "passages": len(all_passages),
        "passage_counts": counts,
        "build_seconds": round(time.perf_counter() - started, 3),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    _atomic_write(build / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    _atomic_write(paths.current, build.name)  # the switch: atomic
    _remove_old_builds(paths, keep=build)
    _remove_stale_caches(paths, keep={content_key(d) for d in docs})
    return build


def _doc_meta(doc: Document) -> dict:
    meta = asdict(doc.meta)
    meta["label"] = doc.meta.label
    return meta


def _remove_old_builds(paths: IndexPaths, keep: Path) -> None:
    for old in paths.root.glob("build-*"):
        if old != keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


def _remove_stale_caches(paths: IndexPaths, keep: set[str]) -> None:
    """Delete per-document caches of documents no longer in the corpus (or since changed)."""
    for cached in paths.docs.glob("*"):
        if cached.name.split("-", 1)[0] not in keep:
            cached.unlink(missing_ok=True)


def is_current(build: Path | None, corpus: Path, model_id: str) -> bool:
    """True when ``build`` was made from exactly this corpus, model and library versions."""
    if build is None:
        return False
    manifest = read_manifest(build)
    return (
        manifest.get("format") == FORMAT_VERSION
        and manifest.get("corpus_hash") == corpus_hash(load_corpus(corpus))
        and manifest.get("model_id") == model_id
        and manifest.get("versions") == _versions()
    )
