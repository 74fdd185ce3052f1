"""Replies that survive, end to end: a real `sotay bot` against the fake Bot API misbehaving.

- 6 s of sendMessage failures (5xx, an HTML page instead of JSON, requests hanging): every
  message sent meanwhile is answered once, in order, with no apology;
- kill -9 while an update is being handled, or while its reply cannot be sent: after the
  restart it is answered exactly once, and never computed twice;
- a press on an older keyboard is refused and changes nothing.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from bot_process import FIRST_ANSWER_TIMEOUT, BotProcess, button, press, running_bot, say, texts
from fake_telegram import FakeTelegram

from sotay.bot.dialogue import STALE_BUTTONS

WINDOW = 6.0  # seconds of failures
CHATS = (5552001, 5552002, 5552003)
AMOUNTS = (100, 120, 140, 160, 180, 200)  # triệu; one message per amount and chat: 18 messages


@pytest.fixture(scope="module")
def bot(index, fake: FakeTelegram, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    yield from running_bot(fake, tmp_path_factory.mktemp("telegram-replies"))


def recovery(amount: int) -> str:
    return f"Xã khó khăn, hỗ trợ {amount} triệu, dự án kết thúc 15/3/2024"


@pytest.mark.parametrize("mode", ["500", "garbage", "hang"])
def test_no_reply_is_lost_across_6_seconds_of_send_failures(fake: FakeTelegram, bot: BotProcess, mode: str) -> None:
    say(fake, CHATS[0], "/start", until="Xin chào")  # the bot is up
    mark = fake.mark()
    fake.fail_for("sendMessage", WINDOW, mode)
    started = time.monotonic()
    for amount in AMOUNTS:
        for chat in CHATS:
            fake.send_text(chat, recovery(amount))
    for chat in CHATS:
        fake.wait_until(lambda c=chat: len(fake.sent(c, mark)) >= len(AMOUNTS), 60, f"{len(AMOUNTS)} replies in {chat}")
    time.sleep(1)  # nothing more arrives
    assert time.monotonic() - started >= WINDOW - 0.5  # the failures did hold the replies up
    assert any(c.injected for c in fake.calls_of("sendMessage", mark))
    for chat in CHATS:
        replies = fake.sent(chat, mark)
        assert len(replies) == len(AMOUNTS), texts(replies)  # one each: none lost, none twice
        assert "Xin lỗi" not in texts(replies)
        for reply, amount in zip(replies, AMOUNTS, strict=True):  # in the order asked
            assert f"vốn hỗ trợ: {amount}.000.000 đồng" in reply["text"] and "KẾT QUẢ" in reply["text"]
    assert fake.rejections() == []


def test_a_press_on_an_old_keyboard_is_refused(fake: FakeTelegram, bot: BotProcess) -> None:
    chat = 5552010
    [tiers] = say(fake, chat, "/thuhoi", until="địa bàn nào")
    old = copy.deepcopy(tiers)  # as another device still shows it (the bot retires the keyboard it pressed)
    press(fake, chat, tiers, "tier:kho-khan", until="Tổng vốn ngân sách")
    mark = fake.mark()
    fake.press(chat, old, button(old, "tier:dbkk"))  # the old keyboard, another choice
    [refused] = fake.replies(chat, mark, until="đã cũ")
    assert refused["text"].startswith(STALE_BUTTONS) and "Tổng vốn ngân sách" in refused["text"]
    [end] = say(fake, chat, "100 triệu", until="kết thúc ngày nào")
    [damage] = say(fake, chat, "15/3/2024", until="thiệt hại")
    result = texts(press(fake, chat, damage, "damage:none", until="KẾT QUẢ"))
    assert "địa bàn: khó khăn" in result and "10.000.000 đồng" in result  # the old press changed nothing
    # only the attempt to retire the old keyboard, already retired, was refused (quietly)
    assert [(c.method, "not modified" in c.description) for c in fake.rejections()] == [
        ("editMessageReplyMarkup", True)]


# -- kill -9 ------------------------------------------------------------------------------------
def test_killed_while_handling_the_update_is_answered_once_after_restart(index, tmp_path: Path) -> None:
    """The first question waits for the search index to load: killed then, after the update was
    confirmed to Telegram (which will not send it again), it is answered by the next run."""
    fake = FakeTelegram()
    state, log = tmp_path / "state.sqlite", tmp_path / "bot.log"
    chat = 5552020
    try:
        first = BotProcess(fake, state, log)
        update_id = fake.send_text(chat, "Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu?")
        fake.wait_until(lambda: fake.confirmed_offset() > update_id, 30, "the question to be confirmed")
        assert fake.sent(chat) == [], "answered before the kill: nothing was tested"
        first.kill()

        second = BotProcess(fake, state, log)
        fake.replies(chat, 0, until="Điều 4, khoản 2, điểm b", timeout=FIRST_ANSWER_TIMEOUT, quiet=3)
        answers = [m for m in fake.sent(chat) if "Điều 4" in m["text"]]
        assert len(answers) == 1, texts(fake.sent(chat))
        assert "Xin lỗi" not in texts(fake.sent(chat))
        assert second.stop() == 0, second.log_text()
        assert fake.rejections() == []
    finally:
        fake.close()


def test_killed_while_the_reply_cannot_be_sent_it_is_sent_after_restart_not_recomputed(index, tmp_path: Path) -> None:
    """The answer to "100 triệu" (the amount step) is computed and the state moved on to the end date;
    Telegram hangs, the bot is killed. The next run sends that answer — computing it again on the moved
    state would read "100 triệu" as an end date."""
    fake = FakeTelegram()
    state, log = tmp_path / "state.sqlite", tmp_path / "bot.log"
    chat = 5552030
    try:
        first = BotProcess(fake, state, log)
        [tiers] = say(fake, chat, "/thuhoi", until="địa bàn nào")
        press(fake, chat, tiers, "tier:kho-khan", until="Tổng vốn ngân sách")
        mark = fake.mark()
        fake.fail_for("sendMessage", 600, "hang")
        update_id = fake.send_text(chat, "100 triệu")
        fake.wait_until(lambda: fake.calls_of("sendMessage", mark), 60, "the reply to be sent")
        fake.wait_until(lambda: fake.confirmed_offset() > update_id, 30, "the message to be confirmed")
        first.kill()
        fake.fail_for("sendMessage", 0)

        second = BotProcess(fake, state, log)
        replies = fake.replies(chat, mark, until="kết thúc ngày nào", quiet=3)
        assert [m["text"] for m in replies] == [replies[0]["text"]] and replies[0]["text"].startswith("Dự án kết thúc")
        [damage] = say(fake, chat, "15/3/2024", until="thiệt hại")
        assert "10.000.000 đồng" in texts(press(fake, chat, damage, "damage:none", until="KẾT QUẢ"))
        assert second.stop() == 0, second.log_text()
        assert fake.rejections() == []
    finally:
        fake.close()
