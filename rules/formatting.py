"""Vietnamese rendering of single values: money, dates, percentages, quantities (a leaf module).

Conventions: ``4.000.000 đồng`` (dot groups thousands), ``dd/mm/yyyy`` dates,
``10%``/``12,5%`` rates and ``1,5`` quantities (comma is the decimal mark).
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

__all__ = [
    "format_vnd",
    "format_date",
    "format_rate",
    "format_number",
    "format_quantity",
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
