"""Passages embedded in a child process that starts loading the model the moment it is created.

An add spends ~5 s loading the model (importing torch, transformers and sentence-transformers, reading the
tokenizer) before it can embed a passage. In a thread of the adding process that load competes for the GIL
with the rest of the add (reading the live build, parsing, writing the new build): started early, it slowed
the add down instead (bench/README.md, "Adding one decision to ×1000"). A forked child has its own
interpreter: it loads the model on one core while the parent reads and parses on the other, then embeds the
passages it is sent with the same ``Encoder`` code, so the vectors are the same bit for bit.

``EmbeddingProcess`` is an ``Encoder`` whose ``encode_passages`` is answered by that child; the child inherits
the parent's limits (``RLIMIT_AS``), dies with it (``PR_SET_PDEATHSIG`` on Linux) and is ended by ``close``.
What the child raises (a failed model load under the memory limit, the add's deadline) is raised again by
``encode_passages``. Only a single-threaded process may create one (``fork``); where ``fork`` is not
available ``start_encoder`` returns a plain ``Encoder``.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection

import numpy as np

from sotay.index.model.encoder import Encoder

_PR_SET_PDEATHSIG = 1


class EmbeddingProcess(Encoder):
    """An ``Encoder`` whose passages are embedded by a forked child that loads the model from the start.

    ``encode_passages`` may be called once (an add embeds all its new passages in one call); questions and
    ``dim`` are not served by the child. Call ``close`` when done (the child is killed if still running).
    """

    def __init__(self) -> None:
        self._connection, child_end = multiprocessing.Pipe()
        parent = os.getpid()
        self._pid = os.fork()
        if self._pid == 0:  # the child: never returns into the caller's code
            try:
                self._connection.close()
                _serve(child_end, parent)
            finally:
                os._exit(1)
        child_end.close()

    def encode_passages(self, texts: list[str], before_batch: Callable[[], None] | None = None) -> np.ndarray:
        """``Encoder.encode_passages`` in the child (``before_batch`` must be picklable)."""
        try:
            self._connection.send((texts, before_batch))
        except OSError:  # the child has already ended (its model failed to load): its answer says why
            pass
        try:
            kind, payload = self._connection.recv()
        except EOFError:
            raise RuntimeError("the embedding process ended without an answer") from None
        if kind == "error":
            raise payload
        return np.asarray(payload, dtype=np.float32)

    def close(self) -> None:
        """End the child (killed if it is still loading or embedding) and wait for it."""
        self._connection.close()
        os.kill(self._pid, signal.SIGKILL)  # not reaped yet, so the pid is still this child's (perhaps a zombie)
        os.waitpid(self._pid, 0)


def start_encoder() -> Encoder:
    """An ``EmbeddingProcess`` where processes can be forked, else a plain ``Encoder`` (close it with ``close``)."""
    if not hasattr(os, "fork"):
        return Encoder()
    return EmbeddingProcess()


def close_encoder(encoder: Encoder) -> None:
    """``close`` an encoder made by ``start_encoder`` (nothing for a plain ``Encoder``)."""
    if isinstance(encoder, EmbeddingProcess):
        encoder.close()


def _serve(connection: Connection, parent: int) -> None:
    """The child: load the model, embed the one list of passages sent, answer, and end without teardown."""
    _die_with_parent(parent)
    answer: tuple[str, object]
    try:
        encoder = Encoder()
        encoder._model  # noqa: B018 - the load this process exists to start early
        texts, before_batch = connection.recv()
        answer = ("vectors", encoder.encode_passages(texts, before_batch=before_batch))
    except EOFError:  # the parent needed no vectors after all
        os._exit(0)
    except BaseException as exc:  # noqa: BLE001 - raised again in the parent
        exc.add_note("".join(traceback.format_exception(exc)))  # where, in this process
        answer = ("error", exc)
    try:
        connection.send(answer)
    except Exception:  # noqa: BLE001 - an exception that cannot be pickled: its text instead
        connection.send(("error", RuntimeError("".join(traceback.format_exception(answer[1])))))  # type: ignore[arg-type]
    connection.close()
    os._exit(0)  # nothing to flush; freeing the model object by object would only delay the parent's join


def _die_with_parent(parent: int) -> None:
    """Linux: be killed when process ``parent``, which forked this one, dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)
