"""Adding decisions in a worker process with limits, off the caller's request path.

``add_in_worker`` runs ``corpus_admin.add_decisions`` (reading the files, embedding, the
transactional commit) in a fresh ``spawn`` process, so a hostile or huge file can exhaust
neither the caller's memory nor its time, and the caller (the bot) keeps answering questions
from the live index meanwhile. Limits (``Limits.from_env``):

- wall time (``SOTAY_ADD_SECONDS``, default 1200 s): the worker refuses to commit after it, and
  is killed ``GRACE_SECONDS`` later if it is stuck;
- address space (``SOTAY_ADD_MEMORY_MB``, default 4096 MiB; ``resource.RLIMIT_AS`` in the worker):
  an allocation beyond it fails there, not in the caller;
- pages, decompressed bytes and paragraphs are checked while reading (``ingest.formats``).

Each breach is an ``IngestError`` with a Vietnamese message, and changes nothing (the worker never
got to its commit). A worker that dies (killed, out of memory) is reported as interrupted, unless it
had already committed: the transaction's journal is then completed and its outcome returned. The
worker dies with its caller (``PR_SET_PDEATHSIG``), so a caller killed mid-add leaves a transaction
that is either not started (nothing changed) or decided (completed by the next start).
"""

from __future__ import annotations

import ctypes
import errno
import logging
import multiprocessing
import os
import resource
import signal
import threading
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sotay.config import positive_setting
from sotay.index.corpus_admin import (
    TIMEOUT_MESSAGE,
    AddedDecision,
    Deadline,
    add_decisions,
    added_from_outcome,
    clean_up,
)
from sotay.index.documents import CorpusError
from sotay.index.ingest.formats import IngestError
from sotay.index.model.embed_process import close_encoder, start_encoder
from sotay.index.search import journal

DEFAULT_SECONDS = 1200.0
DEFAULT_MEMORY_MB = 4096
GRACE_SECONDS = 30.0  # past its deadline a worker is killed, if it has not stopped by itself
_PR_SET_PDEATHSIG = 1

MEMORY_MESSAGE = ("Xử lý tệp cần quá {mb} MB bộ nhớ (giới hạn cho mỗi lần thêm văn bản) nên đã dừng; "
                  "tệp có thể bị lỗi hoặc quá lớn. Hãy gửi bản nhẹ hơn hoặc chia nhỏ văn bản.")
INTERRUPTED_MESSAGE = ("Việc xử lý tệp bị gián đoạn (tiến trình xử lý đã dừng đột ngột), nên văn bản chưa được "
                       "thêm. Hãy gửi lại tệp.")

log = logging.getLogger(__name__)

_running: set[multiprocessing.process.BaseProcess] = set()  # the workers of adds in progress (any thread)
_running_lock = threading.Lock()


@dataclass(frozen=True)
class Limits:
    """What one add may use: wall time (seconds) and address space (MiB) of the worker."""

    seconds: float = DEFAULT_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB

    @classmethod
    def from_env(cls) -> "Limits":
        """``SOTAY_ADD_SECONDS`` / ``SOTAY_ADD_MEMORY_MB``, else the defaults; ``config.SettingError`` if unreadable."""
        return cls(positive_setting("SOTAY_ADD_SECONDS", DEFAULT_SECONDS, float),
                   int(positive_setting("SOTAY_ADD_MEMORY_MB", DEFAULT_MEMORY_MB, int)))


class WorkerError(RuntimeError):
    """The worker failed unexpectedly (a bug, not the file): logged, reported as an internal error."""


def add_in_worker(files: Sequence[Path], corpus: Path, data_dir: Path, *, txn: str | None = None,
                  limits: Limits | None = None, progress: bool = False) -> list[AddedDecision]:
    """``corpus_admin.add_decisions`` in a worker process within ``limits`` (default: from the environment).

    Raises ``IngestError`` (refused, or interrupted: nothing changed), ``CorpusError`` (the corpus is
    unreadable) or ``WorkerError`` (an internal failure, logged with the worker's traceback).
    """
    limits = limits or Limits.from_env()
    txn = txn or journal.new_txn()
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    deadline = Deadline.after(limits.seconds)
    worker = context.Process(target=_work, name=f"sotay-add-{txn}", daemon=True,
                             args=(sender, [str(Path(f).resolve()) for f in files], str(corpus), str(data_dir), txn,
                                   deadline, limits.memory_mb, progress))
    with _running_lock:
        worker.start()
        _running.add(worker)
    sender.close()
    result, timed_out = None, False
    try:
        if receiver.poll(limits.seconds + GRACE_SECONDS):
            result = receiver.recv()
        else:
            timed_out = True
    except EOFError:  # the worker died without a word (or was stopped: stop_running)
        pass
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join()
        receiver.close()
        with _running_lock:
            _running.discard(worker)
    if result is None:
        return _after_death(corpus, data_dir, txn, worker.exitcode, limits, timed_out)
    kind, payload = result
    if kind == "added":
        return payload
    if kind == "refused":
        raise IngestError(payload)
    if kind == "corpus":
        raise CorpusError(payload)
    raise WorkerError(payload)


def stop_running() -> int:
    """Kill the workers of every add in progress (the program is stopping); how many were running.

    Each interrupted add then ends as if its worker had died: committed if its journal says so,
    else nothing changed (``INTERRUPTED_MESSAGE``) and its staging removed.
    """
    with _running_lock:
        workers = [w for w in _running if w.is_alive()]
    for worker in workers:
        worker.kill()
    return len(workers)


def _after_death(corpus: Path, data_dir: Path, txn: str, exitcode: int | None, limits: Limits,
                 timed_out: bool) -> list[AddedDecision]:
    """A worker that sent nothing (``timed_out``: killed by us, past its time): its transaction completed
    if it was decided, else refused; what it staged is removed either way."""
    clean_up(corpus, data_dir)
    done = journal.outcome(data_dir, txn)
    if done and done.get("committed"):
        return added_from_outcome(done)
    log.warning("tiến trình thêm văn bản %s dừng với mã %s", txn, exitcode)
    if timed_out:
        raise IngestError(TIMEOUT_MESSAGE.format(seconds=f"{limits.seconds:g}"))
    raise IngestError(INTERRUPTED_MESSAGE)


def _work(sender, files: list[str], corpus: str, data_dir: str, txn: str, deadline: Deadline, memory_mb: int,
          progress: bool) -> None:
    """The worker: limits on itself, then the add; one message back ``(kind, payload)``."""
    _die_with_parent()
    _no_process_shared_locks()
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 1024 * 1024, resource.RLIM_INFINITY))
    message: tuple[str, object]
    encoder = None
    try:
        encoder = start_encoder()  # the model loads in a child process (same limits) while the files are read
        added = add_decisions([Path(f) for f in files], Path(corpus), Path(data_dir), progress=progress, txn=txn,
                              deadline=deadline, encoder=encoder)
        message = ("added", added)
    except IngestError as exc:
        message = ("refused", str(exc))
    except CorpusError as exc:
        message = ("corpus", str(exc))
    except MemoryError:
        message = ("refused", MEMORY_MESSAGE.format(mb=memory_mb))
    except Exception as exc:  # noqa: BLE001 - reported to the caller, which logs it
        message = ("error", "".join(traceback.format_exception(exc)))
        if _out_of_memory(exc):
            message = ("refused", MEMORY_MESSAGE.format(mb=memory_mb))
    finally:
        if encoder is not None:
            close_encoder(encoder)
    sender.send(message)
    sender.close()


def _out_of_memory(exc: BaseException) -> bool:
    """A failed allocation reported otherwise than MemoryError: torch's RuntimeError, a shared library
    that cannot be mapped (ImportError, or OSError from ctypes when torch loads its OpenMP library), ENOMEM."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOMEM:
        return True
    text = str(exc).lower()
    return isinstance(exc, (RuntimeError, ImportError, OSError)) and any(
        sign in text for sign in ("can't allocate memory", "cannot allocate memory", "out of memory", "bad_alloc",
                                  "failed to map segment"))


def _no_process_shared_locks() -> None:
    """tqdm's default lock is a multiprocessing semaphore that a worker ending with ``os._exit`` would
    leak (and Python warn about); the worker's one progress bar needs only a thread lock."""
    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())


def _die_with_parent() -> None:
    """Linux: be killed when the process that started this worker dies (no orphaned add)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the worker may outlive a killed caller
        return
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # the caller died before the signal was armed
        os._exit(1)
