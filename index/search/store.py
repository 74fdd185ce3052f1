"""Building, persisting, updating and reloading the hybrid index.

Layout of ``<data dir>/index/``:

- ``docs/<key>-….json`` and ``.npy``: per-document cache (passages, BM25 tokens, compounds,
  syllable counts, passage vectors), keyed by the document's content (id + text), so only a
  new or changed document is ever parsed, segmented and embedded;
- ``build-<id>/``: one assembled index: ``manifest.json``, ``passages.jsonl``,
  ``documents.json``, ``vectors.npy``, ``terms.npz`` + ``vocab.json`` (BM25 token counts),
  ``bm25/`` (the bm25s retriever), ``lexicon.json`` (compound → number of documents),
  ``restorer.json``;
- ``CURRENT``: the name of the live build, replaced atomically (``os.replace``) once a new
  build is complete, so a build killed at any point leaves the previous index usable;
- ``writer.lock``: serialises writers (``index_lock``); stale build folders of a killed
  writer are removed by the next one;
- ``build-<id>/reader.lock``: every process that opens a build holds a shared ``flock`` on it
  for as long as it uses the build (``hold_live``); a build is removed only when an exclusive
  lock on it can be taken (no reader), after being renamed away, so a reader never finds half
  a build.

A build can also be assembled without being made live (``stage_build``): ``corpus_admin`` then
makes the corpus change and the switch one transaction (``journal``).

Incremental update: a new build starts from the live one (same format, model and library
versions): the passages, vectors, token counts, lexicon and syllable counts of unchanged
documents are taken from it as arrays, the removed or changed documents are cut out and the
new ones appended; only BM25 scores are recomputed, over arrays (``lexical.Terms``). When
there is no usable live build, the same code starts from an empty one.

Knowing whether the corpus changed does not read it: the manifest keeps each decision's file
sizes and modification times; only files whose stat differs, or that were modified too close
to the last scan to be trusted (as git's "racy" entries), are read and hashed.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

import numpy as np

from sotay.index.documents import CorpusError, Document, DocumentMeta, corpus_files, load_document, stray_warning
from sotay.index.parse import Passage, parse_document
from sotay.index.search.lexical import Terms
from sotay.index.search.restore import QUESTION_PHRASES_FILE, DiacriticRestorer, count_syllables
from sotay.index.search.tokens import compounds_of, passage_tokens, segment_passage
from sotay.index.validity import validity_meta
from sotay.index.vietnamese import ABBREVIATIONS_FILE

FORMAT_VERSION = 19  # bump when parsing, tokens or the on-disk layout change
RACY_NS = 2_000_000_000  # a file modified within 2 s of a scan is re-read next time

log = logging.getLogger(__name__)


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
INDEX_RESOURCES = (ABBREVIATIONS_FILE, QUESTION_PHRASES_FILE)


@lru_cache(maxsize=1)
def _resources_key() -> str:
    """Short hash of the index's data files (part of the per-document cache key)."""
    h = hashlib.sha256()
    for resource in INDEX_RESOURCES:
        h.update(resource.read_bytes())
    return h.hexdigest()[:10]


def content_key(doc: Document) -> str:
    """SHA-256 of what the passages are made of (the id and the text): a per-document cache key
    that a metadata-only edit (title, date …) does not change, so such an edit embeds nothing."""
    return hashlib.sha256(f"{doc.meta.id}\n{doc.text}".encode("utf-8")).hexdigest()


def text_sha256(doc: Document) -> str:
    """SHA-256 of the text alone: the same decision sent again under another name has the same."""
    return hashlib.sha256(doc.text.encode("utf-8")).hexdigest()


def passage_index_text(passage: Passage) -> str:
    """What is searched for a passage: its two nearest headings, then its text."""
    return "\n".join([*passage.headings[-2:], passage.text])


class IndexPaths:
    """File locations under one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "index"
        self.docs = self.root / "docs"
        self.current = self.root / "CURRENT"

    def named_build(self) -> Path | None:
        """The build ``CURRENT`` names (complete or not), or None without ``CURRENT``."""
        try:
            name = self.current.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return self.root / name

    def live_build(self) -> Path | None:
        """The build ``CURRENT`` names if it is complete (has its manifest), else None."""
        build = self.named_build()
        return build if build is not None and (build / "manifest.json").exists() else None


def read_manifest(build: Path) -> dict:
    return json.loads((build / "manifest.json").read_text(encoding="utf-8"))


def passage_counts(build: Path) -> dict[str, int]:
    """Passages per document id in ``build``."""
    return {doc_id: entry["count"] for doc_id, entry in read_manifest(build)["documents"].items()}


@lru_cache(maxsize=None)
def _lock_for(path: str):
    from filelock import FileLock

    return FileLock(path)


def index_lock(data_dir: Path):
    """The lock serialising index writers of ``data_dir`` (re-entrant within a process)."""
    root = IndexPaths(data_dir).root
    root.mkdir(parents=True, exist_ok=True)
    return _lock_for(str((root / "writer.lock").resolve()))


READER_LOCK = "reader.lock"
_HOLD_ATTEMPTS = 100


@dataclass
class HeldBuild:
    """A build folder this process reads, with the shared lock that keeps writers from removing it."""

    build: Path
    fd: int

    def release(self) -> None:
        """Give the build up (idempotent); a writer may remove it once no process holds it."""
        if self.fd >= 0:
            os.close(self.fd)  # closing the descriptor drops the flock
            self.fd = -1


def hold_live(data_dir: Path) -> HeldBuild | None:
    """The live build, held with a shared lock (``None`` when there is no live build).

    Never fails because a writer switches or removes builds meanwhile: a build that vanishes
    between reading ``CURRENT`` and locking it (or checking it) is simply read again from ``CURRENT``;
    only a ``CURRENT`` that still names a build that is not there means there is no live build.
    """
    paths = IndexPaths(data_dir)
    for _ in range(_HOLD_ATTEMPTS):
        build = paths.named_build()
        if build is None:
            return None
        try:
            fd = os.open(build / READER_LOCK, os.O_RDONLY | os.O_CREAT, 0o644)
        except FileNotFoundError:  # removed since CURRENT was read
            fd = -1
        if fd >= 0:
            fcntl.flock(fd, fcntl.LOCK_SH)
            if (build / "manifest.json").exists():  # still there, and now it stays as long as we hold it
                return HeldBuild(build, fd)
            os.close(fd)
        if paths.named_build() == build:  # not switched meanwhile: CURRENT names a build that is not there
            return None
    raise RuntimeError(f"không giữ được bản chỉ mục đang dùng trong {paths.root}")


def _remove_build(paths: IndexPaths, build: Path) -> bool:
    """Remove ``build`` if no reader holds it (True when removed)."""
    try:
        fd = os.open(build / READER_LOCK, os.O_RDONLY | os.O_CREAT, 0o644)
    except OSError:  # a build folder killed before its lock file was made, or already gone
        shutil.rmtree(build, ignore_errors=True)
        return not build.exists()
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                return False  # a reader still uses it: removed by a later writer
            raise
        doomed = paths.root / f".removing-{build.name}-{uuid.uuid4().hex[:8]}"
        os.replace(build, doomed)  # a reader about to lock it finds it gone and rereads CURRENT
        shutil.rmtree(doomed, ignore_errors=True)
        return True
    finally:
        os.close(fd)


# --- the corpus as the index sees it ----------------------------------------------------------


@dataclass
class Entry:
    """One decision: its identity and, if it had to be read, the document itself."""

    id: str
    file: str
    digest: str
    key: str
    stat: list[int]
    doc: Document | None = None
    text_sha256: str | None = None  # of the text alone (finds a decision sent twice); None if an older index lacks it


def _stat(text_path: Path) -> list[int]:
    """Size and mtime of a decision's text file and of its sidecar (-1, -1 if none)."""
    out: list[int] = []
    for path in (text_path, text_path.with_suffix(".yaml")):
        try:
            st = path.stat()
            out += [st.st_size, st.st_mtime_ns]
        except FileNotFoundError:
            out += [-1, -1]
    return out


def scan_corpus(corpus: Path, manifest: dict | None = None) -> list[Entry]:
    """The corpus's decisions; those whose files are unchanged since ``manifest`` are not read.

    Raises ``CorpusError`` for an unreadable decision or two decisions with one id.
    """
    manifest = manifest if manifest and manifest.get("format") == FORMAT_VERSION else {}
    known = {e["file"]: (doc_id, e) for doc_id, e in manifest.get("documents", {}).items()}
    trusted_before = manifest.get("scanned_at_ns", 0) - RACY_NS
    entries: list[Entry] = []
    for path in corpus_files(corpus):
        stat = _stat(path)
        doc_id, previous = known.get(path.name, (None, None))
        if previous and previous["stat"] == stat and max(stat[1], stat[3]) < trusted_before:
            entries.append(Entry(doc_id, path.name, previous["digest"], previous["key"], stat,
                                 text_sha256=previous.get("text_sha256")))
        else:
            doc = load_document(path)
            entries.append(Entry(doc.meta.id, path.name, doc.digest, content_key(doc), stat, doc, text_sha256(doc)))
    seen: dict[str, str] = {}
    for entry in entries:
        if entry.id in seen:
            raise CorpusError(f"Hai văn bản trùng mã '{entry.id}': {seen[entry.id]}, {entry.file}")
        seen[entry.id] = entry.file
    return entries


@dataclass(frozen=True)
class KnownDocument:
    """A decision of the corpus as ``corpus_documents`` gives it."""

    meta: DocumentMeta
    path: Path
    text_sha256: str


def corpus_documents(corpus: Path, data_dir: Path) -> list[KnownDocument]:
    """Every decision of ``corpus`` with its metadata and text hash (``CorpusError`` as ``scan_corpus``).

    Only files the live index cannot vouch for are read: those changed since it was built (size and
    modification time, as ``scan_corpus`` decides whether the index is current) and, from an index
    built before it kept text hashes, all. At ×1000 reading every decision took 5-19 s of an add.
    """
    live = IndexPaths(data_dir).live_build()
    manifest = read_manifest(live) if live else None
    metas = json.loads((live / "documents.json").read_text(encoding="utf-8")) if live else {}
    known = {f.name for f in fields(DocumentMeta)}
    out = []
    for entry in scan_corpus(corpus, manifest):
        stored = metas.get(entry.id)
        if entry.doc is None and stored is not None and entry.text_sha256 is not None:
            meta = DocumentMeta(**{k: v for k, v in stored.items() if k in known})
            out.append(KnownDocument(meta, corpus / entry.file, entry.text_sha256))
        else:
            doc = entry.doc or load_document(corpus / entry.file)
            out.append(KnownDocument(doc.meta, doc.path, text_sha256(doc)))
    return out


def corpus_hash(entries: list[Entry]) -> str:
    """Hash of every document digest, the index format version and the index's data files."""
    h = hashlib.sha256(f"format={FORMAT_VERSION};resources={_resources_key()}".encode())
    for entry in sorted(entries, key=lambda e: e.id):
        h.update(f"{entry.id}:{entry.digest}".encode())
    return h.hexdigest()


def _same_setup(manifest: dict, model_id: str) -> bool:
    return (manifest.get("format") == FORMAT_VERSION and manifest.get("model_id") == model_id
            and manifest.get("versions") == _versions())


def is_current(build: Path | None, corpus: Path, model_id: str) -> bool:
    """True when ``build`` was made from exactly this corpus, model and library versions."""
    if build is None:
        return False
    manifest = read_manifest(build)
    return _same_setup(manifest, model_id) and manifest.get("corpus_hash") == corpus_hash(scan_corpus(corpus, manifest))


# --- per-document cache -----------------------------------------------------------------------


@dataclass
class DocData:
    """Everything the index keeps of one document."""

    passages: list[Passage]
    tokens: list[list[str]]  # BM25 tokens per passage
    compounds: list[str]
    unigrams: Counter
    bigrams: Counter
    vectors: np.ndarray


def _cache_stem(paths: IndexPaths, key: str, encoder) -> Path:
    return paths.docs / f"{key}-{FORMAT_VERSION}-{_resources_key()}-{encoder.cache_key}"


def _read_cache(paths: IndexPaths, key: str, encoder) -> DocData | None:
    stem = _cache_stem(paths, key, encoder)
    json_path, npy_path = stem.with_suffix(".json"), stem.with_suffix(".npy")
    if not (json_path.exists() and npy_path.exists()):
        return None
    cached = json.loads(json_path.read_text(encoding="utf-8"))
    passages = [Passage(**{**p, "headings": tuple(p["headings"])}) for p in cached["passages"]]
    return DocData(passages, cached["tokens"], cached["compounds"], Counter(cached["unigrams"]),
                   Counter({(a, b): n for a, b, n in cached["bigrams"]}), np.load(npy_path))


@dataclass
class _Parsed:
    """A document parsed and segmented for the index, waiting for its vectors."""

    key: str
    passages: list[Passage]
    texts: list[str]  # what is embedded (passage_index_text)
    words: list[list[str]]  # underthesea words of each text


def _parse_for_index(doc: Document) -> _Parsed:
    passages = parse_document(doc)
    texts = [passage_index_text(p) for p in passages]
    return _Parsed(content_key(doc), passages, texts, [segment_passage(t) for t in texts])


def _finish(parsed: _Parsed) -> DocData:
    """A parsed document's index data, without its vectors yet (``_cache`` stores it once they are in)."""
    passages, words = parsed.passages, parsed.words
    unigrams, bigrams = count_syllables(p.text for p in passages)
    return DocData(passages, [passage_tokens(w) for w in words], sorted(set().union(*map(compounds_of, words))),
                   unigrams, bigrams, np.zeros((0, 0), np.float32))


def _cache(paths: IndexPaths, key: str, data: DocData, encoder) -> None:
    """Write a document's index data, vectors included, to the per-document cache."""
    stem = _cache_stem(paths, key, encoder)
    paths.docs.mkdir(parents=True, exist_ok=True)
    _atomic_write(stem.with_suffix(".json"), json.dumps({
        "passages": [asdict(p) for p in data.passages], "tokens": data.tokens, "compounds": data.compounds,
        "unigrams": dict(data.unigrams), "bigrams": [[a, b, n] for (a, b), n in data.bigrams.items()]},
        ensure_ascii=False))
    tmp = stem.with_suffix(f".{uuid.uuid4().hex}.tmp.npy")
    np.save(tmp, data.vectors)
    os.replace(tmp, stem.with_suffix(".npy"))


def _docs_data(paths: IndexPaths, docs: list[Document], encoder, bar,
               before_batch: Callable[[], None] | None = None) -> tuple[list[DocData], Callable[[], None]]:
    """Each document's index data, from the cache or parsed, and ``embedded``: a function that waits for the
    vectors of the parsed ones, puts them in their ``DocData`` and caches those (before it returns, the
    parsed documents' ``vectors`` are empty). ``before_batch`` is called before each batch is embedded;
    what it raises stops the embedding and is raised again by ``embedded``.

    The documents not in the cache are parsed and segmented one by one, then embedded in one call, in a
    thread, so that the caller assembles the rest of the build meanwhile (at x1000 an add's assembly took
    5 s after the embedding). The encoder sorts all their passages by length into batches, so short
    passages of one decision are not padded to the long ones of another (per-decision calls carried
    1.8x the real tokens in padding).
    """
    found: dict[int, DocData] = {}
    pending: list[tuple[int, _Parsed]] = []
    for n, doc in enumerate(docs):
        cached = _read_cache(paths, content_key(doc), encoder)
        if cached is not None:
            found[n] = cached
        else:
            parsed = _parse_for_index(doc)
            pending.append((n, parsed))
            found[n] = _finish(parsed)
        bar.update(1)
    datas = [found[n] for n in range(len(docs))]
    if not pending:
        return datas, lambda: None
    texts = [t for _, parsed in pending for t in parsed.texts]
    outcome: list = []

    def embed() -> None:
        try:
            if not texts:
                outcome.append(np.zeros((0, 0), np.float32))
            else:
                outcome.append(encoder.encode_passages(texts, before_batch=before_batch))
        except BaseException as exc:  # noqa: BLE001 - raised again by embedded()
            outcome.append(exc)

    worker = threading.Thread(target=embed, name="sotay-embed", daemon=True)
    worker.start()

    def embedded() -> None:
        worker.join()
        vectors = outcome[0]
        if isinstance(vectors, BaseException):
            raise vectors
        start = 0
        for n, parsed in pending:
            found[n].vectors = vectors[start:start + len(parsed.texts)]
            _cache(paths, parsed.key, found[n], encoder)
            start += len(parsed.texts)

    return datas, embedded


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --- a build in memory ------------------------------------------------------------------------


@dataclass
class _State:
    """The content of one build, as arrays that can be cut and extended."""

    spans: dict[str, dict]  # id -> {"key", "count"}, in passage order
    lines: list[bytes]  # passages.jsonl lines
    vectors: np.ndarray
    terms: Terms
    lexicon: Counter
    unigrams: Counter
    bigrams: Counter
    metas: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> "_State":
        unigrams, bigrams = DiacriticRestorer.question_phrase_counts()
        return cls({}, [], np.zeros((0, 0), np.float32), Terms.empty(), Counter(), unigrams, bigrams)

    @classmethod
    def load(cls, build: Path, manifest: dict) -> "_State":
        restorer = json.loads((build / "restorer.json").read_text(encoding="utf-8"))
        return cls(
            {doc_id: {"key": e["key"], "count": e["count"]} for doc_id, e in manifest["documents"].items()},
            (build / "passages.jsonl").read_bytes().splitlines(),
            np.load(build / "vectors.npy", mmap_mode="r"),  # read only where it is copied (_VectorsFile)
            Terms.load(build),
            Counter(json.loads((build / "lexicon.json").read_text(encoding="utf-8"))),
            Counter(restorer["unigrams"]),
            Counter({(a, b): n for a, b, n in restorer["bigrams"]}),
            json.loads((build / "documents.json").read_text(encoding="utf-8")),
        )

    def remove(self, gone: dict[str, DocData]) -> None:
        """Cut the documents ``gone`` (id → their cached data) out."""
        if not gone:
            return
        keep = np.concatenate([np.full(s["count"], doc_id not in gone, bool) for doc_id, s in self.spans.items()]
                              or [np.zeros(0, bool)])
        self.lines = [line for line, k in zip(self.lines, keep) if k]
        self.vectors = self.vectors[keep]
        self.terms = self.terms.keep(keep)
        for doc_id, data in gone.items():
            del self.spans[doc_id]
            self.metas.pop(doc_id, None)
            self.lexicon.subtract(data.compounds)
            self.unigrams.subtract(data.unigrams)
            self.bigrams.subtract(data.bigrams)
        self.lexicon, self.unigrams, self.bigrams = +self.lexicon, +self.unigrams, +self.bigrams

    def append(self, added: list[tuple[str, Document, DocData]]) -> None:
        """Append these documents (content key, document, data) but their vectors (``append_vectors``),
        all arrays extended once."""
        if not added:
            return
        for key, doc, data in added:
            self.spans[doc.meta.id] = {"key": key, "count": len(data.passages)}
            self.lines += [json.dumps(asdict(p), ensure_ascii=False).encode("utf-8") for p in data.passages]
            self.metas[doc.meta.id] = _doc_meta(doc)
            self.lexicon.update(data.compounds)
            self.unigrams.update(data.unigrams)
            self.bigrams.update(data.bigrams)
        self.terms = self.terms.extend(tokens for _, _, data in added for tokens in data.tokens)

    def write_vectors(self, build: Path) -> _VectorsFile:
        """``build``'s vectors.npy, started with the rows kept from the live build (see ``_VectorsFile``)."""
        return _VectorsFile(build / "vectors.npy", self.vectors, len(self.lines))

    def write(self, build: Path) -> None:
        """Everything but the vectors (``write_vectors``)."""
        (build / "passages.jsonl").write_bytes(b"".join(line + b"\n" for line in self.lines))
        self.terms.save(build)
        self.terms.to_bm25().save(str(build / "bm25"), show_progress=False)
        _atomic_write(build / "lexicon.json", json.dumps(dict(self.lexicon), ensure_ascii=False))
        restorer = DiacriticRestorer(self.unigrams, self.bigrams)
        _atomic_write(build / "restorer.json", json.dumps(restorer.to_json(), ensure_ascii=False))
        _atomic_write(build / "documents.json", json.dumps(self.metas, ensure_ascii=False))


class _VectorsFile:
    """A build's ``vectors.npy`` written in two steps: at once, the header and the rows kept from the live build
    (while the new passages are embedded), then, with ``append``, the new documents' rows (``_State.append``
    order). The file is byte for byte what ``np.save`` writes for all the rows at once; the kept rows are copied
    from the live build's file, never concatenated in memory, so little is left to write once the embedding
    ends (at x1000 a 266 MB concatenation and write). With no row kept (the width is not known before the
    vectors) everything is written by ``append``. Use as a context manager: the file is closed on leaving, and
    leaving without an exception checks that ``rows`` rows were written.
    """

    def __init__(self, path: Path, kept: np.ndarray, rows: int) -> None:
        self._path, self._kept, self._rows = path, kept, rows
        self._file: BinaryIO | None = None
        self._written = 0
        if kept.ndim == 2 and len(kept):
            self._file = path.open("wb")
            try:
                header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)), "fortran_order": False,
                          "shape": (rows, kept.shape[1])}
                np.lib.format.write_array_header_1_0(self._file, header)
                np.asarray(kept, dtype=np.float32).tofile(self._file)
                self._written = len(kept)
            except BaseException:
                self._file.close()
                raise

    def __enter__(self) -> _VectorsFile:
        return self

    def __exit__(self, kind, exc, trace) -> None:  # noqa: ANN001 (the context manager protocol)
        if self._file is not None:
            self._file.close()
        if kind is None and self._written != self._rows:
            raise ValueError(f"{self._path}: {self._written} vectors written for {self._rows} passages")

    def append(self, added: list[np.ndarray]) -> None:
        """Write the new documents' vectors (all of them, in one call)."""
        if self._file is None:
            vectors = [self._kept] if len(self._kept) else []
            whole = np.concatenate(vectors + [v.astype(np.float32) for v in added]) if added else self._kept
            np.save(self._path, whole)
            self._written = len(whole)
            return
        width = self._kept.shape[1]
        for rows in added:
            if not len(rows):
                continue
            if rows.ndim != 2 or rows.shape[1] != width:
                raise ValueError(f"vectors of width {rows.shape[1:]} added to vectors of width {width}")
            np.asarray(rows, dtype=np.float32).tofile(self._file)
            self._written += len(rows)


def _doc_meta(doc: Document) -> dict:
    meta = asdict(doc.meta)
    meta["label"] = doc.meta.label
    meta.update(validity_meta(doc.text, doc.meta.date))  # what it repeals or replaces, when it takes effect
    return meta


# --- building ---------------------------------------------------------------------------------


def build_index(corpus: Path, data_dir: Path, encoder, progress: bool = True) -> Path:
    """Make the live index match ``corpus`` (incrementally when possible); returns its folder."""
    with index_lock(data_dir):
        paths = IndexPaths(data_dir)
        build = stage_build(corpus, data_dir, encoder, progress)
        if build != paths.live_build():
            switch(data_dir, build)
        return build


def stage_build(corpus: Path, data_dir: Path, encoder, progress: bool = False,
                corpus_dir: Path | None = None, before_batch: Callable[[], None] | None = None) -> Path:
    """A complete build of ``corpus``, spliced from the live one, *not* made live; the caller holds
    ``index_lock`` and makes it live with ``switch`` (or a ``journal`` commit). Returns the live
    build itself when that already matches ``corpus``.

    ``corpus_dir`` is the folder the manifest names as the corpus (default ``corpus``): a staged
    view of a corpus change is built as if it were the corpus it will become. ``before_batch`` is
    called before each batch of passages is embedded; what it raises stops the build (an add's time limit).
    """
    from tqdm import tqdm

    paths = IndexPaths(data_dir)
    live = paths.live_build()
    _remove_stale(paths, keep=live)
    manifest = read_manifest(live) if live else None
    scanned_at = time.time_ns()
    entries = scan_corpus(corpus, manifest)
    if live and manifest and _same_setup(manifest, encoder.model_id) and manifest.get("corpus_hash") == corpus_hash(entries):
        return live
    started = time.perf_counter()
    if warning := stray_warning(corpus):
        log.warning(warning)
    usable = manifest is not None and _same_setup(manifest, encoder.model_id)
    state = _State.load(live, manifest) if live and manifest is not None and usable else _State.empty()
    wanted = {e.id: e for e in entries}
    gone_ids = [i for i, s in state.spans.items() if i not in wanted or wanted[i].key != s["key"]]
    cached = {i: _read_cache(paths, state.spans[i]["key"], encoder) for i in gone_ids}
    gone = {i: data for i, data in cached.items() if data is not None}
    if len(gone) < len(cached):  # a removed document's cache is missing: start over
        state, gone = _State.empty(), {}
    state.remove(gone)
    new = [e for e in entries if e.id not in state.spans]
    bar = tqdm(total=len(new), desc="Lập chỉ mục văn bản", unit="văn bản", disable=not progress or not new,
               file=sys.stderr)
    docs = [entry.doc or load_document(corpus / entry.file) for entry in new]
    for entry in entries:  # an index built before text hashes were kept: read once, kept from now on
        if entry.text_sha256 is None:
            entry.text_sha256 = text_sha256(entry.doc or load_document(corpus / entry.file))
    with bar:
        datas, embedded = _docs_data(paths, docs, encoder, bar, before_batch)
    state.append([(entry.key, doc, data) for entry, doc, data in zip(new, docs, datas)])
    for entry in entries:  # metadata can change without the text (then the passages are kept)
        if entry.doc is not None:
            state.metas[entry.id] = _doc_meta(entry.doc)
    state.metas = {doc_id: state.metas[doc_id] for doc_id in state.spans}

    build = paths.root / f"build-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    build.mkdir(parents=True)
    (build / READER_LOCK).touch()
    try:
        state.write(build)  # while the new passages are embedded
        with state.write_vectors(build) as vectors:  # the kept rows, meanwhile too
            embedded()
            vectors.append([data.vectors for data in datas])
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    documents = {doc_id: {**span, "file": wanted[doc_id].file, "digest": wanted[doc_id].digest,
                          "stat": wanted[doc_id].stat, "text_sha256": wanted[doc_id].text_sha256}
                 for doc_id, span in state.spans.items()}
    new_manifest = {
        "format": FORMAT_VERSION,
        "corpus_hash": corpus_hash(entries),
        "corpus_dir": str((corpus_dir or corpus).resolve()),
        "scanned_at_ns": scanned_at,
        "documents": documents,
        "model_id": encoder.model_id,
        "versions": _versions(),
        "passages": len(state.lines),
        "incremental": usable and bool(manifest and manifest.get("documents")),
        "parsed": [e.id for e in new],
        "removed": gone_ids,
        "build_seconds": round(time.perf_counter() - started, 3),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    _atomic_write(build / "manifest.json", json.dumps(new_manifest, ensure_ascii=False, indent=2))
    return build


def switch(data_dir: Path, build: Path) -> None:
    """Make ``build`` the live index (one atomic rename), then remove the builds no reader holds and
    the per-document caches of documents it no longer has."""
    paths = IndexPaths(data_dir)
    _atomic_write(paths.current, build.name)
    _fsync_dir(paths.root)
    _remove_stale(paths, keep=build)
    _remove_stale_caches(paths, keep={e["key"] for e in read_manifest(build)["documents"].values()})


def tidy(data_dir: Path) -> None:
    """Remove builds no reader holds any more, if no writer is at work (never waits)."""
    from filelock import Timeout

    lock = index_lock(data_dir)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return
    try:
        paths = IndexPaths(data_dir)
        _remove_stale(paths, keep=paths.live_build())
    finally:
        lock.release()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale(paths: IndexPaths, keep: Path | None) -> None:
    """Delete build folders other than ``keep`` that no reader holds, and temporary files (left by a
    killed writer). Only a writer (holding ``index_lock``) calls this: a build being assembled is safe."""
    if not paths.root.is_dir():
        return
    for old in paths.root.glob("build-*"):
        if old != keep and old.is_dir():
            _remove_build(paths, old)
    for doomed in paths.root.glob(".removing-*"):
        shutil.rmtree(doomed, ignore_errors=True)
    for tmp in paths.root.glob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def _remove_stale_caches(paths: IndexPaths, keep: set[str]) -> None:
    """Delete per-document caches of documents no longer in the corpus (or since changed)."""
    for cached in paths.docs.glob("*"):
        if cached.name.split("-", 1)[0] not in keep:
            cached.unlink(missing_ok=True)
