"""Property-based tests (hypothesis) of the recovery engine's invariants."""

from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal

import holidays
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

# No example database on disk: the tests leave no .hypothesis/ folder in the repository.
NO_DB = settings(database=None, deadline=None)

from sotay.rules import compute, format_vnd, parse_amount, parse_date
from sotay.rules.formatting import format_date
from sotay.rules.inputs import MIN_AMOUNT

RATES = {"dbkk": Decimal(0), "kho-khan": Decimal("0.1"), "con-lai": Decimal("0.15")}
FIRST = dt.date(2022, 12, 1)  # first day covered by rules/ninh_thuan.yaml
LAST = min(dt.date(2034, 12, 31), dt.date.today() + relativedelta(years=10))

projects = st.fixed_dictionaries(
    {
        "tier": st.sampled_from(sorted(RATES)),
        "support": st.integers(min_value=MIN_AMOUNT, max_value=10**13),
        "end": st.dates(min_value=FIRST, max_value=LAST),
        "damage": st.none()
        | st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False),
        "force_majeure": st.booleans(),
        "verified": st.booleans(),
    }
)


def _official_day_off(day: dt.date) -> bool:
    """Independent check straight from the holidays package (not through sotay.rules.days_off)."""
    return day.weekday() >= 5 or day in holidays.country_holidays("VN", years=day.year)


def _run(p: dict):
    return compute(p["tier"], p["support"], p["end"], damage=p["damage"], force_majeure=p["force_majeure"],
                   verified=p["verified"])


@settings(NO_DB, max_examples=300)
@given(projects)
def test_invariants(p):
    result = _run(p)
    data = result.to_json()
    rate = RATES[p["tier"]]
    assert data["rate"] == float(rate)
    assert data["support"] == p["support"]
    assert data["tier"] == p["tier"]
    assert data["status"] in {"no_recovery", "recover", "extended", "waived"}

    # amount = round_half_up(support × rate) unless nothing is recovered
    if data["status"] in ("recover", "extended"):
        expected = int((Decimal(p["support"]) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        assert data["amount"] == expected
        assert isinstance(data["amount"], int)
        deadline = dt.date.fromisoformat(data["deadline"])
        unadjusted = dt.date.fromisoformat(data["deadline_unadjusted"])
        # never earlier than end + 3 months; extended: never earlier than end + 15 months
        assert unadjusted >= p["end"] + relativedelta(months=3)
        if data["status"] == "extended":
            assert unadjusted == p["end"] + relativedelta(months=15)
        else:
            assert unadjusted == p["end"] + relativedelta(months=3)
        assert deadline >= unadjusted
        # always a working day, and every day skipped was a day off
        assert not _official_day_off(deadline)
        day = unadjusted
        while day < deadline:
            assert _official_day_off(day)
            day += dt.timedelta(days=1)
        assert (deadline - unadjusted).days <= 12
    else:
        assert data["amount"] == 0
        assert data["deadline"] is None and data["deadline_unadjusted"] is None

    # status rules
    assert (data["status"] == "no_recovery") == (rate == 0)
    if data["status"] in ("waived", "extended"):
        assert p["verified"], "waiver and extension need the appraisal team's record"
    damaged = p["damage"] is not None and p["damage"] > 0
    if data["status"] == "waived":
        assert p["force_majeure"] or p["damage"] >= 30
    if data["status"] == "extended":
        assert damaged and p["damage"] < 30 and not p["force_majeure"]
    if rate and (damaged or p["force_majeure"]) and not p["verified"]:
        assert data["status"] == "recover" and data["warnings"]
    else:
        assert not data["warnings"]

    # every basis item and step names its clause
    for item in data["basis"]:
        assert item["citation"] and item["text"] and item["determines"]
    for step in data["steps"]:
        assert step["who"] and step["what"] and step["citation"].startswith("QĐ …/2022/QĐ-UBND Ninh Thuận, Điều")


@settings(NO_DB, max_examples=100)
@given(projects)
def test_same_input_same_output(p):
    first = json.dumps(_run(p).to_json(), ensure_ascii=False, sort_keys=True)
    second = json.dumps(_run(dict(p)).to_json(), ensure_ascii=False, sort_keys=True)
    assert first == second


@NO_DB
@given(st.integers(min_value=MIN_AMOUNT, max_value=10**13))
def test_amount_spellings_round_trip(n):
    assert parse_amount(str(n)) == n
    assert parse_amount(f"{n:,}") == n
    assert parse_amount(f"{n:,}".replace(",", ".")) == n
    assert parse_amount(format_vnd(n)) == n


@NO_DB
@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31)))
def test_date_spellings_round_trip(day):
    today = dt.date(2026, 1, 1)
    assert parse_date(day.isoformat(), today=today) == day
    assert parse_date(format_date(day), today=today) == day
    assert parse_date(f"{day.day}/{day.month}/{day.year}", today=today) == day


@NO_DB
@given(st.integers(min_value=MIN_AMOUNT, max_value=10**13), st.sampled_from(sorted(RATES)))
def test_in_kind_share_is_proportional(support, tier):
    result = compute(tier, support, "15/03/2024", in_kind="10 con bò")
    share = result.to_json()["in_kind"]
    assert share["total_quantity"] == 10 and share["unit"] == "con bò"
    assert Decimal(str(share["quantity"])) == Decimal(10) * RATES[tier]
    assert share["value"] == result.amount
