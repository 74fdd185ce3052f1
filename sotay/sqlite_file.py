"""One way to open the project's SQLite files: the bot's state file (chat states, update journal, reminders,
pending adds) and the projects register; ``DurableTable`` for a table of its own in such a file."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import ClassVar

BUSY_TIMEOUT = 30.0  # seconds a writer waits for another connection holding the file's lock


def open_durable(path: str, busy_timeout: float = BUSY_TIMEOUT) -> sqlite3.Connection:
    """A connection to the SQLite file ``path`` (":memory:" too; its folder is created) that any thread
    may use: autocommit (transactions are explicit), write-ahead log, every commit synced to disk; a
    write waits at most ``busy_timeout`` seconds for another connection's lock."""
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=busy_timeout)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    return db


class DurableTable:
    """One table in a SQLite file opened with ``open_durable``, created from ``SCHEMA`` (a ``CREATE TABLE IF
    NOT EXISTS`` statement) if missing: one connection any thread may use, each use behind ``_lock``."""

    SCHEMA: ClassVar[str]

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        self._db = open_durable(self.path)
        self._db.execute(self.SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()
