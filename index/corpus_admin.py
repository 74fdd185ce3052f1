"""Adding, listing and removing decisions of the corpus, with an incremental index update.

``add_decisions`` takes decision files as officers receive them (.docx, .pdf, .txt, .md),
checks every one first (``ingest.extract_decision`` plus an optional YAML sidecar of
overrides next to the file), and only when all pass writes, for each one:

- ``<corpus>/<id>.txt``: the extracted text (what the parser and the index read);
- ``<corpus>/<id>.yaml``: its metadata: what the document states (number, date, issuer,
  province, type, title), overridden by the user's sidecar, plus ``source`` (the original
  file name), ``source_sha256`` (of the original bytes) and ``source_format`` ("pdf-ocr",
  "png-ocr" … when pages were read by OCR, with ``ocr_pages`` "1, 2", ``ocr_confidence`` the mean
  and ``ocr_page_confidence`` "1: 89.8; 2: 91.6");
- ``<corpus>/originals/<id>.<ext>``: the original file, byte for byte.

The id of an added decision, in order of preference:

1. the sidecar's ``id``;
2. the decision's own number when it has one (``15/2024/QĐ-UBND`` of Bình Thuận →
   ``binh-thuan-15-2024-qd-ubnd``): an issued decision keeps the same id however its file
   is named, so sending it again replaces it;
3. the file name, slugified (drafts have no number: "…/2022/QĐ-UBND").

A decision already in the corpus with the same ``source_sha256`` (the very same file) or the
same text keeps its id and is replaced (``replaced=True``); since the written files are then
byte-identical, the index does not even change. A file-name id that is already taken by a
decision with another title gets a suffix (``-2``, ``-3`` …) instead of overwriting it.

Failure semantics: every change is one transaction (``search.journal``): the files are staged
beside the corpus, the new index is built from the staged view while the live index keeps
answering, and both are committed together (a journal, renames, one atomic switch). A rejected
file (``IngestError``), two files of one call resolving to the same decision, a failure while
indexing or a process killed before the commit change nothing; a process killed during the
commit is completed by the next ``open_index``, writer or bot start (renames only, no indexing).
``deadline`` (``Deadline``) refuses a change not ready to commit in time (checked between the files,
between batches of passages embedded, and before the commit).

Writers are serialised by the store's lock file (``store.index_lock``), so a CLI add and the
bot's upload never interleave; readers never wait for them. Files an officer sends are read in
a worker process with limits (``add_worker``); this module is what that worker runs.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Sequence

import yaml

from sotay import config
from sotay.index.documents import CorpusError, DocumentMeta, load_corpus, load_document
from sotay.index.duties.records import extract_duties
from sotay.index.ingest.formats import ExtractedDecision, IngestError, Vocabulary, extract_decision, read_sidecar
from sotay.index.ingest.ocr_spelling import spelling_vocabulary
from sotay.index.model.encoder import Encoder
from sotay.index.parse import clean_lines
from sotay.index.search import journal, store
from sotay.index.search.restore import DiacriticRestorer
from sotay.index.validity import statuses, validity_meta
from sotay.text import fold, nfc

ORIGINALS = "originals"
# Files an officer may drop into the corpus folder by hand that the index does not read.
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_META_ORDER = ("id", "type", "number", "date", "date_text", "issuer", "province", "title", "short_name")


@dataclass(frozen=True)
class AddedDecision:
    """One decision added (or replaced) by ``add_decisions``."""

    id: str
    label: str
    title: str
    number: str
    date_text: str
    issuer: str
    passages: int  # passages indexed for this decision
    duties: int  # duty records found in it
    replaced: bool  # True if a decision with this id was already there and was replaced
    ocr_pages: int = 0  # pages read by OCR (scanned)
    ocr_confidence: float | None = None  # Tesseract's mean confidence over those pages (0–100)
    low_confidence_pages: tuple[int, ...] = ()  # OCR'd pages below ocr.LOW_CONFIDENCE: check them by eye

    def ocr_note(self) -> str:
        """One Vietnamese sentence for the user: pages read by OCR, mean confidence, pages to check ("" without OCR)."""
        if not self.ocr_pages:
            return ""
        mean = f"{self.ocr_confidence:.1f}".replace(".", ",") if self.ocr_confidence is not None else "?"
        note = (f"{self.ocr_pages} trang bản quét được đọc bằng nhận dạng chữ (OCR), "
                f"độ tin cậy trung bình {mean}/100")
        if self.low_confidence_pages:
            listed = ", ".join(str(n) for n in self.low_confidence_pages)
            return note + f"; độ tin cậy thấp ở trang {listed}: hãy soát lại chữ của các trang này."
        return note + "; nên soát lại chính tả của văn bản."


@dataclass(frozen=True)
class _Staged:
    """A checked input: its id and the exact bytes to write."""

    source: Path
    id: str
    text: str
    sidecar: str
    replaces: Path | None  # the corpus text file it replaces, if any
    extracted: ExtractedDecision


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by "-" (diacritics folded, "đ" → "d")."""
    return re.sub(r"[^a-z0-9]+", "-", fold(nfc(text)).lower()).strip("-")[:100].strip("-")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _metadata(path: Path, extracted: ExtractedDecision) -> dict[str, str]:
    """What the document states, overridden by the user's sidecar, plus where it came from."""
    meta = {k: v for k, v in extracted.meta.items() if v}
    overrides = read_sidecar(path)
    meta.update({k: nfc(str(v)) for k, v in overrides.items() if v is not None})
    meta.setdefault("title", path.stem)
    meta["source"] = path.name
    meta["source_sha256"] = _sha256(path)
    meta["source_format"] = extracted.source_format
    if extracted.ocr_pages:
        meta["ocr_pages"] = ", ".join(str(n) for n in extracted.ocr_pages)
        meta["ocr_confidence"] = f"{extracted.mean_confidence}"
        meta["ocr_page_confidence"] = "; ".join(f"{n}: {c}" for n, c in zip(extracted.ocr_pages, extracted.ocr_confidence))
    return meta


def _natural_id(path: Path, meta: dict[str, str]) -> str:
    """The id a decision asks for (see the module docstring), before collisions."""
    if "id" in meta:
        wanted = meta["id"]
        if not _ID_RE.match(wanted):
            raise IngestError(f"Mã văn bản '{wanted}' trong tệp siêu dữ liệu của {path.name} không hợp lệ: "
                              "chỉ dùng chữ thường không dấu, chữ số và dấu gạch ngang.")
        return wanted
    number = meta.get("number", "")
    if number[:1].isdigit():
        return slugify(f"{meta.get('province', '')} {number}")
    return slugify(path.stem) or "van-ban"


def _sidecar_text(meta: dict[str, str]) -> str:
    ordered = {k: meta[k] for k in _META_ORDER if k in meta}
    ordered.update({k: v for k, v in meta.items() if k not in ordered})
    header = "# Metadata written by `sotay corpus add` (edit, then the index updates on the next start).\n"
    return header + yaml.safe_dump(ordered, allow_unicode=True, sort_keys=False, width=100)


def _stage(path: Path, existing: dict[str, DocumentMeta], paths_of: dict[str, Path], texts: dict[str, str],
           vocabulary: Vocabulary) -> _Staged:
    """Check one input file and decide its id; raises IngestError (nothing written)."""
    extracted = extract_decision(path, vocabulary)
    meta = _metadata(path, extracted)
    text = extracted.text if extracted.text.endswith("\n") else extracted.text + "\n"
    same = next((i for i, m in existing.items() if m.extra.get("source_sha256") == meta["source_sha256"]), None)
    if same is not None:  # the very same file: keep the name it was first sent with
        meta["source"] = existing[same].extra.get("source", meta["source"])
    same = same or texts.get(hashlib.sha256(nfc(text).encode()).hexdigest())
    doc_id = same or _natural_id(path, meta)
    if same is None and "id" not in meta and doc_id in existing and existing[doc_id].title != meta["title"]:
        base, n = doc_id, 2
        while f"{base}-{n}" in existing:
            n += 1
        doc_id = f"{base}-{n}"
    meta["id"] = doc_id
    return _Staged(path, doc_id, text, _sidecar_text(meta), paths_of.get(doc_id), extracted)


class _TypedVocabulary:
    """The corpus's typed Vietnamese (its decisions not read by OCR, and the bundled ones), counted on first use:
    what OCR'd text is corrected against (``ocr_spelling``)."""

    def __init__(self, corpus: Path) -> None:
        self._corpus = corpus
        self._counts: DiacriticRestorer | None = None

    def __call__(self) -> DiacriticRestorer:
        if self._counts is None:
            folders = {self._corpus.resolve(), config.BUNDLED_CORPUS.resolve()}
            docs = [d for folder in folders if folder.is_dir() for d in load_corpus(folder)]
            self._counts = spelling_vocabulary(
                "\n".join(clean_lines(d.text)) for d in docs
                if not str(d.meta.extra.get("source_format", "")).endswith("-ocr"))
        return self._counts


def _corpus_state(corpus: Path, data_dir: Path) -> tuple[dict[str, DocumentMeta], dict[str, Path], dict[str, str]]:
    """The corpus's decisions: id → metadata, id → text file, text sha256 → id (``store.corpus_documents``:
    what the live index vouches for is not read again)."""
    docs = store.corpus_documents(corpus, data_dir)
    return ({d.meta.id: d.meta for d in docs}, {d.meta.id: d.path for d in docs},
            {d.text_sha256: d.meta.id for d in docs})


TIMEOUT_MESSAGE = ("Xử lý tệp quá {seconds} giây (giới hạn thời gian cho mỗi lần thêm văn bản) nên đã dừng; "
                   "hãy gửi bản nhẹ hơn (ví dụ .docx thay cho bản quét) hoặc chia nhỏ văn bản.")


def add_decisions(files: Sequence[Path], corpus: Path, data_dir: Path, *, progress: bool = False,
                  txn: str | None = None, deadline: Deadline | None = None,
                  encoder: Encoder | None = None) -> list[AddedDecision]:
    """Check every file, then add them all to ``corpus`` and update the index incrementally, as one
    transaction ``txn`` (default: a new id) whose outcome ``journal.outcome`` keeps.

    Raises ``IngestError`` (Vietnamese message, nothing changed) when any file is rejected, two
    files are the same decision, or ``deadline`` passes before the commit; ``CorpusError`` when
    the corpus itself is unreadable. When this returns, ``<data_dir>/index/CURRENT`` names a build
    that includes the new decisions (a process holding an open ``HybridIndex`` must reopen it).
    ``encoder`` embeds the new passages (default: a new ``Encoder``; the worker passes one whose model is
    already loading, ``embed_process``).
    """
    corpus.mkdir(parents=True, exist_ok=True)
    with store.index_lock(data_dir):
        _prepare(corpus, data_dir)
        existing, paths_of, texts = _corpus_state(corpus, data_dir)
        vocabulary = _TypedVocabulary(corpus)
        staged: list[_Staged] = []
        for path in files:
            item = _stage(Path(path), existing, paths_of, texts, vocabulary)
            if clash := next((s for s in staged if s.id == item.id), None):
                raise IngestError(f"Hai tệp {clash.source.name} và {item.source.name} là cùng một văn bản "
                                  f"(mã {item.id}); hãy gửi từng tệp một.")
            staged.append(item)
            _check_deadline(deadline)

        change = journal.StagedChange(corpus, data_dir, txn or journal.new_txn())
        try:
            for item in staged:
                target = (item.replaces or corpus / f"{item.id}.txt").name
                change.write(target, item.text.encode("utf-8"))
                change.write(str(Path(target).with_suffix(".yaml")), item.sidecar.encode("utf-8"))
                suffix = item.source.suffix.lower() or ".bin"
                for old in (corpus / ORIGINALS).glob(f"{item.id}.*"):
                    if old.suffix.lower() != suffix:
                        change.delete(f"{ORIGINALS}/{old.name}")
                change.write(f"{ORIGINALS}/{item.id}{suffix}", item.source.read_bytes())
            view = change.view()
            build = store.stage_build(view, data_dir, encoder or Encoder(), progress, corpus_dir=corpus,
                                      before_batch=None if deadline is None else partial(_check_deadline, deadline))
            counts = store.passage_counts(build)
            added: list[AddedDecision] = []
            for item in staged:
                doc = load_document(view / (item.replaces or corpus / f"{item.id}.txt").name)
                meta = doc.meta
                added.append(AddedDecision(meta.id, meta.label, meta.title, meta.number, meta.date_text, meta.issuer,
                                           counts.get(meta.id, 0), len(extract_duties(doc)), item.id in existing,
                                           len(item.extracted.ocr_pages), item.extracted.mean_confidence,
                                           tuple(item.extracted.low_confidence_pages())))
            _check_deadline(deadline)
        except BaseException:
            change.abort()
            raise
        change.commit(build, {"added": [asdict(a) for a in added]})
        return added


def added_from_outcome(outcome: dict) -> list[AddedDecision]:
    """The decisions a committed add reported (``journal.outcome``), e.g. after a restart."""
    return [AddedDecision(**{**a, "low_confidence_pages": tuple(a.get("low_confidence_pages", ()))})
            for a in outcome.get("added", [])]


@dataclass(frozen=True)
class Deadline:
    """A time limit: ``at`` on the ``time.monotonic()`` clock (system-wide), ``seconds`` for the message."""

    at: float
    seconds: float

    @classmethod
    def after(cls, seconds: float) -> "Deadline":
        return cls(time.monotonic() + seconds, seconds)


def _check_deadline(deadline: Deadline | None) -> None:
    if deadline is not None and time.monotonic() > deadline.at:
        raise IngestError(TIMEOUT_MESSAGE.format(seconds=f"{deadline.seconds:g}"))


def _prepare(corpus: Path, data_dir: Path) -> None:
    """A writer's first step: complete a transaction a killed writer left, remove its leftovers."""
    journal.recover(data_dir)
    journal.remove_leftovers(corpus, data_dir)


def recover(data_dir: Path) -> str | None:
    """Complete a corpus change a killed process had committed to (``journal.recover``); its id."""
    return journal.recover(data_dir)


def clean_up(corpus: Path, data_dir: Path) -> None:
    """After a writer was killed: complete its change if it was decided, remove what it staged and its
    unfinished build, unless another writer is at work (never waits for one)."""
    from filelock import Timeout

    journal.recover(data_dir)
    lock = store.index_lock(data_dir)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return
    try:
        journal.remove_leftovers(corpus, data_dir)
        store.tidy(data_dir)
    finally:
        lock.release()


def remove_decision(doc_id: str, corpus: Path, data_dir: Path) -> DocumentMeta:
    """Remove decision ``doc_id`` (text, sidecar, original) and update the index, as one transaction.

    Raises ``CorpusError`` (Vietnamese message, nothing changed) for an unknown id. If
    indexing fails (or the process is killed before the commit) nothing changes.
    """
    with store.index_lock(data_dir):
        _prepare(corpus, data_dir)
        existing, paths_of, _ = _corpus_state(corpus, data_dir)
        if doc_id not in existing:
            raise CorpusError(f"Không có văn bản mã '{doc_id}' trong kho. Gõ 'sotay corpus list' để xem các mã.")
        change = journal.StagedChange(corpus, data_dir, journal.new_txn())
        try:
            path = paths_of[doc_id]
            change.delete(path.name)
            change.delete(path.with_suffix(".yaml").name)
            for original in (corpus / ORIGINALS).glob(f"{doc_id}.*"):
                change.delete(f"{ORIGINALS}/{original.name}")
            build = store.stage_build(change.view(), data_dir, Encoder(), progress=False, corpus_dir=corpus)
        except BaseException:
            change.abort()
            raise
        change.commit(build, {"removed": doc_id})
        return existing[doc_id]


@dataclass(frozen=True)
class ListedDecision:
    """A decision of the corpus and whether it is still in force (``validity``: "" when it is)."""

    meta: DocumentMeta
    validity: str


def list_decisions(corpus: Path) -> list[ListedDecision]:
    """Every decision of ``corpus``, in file order, with its status (raises ``CorpusError`` if unreadable)."""
    docs = load_corpus(corpus)
    metas = {d.meta.id: {"number": d.meta.number, "province": d.meta.province,
                         **validity_meta(d.text, d.meta.date)} for d in docs}
    found = statuses(metas)
    labels = {d.meta.id: d.meta.label for d in docs}
    return [ListedDecision(d.meta, found[d.meta.id].describe(labels)) for d in docs]


__all__ = ["AddedDecision", "CorpusError", "Deadline", "IngestError", "ListedDecision", "add_decisions", "added_from_outcome",
           "clean_up", "list_decisions", "recover", "remove_decision", "slugify"]
