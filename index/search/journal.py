"""A corpus change and its index build committed as one transaction, completed after a crash.

``StagedChange`` collects a change to the corpus folder without touching it: new files are
written under ``<corpus>/.staging-<txn>/new/``, and ``view()`` gives ``.staging-<txn>/view/``,
the corpus as it will be (hard links of the unchanged decision files, plus the new ones), from
which the new index is built (``store.stage_build``) while the live index keeps answering.

``commit(build, outcome)`` then, holding ``<data>/index/commit.lock``:

1. writes ``<data>/index/JOURNAL.json`` (the renames to make, the build, the outcome): from
   here on the change is decided;
2. renames files into the corpus (each replaced or deleted file first into
   ``.staging-<txn>/trash/``);
3. switches ``CURRENT`` to the new build (``store.switch``, one atomic rename);
4. writes ``<data>/index/outcomes/<txn>.json`` and removes the journal and the staging folder.

A writer killed before step 1 changed nothing (its staging folder and unfinished build are
garbage the next writer removes). Killed after it, ``recover`` (run by every ``open_index``, by
the next writer and at the bot's start) replays steps 2-4: each rename is made only when its
source is still there and its target is not, so replaying is idempotent and takes
milliseconds, no indexing. Should the journal's build have vanished, the renames are undone
instead (the change is rolled back). ``outcome(data_dir, txn)`` tells afterwards whether a
transaction was committed, and what it reported.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sotay.index.documents import TEXT_SUFFIXES
from sotay.index.search import store

JOURNAL = "JOURNAL.json"
OUTCOMES = "outcomes"
STAGING_PREFIX = ".staging-"
OUTCOME_DAYS = 30  # outcome records older than this are removed by writers

log = logging.getLogger(__name__)


def new_txn() -> str:
    """A fresh transaction id (safe in a file name)."""
    return uuid.uuid4().hex[:16]


def _commit_lock(data_dir: Path):
    root = store.IndexPaths(data_dir).root
    root.mkdir(parents=True, exist_ok=True)
    return store._lock_for(str((root / "commit.lock").resolve()))


def _decision_file(path: Path) -> bool:
    """A file the index reads: a decision's text or its sidecar."""
    return path.is_file() and path.suffix.lower() in (*TEXT_SUFFIXES, ".yaml")


@dataclass
class StagedChange:
    """Files to write into and delete from ``corpus``, staged; see the module docstring."""

    corpus: Path
    data_dir: Path
    txn: str

    def __post_init__(self) -> None:
        self.root = self.corpus / f"{STAGING_PREFIX}{self.txn}"
        self.new = self.root / "new"
        self.trash = self.root / "trash"
        self.root.mkdir(parents=True)
        self._writes: list[str] = []
        self._deletes: list[str] = []

    def write(self, relative: str, data: bytes) -> None:
        """Stage ``data`` as ``<corpus>/<relative>`` (replacing what is there, if anything)."""
        path = self.new / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if relative not in self._writes:
            self._writes.append(relative)

    def delete(self, relative: str) -> None:
        """Stage the removal of ``<corpus>/<relative>`` (nothing if it does not exist)."""
        if (self.corpus / relative).exists() and relative not in self._deletes:
            self._deletes.append(relative)

    def view(self) -> Path:
        """A folder holding the decision files of the corpus as it will be after the change."""
        view = self.root / "view"
        view.mkdir()
        changed = set(self._writes) | set(self._deletes)
        for path in self.corpus.iterdir():
            if path.name not in changed and _decision_file(path):
                _link(path, view / path.name)
        for relative in self._writes:
            if "/" not in relative:
                _link(self.new / relative, view / relative)
        return view

    def _moves(self) -> list[list[str]]:
        """The renames of the commit, in order: old files out to the trash, new files in."""
        moves = []
        for relative in [*self._deletes, *self._writes]:
            if (self.corpus / relative).exists():
                moves.append([str(self.corpus / relative), str(self.trash / relative)])
        for relative in self._writes:
            moves.append([str(self.new / relative), str(self.corpus / relative)])
        return moves

    def commit(self, build: Path, outcome: dict) -> None:
        """Make the change and ``build`` live together (see the module docstring); the caller holds
        ``store.index_lock``. ``outcome`` is what ``outcome(data_dir, txn)`` will return."""
        journal = {"txn": self.txn, "staging": str(self.root), "build": build.name, "moves": self._moves(),
                   "outcome": outcome, "at": time.time()}
        paths = store.IndexPaths(self.data_dir)
        with _commit_lock(self.data_dir):
            _write_durably(paths.root / JOURNAL, json.dumps(journal, ensure_ascii=False, indent=1))
            _roll_forward(self.data_dir, journal)

    def abort(self) -> None:
        """Forget the change: nothing in the corpus was touched."""
        shutil.rmtree(self.root, ignore_errors=True)


def _link(source: Path, target: Path) -> None:
    """``target`` as a hard link of ``source`` (same inode, so the same size and time), else a copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _write_durably(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    store._fsync_dir(path.parent)


def _rename_once(source: Path, target: Path) -> None:
    """Rename ``source`` to ``target`` unless that was done already (replayable)."""
    if source.exists() and not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)


def _roll_forward(data_dir: Path, journal: dict) -> None:
    paths = store.IndexPaths(data_dir)
    for source, target in journal["moves"]:
        _rename_once(Path(source), Path(target))
    for folder in {Path(target).parent for _, target in journal["moves"]}:
        if folder.is_dir():
            store._fsync_dir(folder)
    build = paths.root / journal["build"]
    if paths.live_build() != build:
        store.switch(data_dir, build)
    _record(data_dir, journal["txn"], {**journal["outcome"], "committed": True})
    (paths.root / JOURNAL).unlink(missing_ok=True)
    store._fsync_dir(paths.root)
    shutil.rmtree(journal["staging"], ignore_errors=True)


def _roll_back(data_dir: Path, journal: dict) -> None:
    for source, target in reversed(journal["moves"]):
        _rename_once(Path(target), Path(source))
    _record(data_dir, journal["txn"], {**journal["outcome"], "committed": False})
    (store.IndexPaths(data_dir).root / JOURNAL).unlink(missing_ok=True)
    shutil.rmtree(journal["staging"], ignore_errors=True)


def _record(data_dir: Path, txn: str, outcome: dict) -> None:
    folder = store.IndexPaths(data_dir).root / OUTCOMES
    folder.mkdir(parents=True, exist_ok=True)
    _write_durably(folder / f"{txn}.json", json.dumps(outcome, ensure_ascii=False))


def pending(data_dir: Path) -> bool:
    """Whether a killed writer left a decided transaction to complete."""
    return (store.IndexPaths(data_dir).root / JOURNAL).exists()


def recover(data_dir: Path) -> str | None:
    """Complete (or, without its build, roll back) the transaction a killed writer left; its id, or None.

    Waits only for a writer that is itself committing (milliseconds: renames only).
    """
    if not pending(data_dir):
        return None
    path = store.IndexPaths(data_dir).root / JOURNAL
    with _commit_lock(data_dir):
        try:
            journal = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:  # its writer finished meanwhile
            return None
        if (store.IndexPaths(data_dir).root / journal["build"] / "manifest.json").exists():
            log.warning("hoàn tất việc cập nhật kho văn bản %s bị gián đoạn", journal["txn"])
            _roll_forward(data_dir, journal)
        else:
            log.warning("hủy việc cập nhật kho văn bản %s bị gián đoạn (thiếu bản chỉ mục)", journal["txn"])
            _roll_back(data_dir, journal)
        return journal["txn"]


def outcome(data_dir: Path, txn: str) -> dict | None:
    """What transaction ``txn`` reported (with ``"committed"``), or None if it never got to commit."""
    try:
        return json.loads((store.IndexPaths(data_dir).root / OUTCOMES / f"{txn}.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def forget(data_dir: Path, txn: str) -> None:
    """Remove the outcome record of ``txn`` (once it has been reported)."""
    (store.IndexPaths(data_dir).root / OUTCOMES / f"{txn}.json").unlink(missing_ok=True)


def remove_leftovers(corpus: Path, data_dir: Path) -> None:
    """Staging folders of writers killed before committing, and old outcome records; the caller
    holds ``store.index_lock`` (so no staging folder here belongs to a running writer)."""
    if corpus.is_dir():
        for staging in corpus.glob(f"{STAGING_PREFIX}*"):
            shutil.rmtree(staging, ignore_errors=True)
    cutoff = time.time() - OUTCOME_DAYS * 86400
    for record in (store.IndexPaths(data_dir).root / OUTCOMES).glob("*.json"):
        if record.stat().st_mtime < cutoff:
            record.unlink(missing_ok=True)
