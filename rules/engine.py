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
from typing import Any, Unpack

from sotay.rules import days_off as cal
from sotay.rules.formatting import format_date, format_number, format_quantity, format_rate, format_vnd
from sotay.rules.inputs import TIER_LABELS, InputError, Project, ProjectDetails, make_project, parse_tier
from sotay.rules.params import Regulation, TimeRules, load_time_rules, select_regulation
from sotay.rules.vocabulary import Status

__all__ = [
    "BasisItem",
    "Step",
    "InKindShare",
    "RecoveryResult",
    "Terms",
    "decide",
    "record_matters",
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
    status: Status
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


@dataclass(frozen=True)
class Terms:
    """The regulation's parameters in force on a project's end date."""

    rate: Decimal
    recovery_months: int
    extension_months: int
    damage_threshold: Decimal

    @classmethod
    def at(cls, regulation: Regulation, project: Project) -> Terms:
        """The terms for ``project`` (raises ``ParameterNotCovered`` if its end date is not covered)."""
        end = project.end
        return cls(
            rate=regulation.rates[project.tier].at(end),
            recovery_months=int(regulation.recovery_months.at(end)),
            extension_months=int(regulation.extension_months.at(end)),
            damage_threshold=regulation.damage_threshold.at(end),
        )


@dataclass(frozen=True)
class _Period:
    """How long the project has to pay, and the deadline moved to a working day."""

    months: int
    unadjusted: _dt.date
    deadline: _dt.date
    skipped: tuple[tuple[_dt.date, str], ...]


def decide(project: Project, terms: Terms) -> Status:
    """The outcome for ``project`` under ``terms`` (see the module docstring)."""
    if terms.rate == 0:
        return Status.NO_RECOVERY
    damage = _damage(project)
    if project.verified and (project.force_majeure or (damage is not None and damage >= terms.damage_threshold)):
        return Status.WAIVED
    if project.verified and damage is not None and terms.extension_months > 0:
        return Status.EXTENDED
    return Status.RECOVER


def record_matters(tier: str, end: _dt.date, province: str | None = None) -> bool:
    """Whether the appraisal team's record can change the outcome for a project of ``tier`` ending on ``end``.

    Only when something is recovered at all: with a rate of 0 in force there is nothing to
    extend or waive. True when the rules cannot tell (``end`` not covered, an unknown tier):
    the calculation itself then says what is wrong.
    """
    try:
        return select_regulation(province).rates[parse_tier(tier)].at(end) != 0
    except InputError:
        return True


def evaluate(project: Project, regulation: Regulation, time_rules: TimeRules) -> RecoveryResult:
    """Compute the recovery for an already validated project under ``regulation``.

    Three steps: ``decide`` the outcome, compute the figures (amount, period, deadline,
    in-kind share), then explain each figure by the clause it comes from (``_Explanation``).
    Raises ``ParameterNotCovered`` (an ``InputError``) if the regulation's parameters do not
    cover ``project.end``.
    """
    terms = Terms.at(regulation, project)
    status = decide(project, terms)
    full_amount = round_half_up(Decimal(project.support) * terms.rate)
    amount = full_amount if status.due else 0
    period = _period(project.end, terms, status) if status.due else None
    share = _in_kind_share(project, terms.rate, status, amount)

    explain = _Explanation(project, regulation, time_rules, terms)
    basis = [explain.rate(full_amount)]
    if status is Status.WAIVED:
        basis += explain.waiver(full_amount)
    if period is not None:
        basis += explain.recovery(amount, status, period)
    warning = explain.unverified_relief(amount) if status is not Status.NO_RECOVERY else None
    if warning is not None:
        basis.append(warning)
    if share is not None:
        basis.append(explain.in_kind(share, terms.rate, status))

    values = {
        "amount": format_vnd(amount),
        "deadline": format_date(period.deadline) if period else "",
        "quantity": format_quantity(share.quantity, share.unit) if share else "",
    }
    steps = tuple(
        Step(who=rule.who, what=rule.what.format(**values), citation=regulation.cite(rule.citation), text=rule.text)
        for rule in regulation.steps
        if status in rule.when and (rule.form != "in_kind" or project.in_kind is not None)
    )
    return RecoveryResult(
        province=regulation.key,
        province_name=regulation.province_name,
        document=regulation.citation,
        project=project,
        rate=terms.rate,
        status=status,
        amount=amount,
        deadline=period.deadline if period else None,
        deadline_unadjusted=period.unadjusted if period else None,
        period_months=period.months if period else None,
        days_off_skipped=period.skipped if period else (),
        in_kind=share,
        warnings=(warning.determines,) if warning is not None else (),
        basis=tuple(basis),
        steps=steps,
    )


def _damage(project: Project) -> Decimal | None:
    """The natural-disaster damage in %, None when not given or 0."""
    return project.damage if project.damage is not None and project.damage > 0 else None


def _period(end: _dt.date, terms: Terms, status: Status) -> _Period:
    """The recovery period (plus the maximum extension when extended) counted from ``end``."""
    months = terms.recovery_months + (terms.extension_months if status is Status.EXTENDED else 0)
    unadjusted = cal.period_end(end, months)
    deadline, skipped = cal.next_working_day(unadjusted)
    return _Period(months, unadjusted, deadline, skipped)


def _in_kind_share(project: Project, rate: Decimal, status: Status, amount: int) -> InKindShare | None:
    """The recovered share of in-kind support (0 when nothing is owed), None without in-kind support."""
    if project.in_kind is None:
        return None
    total = project.in_kind.quantity
    recovered = (total * rate if status.due else Decimal(0)).quantize(_QUANTITY_PLACES, rounding=ROUND_HALF_UP)
    recovered = Decimal(int(recovered)) if recovered == recovered.to_integral_value() else recovered.normalize()
    return InKindShare(quantity=recovered, unit=project.in_kind.unit, total_quantity=total, value=amount)


class _Explanation:
    """The basis items of one calculation: each figure with the clause it comes from, quoted."""

    def __init__(self, project: Project, regulation: Regulation, time_rules: TimeRules, terms: Terms) -> None:
        self.project = project
        self.regulation = regulation
        self.time_rules = time_rules
        self.terms = terms
        self.damage = _damage(project)
        self.threshold_text = f"{format_number(terms.damage_threshold)}%"
        cause = []
        if self.damage is not None:
            cause.append(f"thiệt hại do thiên tai {format_number(self.damage)}%")
        if project.force_majeure:
            cause.append("nguyên nhân bất khả kháng khác dẫn đến không có kết quả đầu ra theo kế hoạch")
        self.cause = " và ".join(cause)

    def _clause(self, key: str, determines: str, kind: str) -> BasisItem:
        clause = self.regulation.clauses[key]
        return BasisItem(self.regulation.cite(clause.citation), clause.text, determines, kind)

    def _time_clause(self, key: str, determines: str) -> BasisItem:
        clause = self.time_rules.clauses[key]
        return BasisItem(self.time_rules.cite(clause.citation), clause.text, determines, "time_counting")

    def rate(self, full_amount: int) -> BasisItem:
        project, rate = self.project, self.terms.rate
        reference = self.regulation.rates[project.tier].reference
        tier = TIER_LABELS[project.tier]
        if rate == 0:
            determines = f"Dự án trên {tier}: không thu hồi (tỷ lệ 0%), số phải thu hồi 0 đồng."
        else:
            determines = (
                f"Tỷ lệ thu hồi {format_rate(rate)} đối với dự án trên {tier}: "
                f"{format_vnd(project.support)} × {format_rate(rate)} = {format_vnd(full_amount)} "
                "(làm tròn đến đồng, từ nửa đồng trở lên làm tròn lên)."
            )
        return BasisItem(self.regulation.cite(reference.citation), reference.text, determines, "rate")

    def waiver(self, full_amount: int) -> list[BasisItem]:
        above = self.damage is not None and self.damage >= self.terms.damage_threshold
        items = [self._clause(
            "waiver",
            f"Dự án có {self.cause}" + (f" (từ {self.threshold_text} trở lên)" if above else "")
            + ", có biên bản xác nhận của Tổ thẩm định do Ủy ban nhân dân cấp huyện thành lập: "
            f"không thu hồi (số tính theo tỷ lệ lẽ ra là {format_vnd(full_amount)}).",
            "waiver",
        )]
        if "suspension" in self.regulation.clauses:
            items.append(self._clause(
                "suspension",
                "Cơ quan có thẩm quyền phê duyệt dự án quyết định thu hẹp phạm vi hoặc tạm dừng dự án, "
                "tạm dừng quay vòng, thu hồi kinh phí.",
                "procedure",
            ))
        return items

    def recovery(self, amount: int, status: Status, period: _Period) -> list[BasisItem]:
        end, terms = self.project.end, self.terms
        period_ref = self.regulation.recovery_months.reference
        items = [
            self._clause("form", "Thu hồi bằng tiền hoặc hiện vật.", "form"),
            self._clause(
                "amount_in_approval",
                "Số vốn phải thu hồi chính thức do cơ quan có thẩm quyền phê duyệt dự án xác định trong quyết "
                f"định phê duyệt dự án; {format_vnd(amount)} là mức tính theo tỷ lệ để đối chiếu.",
                "amount",
            ),
            BasisItem(
                self.regulation.cite(period_ref.citation),
                period_ref.text,
                f"Thời gian thu hồi tối đa {terms.recovery_months} tháng kể từ khi kết thúc dự án "
                f"({format_date(end)}): ngày cuối cùng của thời hạn là "
                f"{format_date(cal.period_end(end, terms.recovery_months))}.",
                "period",
            ),
        ]
        if status is Status.EXTENDED:
            items.append(self._clause(
                "extension",
                f"Dự án bị {self.cause} (dưới {self.threshold_text}), có biên bản xác nhận của Tổ thẩm định do "
                f"Ủy ban nhân dân cấp huyện thành lập: được gia hạn tối đa {terms.extension_months} tháng, "
                f"tức chậm nhất {period.months} tháng kể từ khi kết thúc dự án "
                f"({format_date(period.unadjusted)}). Thời gian gia hạn cụ thể do cơ "
                "quan có thẩm quyền quyết định, không vượt quá mức này.",
                "extension",
            ))
        items.append(self._time_clause(
            "start",
            f"Không tính ngày kết thúc dự án {format_date(end)}; thời hạn tính từ ngày "
            f"{format_date(end + _dt.timedelta(days=1))}.",
        ))
        unadjusted = period.unadjusted
        if unadjusted.day == end.day:
            how = f"ngày tương ứng của tháng cuối cùng là {format_date(unadjusted)}"
        else:
            how = (
                f"tháng {unadjusted.month:02d}/{unadjusted.year} không có ngày {end.day} nên thời hạn kết thúc "
                f"vào ngày cuối cùng của tháng đó: {format_date(unadjusted)}"
            )
        items.append(self._time_clause("months", f"Thời hạn {period.months} tháng: {how}."))
        if period.skipped:
            days = "; ".join(f"{format_date(d)} là {reason}" for d, reason in period.skipped)
            items.append(self._time_clause(
                "day_off",
                f"{days} → thời hạn kết thúc vào ngày làm việc tiếp theo: "
                f"{cal.weekday_vi(period.deadline)} {format_date(period.deadline)}.",
            ))
        return items

    def unverified_relief(self, amount: int) -> BasisItem | None:
        """Damage or force majeure given without the record: a warning that nothing changes (else None)."""
        project = self.project
        if (self.damage is None and not project.force_majeure) or project.verified:
            return None
        severe = project.force_majeure or (self.damage is not None and self.damage >= self.terms.damage_threshold)
        ref = self.regulation.clauses["waiver" if severe else "extension"]
        relief = "miễn thu hồi (không thu hồi)" if severe else "gia hạn thời gian thu hồi"
        message = (
            f"Dự án có {self.cause} nhưng chưa có biên bản xác nhận của Tổ thẩm định do Ủy ban nhân dân cấp "
            f"huyện thành lập, nên không được gia hạn và không được miễn thu hồi: vẫn thu hồi "
            f"{format_vnd(amount)} theo thời hạn thông thường. Khi có biên bản, dự án có thể được {relief} "
            f"theo {ref.citation}."
        )
        return BasisItem(self.regulation.cite(ref.citation), ref.text, message, "warning")

    def in_kind(self, share: InKindShare, rate: Decimal, status: Status) -> BasisItem:
        total = share.total_quantity
        if status.due:
            text = (
                f"Hỗ trợ bằng hiện vật {format_quantity(total, share.unit)}: phần thu hồi tương ứng "
                f"{format_number(total)} × {format_rate(rate)} = {format_quantity(share.quantity, share.unit)} "
                f"(trị giá {format_vnd(share.value)})."
            )
            if share.quantity != share.quantity.to_integral_value():
                text += (
                    " Số lượng lẻ được quy đổi theo tỷ lệ; có thể thu hồi phần lẻ bằng tiền, theo quyết định "
                    "phê duyệt dự án."
                )
        else:
            text = f"Hỗ trợ bằng hiện vật {format_quantity(total, share.unit)}: không phải thu hồi hiện vật."
        return self._clause("form", text, "in_kind")


def compute(
    tier: str,
    support: str | int,
    end: str | _dt.date,
    *,
    province: str | None = None,
    rules_dir: str | os.PathLike[str] | None = None,
    today: _dt.date | None = None,
    **details: Unpack[ProjectDetails],
) -> RecoveryResult:
    """Parse the inputs, pick the province's regulation and compute the recovery.

    Accepts raw strings as typed by a user (``"khó khăn"``, ``"40.000.000"``,
    ``"15/03/2024"``, ``"29,5"``, ``"có"``, ``"10 con bò"``) or already typed
    values; the optional facts (``damage``, ``force_majeure``, ``verified``,
    ``in_kind``) are keywords (``ProjectDetails``). Raises ``InputError`` with a
    Vietnamese message for bad input or an end date the regulation does not
    cover, ``RulesFileError`` for a broken rules file. ``rules_dir`` overrides the folder of YAML files (tests, new
    provinces); ``today`` fixes the date-plausibility bound.
    """
    project = make_project(tier, support, end, today=today, **details)
    regulation = select_regulation(province, rules_dir)
    return evaluate(project, regulation, load_time_rules(rules_dir))
