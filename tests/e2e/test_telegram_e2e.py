"""`sotay bot` end to end: the real process against a strict fake Bot API server.

One module-scoped bot (long polling) serves most scenarios, each in a chat of
its own; a webhook-mode bot with an allowlist and a killed-and-restarted pair
cover the rest. Every message the bots send must be accepted by the fake
server, which refuses what Telegram refuses (see ``fake_telegram.py``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from bot_process import (
    FIRST_ANSWER_TIMEOUT,
    BotProcess,
    assert_nothing_refused,
    button,
    free_port,
    listening,
    press,
    running_bot,
    say,
    texts,
)
from cli_runner import run_sotay
from conftest import SOTAY_BIN
from fake_telegram import TEXT_LIMIT, TOKEN, BadRequest, FakeTelegram, parse_html, utf16_length

from sotay.bot.render import split_text, to_html_messages

GROUP = -1001234567890
TIER_PROMPT = "địa bàn nào"
AMOUNT_PROMPT = "Tổng vốn ngân sách"
END_PROMPT = "kết thúc ngày nào"
DAMAGE_PROMPT = "thiệt hại do thiên tai hoặc nguyên nhân bất khả kháng"


@pytest.fixture(scope="module")
def bot(index, fake: FakeTelegram, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    """The long-polling bot most scenarios talk to; the index is built before it starts."""
    yield from running_bot(fake, tmp_path_factory.mktemp("telegram-bot"))


@pytest.fixture(autouse=True)
def nothing_refused(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every scenario with the shared bot: Telegram accepted every call it made."""
    yield
    if "bot" in request.fixturenames:
        assert_nothing_refused(request.getfixturevalue("fake"))


# -- the shared bot ------------------------------------------------------------------------
def test_start_publishes_commands_and_greets(fake: FakeTelegram, bot: BotProcess) -> None:
    commands = fake.calls_of("setMyCommands")
    assert commands and commands[0].status == 200
    published = {c["command"]: c["description"] for c in json.loads(commands[0].params["commands"])}
    assert set(published) == {"start", "help", "hoi", "ai", "thuhoi", "duan", "baocao", "nhac", "huy"}
    assert "thu hồi" in published["thuhoi"] and "Hủy" in published["huy"]
    assert fake.calls_of("deleteWebhook")

    mark = fake.mark()
    replies = say(fake, 5550001, "/start")
    assert len(replies) == 1 and replies[0]["text"].startswith("Xin chào!")
    assert "/thuhoi" in replies[0]["text"]
    calls = [c for c in fake.calls[mark:] if c.method in ("sendChatAction", "sendMessage")]
    # an instant reply needs no "typing…"; one shown never outlives the reply
    assert [c.method for c in calls][-1] == "sendMessage" and len(calls) <= 2, [c.method for c in calls]
    assert all(c.params["action"] == "typing" for c in calls[:-1]) and calls[-1].params["parse_mode"] == "HTML"


@pytest.mark.parametrize("question", ["Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu?",
                                      "ty le thu hoi von dia ban kho khan"])
def test_question_with_and_without_diacritics(fake: FakeTelegram, bot: BotProcess, question: str) -> None:
    replies = say(fake, 5550002, question, until="Điều 4, khoản 2, điểm b", timeout=FIRST_ANSWER_TIMEOUT)
    assert "10%" in texts(replies)


def test_hoi_command(fake: FakeTelegram, bot: BotProcess) -> None:
    replies = say(fake, 5550002, "/hoi Thời gian thu hồi vốn tối đa là bao lâu?", until="03 tháng",
                  timeout=FIRST_ANSWER_TIMEOUT)
    assert "Điều 4" in texts(replies)


def test_responsibility_question_long_answer_is_split(fake: FakeTelegram, bot: BotProcess) -> None:
    """The duty list of a department is long: it arrives in several messages, none refused."""
    replies = say(fake, 5550003, "Sở Tài chính có trách nhiệm gì?", until="Sở Tài chính", timeout=FIRST_ANSWER_TIMEOUT)
    assert replies[0]["text"].startswith("Sở Tài chính")
    assert all(utf16_length(m["text"]) <= TEXT_LIMIT for m in replies)
    replies = say(fake, 5550003, "/ai Sở Tài chính", until="Sở Tài chính")
    assert "Điều 7" in texts(replies)


def test_one_message_recovery(fake: FakeTelegram, bot: BotProcess) -> None:
    replies = say(fake, 5550004, "Xã khó khăn, hỗ trợ 100 triệu, dự án kết thúc 15/3/2024, thu hồi bao nhiêu?",
                  until="KẾT QUẢ")
    text = texts(replies)
    assert "10.000.000 đồng" in text and "17/06/2024" in text


def test_guided_recovery_with_buttons(fake: FakeTelegram, bot: BotProcess) -> None:
    chat = 5550005
    [tier] = say(fake, chat, "/thuhoi", until=TIER_PROMPT)
    assert [b["text"] for row in tier["reply_markup"]["inline_keyboard"] for b in row] == [
        "Đặc biệt khó khăn", "Khó khăn", "Còn lại"]

    mark = fake.mark()
    [amount] = press(fake, chat, tier, "tier:kho-khan", until=AMOUNT_PROMPT)
    assert [c.status for c in fake.calls_of("answerCallbackQuery", mark)] == [200]
    [edit] = fake.calls_of("editMessageReplyMarkup", mark)
    assert edit.status == 200 and "reply_markup" not in edit.result  # the used keyboard is retired

    say(fake, chat, "100 triệu", until=END_PROMPT)
    [damage] = say(fake, chat, "15/3/2024", until=DAMAGE_PROMPT)
    assert "damage:none" in str(damage["reply_markup"])
    replies = press(fake, chat, damage, "damage:none", until="KẾT QUẢ")
    text = texts(replies)
    assert "10.000.000 đồng" in text and "17/06/2024" in text


def test_cancel_mid_flow(fake: FakeTelegram, bot: BotProcess) -> None:
    chat = 5550006
    [tier] = say(fake, chat, "/thuhoi", until=TIER_PROMPT)
    press(fake, chat, tier, "tier:con-lai", until=AMOUNT_PROMPT)
    [cancelled] = say(fake, chat, "/huy", until="Đã hủy")
    assert cancelled["text"].startswith("Đã hủy")
    [unrelated] = say(fake, chat, "15/3/2024")  # no longer read as an answer to the flow
    assert END_PROMPT not in unrelated["text"] and DAMAGE_PROMPT not in unrelated["text"]

    [tier] = say(fake, chat, "/thuhoi", until=TIER_PROMPT)
    say(fake, chat, "huỷ", until="Đã hủy")
    assert "đã kết thúc" in texts(press(fake, chat, tier, "tier:kho-khan", until="/thuhoi"))


@pytest.mark.parametrize("text, expected", [
    ("<script>alert(1)</script>", "Không tìm thấy"),
    ("a & b < c", "Không tìm thấy"),
    ("x" * 10_000, "quá dài"),
    ("🙂👍🏽", "Không đọc được"),
    (" \n\t ", "Tin nhắn trống"),
    ("/lenh<b>x</b> & </i>", "Không có lệnh /lenh<b>x</b>"),
    ("Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu? 🙏 <b>&amp;", "Điều 4, khoản 2, điểm b"),
])
def test_hostile_input_gets_a_clear_reply(fake: FakeTelegram, bot: BotProcess, text: str, expected: str) -> None:
    """User text is never markup: the fake server refuses any unescaped tag or entity."""
    replies = say(fake, 5550007, text, until=expected, timeout=FIRST_ANSWER_TIMEOUT)
    assert "Traceback" not in texts(replies)


def test_stickers_and_photos_get_a_text_only_notice(fake: FakeTelegram, bot: BotProcess) -> None:
    chat = 5550008
    for send in (fake.send_sticker, lambda c: fake.send_photo(c, "Biên bản <b>nghiệm thu</b>")):
        mark = fake.mark()
        send(chat)
        [reply] = fake.replies(chat, mark)
        assert "chỉ đọc được tin nhắn dạng chữ" in reply["text"]


def test_two_chats_interleaved_do_not_mix(fake: FakeTelegram, bot: BotProcess) -> None:
    """Two officers run guided recoveries at once; each gets the result of their own answers."""
    a, b = 5550009, 5550010
    [tier_a] = say(fake, a, "/thuhoi", until=TIER_PROMPT)
    [tier_b] = say(fake, b, "/thuhoi", until=TIER_PROMPT)
    press(fake, b, tier_b, "tier:con-lai", until=AMOUNT_PROMPT)
    press(fake, a, tier_a, "tier:kho-khan", until=AMOUNT_PROMPT)
    # both chats' next messages in flight together
    mark = fake.mark()
    fake.send_text(a, "100 triệu")
    fake.send_text(b, "40.000.000 đồng")
    fake.replies(a, mark, until=END_PROMPT)
    fake.replies(b, mark, until=END_PROMPT)
    [damage_b] = say(fake, b, "1/7/2024", until=DAMAGE_PROMPT)
    [damage_a] = say(fake, a, "15/3/2024", until=DAMAGE_PROMPT)
    [percent] = press(fake, b, damage_b, "damage:disaster", until="bao nhiêu phần trăm")
    result_a = texts(press(fake, a, damage_a, "damage:none", until="KẾT QUẢ"))
    [verified] = say(fake, b, "20%", until="biên bản xác nhận")
    result_b = texts(press(fake, b, verified, "verified:yes", until="KẾT QUẢ"))
    assert "100.000.000 đồng" in result_a and "10.000.000 đồng" in result_a and "17/06/2024" in result_a
    assert "40.000.000 đồng" in result_b and "6.000.000 đồng" in result_b and "thiên tai 20%" in result_b
    assert "100.000.000" not in result_b and "40.000.000" not in result_a
    assert "ví dụ: 20%" in percent["text"]


def test_group_answers_commands_and_replies_only(fake: FakeTelegram, bot: BotProcess) -> None:
    """In a group: commands for this bot and replies to its messages; the rest of the talk is ignored."""
    mark = fake.mark()
    fake.send_text(GROUP, "Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu?")
    fake.send_text(GROUP, "/start@other_bot")
    fake.send_text(GROUP, "/thuhoi@sotay_test_bot")
    replies = fake.replies(GROUP, mark, until=TIER_PROMPT)
    assert len(replies) == 1, texts(replies)
    [amount] = press(fake, GROUP, replies[0], "tier:kho-khan", until=AMOUNT_PROMPT)

    mark = fake.mark()
    fake.send_text(GROUP, "100 triệu")  # not a reply to the bot: group chatter
    fake.reply_to(GROUP, amount, "100 triệu")
    [end] = fake.replies(GROUP, mark, until=END_PROMPT)
    mark = fake.mark()
    fake.reply_to(GROUP, end, "15/3/2024")
    [damage] = fake.replies(GROUP, mark, until=DAMAGE_PROMPT)
    assert "17/06/2024" in texts(press(fake, GROUP, damage, "damage:none", until="KẾT QUẢ"))
    assert "03 tháng" in texts(say(fake, GROUP, "/hoi Thời gian thu hồi vốn tối đa là bao lâu?", until="Điều 4"))


def test_a_failed_send_is_retried_not_apologised_for(fake: FakeTelegram, bot: BotProcess) -> None:
    chat = 5550011
    mark = fake.mark()
    fake.fail_next("sendMessage")  # Telegram answers 502 Bad Gateway once
    [help_text] = say(fake, chat, "/help", until="/thuhoi")
    assert "Xin lỗi" not in help_text["text"]
    assert [c.status for c in fake.calls_of("sendMessage", mark)] == [502, 200]
    assert bot.process.poll() is None


def test_invalid_token_is_explained(tmp_path: Path) -> None:
    fake = FakeTelegram()
    try:
        result = subprocess.run([str(SOTAY_BIN), "bot", "--state", str(tmp_path / "s.sqlite")], capture_output=True,
                                timeout=120, env={**os.environ, "TELEGRAM_BOT_TOKEN": "999:WRONG",
                                                  "SOTAY_TELEGRAM_BASE_URL": fake.base_url})
    finally:
        fake.close()
    assert result.returncode == 2
    assert "không chấp nhận mã bot" in result.stderr.decode() and "Traceback" not in result.stderr.decode()
    assert [c.status for c in fake.calls] == [401]


def test_unreachable_telegram_is_explained(tmp_path: Path) -> None:
    result = subprocess.run([str(SOTAY_BIN), "bot", "--state", str(tmp_path / "s.sqlite")], capture_output=True,
                            timeout=120, env={**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN,
                                              "SOTAY_TELEGRAM_BASE_URL": f"http://127.0.0.1:{free_port()}/bot",
                                              "SOTAY_TELEGRAM_RETRY_SECONDS": "2"})  # retried 2 s, not 20
    assert result.returncode == 1
    assert "không kết nối được" in result.stderr.decode() and "Traceback" not in result.stderr.decode()


def test_no_token_explains_botfather_and_chat() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = subprocess.run([str(SOTAY_BIN), "bot"], capture_output=True, timeout=60, env=env)
    assert result.returncode == 2
    message = result.stderr.decode()
    assert "@BotFather" in message and "sotay chat" in message and "TELEGRAM_BOT_TOKEN" in message
    assert "Traceback" not in message


def test_help_names_every_setting_the_bot_reads() -> None:
    result = run_sotay("bot", "--help", env=dict(os.environ))
    out = result.stdout.decode("utf-8")
    assert result.returncode == 0 and "Cách dùng: sotay bot" in out
    for setting in ("TELEGRAM_BOT_TOKEN", "SOTAY_TELEGRAM_BASE_URL", "SOTAY_ALLOWED_CHATS", "SOTAY_ADMINS",
                    "SOTAY_TELEGRAM_RETRY_SECONDS"):
        assert setting in out.split("Biến môi trường:", 1)[1], setting


@pytest.mark.parametrize("args, env, message", [
    (["--listen", "0.0.0.0:8443"], {}, "--listen chỉ dùng cùng với --webhook"),
    (["--webhook", "ftp://x"], {}, "địa chỉ webhook"),
    (["--webhook", "https://x.example/tg", "--listen", "nowhere"], {}, "HOST:PORT"),
    ([], {"SOTAY_ALLOWED_CHATS": "123, abc"}, "SOTAY_ALLOWED_CHATS"),
    ([], {"SOTAY_ADMINS": "5550123, -100999"}, "SOTAY_ADMINS phải là các mã người dùng Telegram (số nguyên dương)"),
    ([], {"SOTAY_TELEGRAM_RETRY_SECONDS": "0"}, "SOTAY_TELEGRAM_RETRY_SECONDS phải là một số dương"),
])
def test_bad_settings_exit_2(args: list[str], env: dict, message: str) -> None:
    result = run_sotay("bot", *args, env={**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, **env})  # in process: it stops
    assert result.returncode == 2 and message in result.stderr.decode()  # before any network call


# -- a restart in the middle of a dialogue -----------------------------------------------
def test_restart_resumes_the_recovery_dialogue(index, tmp_path: Path) -> None:
    fake = FakeTelegram()
    state, log = tmp_path / "state.sqlite", tmp_path / "bot.log"
    chat = 5550020
    try:
        first = BotProcess(fake, state, log)
        [tier] = say(fake, chat, "/thuhoi", until=TIER_PROMPT)
        mark = fake.mark()
        update_id = fake.press(chat, tier, button(tier, "tier:dbkk"))
        fake.replies(chat, mark, until=AMOUNT_PROMPT)
        fake.wait_until(lambda: fake.confirmed_offset() > update_id, 30, "the press to be confirmed")
        first.kill()

        second = BotProcess(fake, state, log)
        [end] = say(fake, chat, "100 triệu", until=END_PROMPT)
        replies = say(fake, chat, "15/3/2024", until=DAMAGE_PROMPT)
        result = texts(press(fake, chat, replies[-1], "damage:none", until="KẾT QUẢ"))
        assert "KHÔNG THU HỒI" in result and "100.000.000 đồng" in result
        assert end["text"].startswith("Dự án kết thúc")
        assert second.stop() == 0, second.log_text()
        assert fake.rejections() == []
    finally:
        fake.close()


# -- webhook mode with an allowlist --------------------------------------------------------
ALLOWED = 5550030
COLLEAGUE = 5550032
STRANGER = 5550031


@pytest.fixture(scope="module")
def webhook(index, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeTelegram, BotProcess, str]]:
    """A webhook-mode bot that serves only chats ``ALLOWED`` and ``COLLEAGUE`` (and a group never used)."""
    server = FakeTelegram()
    folder = tmp_path_factory.mktemp("telegram-webhook")
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram-updates"
    process = BotProcess(server, folder / "state.sqlite", folder / "bot.log", "--webhook", url,
                         "--listen", f"127.0.0.1:{port}", env={"SOTAY_ALLOWED_CHATS": f" {ALLOWED}, {COLLEAGUE},-100999 "})
    server.wait_until(lambda: listening(port), 60, "the webhook server to listen")
    yield server, process, url
    try:
        assert process.stop() == 0, process.log_text()
        assert server.rejections() == []
    finally:
        server.close()


def test_a_slow_question_does_not_hold_up_other_chats(webhook: tuple[FakeTelegram, BotProcess, str]) -> None:
    """Just after start the search index is still loading: a question waits, a greeting does not."""
    fake, _, _ = webhook
    mark = fake.mark()
    fake.send_text(ALLOWED, "Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu?")
    fake.send_text(COLLEAGUE, "/start")
    [greeting] = fake.replies(COLLEAGUE, mark, until="Xin chào")
    answer = fake.replies(ALLOWED, mark, until="Điều 4, khoản 2, điểm b", timeout=FIRST_ANSWER_TIMEOUT)
    order = [c.result["chat"]["id"] for c in fake.calls_of("sendMessage", mark)]
    assert order.index(COLLEAGUE) < order.index(ALLOWED), order
    assert greeting and answer


def test_webhook_is_registered_with_a_secret(webhook: tuple[FakeTelegram, BotProcess, str]) -> None:
    fake, _, url = webhook
    [registered] = fake.calls_of("setWebhook")
    assert registered.params["url"] == url and len(registered.params["secret_token"]) >= 32
    assert "callback_query" in registered.params["allowed_updates"]
    forged = urllib.request.Request(url, data=b'{"update_id": 1}', method="POST",
                                    headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=30)
    assert refused.value.code == 403


def test_allowlist_refuses_other_chats_once(webhook: tuple[FakeTelegram, BotProcess, str]) -> None:
    fake, _, _ = webhook
    assert say(fake, ALLOWED, "/start", until="Xin chào")

    [refusal] = say(fake, STRANGER, "Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu?", until="chỉ phục vụ")
    assert str(STRANGER) in refusal["text"] and "Điều" not in refusal["text"]

    mark = fake.mark()
    fake.send_text(STRANGER, "/thuhoi")
    fake.press(STRANGER, dict(refusal, reply_markup={"inline_keyboard": [[
        {"text": "Khó khăn", "callback_data": "tier:kho-khan"}]]}), "tier:kho-khan")
    fake.send_sticker(STRANGER)
    # the allowed chat is still served, and by then the stranger's updates are long handled
    say(fake, ALLOWED, "Xã khó khăn, hỗ trợ 100 triệu, dự án kết thúc 15/3/2024", until="KẾT QUẢ")
    assert fake.sent(STRANGER, mark) == []
    assert [c.status for c in fake.calls_of("answerCallbackQuery", mark)] == [200]
    assert not [c for c in fake.calls_of("sendChatAction", mark) if int(c.params["chat_id"]) == STRANGER]


# -- the renderer, checked by the fake server's parser ---------------------------------------
def test_split_prefers_paragraphs_then_lines_then_spaces() -> None:
    paragraphs = ["Đoạn một " * 300, "Đoạn hai " * 200, "Đoạn ba."]
    pieces = split_text("\n\n".join(paragraphs), limit=4096)
    assert [p.strip() for p in pieces] == [paragraphs[0].strip(), "\n\n".join(paragraphs[1:]).strip()]

    lines = "\n".join(f"dòng {i} " + " ".join(["chữ"] * 20) for i in range(200))
    pieces = split_text(lines, limit=1000)
    assert all(len(p) <= 1000 for p in pieces) and "\n".join(pieces) == lines.strip()
    assert all(p.startswith("dòng ") for p in pieces)

    words = " ".join(["thu hồi"] * 2000)
    pieces = split_text(words, limit=500)
    assert all(len(p) <= 500 for p in pieces) and " ".join(pieces) == words


def test_split_counts_utf16_and_cuts_only_giant_words() -> None:
    emoji = "🙂" * 3000  # 6000 UTF-16 code units, no space to split at
    pieces = split_text(emoji)
    assert [utf16_length(p) for p in pieces] == [4096, 1904] and "".join(pieces) == emoji
    assert split_text("  \n\n ") == []


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>", "a & b < c > d", "&amp; &lt;b&gt; &#60; &quot;", "Điều 4 «trích» \"x\" 'y'",
    ("<b>" * 2000) + " & " * 2000,
])
def test_html_messages_parse_back_to_the_text(text: str) -> None:
    messages = to_html_messages(text)
    plain = [parse_html(m) for m in messages]
    assert all(entities == [] and utf16_length(p.strip()) <= TEXT_LIMIT for p, entities in plain)
    assert re.sub(r"\s", "", "".join(p for p, _ in plain)) == re.sub(r"\s", "", text)


def test_the_fake_refuses_what_telegram_refuses() -> None:
    for bad in ["a < b", "a & b", "<script>x</script>", "<b>open", "<b><i>x</b></i>", "&nbsp;", "x > y",
                '<span class="nope">x</span>', "<a>x</a>"]:
        with pytest.raises(BadRequest):
            parse_html(bad)
    assert parse_html('<b>Điều</b> &lt;4&gt; <a href="https://x.vn">x</a>')[0] == "Điều <4> x"
