"""The update journal and the state store's atomic blocks: what survives a crash, and what is never done twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sotay.bot.delivery import outgoing
from sotay.bot.journal import KEEP_SECONDS, UpdateJournal
from sotay.bot.render import TELEGRAM_TEXT_LIMIT
from sotay.bot.replies import Attachment, Button, Reply
from sotay.bot.retrying_request import transient
from sotay.bot.state import StateStore

SAMPLE = Path(__file__).parents[1] / "data" / "telegram" / "private_text.json"


def update(update_id: int) -> dict:
    payload = json.loads(SAMPLE.read_text(encoding="utf-8"))
    payload["update_id"] = update_id
    return payload


def test_a_state_change_and_its_replies_are_committed_together_or_not_at_all(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.sqlite")
    journal = UpdateJournal(store)
    journal.receive(1, 42, update(1))
    with pytest.raises(ZeroDivisionError), store.atomic() as batch:
        store.save("42", {"recover": {"asking": "end"}})
        assert store.load("42") == {"recover": {"asking": "end"}}  # the block reads its own writes
        journal.answer(batch, 1, 42, [{"text": "Dự án kết thúc ngày nào?"}])
        1 / 0  # the dialogue failed: neither the state nor the answer is written
    assert store.load("42") == {} and not journal.answered(1) and journal.undelivered(42) == []

    with store.atomic() as batch:
        store.save("42", {"recover": {"asking": "end"}})
        journal.answer(batch, 1, 42, [{"text": "một"}, {"text": "hai"}])
    reopened = StateStore(tmp_path / "s.sqlite")  # as the next process sees it
    again = UpdateJournal(reopened)
    assert reopened.load("42") == {"recover": {"asking": "end"}} and again.answered(1)
    assert [(u, s, m["text"]) for u, s, m in again.undelivered(42)] == [(1, 0, "một"), (1, 1, "hai")]


def test_updates_are_replayed_until_finished_and_recognised_when_delivered_again(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "s.sqlite")
    journal = UpdateJournal(store)
    assert journal.receive(7, 42, update(7)) and journal.receive(8, 43, update(8))
    assert not journal.receive(7, 42, update(7))  # Telegram sent it again
    assert [u["update_id"] for u in journal.unfinished()] == [7, 8]
    with store.atomic() as batch:
        journal.answer(batch, 7, 42, [{"text": "a"}, {"text": "b"}])
    journal.mark_sent(7, 0)
    journal.finish(7)
    assert [u["update_id"] for u in journal.unfinished()] == [8]
    assert [(u, s) for u, s, _ in journal.undelivered(42)] == [(7, 1)]  # unsent stays until sent
    assert journal.chats_waiting() == [42]
    journal.mark_sent(7, 1)
    journal.finish(8, now=1e12)  # much later: old finished entries are dropped
    assert journal.chats_waiting() == [] and store.query("SELECT COUNT(*) FROM update_journal")[0][0] == 0
    assert journal.receive(7, 42, update(7))  # forgotten after KEEP_SECONDS
    assert KEEP_SECONDS >= 24 * 3600


def test_outgoing_messages_split_escape_and_keep_buttons_and_files() -> None:
    reply = Reply("<b>" + "x " * 3000, [[Button("Khó khăn", "tier:kho-khan:abc123")]],
                  Attachment("so.xlsx", b"PK\x03\x04"))
    messages = outgoing(reply)
    assert [("text" in m, "buttons" in m, "document" in m) for m in messages] == [
        (True, False, False), (True, True, False), (False, False, True)]
    assert messages[0]["text"].startswith("&lt;b&gt;") and len(messages[0]["text"]) <= TELEGRAM_TEXT_LIMIT + 10
    assert messages[1]["buttons"] == [[["Khó khăn", "tier:kho-khan:abc123"]]]
    assert json.loads(json.dumps(messages)) == messages  # storable as is


@pytest.mark.parametrize("code, payload, retried", [
    (200, b'{"ok":true,"result":true}', False),
    (200, b"<html>502 Bad Gateway</html>", True),
    (200, b'{"ok":true,"res', True),
    (500, b'{"ok":false,"error_code":500}', True),
    (502, b"", True),
    (400, b'{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}', False),
    (429, b'{"ok":false,"error_code":429,"parameters":{"retry_after":3}}', False),
])
def test_which_answers_are_retried(code: int, payload: bytes, retried: bool) -> None:
    assert transient(code, payload) is retried
    assert transient(code, payload, json_expected=False) is (code >= 500)  # a file download: any bytes


def test_the_state_file_and_the_register_are_opened_durably(tmp_path: Path) -> None:
    """One opener (sotay/sqlite_file.py): WAL, every commit synced, a stated busy wait, the folder made."""
    from sotay.bot.pending_adds import PendingAdds
    from sotay.bot.reminders import ReminderStore
    from sotay.rules.register import Register

    state = tmp_path / "new" / "state.sqlite"
    stores = [(StateStore(state), 5000), (ReminderStore(state), 30000), (PendingAdds(state), 30000),
              (Register(tmp_path / "new" / "register.sqlite"), 30000)]
    for store, busy_ms in stores:
        db = store._db
        settings = [db.execute(f"PRAGMA {name}").fetchone()[0]
                    for name in ("journal_mode", "synchronous", "busy_timeout")]
        assert settings == ["wal", 2, busy_ms], type(store).__name__  # 2: FULL
        assert db.in_transaction is False  # autocommit: transactions are explicit
        store.close()
