"""Vietnamese rendering: money, dates, percentages, quantities and the full human report.

Conventions: ``4.000.000 đồng`` (dot groups thousands), ``dd/mm/yyyy`` dates,
``10%``/``12,5%`` rates and ``1,5`` quantities (comma is the decimal mark).
"""

from __future__ import annotations

import datetime as _dt
import re
import textwrap
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .engine import RecoveryResult

__all__ = [
    "format_vnd",
    "format_date",
    "format_rate",
    "format_number",
    "format_quantity",
    "format_result",
]


def _group(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def format_number(value: Decimal | int) -> str:
    """Vietnamese number: ``1500`` → ``1.500``; ``Decimal("2.5")`` → ``2,5``."""
    number = Decimal(value)
    sign = "-" if number < 0 else ""
    number = abs(number)
    if number == number.to_integral_value():
        return sign + _group(int(number))
    text = format(number.normalize(), "f")
    whole, frac = text.split(".")
    return f"{sign}{_group(int(whole))},{frac}"


def format_vnd(amount: int) -> str:
    """``4000000`` → ``"4.000.000 đồng"``."""
    return f"{format_number(int(amount))} đồng"


def format_date(day: _dt.date) -> str:
    """``date(2024, 6, 17)`` → ``"17/06/2024"``."""
    return day.strftime("%d/%m/%Y")


def format_rate(rate: Decimal) -> str:
    """``Decimal("0.1")`` → ``"10%"``; ``Decimal("0.125")`` → ``"12,5%"``."""
    return f"{format_number(Decimal(rate) * 100)}%"


def format_quantity(quantity: Decimal, unit: str) -> str:
    """``(Decimal("1.5"), "con bò")`` → ``"1,5 con bò"``."""
    return f"{format_number(quantity)} {unit}"


def _wrap(text: str, first: str = "", rest: str | None = None, width: int | None = 88) -> str:
    """Wrap for a terminal, never splitting a number from its unit (``4.000.000 đồng``).

    ``width=None`` leaves the line whole (chat apps wrap for themselves).
    """
    if width is None:
        return first + text
    protected = re.sub(r"(?<=\d) ", "\u00a0", text)
    wrapped = textwrap.fill(
        protected, width=width, initial_indent=first, subsequent_indent=first if rest is None else rest,
        break_long_words=False, break_on_hyphens=False,
    )
    return wrapped.replace("\u00a0", " ")


def format_result(result: "RecoveryResult", width: int | None = 88) -> str:
    """The full Vietnamese report for one project (what, by when, why, who does what next).

    Lines are wrapped at ``width`` characters for a terminal; ``None`` leaves them whole.
    """
    from .inputs import TIER_LABELS
    from .calendar import weekday_vi

    p = result.project
    lines: list[str] = []
    lines.append(f"THU HỒI VỐN HỖ TRỢ PHÁT TRIỂN SẢN XUẤT CỘNG ĐỒNG — {result.document}")
    lines.append("")
    facts = [
        f"Dự án trên {TIER_LABELS[p.tier]}",
        f"vốn hỗ trợ {format_vnd(p.support)}",
        f"kết thúc ngày {format_date(p.end)}",
    ]
    lines.append(_wrap("; ".join(facts) + ".", "", width=width))
    extra: list[str] = []
    if p.in_kind is not None:
        extra.append(f"hỗ trợ bằng hiện vật: {format_quantity(p.in_kind.quantity, p.in_kind.unit)}")
    if p.damage is not None and p.damage > 0:
        extra.append(f"thiệt hại do thiên tai {format_number(p.damage)}%")
    if p.force_majeure:
        extra.append("nguyên nhân bất khả kháng khác làm dự án không có kết quả đầu ra theo kế hoạch")
    if p.damage or p.force_majeure or p.verified:
        extra.append(
            "có biên bản xác nhận của Tổ thẩm định" if p.verified else "chưa có biên bản xác nhận của Tổ thẩm định"
        )
    if extra:
        lines.append(_wrap("Thông tin thêm: " + "; ".join(extra) + ".", "", width=width))
    lines.append("")

    if result.status == "no_recovery":
        lines.append("KẾT QUẢ: KHÔNG THU HỒI — dự án thực hiện trên địa bàn đặc biệt khó khăn.")
    elif result.status == "waived":
        lines.append(
            "KẾT QUẢ: KHÔNG THU HỒI (số phải thu hồi: 0 đồng) — dự án bị thiệt hại/bất khả kháng, "
            "có biên bản xác nhận của Tổ thẩm định."
        )
    else:
        assert result.deadline is not None
        head = (
            f"KẾT QUẢ: Phải thu hồi {format_vnd(result.amount)} ({format_rate(result.rate)} vốn hỗ trợ), "
            f"chậm nhất ngày {format_date(result.deadline)} ({weekday_vi(result.deadline)})"
        )
        if result.status == "extended":
            head += " — đã tính gia hạn tối đa"
        lines.append(head + ".")
        if result.in_kind is not None:
            share = result.in_kind
            lines.append(
                f"  Nếu thu hồi bằng hiện vật: tương đương {format_quantity(share.quantity, share.unit)} "
                f"(trên tổng {format_quantity(share.total_quantity, share.unit)}), "
                f"trị giá {format_vnd(share.value)}."
            )
    if result.status in ("recover", "extended") and result.deadline_unadjusted != result.deadline:
        assert result.deadline_unadjusted is not None and result.deadline is not None
        lines.append(
            f"  (Ngày cuối của thời hạn là {format_date(result.deadline_unadjusted)}, "
            f"{weekday_vi(result.deadline_unadjusted)}, là ngày nghỉ nên chuyển sang ngày làm việc tiếp theo.)"
        )

    if result.warnings:
        lines.append("")
        for warning in result.warnings:
            lines.append(_wrap("LƯU Ý: " + warning, "", width=width))

    lines.append("")
    lines.append("CÁCH TÍNH VÀ CĂN CỨ:")
    for item in result.basis:
        lines.append(_wrap(f"• {item.determines}", "", "  ", width=width))
        lines.append(f"  Căn cứ: {item.citation}")
        lines.append(_wrap(f"“{item.text}”", "    ", width=width))
    lines.append("")
    lines.append("VIỆC CẦN LÀM TIẾP THEO:")
    for i, step in enumerate(result.steps, start=1):
        lines.append(_wrap(f"{i}. {step.who}: {step.what}", "", "   ", width=width))
        lines.append(f"   Căn cứ: {step.citation}")
    lines.append("")
    lines.append(
        _wrap(
            "Kết quả tính theo quy định, dùng để đối chiếu; số vốn phải thu hồi chính thức do cơ quan có "
            "thẩm quyền phê duyệt dự án xác định trong quyết định phê duyệt dự án.",
            "",
            width=width,
        )
    )
    return "\n".join(lines)
