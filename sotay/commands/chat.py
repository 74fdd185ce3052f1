"""``sotay chat``: the dialogue in the terminal, with no token and no network.

On a terminal it shows a prompt; when stdin is piped, each line is one message
and the replies are printed in order, each message's replies followed by a
line "────" (scripts and tests use this). Buttons are
shown numbered; typing the number presses the button. The conversation state is
kept in memory unless ``--state FILE`` asks for a durable SQLite file.

The terminal's chat id is ``"cli"``: a result saved with "Lưu vào sổ theo dõi" goes into the
same register as ``sotay projects`` (``<data dir>/register.sqlite``). A reply carrying a file
(/baocao: the register as .xlsx) is written to the current directory (or, if that cannot be
written, the data directory) and the path is printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sotay import config
from sotay.bot.dialogue import Dialogue
from sotay.bot.replies import Attachment, Button, Reply
from sotay.bot.services import Services
from sotay.bot.state import StateStore
from sotay.rules.register import DEFAULT_CHAT

CHAT_ID = DEFAULT_CHAT  # the terminal shares the command line's register

TERMINAL_WIDTH = 88  # reports are wrapped for a terminal; Telegram wraps for itself
SEPARATOR = "────"  # printed after each message's replies when stdin is piped


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state", metavar="TỆP", help="lưu trạng thái hội thoại vào tệp SQLite (mặc định: trong bộ nhớ)")


def save_attachment(document: Attachment, folders: list[Path] | None = None) -> Path:
    """Write ``document`` into the first folder that accepts it (current directory, then the data
    directory); its path. Raises OSError when none does."""
    error: OSError | None = None
    for folder in folders or [Path.cwd(), config.data_dir()]:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / Path(document.file_name).name
            target.write_bytes(document.content)
            return target.resolve()
        except OSError as exc:
            error = exc
    assert error is not None  # the loop ran at least once and every try failed
    raise error


def _render(reply: Reply, first: int = 1) -> str:
    """The reply as terminal text; its buttons are numbered from ``first`` (numbers run on across the
    replies to one message, so typing a number presses exactly the button shown with it)."""
    lines = [reply.text]
    if reply.document is not None:
        try:
            lines.append(f"Đã ghi tệp: {save_attachment(reply.document)}")
        except OSError as exc:
            lines.append(f"Không ghi được tệp {reply.document.file_name}: {exc.strerror or exc}.")
    flat = [b for row in reply.buttons for b in row]
    if flat:
        lines.append("  ".join(f"[{i}] {b.label}" for i, b in enumerate(flat, first)))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    interactive = sys.stdin.isatty()
    dialogue = Dialogue(StateStore(args.state or ":memory:"), Services(progress=True, width=TERMINAL_WIDTH))
    if interactive:
        print("Sổ tay xã — gõ câu hỏi (Ctrl+D để thoát, /help để xem hướng dẫn).")
    buttons: list[Button] = []
    while True:
        try:
            line = input("Bạn: ") if interactive else sys.stdin.buffer.readline().decode("utf-8", errors="replace")
        except EOFError:
            break
        if not interactive and not line:
            break
        text = line.rstrip("\r\n")
        if text.strip().isdigit() and 1 <= int(text.strip()) <= len(buttons):
            replies = dialogue.press(CHAT_ID, buttons[int(text.strip()) - 1].data)
        else:
            replies = dialogue.handle(CHAT_ID, text)
        buttons = [b for reply in replies for row in reply.buttons for b in row]
        numbered = 1
        for reply in replies:
            print(("Sổ tay: " if interactive else "") + _render(reply, numbered), flush=True)
            numbered += sum(len(row) for row in reply.buttons)
        if not interactive:
            print(SEPARATOR, flush=True)
    return 0
