"""Period arithmetic under the Civil Code 2015 (Art. 147–148) and Vietnamese working days.

* Art. 147(3): a period that starts with an event does not count the day of the
  event; counting starts the next day.
* Art. 148(3): a period in months ends at the end of the corresponding day of
  the last month, or of that month's last day when it has no such day. With
  the event day not counted, a period of ``n`` months after the event on day
  ``d`` therefore ends on ``d + n months`` (clamped to the month's end), which
  is exactly ``d + relativedelta(months=n)``: 15/03/2024 + 3 months → 15/06/2024;
  30/11/2023 + 3 months → 29/02/2024; 31/05/2024 + 3 months → 31/08/2024.
* Art. 148(5): if that last day is a weekend day or an official day off, the
  period ends at the end of the next working day.

Official days off come from ``holidays.country_holidays("VN", language="vi")``
(observed days included, the default). As of holidays 0.109 that covers Tết
Dương lịch (01/01), Tết Nguyên Đán (the eve, days 1–4 and the extra days the
package places next to them — e.g. 27/01–01/02/2025 on weekdays, which with the
weekends gives the official break 25/01–02/02/2025), Giỗ Tổ Hùng Vương (10/3
lunar), 30/4, 1/5, Quốc khánh 2/9 plus the adjacent day, Ngày Văn hóa Việt Nam
24/11 (from 2026), the "nghỉ bù" days when a holiday falls on a weekend, and the
yearly substituted days off decided by the Government (e.g. 29/04/2024,
02/05/2025, 31/08/2026). Future years beyond the package's knowledge get the
fixed and lunar holidays but not swaps not yet announced.

Decision: Saturdays and Sundays are always days off here, even a Saturday that
the Government turned into a make-up working day for civil servants (e.g.
04/05/2024); the package does not list those, and treating them as days off
only ever gives households a later deadline.
"""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache

from sotay.rules.formatting import format_date

__all__ = [
    "add_months",
    "period_end",
    "day_off_reason",
    "is_working_day",
    "next_working_day",
    "weekday_vi",
    "weekday_and_date",
]

_WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
_MAX_ROLL_DAYS = 60


def weekday_vi(day: _dt.date) -> str:
    """Vietnamese weekday name: ``thứ Hai`` … ``Chủ nhật``."""
    return _WEEKDAYS_VI[day.weekday()]


def weekday_and_date(day: _dt.date) -> str:
    """The day as officers read a deadline: ``thứ Hai, 02/06/2025``."""
    return f"{weekday_vi(day)}, {format_date(day)}"


def add_months(day: _dt.date, months: int) -> _dt.date:
    """``day`` plus ``months`` calendar months, clamped to the last day of the target month."""
    from dateutil.relativedelta import relativedelta

    return day + relativedelta(months=int(months))


def period_end(event_day: _dt.date, months: int) -> _dt.date:
    """Last day of a period of ``months`` months starting with an event on ``event_day``.

    Civil Code 2015 Art. 147(3) and 148(3); the working-day rule is *not*
    applied here (see :func:`next_working_day`).
    """
    return add_months(event_day, months)


@lru_cache(maxsize=128)
def _holidays_of_year(year: int) -> dict[_dt.date, str]:
    import holidays  # imported lazily: only needed once a deadline is computed

    return dict(holidays.country_holidays("VN", years=year, language="vi"))


def day_off_reason(day: _dt.date) -> str | None:
    """Why ``day`` is not a working day (Vietnamese), or ``None`` for a working day."""
    name = _holidays_of_year(day.year).get(day)
    if name:
        return f"{name} (ngày nghỉ lễ, {weekday_vi(day)})"
    if day.weekday() >= 5:
        return f"{weekday_vi(day)} (ngày nghỉ cuối tuần)"
    return None


def is_working_day(day: _dt.date) -> bool:
    """True unless ``day`` is a Saturday, a Sunday or an official Vietnamese day off."""
    return day_off_reason(day) is None


def next_working_day(day: _dt.date) -> tuple[_dt.date, tuple[tuple[_dt.date, str], ...]]:
    """The first working day on or after ``day``, and the days off skipped with their reasons.

    Civil Code 2015 Art. 148(5).
    """
    skipped: list[tuple[_dt.date, str]] = []
    current = day
    for _ in range(_MAX_ROLL_DAYS):
        reason = day_off_reason(current)
        if reason is None:
            return current, tuple(skipped)
        skipped.append((current, reason))
        current += _dt.timedelta(days=1)
    raise RuntimeError(f"no working day within {_MAX_ROLL_DAYS} days after {day}")  # pragma: no cover
