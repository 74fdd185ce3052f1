"""``sotay ask``: answer questions from the decisions (human or JSON output).

Machine contract (kept exact):
- ``sotay ask --json "q"`` prints one JSON object;
- ``sotay ask --jsonl`` reads one question per line on stdin and prints one JSON
  object per line, in order, loading the index once;
each object is ``{"question", "answered", "answer", "sources": [{"doc",
"citation", "text", "score"}, ...]}``. In ``--jsonl`` mode an unusable line
yields an object with ``answered: false`` and the Vietnamese reason.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from sotay.index.answer import Answer, QuestionError, answer_question, validate_question
from sotay.index.decision import Status
from sotay.index.search.hybrid import HybridIndex, open_index


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question", nargs="?", metavar="CÂU_HỎI", help="câu hỏi (có dấu hoặc không dấu)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="in một đối tượng JSON")
    mode.add_argument("--jsonl", action="store_true", help="đọc mỗi dòng stdin một câu hỏi, in mỗi dòng một JSON")


def _print_json(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    if args.jsonl:
        if args.question:
            print("Lỗi: với --jsonl, câu hỏi được đọc từ stdin, không truyền trên dòng lệnh.", file=sys.stderr)
            return 2
        index = _open()
        for raw in sys.stdin.buffer:
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            try:
                _print_json(answer_question(index, line).to_json())
            except QuestionError as exc:
                _print_json(Answer(line, Status.NOT_FOUND, str(exc)).to_json())
        return 0

    if args.question is None:
        print("Lỗi: thiếu câu hỏi. Ví dụ: sotay ask \"Tỷ lệ thu hồi vốn ở địa bàn khó khăn?\"", file=sys.stderr)
        return 2
    try:
        validate_question(args.question)
    except QuestionError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2
    answer = answer_question(_open(), args.question)
    if args.json:
        _print_json(answer.to_json())
    else:
        print(answer.answer)
    return 0


def _open() -> HybridIndex:
    return open_index(progress=True)
