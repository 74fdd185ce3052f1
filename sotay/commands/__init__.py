"""One module per ``sotay`` subcommand, each with ``add_arguments(parser)`` and ``run(args) -> int``.

All argument parsing and printing of the command line lives here; the library folders
(``index/``, ``rules/``, ``bot/``) return values and raise errors with Vietnamese messages.
"""

import argparse
import textwrap

__all__ = ["add_json_option", "examples"]


def examples(command_lines: str, note: str = "") -> str:
    """A subcommand's help epilog: "Ví dụ:" and the example command lines (one a line in
    ``command_lines``; indentation and blank lines around them are ignored) aligned under each
    other, then ``note`` (if any) after a blank line."""
    text = "Ví dụ: " + "\n       ".join(textwrap.dedent(command_lines).strip().splitlines())
    return f"{text}\n\n{note}" if note else text


def add_json_option(parser: argparse.ArgumentParser) -> None:
    """``--json``: print the result as JSON (for other programs) instead of Vietnamese text."""
    parser.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
