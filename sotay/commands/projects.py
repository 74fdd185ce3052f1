"""``sotay projects``: the commune's register of projects to recover (add, due, paid, list, remove, export, import).

Machine contract (kept stable for other tools)::

    sotay projects add --json --name NAME --tier {dbkk|kho-khan|con-lai} --amount N --end DATE
                       [--damage P] [--force-majeure] [--verified] [--in-kind Q --unit U] [--note TEXT]
        -> {"id", "name", "tier", "support", "amount", "status", "deadline", "paid", "overdue", "remaining", …}
    sotay projects due --json [--as-of DATE] [--within DAYS]      (DAYS default 30, DATE default today)
        -> {"as_of": "YYYY-MM-DD", "within": DAYS, "projects": [{… "days_left", "overdue"}, …]} by deadline
    sotay projects paid ID --json [--date DATE] [--amount N]     -> the project object
    sotay projects list --json                                    -> {"projects": […]}
    sotay projects remove ID [--json]                             -> {"removed": ID}
    sotay projects export FILE.xlsx [--as-of DATE]
    sotay projects import FILE.xlsx|FILE.csv [--json]             -> {"added": […]}

``status`` and ``deadline`` are exactly those of ``sotay recover --json`` (the rules engine
computes them when the project is added); ``amount`` is the amount to recover, ``paid`` what
was paid so far (null before any payment), ``remaining`` the rest. The register is
``<SOTAY_DATA>/register.sqlite`` (see ``sotay.rules.register``).

Exit codes: 0 done; 2 bad input (the same Vietnamese "Lỗi: …" messages as ``sotay recover``, an
unknown id, a file with bad rows — each listed), nothing written; 1 a broken rules file or a damaged
or locked register file.
Nothing heavy is imported (openpyxl only by export/import).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import re
import sqlite3
import sys
from typing import Any

from sotay.commands import add_json_option, examples
from sotay.rules.formatting import format_date, format_vnd
from sotay.rules.inputs import TIER_LABELS, InputError, parse_date
from sotay.rules.params import RulesFileError
from sotay.rules.register import (
    Register,
    RegisteredProject,
    default_path,
    parse_paid_amount,
    parse_project_id,
    prepare,
)
from sotay.rules.register_sheet import SheetRejected, export_xlsx, read_projects
from sotay.rules.vocabulary import Status

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``sotay projects add|due|paid|list|remove|export|import``."""
    parser.epilog = examples("""
        sotay projects add --name "Nuôi bò thôn 2" --tier kho-khan --amount 40000000 --end 30/11/2023
        sotay projects due --within 30
        sotay projects paid 3 --amount 2000000 --date 15/01/2024
        sotay projects export soduan.xlsx
    """, note="Sổ dự án lưu trong SOTAY_DATA/register.sqlite.")
    kind = type(parser)
    sub = parser.add_subparsers(dest="action", metavar="VIỆC", parser_class=kind)

    add = sub.add_parser("add", help="thêm một dự án vào sổ (tính số phải thu hồi và thời hạn)",
                         description="Thêm một dự án; số phải thu hồi, trạng thái và thời hạn do bộ quy tắc tính.")
    add.add_argument("--name", metavar="TÊN", help="tên dự án")
    add.add_argument("--tier", metavar="ĐỊA_BÀN", help="dbkk (đặc biệt khó khăn), kho-khan (khó khăn), con-lai (còn lại)")
    add.add_argument("--amount", metavar="ĐỒNG", help="vốn hỗ trợ (đồng), ví dụ 40000000 hoặc 40.000.000")
    add.add_argument("--end", metavar="NGÀY", help="ngày kết thúc dự án: 2024-03-15 hoặc 15/03/2024")
    add.add_argument("--damage", metavar="PHẦN_TRĂM", help="mức thiệt hại do thiên tai (%%, 0–100)")
    add.add_argument("--force-majeure", action="store_true", help="gặp nguyên nhân bất khả kháng khác")
    add.add_argument("--verified", action="store_true", help="có biên bản xác nhận của Tổ thẩm định cấp huyện")
    add.add_argument("--in-kind", metavar="SỐ_LƯỢNG", help="hỗ trợ bằng hiện vật: số lượng, ví dụ 10 hoặc 2,5")
    add.add_argument("--unit", metavar="ĐƠN_VỊ", help="đơn vị của hiện vật, ví dụ \"con bò\", \"tấn\"")
    add.add_argument("--note", metavar="GHI_CHÚ", help="ghi chú")
    add_json_option(add)

    due = sub.add_parser("due", help="các dự án sắp đến hạn hoặc quá hạn thu hồi",
                         description="Dự án còn phải thu hồi có hạn trong số ngày tới (kể cả đã quá hạn).")
    due.add_argument("--as-of", metavar="NGÀY", help="tính đến ngày (mặc định: hôm nay)")
    due.add_argument("--within", metavar="SỐ_NGÀY", default="30", help="trong bao nhiêu ngày tới (mặc định 30)")
    add_json_option(due)

    paid = sub.add_parser("paid", help="ghi nhận dự án đã nộp (toàn bộ hoặc một phần)",
                          description="Ghi nhận khoản nộp; không ghi --amount là nộp đủ số còn lại.")
    paid.add_argument("project_id", metavar="SỐ", help="số hiệu dự án (xem bằng 'sotay projects list')")
    paid.add_argument("--date", metavar="NGÀY", help="ngày nộp (mặc định: hôm nay)")
    paid.add_argument("--amount", metavar="ĐỒNG", help="số tiền nộp lần này (mặc định: toàn bộ số còn lại)")
    add_json_option(paid)

    listing = sub.add_parser("list", help="liệt kê các dự án trong sổ", description="Liệt kê các dự án trong sổ.")
    listing.add_argument("--as-of", metavar="NGÀY", help="tính quá hạn đến ngày (mặc định: hôm nay)")
    add_json_option(listing)

    remove = sub.add_parser("remove", help="xóa một dự án khỏi sổ", description="Xóa một dự án khỏi sổ.")
    remove.add_argument("project_id", metavar="SỐ", help="số hiệu dự án")
    add_json_option(remove)

    export = sub.add_parser("export", help="xuất sổ ra tệp Excel (.xlsx)",
                            description="Xuất sổ ra tệp Excel: mỗi dự án một dòng, có dòng tổng cộng.")
    export.add_argument("file", metavar="TỆP.xlsx", help="tệp Excel sẽ ghi")
    export.add_argument("--as-of", metavar="NGÀY", help="đánh dấu quá hạn tính đến ngày (mặc định: hôm nay)")

    imp = sub.add_parser("import", help="nhập dự án từ tệp Excel (.xlsx) hoặc CSV UTF-8",
                         description="Nhập dự án từ tệp cùng mẫu với tệp xuất; một dòng lỗi thì không nhập gì.")
    imp.add_argument("file", metavar="TỆP", help="tệp .xlsx hoặc .csv")
    add_json_option(imp)
    parser.set_defaults(_projects_parser=parser)


def _fail(message: str, code: int = 2) -> int:
    print(f"Lỗi: {message}", file=sys.stderr)
    return code


def _print_json(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _day(value: str | None, field: str, today: _dt.date) -> _dt.date:
    return today if value is None else parse_date(value, today=today, field=field)


MAX_WITHIN_DAYS = 3660  # ten years: the largest --within


def _within(value: str) -> int:
    text = str(value).strip()
    if not re.fullmatch(r"[0-9]{1,5}", text) or int(text) > MAX_WITHIN_DAYS:
        raise InputError(
            f"Số ngày --within không hợp lệ: “{text[:20]}” (số nguyên từ 0 đến {MAX_WITHIN_DAYS}, ví dụ 30).",
            "within",
        )
    return int(text)


def _line(p: RegisteredProject, as_of: _dt.date) -> str:
    """One Vietnamese line about a project."""
    head = f"[{p.id}] {p.name} — {TIER_LABELS[p.tier]}, vốn hỗ trợ {format_vnd(p.support)}"
    if p.status is Status.NO_RECOVERY:
        return f"{head}: không thu hồi."
    if p.status is Status.WAIVED:
        return f"{head}: được miễn thu hồi."
    tail = f"phải thu hồi {format_vnd(p.amount)}, hạn {p.deadline_text}"
    if p.status is Status.EXTENDED:
        tail += " (đã gia hạn)"
    if p.remaining == 0:
        return f"{head}: {tail}; đã nộp đủ ngày {format_date(p.paid_date)}." if p.paid_date else f"{head}: {tail}."
    if p.paid:
        tail += f"; đã nộp {format_vnd(p.paid)}, còn {format_vnd(p.remaining)}"
    days = p.days_left(as_of)
    if days is not None and p.is_overdue(as_of):
        tail += f" — QUÁ HẠN {-days} ngày"
    elif days is not None:
        tail += f" — còn {days} ngày"
    return f"{head}: {tail}."


def _added_text(p: RegisteredProject) -> str:
    what = p.obligation()
    return f"Đã thêm dự án số {p.id} “{p.name}”: {what}. Căn cứ: {p.basis}."


def _in_kind(args: argparse.Namespace) -> str | None:
    if args.unit is not None and args.in_kind is None:
        raise InputError("Có --unit nhưng thiếu --in-kind (số lượng hiện vật).", "in_kind")
    if args.in_kind is None:
        return None
    return f"{args.in_kind} {args.unit}" if args.unit is not None else args.in_kind


def _add(args: argparse.Namespace, today: _dt.date) -> int:
    missing = [f"--{n}" for n in ("name", "tier", "amount", "end") if getattr(args, n) is None]
    if missing:
        return _fail(
            f"thiếu {', '.join(missing)}. Ví dụ: sotay projects add --name \"Nuôi bò thôn 2\" --tier kho-khan "
            "--amount 40000000 --end 15/03/2024"
        )
    project = prepare(
        args.name, args.tier, args.amount, args.end, damage=args.damage, force_majeure=args.force_majeure,
        verified=args.verified, in_kind=_in_kind(args), note=args.note,
    )
    with Register() as reg:
        stored = reg.add(project, added_by="cli")
    if args.json:
        _print_json(stored.to_json(today))
    else:
        print(_added_text(stored))
    return 0


def _due(args: argparse.Namespace, today: _dt.date) -> int:
    as_of = _day(args.as_of, "as_of", today)
    within = _within(args.within)
    with Register() as reg:
        found = reg.due(as_of, within)
    if args.json:
        _print_json({"as_of": as_of.isoformat(), "within": within,
                     "projects": [p.to_json(as_of, with_days_left=True) for p in found]})
        return 0
    if not found:
        print(f"Không có dự án nào đến hạn thu hồi trong {within} ngày tính từ {format_date(as_of)}.")
        return 0
    overdue = sum(p.is_overdue(as_of) for p in found)
    print(f"{len(found)} dự án phải thu hồi đến {format_date(as_of + _dt.timedelta(days=within))} "
          f"(tính từ {format_date(as_of)}; {overdue} dự án đã quá hạn):")
    for p in found:
        print("  " + _line(p, as_of))
    return 0


def _paid(args: argparse.Namespace, today: _dt.date) -> int:
    project_id = parse_project_id(args.project_id)
    day = _day(args.date, "paid_date", today)
    amount = None if args.amount is None else parse_paid_amount(args.amount)
    with Register() as reg:
        p = reg.pay(project_id, day, amount)
    if args.json:
        _print_json(p.to_json(today))
    elif p.remaining:
        print(f"Đã ghi nhận dự án số {p.id} “{p.name}” nộp ngày {format_date(day)}; đã nộp {format_vnd(p.paid or 0)}, "
              f"còn phải nộp {format_vnd(p.remaining)} (hạn {p.deadline_text}).")
    else:
        print(f"Đã ghi nhận dự án số {p.id} “{p.name}” đã nộp đủ {format_vnd(p.amount)} (ngày {format_date(day)}).")
    return 0


def _all_projects(args: argparse.Namespace, today: _dt.date) -> tuple[_dt.date, list[RegisteredProject]]:
    """The ``--as-of`` day (default ``today``) and every project of the register."""
    as_of = _day(args.as_of, "as_of", today)
    with Register() as reg:
        return as_of, reg.all()


def _list(args: argparse.Namespace, today: _dt.date) -> int:
    as_of, projects = _all_projects(args, today)
    if args.json:
        _print_json({"projects": [p.to_json(as_of) for p in projects]})
    elif not projects:
        print("Sổ chưa có dự án nào. Thêm bằng: sotay projects add --name … --tier … --amount … --end …")
    else:
        print(f"Sổ có {len(projects)} dự án (tính đến {format_date(as_of)}):")
        for p in projects:
            print("  " + _line(p, as_of))
    return 0


def _remove(args: argparse.Namespace, today: _dt.date) -> int:
    project_id = parse_project_id(args.project_id)
    with Register() as reg:
        removed = reg.remove(project_id)
    if args.json:
        _print_json({"removed": removed.id})
    else:
        print(f"Đã xóa dự án số {removed.id} “{removed.name}” khỏi sổ.")
    return 0


def _export(args: argparse.Namespace, today: _dt.date) -> int:
    as_of, projects = _all_projects(args, today)
    path = export_xlsx(projects, args.file, as_of)
    print(f"Đã xuất {len(projects)} dự án ra tệp “{path}”.")
    return 0


def _import(args: argparse.Namespace, today: _dt.date) -> int:
    try:
        projects = read_projects(args.file, today=today)
    except SheetRejected as exc:
        for number, reason in exc.rows:
            print(f"Lỗi: dòng {number}: {reason}", file=sys.stderr)
        return _fail(exc.message)
    with Register() as reg:
        added = reg.add_many(projects, added_by="import")
    if args.json:
        _print_json({"added": [p.to_json(today) for p in added]})
    else:
        print(f"Đã thêm {len(added)} dự án từ tệp “{args.file}” (số {added[0].id}–{added[-1].id}).")
    return 0


_ACTIONS = {"add": _add, "due": _due, "paid": _paid, "list": _list, "remove": _remove,
            "export": _export, "import": _import}


def run(args: argparse.Namespace) -> int:
    """Run ``sotay projects …``; returns the exit code (0, 1 or 2)."""
    if not args.action:
        args._projects_parser.print_help(sys.stderr)
        return 2
    today = _dt.date.today()
    try:
        return _ACTIONS[args.action](args, today)
    except InputError as exc:
        return _fail(exc.message)
    except RulesFileError as exc:
        return _fail(f"tệp quy định bị lỗi — {exc.message} Vui lòng báo cho quản trị viên.", 1)
    except sqlite3.DatabaseError as exc:  # a damaged or locked register file: nothing was changed
        return _fail(
            f"không mở được sổ dự án “{default_path()}” ({exc}). Sổ không bị thay đổi; "
            "vui lòng thử lại hoặc báo cho quản trị viên.",
            1,
        )
