"""Running ``sotay …`` for tests: in this process (``cli.main``), or as the real console script.

``run_sotay`` returns what ``subprocess.run(..., capture_output=True)`` would: a
``CompletedProcess`` with the exit code and the bytes (or, with ``text=True``, the UTF-8 text)
written to stdout and stderr. In process, ``cli.main`` runs with the given environment
variables, working directory and stdin swapped in for the call, stdout and stderr captured
as bytes behind text streams (as a process's are), and the log records it emits written to
that stderr in ``cli.main``'s format (in a process, its ``logging.basicConfig`` does that); an
``argparse`` exit (usage error, ``--help``) becomes the exit code. A process start-up
(interpreter, imports, loading the index or the model again) is then not paid for each call;
``real=True`` starts the console script instead, for the tests that are about the process.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from conftest import SOTAY_BIN

from sotay import cli

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"  # cli.main's logging.basicConfig format


def _stream(data: bytes = b"") -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace", write_through=True)


@contextmanager
def _swapped(env: Mapping[str, str] | None, cwd: Path | None) -> Iterator[None]:
    """``os.environ`` replaced by ``env`` (when given) and the working directory by ``cwd``, then restored."""
    before_env, before_cwd = dict(os.environ), os.getcwd()
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        if cwd is not None:
            os.chdir(cwd)
        yield
    finally:
        os.chdir(before_cwd)
        os.environ.clear()
        os.environ.update(before_env)


def _in_process(argv: list[str], env: Mapping[str, str] | None, stdin: bytes | None,
                cwd: Path | None) -> tuple[int, bytes, bytes]:
    stdout, stderr = _stream(), _stream()
    handler = logging.StreamHandler(stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.setLevel(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with _swapped(env, cwd), mock.patch.multiple(sys, stdin=_stream(stdin or b""), stdout=stdout,
                                                     stderr=stderr):
            try:
                code = cli.main(argv)
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
                if not isinstance(exit_.code, int | None):
                    stderr.write(f"{exit_.code}\n")
    finally:
        root.removeHandler(handler)
    stdout.flush()
    stderr.flush()
    return code, stdout.buffer.getvalue(), stderr.buffer.getvalue()  # type: ignore[attr-defined]


def run_sotay(*args: str | bytes, env: Mapping[str, str] | None = None, stdin: bytes | None = None,
              cwd: Path | None = None, text: bool = False, real: bool = False,
              timeout: float = 600) -> subprocess.CompletedProcess:
    """``sotay *args``: in this process, or with ``real`` the console script as a subprocess.

    ``env`` is the whole environment (as ``subprocess.run``'s); a ``bytes`` argument is decoded as
    the interpreter decodes a process's arguments (``os.fsdecode``).
    """
    argv = [os.fsdecode(a) for a in args]
    if real:
        proc = subprocess.run([str(SOTAY_BIN), *args], input=stdin, capture_output=True, env=env, cwd=cwd,
                              timeout=timeout)
        code, out, err = proc.returncode, proc.stdout, proc.stderr
    else:
        code, out, err = _in_process(argv, env, stdin, cwd)
    if text:
        return subprocess.CompletedProcess(argv, code, out.decode("utf-8"), err.decode("utf-8"))
    return subprocess.CompletedProcess(argv, code, out, err)
