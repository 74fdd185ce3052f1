"""The full Vietnamese report of one recovery result: what, by when, why, and who does what next."""

from __future__ import annotations

import re
import textwrap

from sotay.rules.days_off import weekday_vi
from sotay.rules.engine import RecoveryResult
from sotay.rules.formatting import format_date, format_number, format_quantity, format_rate, format_vnd
from sotay.rules.inputs import TIER_LABELS
from sotay.rules.vocabulary import Status

__all__ = ["format_result"]


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


def format_result(result: RecoveryResult, width: int | None = 88) -> str:
    """The full Vietnamese report for one project (what, by when, why, who does what next).

    Lines are wrapped at ``width`` characters for a terminal; ``None`` leaves them whole.
    """
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

    if result.status is Status.NO_RECOVERY:
        lines.append("KẾT QUẢ: KHÔNG THU HỒI — dự án thực hiện trên địa bàn đặc biệt khó khăn.")
    elif result.status is Status.WAIVED:
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
        if result.status is Status.EXTENDED:
            head += " — đã tính gia hạn tối đa"
        lines.append(head + ".")
        if result.in_kind is not None:
            share = result.in_kind
            lines.append(
                f"  Nếu thu hồi bằng hiện vật: tương đương {format_quantity(share.quantity, share.unit)} "
                f"(trên tổng {format_quantity(share.total_quantity, share.unit)}), "
                f"trị giá {format_vnd(share.value)}."
            )
    if result.status.due and result.deadline_unadjusted != result.deadline:
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
