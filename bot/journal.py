"""The update journal: what the bot received and what it answered, per Telegram update id.

Telegram forgets an update once the bot has confirmed it (the next ``getUpdates``, or the
webhook's 200), which happens before the bot has answered it. So every update is written
here when it arrives (``receive``), its replies when they are computed (``answer``, in the
same transaction as the chat state they came from: ``StateStore.atomic``), each outgoing
message when Telegram accepts it (``mark_sent``), and the update as finished when its
handling ends (``finish``). After a crash the bot handles again the updates not finished;
one already answered only gets the messages not yet sent, never a second computation.
A message whose send was cut by the crash itself may arrive twice; no reply is lost.

The tables live in the bot's state file, beside the chat states. Finished updates are kept
for a day (``KEEP_SECONDS``), so that Telegram delivering one again is recognised.
"""

from __future__ import annotations

import json
import time

from sotay.bot.state import Batch, StateStore

KEEP_SECONDS = 24 * 3600


class UpdateJournal:
    """The journal's tables in ``store``'s file; every method commits before returning."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        store.write([
            ("CREATE TABLE IF NOT EXISTS update_journal (update_id INTEGER PRIMARY KEY, chat_id TEXT, "
             "payload TEXT NOT NULL, answered INTEGER NOT NULL DEFAULT 0, finished INTEGER NOT NULL DEFAULT 0, "
             "received REAL NOT NULL)", ()),
            ("CREATE TABLE IF NOT EXISTS outbox (update_id INTEGER NOT NULL, seq INTEGER NOT NULL, "
             "chat_id TEXT NOT NULL, message TEXT NOT NULL, sent INTEGER NOT NULL DEFAULT 0, "
             "PRIMARY KEY (update_id, seq))", ()),
        ])

    def receive(self, update_id: int, chat_id: int | None, payload: dict) -> bool:
        """Record an arriving update; False when it is already known (Telegram delivered it again)."""
        if self.store.query("SELECT 1 FROM update_journal WHERE update_id = ?", (update_id,)):
            return False
        self.store.write([("INSERT OR IGNORE INTO update_journal (update_id, chat_id, payload, received) "
                           "VALUES (?, ?, ?, ?)",
                           (update_id, None if chat_id is None else str(chat_id),
                            json.dumps(payload, ensure_ascii=False), time.time()))])
        return True

    def unfinished(self) -> list[dict]:
        """The payloads of the updates received but not finished, oldest first."""
        rows = self.store.query("SELECT payload FROM update_journal WHERE finished = 0 ORDER BY update_id")
        return [json.loads(payload) for (payload,) in rows]

    def answered(self, update_id: int) -> bool:
        """Whether the replies to the update were recorded."""
        return bool(self.store.query("SELECT 1 FROM update_journal WHERE update_id = ? AND answered = 1",
                                     (update_id,)))

    def answer(self, batch: Batch, update_id: int, chat_id: int, messages: list[dict]) -> None:
        """Add to ``batch`` the writes recording ``messages`` (JSON-able, in sending order) as the answer."""
        batch.statements.extend(
            ("INSERT OR REPLACE INTO outbox (update_id, seq, chat_id, message) VALUES (?, ?, ?, ?)",
             (update_id, seq, str(chat_id), json.dumps(message, ensure_ascii=False)))
            for seq, message in enumerate(messages))
        batch.statements.append(("UPDATE update_journal SET answered = 1 WHERE update_id = ?", (update_id,)))

    def undelivered(self, chat_id: int) -> list[tuple[int, int, dict]]:
        """The chat's messages not yet accepted by Telegram, in order: (update id, seq, message)."""
        rows = self.store.query("SELECT update_id, seq, message FROM outbox WHERE chat_id = ? AND sent = 0 "
                                "ORDER BY update_id, seq", (str(chat_id),))
        return [(update_id, seq, json.loads(message)) for update_id, seq, message in rows]

    def chats_waiting(self) -> list[int]:
        """The chats with messages not yet delivered."""
        return [int(chat) for (chat,) in self.store.query("SELECT DISTINCT chat_id FROM outbox WHERE sent = 0")]

    def mark_sent(self, update_id: int, seq: int) -> None:
        """Telegram accepted (or refused for good) this message: it is not sent again."""
        self.store.write([("UPDATE outbox SET sent = 1 WHERE update_id = ? AND seq = ?", (update_id, seq))])

    def finish(self, update_id: int, now: float | None = None) -> None:
        """The update's handling ended: it is not handled again; sent messages and old entries are dropped."""
        now = time.time() if now is None else now
        self.store.write([
            ("UPDATE update_journal SET finished = 1, payload = '{}' WHERE update_id = ?", (update_id,)),
            ("DELETE FROM outbox WHERE sent = 1 AND update_id IN "
             "(SELECT update_id FROM update_journal WHERE finished = 1)", ()),
            ("DELETE FROM update_journal WHERE finished = 1 AND received < ? AND update_id NOT IN "
             "(SELECT update_id FROM outbox)", (now - KEEP_SECONDS,)),
        ])
