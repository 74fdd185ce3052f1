"""The recovery calculation: pure functions from a project and a regulation to a result.

Contract (no model, no I/O beyond reading the rules files; the same input
always gives the same output):

* ``rate`` = the tier's rate in force on the project end date (Điều 4 khoản 2).
* status:

  - ``no_recovery`` — the tier's rate is 0 (địa bàn đặc biệt khó khăn):
    amount 0, no deadline; damage/force-majeure inputs change nothing.
  - ``waived`` — natural-disaster damage ≥ threshold (30%) *or* another force
    majeure leaving the project with no planned output, **with** the district
    appraisal team's record (``verified``): amount 0, no deadline
    (Điều 4 khoản 4 điểm b).
  - ``extended`` — 0 < damage < threshold **with** the record: the normal
    amount, and the deadline is the latest allowed: the recovery period plus
    the maximum extension (3 + 12 = 15 months) counted from the project end
    as one period (Điều 4 khoản 4 điểm a; Civil Code Art. 147–148), then moved
    to a working day. Counting 15 months from the end (rather than 12 months
    from an already clamped 3-month date) keeps e.g. 30/11/2022 → 29/02/2024.
  - ``recover`` — everything else: the normal amount by the end of the
    recovery period (3 months), moved to a working day. When damage or force
    majeure is given *without* the record, a warning says that neither
    extension nor waiver applies.

* ``amount`` = round_half_up(support × rate) in whole đồng for ``recover`` and
  ``extended``; 0 otherwise.
* In-kind support ``"10 con bò"``: the recovered share as a quantity
  (total × rate, 0 when nothing is recovered) next to its value (= amount).
* Every figure is explained by a :class:`BasisItem` naming its clause and
  quoting it; the follow-up :class:`Step` list comes from the regulation file.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sotay.rules import days_off as cal
from sotay.rules.formatting import format_date, format_number, format_quantity, format_rate, format_vnd
from sotay.rules.inputs import (
    TIER_LABELS,
    InKind,
    parse_amount,
    parse_bool,
    parse_damage,
    parse_date,
    parse_in_kind,
    parse_tier,
)
from sotay.rules.params import Regulation, TimeRules, load_time_rules, select_regulation

__all__ = [
    "Project",
    "BasisItem",
    "Step",
    "InKindShare",
    "RecoveryResult",
    "make_project",
    "evaluate",
    "compute",
    "round_half_up",
]

_QUANTITY_PLACES = Decimal("0.000001")


def round_half_up(value: Decimal) -> int:
    """Round to whole đồng, halves up (``Decimal`` ``ROUND_HALF_UP``)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _number(value: Decimal) -> int | float:
    """JSON number: an int when integral, else a float."""
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class Project:
    """Validated input for one project."""

    tier: str
    support: int
    end: _dt.date
    damage: Decimal | None = None
    force_majeure: bool = False
    verified: bool = False
    in_kind: InKind | None = None


@dataclass(frozen=True)
class _Record:
    """A dataclass of plain text fields whose JSON form is its fields as they are."""

    def to_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class BasisItem(_Record):
    """One justification: the clause (full citation), its quoted text and what it determined.

    ``kind`` is one of ``rate``, ``form``, ``amount``, ``period``, ``extension``,
    ``waiver``, ``warning``, ``in_kind``, ``time_counting``, ``procedure``.
    """

    citation: str
    text: str
    determines: str
    kind: str


@dataclass(frozen=True)
class Step(_Record):
    """A follow-up step: who does what, under which clause."""

    who: str
    what: str
    citation: str
    text: str


@dataclass(frozen=True)
class InKindShare:
    """The recovered share of in-kind support, as a quantity and as a value (đồng)."""

    quantity: Decimal
    unit: str
    total_quantity: Decimal
    value: int

    def to_json(self) -> dict[str, Any]:
        return {
            "quantity": _number(self.quantity),
            "unit": self.unit,
            "total_quantity": _number(self.total_quantity),
            "value": self.value,
        }


@dataclass(frozen=True)
class RecoveryResult:
    """Everything computed for one project; :meth:`to_json` is the machine contract."""

    province: str
    province_name: str
    document: str
    project: Project
    rate: Decimal
    status: str
    amount: int
    deadline: _dt.date | None
    deadline_unadjusted: _dt.date | None
    period_months: int | None
    days_off_skipped: tuple[tuple[_dt.date, str], ...]
    in_kind: InKindShare | None
    warnings: tuple[str, ...]
    basis: tuple[BasisItem, ...]
    steps: tuple[Step, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The ``sotay recover --json`` object (listed keys are a contract; extras may be added)."""
        p = self.project
        return {
            "tier": p.tier,
            "rate": float(self.rate),
            "support": p.support,
            "amount": self.amount,
            "status": self.status,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_unadjusted": self.deadline_unadjusted.isoformat() if self.deadline_unadjusted else None,
            "basis": [item.to_json() for item in self.basis],
            "steps": [step.to_json() for step in self.steps],
            # extras
            "province": self.province,
            "document": self.document,
            "end": p.end.isoformat(),
            "damage": float(p.damage) if p.damage is not None else None,
            "force_majeure": p.force_majeure,
            "verified": p.verified,
            "period_months": self.period_months,
            "days_off_skipped": [{"date": d.isoformat(), "reason": r} for d, r in self.days_off_skipped],
            "in_kind": self.in_kind.to_json() if self.in_kind else None,
            "warnings": list(self.warnings),
        }


def make_project(
    tier: str,
    support: str | int,
    end: str | _dt.date,
    damage: str | int | float | Decimal | None = None,
    force_majeure: bool | str = False,
    verified: bool | str = False,
    in_kind: str | InKind | None = None,
    *,
    today: _dt.date | None = None,
) -> Project:
    """Parse and validate raw values into a :class:`Project` (raises ``InputError``)."""
    return Project(
        tier=parse_tier(tier),
        support=parse_amount(support),
        end=parse_date(end, today=today),
        damage=parse_damage(damage),
        force_majeure=parse_bool(force_majeure, "force_majeure", "Giá trị “bất khả kháng”"),
        verified=parse_bool(verified, "verified", "Giá trị “có biên bản xác nhận”"),
        in_kind=parse_in_kind(in_kind),
    )


def evaluate(project: Project, regulation: Regulation, time_rules: TimeRules) -> RecoveryResult:
    """Compute the recovery for an already validated project under ``regulation``.

    Raises ``ParameterNotCovered`` (an ``InputError``) if the regulation's
    parameters do not cover ``project.end``.
    """
    end = project.end
    rate_param = regulation.rates[project.tier]
    rate = rate_param.at(end)
    recovery_months = int(regulation.recovery_months.at(end))
    extension_months = int(regulation.extension_months.at(end))
    threshold = regulation.damage_threshold.at(end)
    clauses = regulation.clauses
    cite = regulation.cite
    threshold_txt = f"{format_number(threshold)}%"

    damage = project.damage if project.damage is not None and project.damage > 0 else None
    severe = project.force_majeure or (damage is not None and damage >= threshold)
    disaster = damage is not None and damage < threshold

    basis: list[BasisItem] = []
    warnings: list[str] = []
    full_amount = round_half_up(Decimal(project.support) * rate)

    # 1. rate and status
    if rate == 0:
        status = "no_recovery"
        basis.append(
            BasisItem(
                cite(rate_param.reference.citation),
                rate_param.reference.text,
                f"Dự án trên {TIER_LABELS[project.tier]}: không thu hồi (tỷ lệ 0%), số phải thu hồi 0 đồng.",
                "rate",
            )
        )
    else:
        basis.append(
            BasisItem(
                cite(rate_param.reference.citation),
                rate_param.reference.text,
                f"Tỷ lệ thu hồi {format_rate(rate)} đối với dự án trên {TIER_LABELS[project.tier]}: "
                f"{format_vnd(project.support)} × {format_rate(rate)} = {format_vnd(full_amount)} "
                "(làm tròn đến đồng, từ nửa đồng trở lên làm tròn lên).",
                "rate",
            )
        )
        if severe and project.verified:
            status = "waived"
        elif disaster and project.verified and extension_months > 0:
            status = "extended"
        else:
            status = "recover"

    cause = []
    if damage is not None:
        cause.append(f"thiệt hại do thiên tai {format_number(damage)}%")
    if project.force_majeure:
        cause.append("nguyên nhân bất khả kháng khác dẫn đến không có kết quả đầu ra theo kế hoạch")
    cause_txt = " và ".join(cause)

    amount = full_amount if status in ("recover", "extended") else 0
    deadline = unadjusted = None
    period_months: int | None = None
    skipped: tuple[tuple[_dt.date, str], ...] = ()

    if status == "waived":
        waiver = clauses["waiver"]
        basis.append(
            BasisItem(
                cite(waiver.citation),
                waiver.text,
                f"Dự án có {cause_txt}"
                + (f" (từ {threshold_txt} trở lên)" if damage is not None and damage >= threshold else "")
                + ", có biên bản xác nhận của Tổ thẩm định do Ủy ban nhân dân cấp huyện thành lập: "
                f"không thu hồi (số tính theo tỷ lệ lẽ ra là {format_vnd(full_amount)}).",
                "waiver",
            )
        )
        if "suspension" in clauses:
            basis.append(
                BasisItem(
                    cite(clauses["suspension"].citation),
                    clauses["suspension"].text,
                    "Cơ quan có thẩm quyền phê duyệt dự án quyết định thu hẹp phạm vi hoặc tạm dừng dự án, "
                    "tạm dừng quay vòng, thu hồi kinh phí.",
                    "procedure",
                )
            )

    if status in ("recover", "extended"):
        form = clauses["form"]
        basis.append(BasisItem(cite(form.citation), form.text, "Thu hồi bằng tiền hoặc hiện vật.", "form"))
        approval = clauses["amount_in_approval"]
        basis.append(
            BasisItem(
                cite(approval.citation),
                approval.text,
                "Số vốn phải thu hồi chính thức do cơ quan có thẩm quyền phê duyệt dự án xác định trong quyết "
                f"định phê duyệt dự án; {format_vnd(amount)} là mức tính theo tỷ lệ để đối chiếu.",
                "amount",
            )
        )
        period_ref = regulation.recovery_months.reference
        normal_end = cal.period_end(end, recovery_months)
        basis.append(
            BasisItem(
                cite(period_ref.citation),
                period_ref.text,
                f"Thời gian thu hồi tối đa {recovery_months} tháng kể từ khi kết thúc dự án "
                f"({format_date(end)}): ngày cuối cùng của thời hạn là {format_date(normal_end)}.",
                "period",
            )
        )
        period_months = recovery_months
        if status == "extended":
            period_months = recovery_months + extension_months
            ext = clauses["extension"]
            basis.append(
                BasisItem(
                    cite(ext.citation),
                    ext.text,
                    f"Dự án bị {cause_txt} (dưới {threshold_txt}), có biên bản xác nhận của Tổ thẩm định do "
                    f"Ủy ban nhân dân cấp huyện thành lập: được gia hạn tối đa {extension_months} tháng, "
                    f"tức chậm nhất {period_months} tháng kể từ khi kết thúc dự án "
                    f"({format_date(cal.period_end(end, period_months))}). Thời gian gia hạn cụ thể do cơ "
                    "quan có thẩm quyền quyết định, không vượt quá mức này.",
                    "extension",
                )
            )
        unadjusted = cal.period_end(end, period_months)
        deadline, skipped = cal.next_working_day(unadjusted)

        start_ref = time_rules.clauses["start"]
        basis.append(
            BasisItem(
                time_rules.cite(start_ref.citation),
                start_ref.text,
                f"Không tính ngày kết thúc dự án {format_date(end)}; thời hạn tính từ ngày "
                f"{format_date(end + _dt.timedelta(days=1))}.",
                "time_counting",
            )
        )
        months_ref = time_rules.clauses["months"]
        if unadjusted.day == end.day:
            how = f"ngày tương ứng của tháng cuối cùng là {format_date(unadjusted)}"
        else:
            how = (
                f"tháng {unadjusted.month:02d}/{unadjusted.year} không có ngày {end.day} nên thời hạn kết thúc "
                f"vào ngày cuối cùng của tháng đó: {format_date(unadjusted)}"
            )
        basis.append(
            BasisItem(
                time_rules.cite(months_ref.citation),
                months_ref.text,
                f"Thời hạn {period_months} tháng: {how}.",
                "time_counting",
            )
        )
        if skipped:
            off_ref = time_rules.clauses["day_off"]
            days = "; ".join(f"{format_date(d)} là {reason}" for d, reason in skipped)
            basis.append(
                BasisItem(
                    time_rules.cite(off_ref.citation),
                    off_ref.text,
                    f"{days} → thời hạn kết thúc vào ngày làm việc tiếp theo: "
                    f"{cal.weekday_vi(deadline)} {format_date(deadline)}.",
                    "time_counting",
                )
            )

    # 2. damage / force majeure without the record: say explicitly that nothing changes
    if rate != 0 and (damage is not None or project.force_majeure) and not project.verified:
        ref = clauses["waiver"] if severe else clauses["extension"]
        relief = "miễn thu hồi (không thu hồi)" if severe else "gia hạn thời gian thu hồi"
        message = (
            f"Dự án có {cause_txt} nhưng chưa có biên bản xác nhận của Tổ thẩm định do Ủy ban nhân dân cấp "
            f"huyện thành lập, nên không được gia hạn và không được miễn thu hồi: vẫn thu hồi "
            f"{format_vnd(amount)} theo thời hạn thông thường. Khi có biên bản, dự án có thể được {relief} "
            f"theo {ref.citation}."
        )
        warnings.append(message)
        basis.append(BasisItem(cite(ref.citation), ref.text, message, "warning"))

    # 3. in-kind share
    share: InKindShare | None = None
    if project.in_kind is not None:
        total = project.in_kind.quantity
        recovered = total * rate if status in ("recover", "extended") else Decimal(0)
        recovered = recovered.quantize(_QUANTITY_PLACES, rounding=ROUND_HALF_UP)
        recovered = Decimal(int(recovered)) if recovered == recovered.to_integral_value() else recovered.normalize()
        share = InKindShare(quantity=recovered, unit=project.in_kind.unit, total_quantity=total, value=amount)
        form = clauses["form"]
        if status in ("recover", "extended"):
            text = (
                f"Hỗ trợ bằng hiện vật {format_quantity(total, share.unit)}: phần thu hồi tương ứng "
                f"{format_number(total)} × {format_rate(rate)} = {format_quantity(recovered, share.unit)} "
                f"(trị giá {format_vnd(amount)})."
            )
            if recovered != recovered.to_integral_value():
                text += (
                    " Số lượng lẻ được quy đổi theo tỷ lệ; có thể thu hồi phần lẻ bằng tiền, theo quyết định "
                    "phê duyệt dự án."
                )
        else:
            text = f"Hỗ trợ bằng hiện vật {format_quantity(total, share.unit)}: không phải thu hồi hiện vật."
        basis.append(BasisItem(cite(form.citation), form.text, text, "in_kind"))

    # 4. follow-up steps from the regulation file
    values = {
        "amount": format_vnd(amount),
        "deadline": format_date(deadline) if deadline else "",
        "quantity": format_quantity(share.quantity, share.unit) if share else "",
    }
    steps = tuple(
        Step(who=rule.who, what=rule.what.format(**values), citation=cite(rule.citation), text=rule.text)
        for rule in regulation.steps
        if status in rule.when and (rule.form != "in_kind" or project.in_kind is not None)
    )

    return RecoveryResult(
        province=regulation.key,
        province_name=regulation.province_name,
        document=regulation.citation,
        project=project,
        rate=rate,
        status=status,
        amount=amount,
        deadline=deadline,
        deadline_unadjusted=unadjusted,
        period_months=period_months,
        days_off_skipped=skipped,
        in_kind=share,
        warnings=tuple(warnings),
        basis=tuple(basis),
        steps=steps,
    )


def compute(
    tier: str,
    support: str | int,
    end: str | _dt.date,
    damage: str | int | float | Decimal | None = None,
    force_majeure: bool | str = False,
    verified: bool | str = False,
    in_kind: str | InKind | None = None,
    province: str | None = None,
    *,
    rules_dir: str | os.PathLike[str] | None = None,
    today: _dt.date | None = None,
) -> RecoveryResult:
    """Parse the inputs, pick the province's regulation and compute the recovery.

    Accepts raw strings as typed by a user (``"khó khăn"``, ``"40.000.000"``,
    ``"15/03/2024"``, ``"29,5"``, ``"có"``, ``"10 con bò"``) or already typed
    values. Raises ``InputError`` with a Vietnamese message for bad input or an
    end date the regulation does not cover, ``RulesFileError`` for a broken
    rules file. ``rules_dir`` overrides the folder of YAML files (tests, new
    provinces); ``today`` fixes the date-plausibility bound.
    """
    project = make_project(tier, support, end, damage, force_majeure, verified, in_kind, today=today)
    regulation = select_regulation(province, rules_dir)
    return evaluate(project, regulation, load_time_rules(rules_dir))
