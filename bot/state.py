"""Per-chat dialogue state, durable on disk (SQLite), expiring after a day of silence.

Every update writes its chat's state in its own committed transaction, so a
bot killed at any moment resumes each conversation where it was. Chats never
see each other's state: the chat id is the key.

Inside ``atomic()`` a thread's saves are held back and committed on leaving, in
one transaction together with the block's other writes to the same file (the
update journal, ``journal.py``): a reply is recorded if and only if the state
change that produced it is.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sotay.sqlite_file import open_durable

EXPIRY_SECONDS = 24 * 3600

Statement = tuple[str, tuple]


@dataclass
class Batch:
    """Writes held back by ``StateStore.atomic``: chat states and other statements, committed together."""

    states: dict[str, str] = field(default_factory=dict)  # chat id -> state as JSON ("" deletes it)
    statements: list[Statement] = field(default_factory=list)


class StateStore:
    """A small key-value store: chat id -> JSON state (and the connection the bot's other tables share)."""

    def __init__(self, path: Path | str, expiry_seconds: float = EXPIRY_SECONDS) -> None:
        self.path = str(path)
        self.expiry_seconds = expiry_seconds
        self._lock = threading.Lock()
        self._local = threading.local()
        # sqlite's default 5 s, as this connection always had (the file's other tables wait 30 s)
        self._db = open_durable(self.path, busy_timeout=5.0)
        self._db.execute("CREATE TABLE IF NOT EXISTS chat_state (chat_id TEXT PRIMARY KEY, state TEXT NOT NULL, updated REAL NOT NULL)")

    def load(self, chat_id: str, now: float | None = None) -> dict:
        """The chat's state, or {} when there is none or it has expired (inside ``atomic``: as saved there)."""
        batch = self._batch()
        if batch is not None and chat_id in batch.states:
            return json.loads(batch.states[chat_id] or "{}")
        now = time.time() if now is None else now
        with self._lock:
            row = self._db.execute("SELECT state, updated FROM chat_state WHERE chat_id = ?", (chat_id,)).fetchone()
        if row is None or now - row[1] > self.expiry_seconds:
            return {}
        return json.loads(row[0])

    def save(self, chat_id: str, state: dict, now: float | None = None) -> None:
        """Store the chat's state (an empty state deletes it); committed before returning, or, inside
        ``atomic``, when the block ends."""
        text = json.dumps(state, ensure_ascii=False) if state else ""
        batch = self._batch()
        if batch is not None:
            batch.states[chat_id] = text
            return
        self.write(self._state_statements(chat_id, text, time.time() if now is None else now))

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Batch]:
        """Hold back this thread's saves; on leaving, commit them with ``batch.statements`` in one transaction.

        If the block raises, nothing of it is written. Other threads are not affected.
        """
        if self._batch() is not None:
            raise RuntimeError("atomic() blocks do not nest")
        batch = self._local.batch = Batch()
        try:
            yield batch
        finally:
            self._local.batch = None
        now = time.time()
        self.write([s for chat_id, text in batch.states.items() for s in self._state_statements(chat_id, text, now)]
                   + batch.statements)

    def write(self, statements: Sequence[Statement]) -> None:
        """Execute ``statements`` in one committed transaction."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for sql, parameters in statements:
                    self._db.execute(sql, parameters)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        """The rows of one SELECT on the state file."""
        with self._lock:
            return self._db.execute(sql, parameters).fetchall()

    def _state_statements(self, chat_id: str, text: str, now: float) -> list[Statement]:
        saving: Statement = (
            ("INSERT INTO chat_state (chat_id, state, updated) VALUES (?, ?, ?) "
             "ON CONFLICT(chat_id) DO UPDATE SET state = excluded.state, updated = excluded.updated",
             (chat_id, text, now)) if text else ("DELETE FROM chat_state WHERE chat_id = ?", (chat_id,)))
        return [saving, ("DELETE FROM chat_state WHERE updated < ?", (now - self.expiry_seconds,))]

    def _batch(self) -> Batch | None:
        return getattr(self._local, "batch", None)

    def close(self) -> None:
        with self._lock:
            self._db.close()
