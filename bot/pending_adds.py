"""Decisions being added from Telegram, durable in the bot's state file, so a restart still reports them.

A row is written before the worker starts (``start``) and removed once the administrator has been
told the outcome (``finish``); rows left by a bot that was killed are ``left_over`` at the next
start, when the outcome is read from the corpus transaction (``journal.outcome``) and reported.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sotay.sqlite_file import DurableTable


@dataclass(frozen=True)
class PendingAdd:
    """One file an administrator sent: the transaction adding it, the chat to tell, the file's name."""

    txn: str
    chat_id: int
    file_name: str
    started: float


class PendingAdds(DurableTable):
    """The ``pending_adds`` table of the bot's state file."""

    SCHEMA = ("CREATE TABLE IF NOT EXISTS pending_adds (txn TEXT PRIMARY KEY, chat_id INTEGER NOT NULL, "
              "file_name TEXT NOT NULL, started REAL NOT NULL)")

    def start(self, txn: str, chat_id: int, file_name: str) -> None:
        """Record that ``chat_id``'s file ``file_name`` is being added as transaction ``txn`` (committed)."""
        with self._lock:
            self._db.execute("INSERT INTO pending_adds (txn, chat_id, file_name, started) VALUES (?, ?, ?, ?)",
                             (txn, chat_id, file_name, time.time()))

    def finish(self, txn: str) -> None:
        """The administrator has been told: forget ``txn``."""
        with self._lock:
            self._db.execute("DELETE FROM pending_adds WHERE txn = ?", (txn,))

    def left_over(self) -> list[PendingAdd]:
        """Every add not reported yet, oldest first (at start: those a killed bot never finished)."""
        with self._lock:
            rows = self._db.execute("SELECT txn, chat_id, file_name, started FROM pending_adds "
                                    "ORDER BY started").fetchall()
        return [PendingAdd(*row) for row in rows]
