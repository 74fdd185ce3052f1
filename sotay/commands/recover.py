"""``sotay recover``: how much community support is recovered into the revolving fund, and by when.

Machine contract (kept stable for other tools)::

    sotay recover --json --tier {dbkk|kho-khan|con-lai} --amount VND --end DATE
                  [--damage PERCENT] [--force-majeure] [--verified] [--in-kind "10 con bò"]
                  [--province KEY]

prints one JSON object with at least ``tier, rate, support, amount, status,
deadline, deadline_unadjusted, basis, steps`` (see ``RecoveryResult.to_json``).
Without ``--json`` a Vietnamese report is printed. ``--csv FILE [--output OUT]``
processes one project per row (see ``sotay.rules.batch``).

Exit codes: 0 done; 2 bad input (Vietnamese message on stderr, nothing
written); 1 a broken rules file. Only the standard library is imported at
module level; the engine is imported when the command runs.
"""

from __future__ import annotations

import argparse
import json
import sys

from sotay.commands import examples
from sotay.rules.batch import run_batch
from sotay.rules.engine import compute
from sotay.rules.inputs import InputError
from sotay.rules.params import RulesFileError
from sotay.rules.report import format_result

__all__ = ["add_arguments", "run"]

_SINGLE_OPTIONS = ("tier", "amount", "end", "damage", "in_kind")
_SINGLE_FLAGS = ("force_majeure", "verified")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``sotay recover``."""
    parser.epilog = examples("""
        sotay recover --tier kho-khan --amount 40.000.000 --end 15/03/2024
        sotay recover --json --tier con-lai --amount 20000000 --end 2024-05-31 --in-kind "10 con bò"
        sotay recover --csv duan.csv --output ketqua.csv
    """)
    one = parser.add_argument_group("Một dự án")
    one.add_argument(
        "--tier",
        metavar="ĐỊA_BÀN",
        help="địa bàn thực hiện dự án: dbkk (đặc biệt khó khăn), kho-khan (khó khăn), con-lai (còn lại)",
    )
    one.add_argument("--amount", metavar="ĐỒNG", help="vốn hỗ trợ (đồng), ví dụ 40000000 hoặc 40.000.000")
    one.add_argument(
        "--end", metavar="NGÀY", help="ngày kết thúc dự án: 15/03/2024, 15/3/2024 hoặc 2024-03-15"
    )
    one.add_argument(
        "--damage", metavar="PHẦN_TRĂM", help="mức thiệt hại do thiên tai (%%, 0–100; 0 = không thiệt hại)"
    )
    one.add_argument(
        "--force-majeure",
        action="store_true",
        help="dự án gặp nguyên nhân bất khả kháng khác dẫn đến không có kết quả đầu ra theo kế hoạch",
    )
    one.add_argument(
        "--verified",
        action="store_true",
        help="có biên bản xác nhận của Tổ thẩm định do UBND cấp huyện thành lập",
    )
    one.add_argument("--in-kind", metavar="HIỆN_VẬT", help="hỗ trợ bằng hiện vật, ví dụ \"10 con bò\", \"2,5 tấn\"")
    one.add_argument("--json", action="store_true", help="in kết quả dạng JSON (cho chương trình khác)")
    many = parser.add_argument_group("Nhiều dự án (tệp CSV)")
    many.add_argument("--csv", metavar="TỆP", help="tệp CSV, mỗi dòng một dự án (cột tier, amount, end, ...)")
    many.add_argument("--output", metavar="TỆP", help="tệp CSV kết quả (mặc định: in ra màn hình)")
    parser.add_argument(
        "--province",
        metavar="TỈNH",
        help="áp dụng quy định của tỉnh nào, ví dụ ninh_thuan (mặc định: tỉnh duy nhất có tệp quy định; "
        "nếu có nhiều tỉnh thì phải chọn)",
    )


def _fail(message: str, code: int = 2) -> int:
    print(f"Lỗi: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    """Run ``sotay recover``; returns the exit code (0, 1 or 2)."""
    try:
        if args.csv is not None:
            given = [f"--{n.replace('_', '-')}" for n in _SINGLE_OPTIONS if getattr(args, n) is not None]
            given += [f"--{n.replace('_', '-')}" for n in _SINGLE_FLAGS if getattr(args, n)]
            if args.json:
                given.append("--json")
            if given:
                return _fail(
                    f"khi dùng --csv không ghi kèm {', '.join(given)}; thông tin từng dự án nằm trong tệp CSV."
                )
            return run_batch(args.csv, args.output, province=args.province)

        if args.output is not None:
            return _fail("--output chỉ dùng cùng --csv.")
        missing = [f"--{n}" for n in ("tier", "amount", "end") if getattr(args, n) is None]
        if missing:
            return _fail(
                f"thiếu {', '.join(missing)}. Ví dụ: sotay recover --tier kho-khan --amount 40000000 "
                "--end 15/03/2024"
            )
        result = compute(
            args.tier,
            args.amount,
            args.end,
            damage=args.damage,
            force_majeure=args.force_majeure,
            verified=args.verified,
            in_kind=args.in_kind,
            province=args.province,
        )
    except InputError as exc:
        return _fail(exc.message)
    except RulesFileError as exc:
        return _fail(f"tệp quy định bị lỗi — {exc.message} Vui lòng báo cho quản trị viên.", 1)

    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_result(result))
    return 0
