"""Driving a real ``sotay bot`` process against ``FakeTelegram``, shared by the Telegram end-to-end tests.

``BotProcess`` starts ``sotay bot`` as a subprocess pointed at the fake server and
waits until it polls (or has set its webhook); ``say`` and ``press`` play a user
and return the bot's replies.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

from conftest import SOTAY_BIN
from fake_telegram import TOKEN, FakeTelegram

FIRST_ANSWER_TIMEOUT = 240  # the first question may load the embedding index on a loaded machine
REPLY_TIMEOUT = 90


class BotProcess:
    """``sotay bot`` as a subprocess talking to ``fake``; started and ready (polling or webhook set)."""

    def __init__(self, fake: FakeTelegram, state: Path, log: Path, *args: str, env: dict | None = None) -> None:
        self.log = log
        mark = fake.mark()
        with log.open("ab") as stderr:
            self.process = subprocess.Popen(
                [str(SOTAY_BIN), "bot", "--state", str(state), *args],
                env={**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "SOTAY_TELEGRAM_BASE_URL": fake.base_url,
                     "HF_HUB_OFFLINE": "1", **(env or {})},
                stdout=subprocess.DEVNULL, stderr=stderr,
            )
        ready = "setWebhook" if "--webhook" in args else "getUpdates"
        fake.wait_until(lambda: any(c.status in (None, 200) for c in fake.calls_of(ready, mark))
                        or self.process.poll() is not None, 120, f"the bot to call {ready}")
        assert self.process.poll() is None, f"the bot exited early:\n{self.log_text()}"

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-5000:]

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; the exit code."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no clean-up of any kind
        self.process.wait(30)


def running_bot(fake: FakeTelegram, folder: Path, env: dict | None = None) -> Iterator[BotProcess]:
    """A fixture body: a bot with its state and log in ``folder``, then stopped with exit code 0."""
    process = BotProcess(fake, folder / "state.sqlite", folder / "bot.log", env=env)
    yield process
    assert process.stop() == 0, process.log_text()


def assert_nothing_refused(fake: FakeTelegram) -> None:
    """Telegram accepted every call the bot made."""
    assert fake.rejections() == [], [(c.method, c.description, c.params) for c in fake.rejections()]


def say(fake: FakeTelegram, chat: int, text: str, until: str | None = None,
        timeout: float = REPLY_TIMEOUT) -> list[dict]:
    """Send ``text`` from ``chat``; the bot's replies (see ``FakeTelegram.replies``)."""
    mark = fake.mark()
    fake.send_text(chat, text)
    return fake.replies(chat, mark, until=until, timeout=timeout)


def button(message: dict, data: str) -> str:
    """The data of the button under ``message`` that is ``data``, or ``data`` plus the step's key
    (a recovery button's data ends with the key of the step that showed it)."""
    buttons = [b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
    found = [b for b in buttons if b == data or b.rsplit(":", 1)[0] == data]
    assert len(found) == 1, (data, buttons)
    return found[0]


def press(fake: FakeTelegram, chat: int, message: dict, data: str, until: str | None = None) -> list[dict]:
    """Press the button carrying ``data`` (see ``button``) under ``message``; the bot's replies."""
    data = button(message, data)
    mark = fake.mark()
    fake.press(chat, message, data)
    return fake.replies(chat, mark, until=until)


def texts(messages: list[dict]) -> str:
    return "\n".join(m["text"] for m in messages)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
