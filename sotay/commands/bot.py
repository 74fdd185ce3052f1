"""``sotay bot``: the assistant on Telegram (the twin of ``sotay chat``).

Settings come from the environment:

- ``TELEGRAM_BOT_TOKEN`` (required): the token @BotFather gives;
- ``SOTAY_TELEGRAM_BASE_URL``: the Bot API address the token is appended to
  (default ``https://api.telegram.org/bot``), for a self-hosted Bot API server;
  files are downloaded from the matching ``…/file/bot`` address;
- ``SOTAY_ALLOWED_CHATS``: comma-separated chat ids the bot serves; unset or
  blank means every chat;
- ``SOTAY_ADMINS``: comma-separated Telegram user ids allowed to add decisions
  by sending a .docx/.pdf file; unset or blank means nobody;
- ``SOTAY_TELEGRAM_RETRY_SECONDS``: how long one Bot API call is retried on
  network errors and 5xx answers (default 20); at start-up, how long an
  unreachable Telegram is waited for before giving up;
- ``SOTAY_NOW`` (for testing only): ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM``, the
  Vietnam date-time the reminder job believes it is (nothing else reads it).

Updates arrive by long polling unless ``--webhook URL`` is given; the webhook
server then listens on ``--listen HOST:PORT`` (default 127.0.0.1:8443, behind a
reverse proxy that terminates HTTPS). The conversation state is kept in
``<data dir>/telegram_state.sqlite`` (``--state FILE``), so a restarted bot
resumes every conversation; the same file journals each update and its replies,
so a bot killed mid-reply answers the update after the restart (once).

Exit codes: 0 stopped normally, 2 missing or invalid settings (a Vietnamese
message on stderr), 1 Telegram unreachable at start-up.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from sotay import config
from sotay.bot.reminders import clock_from_env
from sotay.bot.retrying_request import DEFAULT_BUDGET
from sotay.bot.telegram_app import DEFAULT_BASE_URL, BotSettings, run_bot
from sotay.commands import examples

NO_TOKEN = """\
Chưa có mã bot Telegram (biến môi trường TELEGRAM_BOT_TOKEN).
Cách lấy mã: trong Telegram, nhắn cho @BotFather, gõ /newbot rồi đặt tên cho bot;
BotFather sẽ gửi lại một mã dạng 123456789:ABCdef... Sau đó chạy:
    TELEGRAM_BOT_TOKEN=<mã của bạn> sotay bot
Muốn dùng thử ngay mà không cần Telegram: gõ 'sotay chat'."""

DEFAULT_LISTEN = ("127.0.0.1", 8443)


SETTINGS_NOTE = """\
Biến môi trường:
  TELEGRAM_BOT_TOKEN            mã bot do @BotFather cấp (bắt buộc)
  SOTAY_TELEGRAM_BASE_URL       địa chỉ Bot API (mặc định https://api.telegram.org/bot)
  SOTAY_ALLOWED_CHATS           các chat id được phục vụ, cách nhau bởi dấu phẩy (để trống: mọi chat)
  SOTAY_ADMINS                  các user id được gửi tệp .docx/.pdf để thêm văn bản (để trống: không ai)
  SOTAY_TELEGRAM_RETRY_SECONDS  số giây thử lại một lệnh gọi Bot API khi lỗi mạng (mặc định 20)"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``sotay bot``; its help ends with the settings it reads from the environment."""
    parser.epilog = examples("""
        TELEGRAM_BOT_TOKEN=123456789:ABCdef... sotay bot
        TELEGRAM_BOT_TOKEN=... sotay bot --webhook https://ten-mien/sotay --listen 127.0.0.1:8443
    """, SETTINGS_NOTE)
    parser.add_argument("--state", metavar="TỆP", type=Path,
                        help="tệp SQLite lưu trạng thái hội thoại và nhật ký tin nhắn (mặc định: telegram_state.sqlite "
                             "trong thư mục dữ liệu SOTAY_DATA)")
    parser.add_argument("--webhook", metavar="URL", type=_webhook_url,
                        help="nhận tin nhắn qua webhook tại địa chỉ công khai URL thay vì long polling")
    parser.add_argument("--listen", metavar="HOST:PORT", type=_host_port,
                        help="địa chỉ máy chủ webhook lắng nghe (mặc định 127.0.0.1:8443; chỉ dùng với --webhook)")


def _webhook_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"địa chỉ webhook phải có dạng https://tên-miền/đường-dẫn, không phải {value!r}")
    return value


def _host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"cần dạng HOST:PORT, ví dụ 0.0.0.0:8443, không phải {value!r}")
    return host.strip("[]"), int(port)


def allowed_chats(value: str | None) -> frozenset[int] | None:
    """Chat ids from ``SOTAY_ALLOWED_CHATS``; None (everyone) when unset or blank.

    Raises ValueError naming the first entry that is not a chat id.
    """
    if not value or not value.strip():
        return None
    return _id_list(value, lambda number: True)


def admins(value: str | None) -> frozenset[int]:
    """User ids from ``SOTAY_ADMINS``; empty (nobody) when unset or blank.

    Raises ValueError naming the first entry that is not a user id (user ids are positive;
    a negative number is a group, which cannot be an administrator).
    """
    if not value or not value.strip():
        return frozenset()
    return _id_list(value, lambda number: number > 0)


IdSet = TypeVar("IdSet", frozenset[int], frozenset[int] | None)


def _id_setting(name: str, parse: Callable[[str | None], IdSet], what: str) -> IdSet:
    """``parse`` of environment variable ``name``; ValueError with a Vietnamese message naming ``what`` it holds."""
    try:
        return parse(os.environ.get(name))
    except ValueError as exc:
        raise ValueError(f"Lỗi: {name} phải là {what} cách nhau bởi dấu phẩy; "
                         f"'{exc}' không phải là mã hợp lệ.") from exc


def _id_list(value: str, valid: Callable[[int], bool]) -> frozenset[int]:
    """The comma-separated integers of ``value``; ValueError(entry) for the first one that is not."""
    ids = set()
    for item in value.split(","):
        item = item.strip()
        try:
            number = int(item)
        except ValueError:
            raise ValueError(item) from None
        if not valid(number):
            raise ValueError(item)
        ids.add(number)
    return frozenset(ids)


def run(args: argparse.Namespace) -> int:
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    if args.listen and not args.webhook:
        print("Lỗi: --listen chỉ dùng cùng với --webhook URL.", file=sys.stderr)
        return 2
    try:
        chats = _id_setting("SOTAY_ALLOWED_CHATS", allowed_chats, "các mã cuộc trò chuyện (số nguyên)")
        admin_ids = _id_setting("SOTAY_ADMINS", admins, "các mã người dùng Telegram (số nguyên dương)")
        clock = clock_from_env()
        retry_seconds = config.positive_setting("SOTAY_TELEGRAM_RETRY_SECONDS", DEFAULT_BUDGET)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2

    from telegram.error import InvalidToken, NetworkError

    settings = BotSettings(
        token=token,
        base_url=os.environ.get("SOTAY_TELEGRAM_BASE_URL") or DEFAULT_BASE_URL,
        state_path=args.state or config.data_dir() / "telegram_state.sqlite",
        allowed_chats=chats,
        admins=admin_ids,
        webhook_url=args.webhook,
        listen=args.listen or DEFAULT_LISTEN,
        now=clock,
        retry_seconds=retry_seconds,
    )
    try:
        run_bot(settings)
    except InvalidToken:
        print("Lỗi: Telegram không chấp nhận mã bot trong TELEGRAM_BOT_TOKEN. "
              "Hãy kiểm tra lại mã (nhắn /mybots cho @BotFather để xem).", file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(f"Lỗi: không kết nối được tới máy chủ Telegram ({exc}). "
              "Hãy kiểm tra mạng hoặc SOTAY_TELEGRAM_BASE_URL rồi chạy lại.", file=sys.stderr)
        return 1
    return 0
