"""Per-chat dialogue state, durable on disk (SQLite), expiring after a day of silence.

Every update writes its chat's state in its own committed transaction, so a
bot killed at any moment resumes each conversation where it was. Chats never
see each other's state: the chat id is the key.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

EXPIRY_SECONDS = 24 * 3600


class StateStore:
    """A small key-value store: chat id -> JSON state."""

    def __init__(self, path: Path | str, expiry_seconds: float = EXPIRY_SECONDS) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.expiry_seconds = expiry_seconds
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("CREATE TABLE IF NOT EXISTS chat_state (chat_id TEXT PRIMARY KEY, state TEXT NOT NULL, updated REAL NOT NULL)")

    def load(self, chat_id: str, now: float | None = None) -> dict:
        """The chat's state, or {} when there is none or it has expired."""
        now = time.time() if now is None else now
        with self._lock:
            row = self._db.execute("SELECT state, updated FROM chat_state WHERE chat_id = ?", (chat_id,)).fetchone()
        if row is None or now - row[1] > self.expiry_seconds:
            return {}
        return json.loads(row[0])

    def save(self, chat_id: str, state: dict, now: float | None = None) -> None:
        """Store the chat's state (an empty state deletes it); committed before returning."""
        now = time.time() if now is None else now
        with self._lock:
            if state:
                self._db.execute(
                    "INSERT INTO chat_state (chat_id, state, updated) VALUES (?, ?, ?) "
                    "ON CONFLICT(chat_id) DO UPDATE SET state = excluded.state, updated = excluded.updated",
                    (chat_id, json.dumps(state, ensure_ascii=False), now),
                )
            else:
                self._db.execute("DELETE FROM chat_state WHERE chat_id = ?", (chat_id,))
            self._db.execute("DELETE FROM chat_state WHERE updated < ?", (now - self.expiry_seconds,))

    def close(self) -> None:
        with self._lock:
            self._db.close()
