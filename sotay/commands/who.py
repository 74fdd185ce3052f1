"""``sotay who``: what the decisions make a body do, and which bodies have duties.

    sotay who "Sở Tài chính"        duties grouped by decision, chủ trì first, with citations
    sotay who --list                every body found, with its number of duties
    sotay who --json "UBND cấp xã"  the machine contract below

Machine contract (kept exact):
- ``sotay who --json AGENCY`` prints ``{"agency": canonical name, "duties": [{"doc",
  "citation", "role", "text"}, ...]}``;
- for a name that matches no body: ``{"agency": null, "duties": [], "suggestions": [...]}``
  with the closest known names;
- ``sotay who --list --json`` prints ``{"agencies": [{"agency", "duties", "collective",
  "in_gazetteer"}, ...]}``.

Exit codes: 0 answered (an unknown name is an answer too: it says so and suggests names);
2 bad input (no name, an empty, overlong or unreadable name, a name with ``--list``), with
a Vietnamese message on stderr; 1 the corpus or the gazetteer cannot be read. Only the
standard library is imported at module level, and the command never loads the search
stack or the embedding model.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from typing import Any

from sotay.commands import examples
from sotay.index.documents import CorpusError
from sotay.index.duties.gazetteer import GazetteerError, suggest
from sotay.index.duties.records import (
    DutyBook,
    agency_counts,
    duty_book,
    format_duties,
    in_named_provinces,
    no_decisions_of,
)

__all__ = ["add_arguments", "run"]

MAX_NAME_CHARS = 200


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``sotay who``."""
    parser.epilog = examples("""
        sotay who "Sở Tài chính"
        sotay who "ubnd cap xa"
        sotay who --list
        sotay who --json "Sở LĐTBXH"
    """)
    parser.add_argument("agency", nargs="?", metavar="CƠ_QUAN",
                        help="tên cơ quan, có dấu hoặc không dấu, viết tắt được (UBND, Sở LĐTBXH, MTTQ …)")
    parser.add_argument("--list", action="store_true", help="liệt kê mọi cơ quan có nhiệm vụ và số nhiệm vụ")
    parser.add_argument("--json", action="store_true", help="in kết quả dạng JSON (cho chương trình khác)")


class _BadName(ValueError):
    """An unusable agency argument; the message is Vietnamese."""


def _clean_name(raw: str) -> str:
    """The agency name from the command line, or _BadName saying what is wrong with it."""
    if any(0xD800 <= ord(ch) <= 0xDFFF or ch == "\ufffd" for ch in raw) or "\x00" in raw:
        raise _BadName("không đọc được tên cơ quan (không phải văn bản UTF-8).")
    text = unicodedata.normalize("NFC", raw)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in text):
        raise _BadName("tên cơ quan chứa ký tự điều khiển, không đọc được.")
    text = " ".join(text.split())
    if not text:
        raise _BadName("tên cơ quan trống. Ví dụ: sotay who \"Sở Tài chính\"")
    if len(text) > MAX_NAME_CHARS:
        raise _BadName(f"tên cơ quan quá dài ({len(text)} ký tự; tối đa {MAX_NAME_CHARS}).")
    if sum(ch.isalpha() for ch in text) < 2:
        raise _BadName("tên cơ quan phải có chữ, ví dụ: sotay who \"UBND cấp xã\"")
    return text


def _print_json(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _fail(message: str, code: int) -> int:
    print(f"Lỗi: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    """Run ``sotay who``; returns the exit code."""
    if args.list and args.agency is not None:
        return _fail("dùng --list hoặc tên một cơ quan, không dùng cả hai.", 2)
    if not args.list:
        if args.agency is None:
            return _fail("thiếu tên cơ quan. Ví dụ: sotay who \"Sở Tài chính\" hoặc sotay who --list", 2)
        try:
            name = _clean_name(args.agency)
        except _BadName as exc:
            return _fail(str(exc), 2)

    try:
        book = duty_book()
    except (CorpusError, GazetteerError) as exc:
        return _fail(str(exc), 1)
    if args.list:
        return _list(book, args.json)
    return _who(name, book, args.json)


def _who(name: str, book: DutyBook, as_json: bool) -> int:
    agency, found = book.named(name)
    if agency is None:
        suggestions = suggest(name, registry=book.registry)
        if as_json:
            _print_json({"agency": None, "duties": [], "suggestions": suggestions})
        else:
            print(f"Không tìm thấy cơ quan “{name}” trong danh mục và các văn bản.")
            if suggestions:
                print("Có phải bạn muốn tìm: " + "; ".join(suggestions) + "?")
            print("Gõ: sotay who --list để xem các cơ quan có nhiệm vụ.")
        return 0
    found, elsewhere = in_named_provinces(name, found)
    if as_json:
        _print_json({"agency": agency.name, "duties": [d.to_json() for d in found]})
    else:
        print(no_decisions_of(elsewhere) if elsewhere else format_duties(agency, found))
    return 0


def _list(book: DutyBook, as_json: bool) -> int:
    counts = agency_counts(book)
    if as_json:
        _print_json({"agencies": [{"agency": a.name, "duties": n, "collective": a.collective,
                                   "in_gazetteer": a.known} for a, n in counts]})
        return 0
    docs = len({d.doc_id for d in book.duties})
    sections = (
        (f"Các cơ quan có nhiệm vụ trong {docs} văn bản (số nhiệm vụ, kể cả nhiệm vụ chung của nhóm):",
         [c for c in counts if c[0].known and not c[0].collective]),
        ("Nhóm cơ quan (nhiệm vụ chung, áp dụng cho mọi cơ quan thuộc nhóm):",
         [c for c in counts if c[0].collective]),
        ("Chưa có trong danh mục index/agencies.yaml (tìm thấy theo dạng tên; nên bổ sung):",
         [c for c in counts if not c[0].known]),
    )
    blocks = []
    for title, rows in sections:
        if rows:
            blocks.append("\n".join([title, *(f"  {n:3d}  {a.name}" for a, n in rows)]))
    print("\n\n".join(blocks) if blocks else "Không tìm thấy nhiệm vụ nào trong các văn bản.")
    return 0
