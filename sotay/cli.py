"""The ``sotay`` console command: dispatch only, one subcommand per job.

Each subcommand is a module of ``sotay.commands`` exposing ``add_arguments(parser)``
and ``run(args) -> int``. Only the module of the subcommand being run is imported
(all of them for ``sotay --help``), so ``sotay recover`` never loads the search stack.

Exit codes: 0 success, 2 bad input or usage (with a Vietnamese message on
stderr), 1 an unexpected internal error (logged, no traceback shown).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

# name -> (module implementing it, Vietnamese one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "ask": ("sotay.commands.ask", "Hỏi đáp: trích dẫn điều khoản trả lời câu hỏi"),
    "recover": ("sotay.commands.recover", "Tính số vốn thu hồi và thời hạn thu hồi"),
    "projects": ("sotay.commands.projects", "Sổ dự án thu hồi vốn: thêm, đến hạn, đã nộp, xuất/nhập Excel"),
    "who": ("sotay.commands.who", "Tra cứu trách nhiệm của một cơ quan"),
    "corpus": ("sotay.commands.corpus", "Quản lý kho văn bản: thêm, liệt kê, gỡ quyết định"),
    "chat": ("sotay.commands.chat", "Trò chuyện với trợ lý ngay trong cửa sổ lệnh (không cần Telegram)"),
    "bot": ("sotay.commands.bot", "Chạy trợ lý trên Telegram (cần TELEGRAM_BOT_TOKEN)"),
}

log = logging.getLogger("sotay")


class VietnameseHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's help layout (descriptions and examples kept as written) with a Vietnamese "usage" line."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "Cách dùng: " if prefix is None else prefix)


class VietnameseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser that speaks Vietnamese: help, section titles and usage errors (exit code 2)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # argparse's signature
        kwargs.setdefault("formatter_class", VietnameseHelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "tham số"
        self._optionals.title = "tùy chọn"
        self.add_argument("-h", "--help", action="help", help="xem hướng dẫn này rồi thoát")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"Lỗi: tham số không hợp lệ ({_in_vietnamese(message)}).\n"
                     f"Gõ '{self.prog} --help' để xem hướng dẫn.\n")


# argparse's own error messages, in Vietnamese (the rest of the text is kept as is).
_ARGPARSE_MESSAGES = (
    ("unrecognized arguments:", "không nhận ra tham số:"),
    ("the following arguments are required:", "thiếu tham số bắt buộc:"),
    ("invalid choice:", "lựa chọn không hợp lệ:"),
    ("choose from", "chọn một trong"),
    ("expected one argument", "cần một giá trị"),
    ("not allowed with argument", "không dùng cùng với tham số"),
    ("ignored explicit argument", "không nhận giá trị"),
    ("argument ", "tham số "),
)


def _in_vietnamese(message: str) -> str:
    for english, vietnamese in _ARGPARSE_MESSAGES:
        message = message.replace(english, vietnamese)
    return message


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command-line parser; with ``only``, just that subcommand gets its options (and its module imported)."""
    parser = VietnameseArgumentParser(
        prog="sotay",
        description="Sổ tay xã — trợ lý tra cứu quyết định của tỉnh cho cán bộ xã.",
    )
    sub = parser.add_subparsers(dest="command", metavar="LỆNH", parser_class=VietnameseArgumentParser)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if only is None or name == only:
            module = importlib.import_module(module_name)
            module.add_arguments(p)
            p.set_defaults(_run=module.run)
    return parser


def _subcommand(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (its first word not starting with "-"), if it is one of ours."""
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in SUBCOMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_subcommand(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception:  # the last line of defence: never show a traceback to a user
        log.debug("unexpected error", exc_info=True)
        log.error("lỗi nội bộ", exc_info=logging.getLogger().isEnabledFor(logging.DEBUG))
        print("Xin lỗi, đã có lỗi nội bộ. Vui lòng thử lại hoặc báo cho quản trị viên.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
