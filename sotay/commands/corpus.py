"""``sotay corpus``: add, list and remove decisions of the corpus (the index follows).

    sotay corpus add FILE…      check every file, then add them all (nothing is added if one is rejected)
    sotay corpus list           the decisions, with their ids
    sotay corpus remove ID      remove one decision

The corpus folder is ``SOTAY_CORPUS`` (default: the bundled ``corpus/``), the index lives in
``SOTAY_DATA``. Files are read and indexed in a worker process with limits (``add_worker``:
``SOTAY_ADD_SECONDS``, ``SOTAY_ADD_MEMORY_MB``); every change is one transaction, and questions
asked meanwhile are answered from the live index. ``--json`` prints one object: ``{"added": [AddedDecision…]}``,
``{"decisions": [{"id", "label", "title", "number", "date_text", "issuer", "province"}…],
"warnings": […]}`` or ``{"removed": {…}}``.

Exit codes: 0 done; 2 bad input (a rejected file, an unknown id), with a Vietnamese message on
stderr and nothing changed; 1 internal error. Only the standard library is imported at
module level.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sotay import config
from sotay.commands import add_json_option, examples
from sotay.index import add_worker, corpus_admin
from sotay.index.documents import CorpusError, DocumentMeta, stray_warning
from sotay.text import strip_controls

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``sotay corpus add|list|remove``."""
    parser.epilog = examples("""
        sotay corpus add qd-15-2024.docx qd-16-2024.pdf
        sotay corpus list
        sotay corpus remove binh-thuan-15-2024-qd-ubnd
    """, note=(
        "Thư mục văn bản: biến SOTAY_CORPUS (mặc định: corpus/ đi kèm); chỉ mục: SOTAY_DATA.\n"
        "Tệp được đọc và lập chỉ mục trong một tiến trình riêng, có giới hạn thời gian (SOTAY_ADD_SECONDS, "
        "mặc định 1200 giây) và bộ nhớ (SOTAY_ADD_MEMORY_MB, mặc định 4096); trong lúc đó câu hỏi vẫn được "
        "trả lời từ chỉ mục hiện có. Mỗi lần thêm/gỡ là một giao dịch: nếu bị ngắt giữa chừng, kho văn bản "
        "và chỉ mục giữ nguyên như trước, hoặc được hoàn tất ở lần chạy sau."
    ))
    sub = parser.add_subparsers(dest="action", metavar="VIỆC", parser_class=type(parser))
    add = sub.add_parser("add", help="thêm quyết định (.docx, .pdf, .txt, .md) vào kho và lập chỉ mục",
                         description="Kiểm tra từng tệp rồi thêm tất cả vào kho; nếu một tệp bị từ chối thì "
                                     "không thêm tệp nào. Có thể đặt cạnh tệp một tệp .yaml cùng tên để sửa "
                                     "siêu dữ liệu (id, number, date, title, province …).")
    add.add_argument("files", nargs="+", metavar="TỆP", help="tệp quyết định")
    add_json_option(add)
    listing = sub.add_parser("list", help="liệt kê các quyết định trong kho", description="Liệt kê các quyết định.")
    add_json_option(listing)
    remove = sub.add_parser("remove", help="gỡ một quyết định khỏi kho", description="Gỡ một quyết định theo mã.")
    remove.add_argument("doc_id", metavar="MÃ", help="mã văn bản (xem bằng 'sotay corpus list')")
    add_json_option(remove)
    parser.set_defaults(_corpus_parser=parser)


def _print_json(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _meta_json(meta: DocumentMeta) -> dict[str, Any]:
    return {"id": meta.id, "label": meta.label, "title": meta.title, "number": meta.number,
            "date_text": meta.date_text, "issuer": meta.issuer, "province": meta.province}


def run(args: argparse.Namespace) -> int:
    if not args.action:
        args._corpus_parser.print_help(sys.stderr)
        return 2
    corpus, data = config.corpus_dir(), config.data_dir()
    warning = stray_warning(corpus)
    if warning:
        print(warning, file=sys.stderr)
    try:
        if args.action == "add":
            added = add_worker.add_in_worker([Path(f) for f in args.files], corpus, data, progress=not args.json)
            _print_added(added, args.json)
        elif args.action == "list":
            _print_list(corpus_admin.list_decisions(corpus), args.json, warning)
        else:
            removed = corpus_admin.remove_decision(args.doc_id, corpus, data)
            if args.json:
                _print_json({"removed": _meta_json(removed)})
            else:
                print(f"Đã gỡ {removed.label} (mã {removed.id}) khỏi kho và cập nhật chỉ mục.")
    except (corpus_admin.IngestError, CorpusError, config.SettingError) as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        print("Kho văn bản và chỉ mục không thay đổi.", file=sys.stderr)
        return 2
    return 0


def _say(text: str) -> None:
    """Print a line that may hold text from a decision file, with control characters removed."""
    print(strip_controls(text))


def _print_added(added: list[corpus_admin.AddedDecision], as_json: bool) -> None:
    if as_json:
        _print_json({"added": [asdict(a) for a in added]})
        return
    for a in added:
        verb = "Đã thay thế" if a.replaced else "Đã thêm"
        _say(f"{verb}: {a.label} (mã {a.id})")
        _say(f"  Trích yếu: {a.title}")
        facts = [f"Số {a.number}" if a.number else "chưa rõ số", a.date_text, a.issuer]
        _say("  " + ", ".join(f for f in facts if f))
        _say(f"  Đã lập chỉ mục {a.passages} đoạn trích; tìm thấy {a.duties} nhiệm vụ của các cơ quan.")
        if a.ocr_pages:
            _say("  " + a.ocr_note())


def _print_list(decisions: list[corpus_admin.ListedDecision], as_json: bool, warning: str | None) -> None:
    if as_json:
        _print_json({"decisions": [{**_meta_json(d.meta), "status": d.validity or "còn hiệu lực"} for d in decisions],
                     "warnings": [warning] if warning else []})
        return
    if not decisions:
        _say("Kho văn bản chưa có quyết định nào. Thêm bằng: sotay corpus add <tệp>")
        return
    _say(f"Kho có {len(decisions)} văn bản:")
    for d in decisions:
        _say(f"- {d.meta.id}: {d.meta.label} — {d.meta.title}" + (f" [{d.validity}]" if d.validity else ""))
