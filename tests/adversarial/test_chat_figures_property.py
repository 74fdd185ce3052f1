"""Property: whatever way an officer writes the amount and the damage, the dialogue's figure is
the one `sotay recover` gives for the same values.

Phrasings are generated (amount × unit × decimal separator × spacing × damage wording, with and
without diacritics); the expected values are computed beside the phrasing, never parsed back.
"""

from __future__ import annotations

import contextlib
import io
import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sotay.bot.dialogue import Dialogue
from sotay.bot.services import Services
from sotay.bot.state import StateStore
from sotay.cli import main as sotay_main
from sotay.rules.inputs import MAX_AMOUNT, MIN_AMOUNT
from sotay.text import fold

UNITS = {"tỷ": 10**9, "tỉ": 10**9, "ty": 10**9, "triệu": 10**6, "trieu": 10**6, "tr": 10**6,
         "nghìn": 10**3, "ngàn": 10**3, "k": 10**3}
ONES = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]


def spoken(n: int) -> str:
    """0–100 in Vietnamese words ("hai mươi lăm", "ba mươi mốt", "một trăm")."""
    if n == 100:
        return "một trăm"
    if n < 10:
        return ONES[n]
    tens, ones = divmod(n, 10)
    head = "mười" if tens == 1 else f"{ONES[tens]} mươi"
    if ones == 0:
        return head
    tail = {1: "mốt" if tens > 1 else "một", 5: "lăm", 4: "tư" if tens > 1 else "bốn"}.get(ones, ONES[ones])
    return f"{head} {tail}"


@st.composite
def amounts(draw: st.DrawFn) -> tuple[str, int]:
    """(how it is written, its value in đồng)."""
    if draw(st.booleans()):  # with a unit: "1,5 tỷ", "2.25tr", "700 nghìn"
        unit = draw(st.sampled_from(sorted(UNITS)))
        whole = draw(st.integers(1, 999))
        decimals = draw(st.sampled_from(["", "5", "25", "75", "2"]))
        sep = draw(st.sampled_from([",", "."]))
        space = draw(st.sampled_from(["", " "]))
        written = f"{whole}{sep}{decimals}" if decimals else str(whole)
        value = Decimal(f"{whole}.{decimals or 0}") * UNITS[unit]
        return f"{written}{space}{unit}", int(value)
    value = draw(st.integers(100_000, 10**11))  # plain đồng, grouped or not
    sep = draw(st.sampled_from(["", ".", ",", " "]))
    written = f"{value:,}".replace(",", sep) if sep else str(value)
    return written + draw(st.sampled_from([" đồng", "đ", " VNĐ", " dong"])), value


@st.composite
def damages(draw: st.DrawFn) -> tuple[str, Decimal | None]:
    """(how the damage is written, its exact percentage); None: no damage said."""
    kind = draw(st.sampled_from(["none", "digits", "words", "fraction"]))
    if kind == "none":
        return "", None
    if kind == "digits":
        value = draw(st.integers(1, 100))
        mark = draw(st.sampled_from(["%", " %", " phần trăm"]))
        return f"thiệt hại {value}{mark}", Decimal(value)
    if kind == "words":
        value = draw(st.integers(1, 100))
        return f"thiệt hại {spoken(value)} phần trăm", Decimal(value)
    written, value = draw(st.sampled_from([("1/3", Decimal("33.33")), ("một phần ba", Decimal("33.33")),
                                           ("1/4", Decimal(25)), ("2/3", Decimal("66.67")),
                                           ("một nửa", Decimal(50)), ("1/5", Decimal(20))]))
    return f"thiệt hại {written}", value


def cli_result(tier: str, amount: int, damage: Decimal | None, verified: bool) -> dict:
    args = ["recover", "--json", "--tier", tier, "--amount", str(amount), "--end", "15/03/2024"]
    if damage is not None:
        args += ["--damage", str(damage)]
    if verified:
        args.append("--verified")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert sotay_main(args) == 0
    return json.loads(out.getvalue())


@settings(max_examples=300, deadline=None, database=None)
@given(amount=amounts(), damage=damages(), tier=st.sampled_from(["kho-khan", "con-lai"]),
       verified=st.booleans(), folded=st.booleans())
def test_dialogue_figure_equals_sotay_recover(amount: tuple[str, int], damage: tuple[str, Decimal | None],
                                              tier: str, verified: bool, folded: bool) -> None:
    written, value = amount
    if not MIN_AMOUNT <= value <= MAX_AMOUNT:
        return
    tier_words = {"kho-khan": "khó khăn", "con-lai": "còn lại"}[tier]
    damage_text, damage_value = damage
    message = f"Xã {tier_words}, hỗ trợ {written}, dự án kết thúc 15/3/2024"
    if damage_text:
        message += f", {damage_text}, " + ("có biên bản" if verified else "không có biên bản")
    if folded:
        message = fold(message)
    dialogue = Dialogue(StateStore(":memory:"), Services(width=None))
    replies = dialogue.handle("c", message)
    reply = "\n".join(r.text for r in replies)
    cli = cli_result(tier, value, damage_value, verified and damage_value is not None)
    assert "KẾT QUẢ" in reply, (message, reply)
    if cli["status"] in ("waived", "no_recovery"):
        assert "KHÔNG THU HỒI" in reply, (message, reply)
    else:
        day, month, year = cli["deadline"][8:], cli["deadline"][5:7], cli["deadline"][:4]
        figure = f"Phải thu hồi {cli['amount']:,} đồng".replace(",", ".")
        assert figure in reply and f"{day}/{month}/{year}" in reply, (message, reply, cli)
