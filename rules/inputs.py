"""Parsing and validation of user input (amounts, dates, tiers, flags, in-kind items), and a
validated :class:`Project` made from them (:func:`make_project`).

Every parser takes what a person typed (or a value from Python code) and either
returns a clean value or raises :class:`InputError` carrying a Vietnamese
message fit to show as is. Nothing here reads the rules files.

Accepted formats (documented decisions):

* Amount (whole đồng, from :data:`MIN_AMOUNT` = 10.000 to :data:`MAX_AMOUNT` = 10^13): plain digits
  ``40000000``; digits grouped by 3 with dots ``40.000.000`` (Vietnamese),
  commas ``40,000,000`` or spaces ``40 000 000``, one kind of separator per
  number; an optional unit ``đồng``/``đ``/``VNĐ``/``VND`` at the end. Rejected:
  signs, leading zeros (``040000000``, ``00x12``), decimals (``40000000,5``),
  exponents (``1e9``), badly grouped numbers (``40.00.000``).
* Date: ``2024-03-15``, ``15/03/2024`` or ``15/3/2024``; it must exist, be on
  or after 01/01/2000 and at most 10 years after today.
* Tier: ``dbkk`` | ``kho-khan`` | ``con-lai`` and Vietnamese spellings with or
  without accents (``đặc biệt khó khăn``, ``ĐBKK``, ``khó khăn``, ``còn lại``).
* Damage: a percentage 0–100, decimal comma or point, optional ``%``; 0 means
  no damage.
* Yes/no: ``có``/``co``/``x``/``yes``/``true``/``1`` and ``không``/``khong``/
  ``no``/``false``/``0``/empty.
* In-kind support: ``<quantity> <unit>``, e.g. ``10 con bò``, ``2,5 tấn``,
  ``1.500 cây giống``: comma is the decimal mark, a dot only groups thousands
  (``2.5 tấn`` is refused with a hint to write ``2,5 tấn``).
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypedDict, Unpack

from sotay.rules.vocabulary import Tier

__all__ = [
    "InputError",
    "InKind",
    "Project",
    "ProjectDetails",
    "make_project",
    "MAX_AMOUNT",
    "MIN_AMOUNT",
    "MIN_END_DATE",
    "MAX_YEARS_AHEAD",
    "TIERS",
    "TIER_LABELS",
    "normalize_key",
    "parse_amount",
    "parse_date",
    "parse_tier",
    "parse_damage",
    "parse_bool",
    "parse_in_kind",
    "parse_quantity",
]

MAX_AMOUNT = 10**13  # 10.000 tỷ đồng: anything larger is a typo, not a commune project
MIN_AMOUNT = 10_000  # 10.000 đồng: below this the recovered share is a few hundred đồng, a typo for "triệu"
MIN_END_DATE = _dt.date(2000, 1, 1)
MAX_YEARS_AHEAD = 10
MAX_QUANTITY = Decimal(10) ** 9

TIERS: tuple[str, ...] = tuple(Tier)
TIER_LABELS: dict[str, str] = {tier.value: tier.label for tier in Tier}
_TIER_ALIASES: dict[str, str] = {
    "dbkk": "dbkk",
    "dac_biet_kho_khan": "dbkk",
    "dia_ban_dac_biet_kho_khan": "dbkk",
    "dbkhokhan": "dbkk",
    "kho_khan": "kho-khan",
    "kk": "kho-khan",
    "dia_ban_kho_khan": "kho-khan",
    "con_lai": "con-lai",
    "dia_ban_con_lai": "con-lai",
}

_TRUE = {"co", "c", "x", "yes", "y", "true", "1", "dung", "co_bien_ban"}
_FALSE = {"", "khong", "k", "ko", "no", "n", "false", "0", "sai", "khong_co"}


class InputError(ValueError):
    """Bad user input. ``message`` is Vietnamese and safe to show to the user."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class InKind:
    """Support given in kind: a positive quantity and its unit (``10``, ``con bò``)."""

    quantity: Decimal
    unit: str


def _show(value: object, limit: int = 40) -> str:
    """A short quoted rendering of a bad value for error messages."""
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return f"“{text}”"


def normalize_key(text: str) -> str:
    """Lower-case ASCII key: accents and đ removed, other runs of non-alphanumerics → ``_``.

    ``"Đặc biệt khó khăn"`` → ``"dac_biet_kho_khan"``; ``"kho-khan"`` → ``"kho_khan"``.
    """
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


# --- amounts -----------------------------------------------------------------

_CURRENCY_SUFFIX = re.compile(r"\s*(đồng|đ|vnđ|vnd|dong)\.?\s*$", re.IGNORECASE)
_AMOUNT_FORMS = (
    re.compile(r"[1-9][0-9]*"),
    re.compile(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+"),
    re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+"),
    re.compile(r"[1-9][0-9]{0,2}(?: [0-9]{3})+"),
)
_AMOUNT_HELP = "Ví dụ hợp lệ: 40000000 hoặc 40.000.000 (đồng, số nguyên dương)."


def parse_amount(value: str | int) -> int:
    """Parse the support amount in whole đồng; returns a positive int ≤ :data:`MAX_AMOUNT`.

    Raises :class:`InputError` (Vietnamese) for anything else; see the module docstring.
    """
    if isinstance(value, bool):
        raise InputError(f"Số tiền hỗ trợ không hợp lệ: {_show(value)}. {_AMOUNT_HELP}", "amount")
    if isinstance(value, int):
        number = value
    else:
        if not isinstance(value, str):
            raise InputError(f"Số tiền hỗ trợ không hợp lệ: {_show(value)}. {_AMOUNT_HELP}", "amount")
        text = unicodedata.normalize("NFC", value).strip().replace("\u00a0", " ").replace("\u202f", " ")
        if not text:
            raise InputError(f"Thiếu số tiền hỗ trợ. {_AMOUNT_HELP}", "amount")
        if len(text) > 40:
            raise InputError(f"Số tiền hỗ trợ không hợp lệ: {_show(text)}. {_AMOUNT_HELP}", "amount")
        text = _CURRENCY_SUFFIX.sub("", text).strip()
        if text.startswith("-"):
            raise InputError(f"Số tiền hỗ trợ không được âm: {_show(value)}.", "amount")
        if re.fullmatch(r"0+", text):
            raise InputError("Số tiền hỗ trợ phải lớn hơn 0 đồng.", "amount")
        if not any(form.fullmatch(text) for form in _AMOUNT_FORMS):
            if re.fullmatch(r"[0-9]+[.,][0-9]{1,2}", text):
                raise InputError(
                    f"Số tiền hỗ trợ phải là số đồng nguyên, không có phần lẻ: {_show(value)}. {_AMOUNT_HELP}",
                    "amount",
                )
            raise InputError(f"Số tiền hỗ trợ không hợp lệ: {_show(value)}. {_AMOUNT_HELP}", "amount")
        number = int(re.sub(r"[^0-9]", "", text))
    if number < 0:
        raise InputError(f"Số tiền hỗ trợ không được âm: {_show(value)}.", "amount")
    if number == 0:
        raise InputError("Số tiền hỗ trợ phải lớn hơn 0 đồng.", "amount")
    if number < MIN_AMOUNT:
        raise InputError(
            f"Số tiền hỗ trợ quá nhỏ ({_show(value)} đồng): tối thiểu 10.000 đồng. "
            "Nếu là triệu đồng, hãy ghi rõ, ví dụ \"100 triệu\" hoặc 100.000.000.",
            "amount",
        )
    if number > MAX_AMOUNT:
        raise InputError(
            f"Số tiền hỗ trợ quá lớn ({_show(value)}): tối đa 10.000.000.000.000 đồng. "
            "Vui lòng kiểm tra lại số chữ số.",
            "amount",
        )
    return number


# --- dates -------------------------------------------------------------------

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_DMY_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_DATE_HELP = "Định dạng hợp lệ: 15/03/2024, 15/3/2024 hoặc 2024-03-15."


def parse_date(value: str | _dt.date, *, today: _dt.date | None = None, field: str = "end") -> _dt.date:
    """Parse a project end date; it must exist and lie in [01/01/2000, today + 10 years].

    ``today`` defaults to the system date (only the plausibility bound uses it).
    """
    if isinstance(value, _dt.datetime):
        day = value.date()
    elif isinstance(value, _dt.date):
        day = value
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise InputError(f"Thiếu ngày kết thúc dự án. {_DATE_HELP}", field)
        if m := _ISO_DATE.fullmatch(text):
            year, month, dom = int(m[1]), int(m[2]), int(m[3])
        elif m := _DMY_DATE.fullmatch(text):
            dom, month, year = int(m[1]), int(m[2]), int(m[3])
        else:
            raise InputError(f"Ngày không hợp lệ: {_show(value)}. {_DATE_HELP}", field)
        try:
            day = _dt.date(year, month, dom)
        except ValueError:
            raise InputError(
                f"Ngày không tồn tại: {_show(value)} (tháng {month} năm {year} không có ngày {dom}).", field
            ) from None
    else:
        raise InputError(f"Ngày không hợp lệ: {_show(value)}. {_DATE_HELP}", field)

    if day < MIN_END_DATE:
        raise InputError(
            f"Ngày kết thúc dự án {day:%d/%m/%Y} quá sớm: chỉ nhận ngày từ 01/01/2000 trở đi.", field
        )
    today = today or _dt.date.today()
    try:
        latest = today.replace(year=today.year + MAX_YEARS_AHEAD)
    except ValueError:  # 29/02 → 28/02
        latest = today.replace(year=today.year + MAX_YEARS_AHEAD, day=28)
    if day > latest:
        raise InputError(
            f"Ngày kết thúc dự án {day:%d/%m/%Y} quá xa trong tương lai "
            f"(chỉ nhận đến {latest:%d/%m/%Y}, tức 10 năm kể từ hôm nay).",
            field,
        )
    return day


# --- tiers, damage, flags ----------------------------------------------------


def parse_tier(value: str) -> str:
    """Map a tier spelling to its code: ``"dbkk"``, ``"kho-khan"`` or ``"con-lai"``."""
    key = normalize_key(value) if isinstance(value, str) else ""
    if key in _TIER_ALIASES:
        return _TIER_ALIASES[key]
    if not key:
        raise InputError(
            "Thiếu địa bàn của dự án. Chọn một trong: dbkk (đặc biệt khó khăn), kho-khan (khó khăn), "
            "con-lai (còn lại).",
            "tier",
        )
    raise InputError(
        f"Địa bàn không hợp lệ: {_show(value)}. Chọn một trong: dbkk (đặc biệt khó khăn), "
        "kho-khan (khó khăn), con-lai (còn lại).",
        "tier",
    )


def parse_damage(value: str | int | float | Decimal | None) -> Decimal | None:
    """Parse the natural-disaster damage in percent (0–100); ``None``/empty → ``None``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InputError(f"Mức thiệt hại không hợp lệ: {_show(value)}.", "damage")
    if isinstance(value, (int, float, Decimal)):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith("%"):
            text = text[:-1].strip()
        if not text:
            return None
        text = text.replace(",", ".")
    else:
        raise InputError(f"Mức thiệt hại không hợp lệ: {_show(value)}.", "damage")
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        raise InputError(
            f"Mức thiệt hại không hợp lệ: {_show(value)}. Nhập số phần trăm từ 0 đến 100, ví dụ 25 hoặc 29,5.",
            "damage",
        )
    try:
        damage = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex already guards this
        raise InputError(f"Mức thiệt hại không hợp lệ: {_show(value)}.", "damage") from None
    if damage < 0 or damage > 100:
        raise InputError(
            f"Mức thiệt hại phải từ 0 đến 100 (%), nhận được {_show(value)}.", "damage"
        )
    return damage


def parse_bool(value: str | bool | int | None, field: str = "flag", label: str = "Giá trị có/không") -> bool:
    """Parse a yes/no value (``có``/``không``, ``x``, ``1``/``0``, ``true``/``false``); empty → False."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    key = normalize_key(value) if isinstance(value, str) else None
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise InputError(f"{label} không hợp lệ: {_show(value)}. Ghi “có” hoặc “không”.", field)


# --- in-kind -----------------------------------------------------------------

_QTY_FORMS = (
    re.compile(r"[0-9]+(?:,[0-9]+)?"),
    re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?"),
)


def parse_quantity(text: str) -> Decimal:
    """Parse a Vietnamese-formatted quantity: ``2,5`` → 2.5, ``1.500`` → 1500."""
    text = text.strip()
    if not any(form.fullmatch(text) for form in _QTY_FORMS):
        if re.fullmatch(r"[0-9]+\.[0-9]+", text):
            raise InputError(
                f"Số lượng {_show(text)} không rõ: dùng dấu phẩy cho phần thập phân "
                f"(ví dụ {text.replace('.', ',')}) và dấu chấm để phân cách hàng nghìn.",
                "in_kind",
            )
        raise InputError(f"Số lượng hiện vật không hợp lệ: {_show(text)}.", "in_kind")
    return Decimal(text.replace(".", "").replace(",", "."))


def parse_in_kind(value: str | InKind | None) -> InKind | None:
    """Parse ``"10 con bò"`` / ``"2,5 tấn"`` into :class:`InKind`; ``None``/empty → ``None``."""
    if value is None or isinstance(value, InKind):
        return value
    if not isinstance(value, str):
        raise InputError(f"Hiện vật không hợp lệ: {_show(value)}. Ví dụ: \"10 con bò\".", "in_kind")
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        return None
    if re.match(r"[0-9.,]+[eE][+-]?[0-9]", text):
        raise InputError(
            f"Số lượng hiện vật không hợp lệ: {_show(value)} (không dùng dạng số mũ). Ví dụ: \"1.000 con gà\".",
            "in_kind",
        )
    m = re.fullmatch(r"([0-9][0-9.,]*)\s*(\S.*)", text)
    if not m or not re.search(r"[^\W\d_]", m[2]):
        raise InputError(
            f"Hiện vật không hợp lệ: {_show(value)}. Ghi số lượng rồi đơn vị, ví dụ: \"10 con bò\", \"2,5 tấn\".",
            "in_kind",
        )
    quantity = parse_quantity(m[1])
    if quantity <= 0:
        raise InputError(f"Số lượng hiện vật phải lớn hơn 0: {_show(value)}.", "in_kind")
    if quantity > MAX_QUANTITY:
        raise InputError(f"Số lượng hiện vật quá lớn: {_show(value)}.", "in_kind")
    unit = m[2].strip()
    if len(unit) > 60:
        raise InputError(f"Tên hiện vật quá dài: {_show(unit)}.", "in_kind")
    if quantity == quantity.to_integral_value():
        quantity = Decimal(int(quantity))
    else:
        quantity = quantity.normalize()
    return InKind(quantity=quantity, unit=unit)


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


class ProjectDetails(TypedDict, total=False):
    """A project's optional facts as typed by a user (or already typed), each parsed as :class:`Project`'s field
    of the same name: the keyword arguments ``make_project``, ``engine.compute`` and ``register.prepare`` take.
    Absent: no damage, no force majeure, no record (``verified``), support in money only."""

    damage: str | int | float | Decimal | None
    force_majeure: bool | str
    verified: bool | str
    in_kind: str | InKind | None


def make_project(tier: str, support: str | int, end: str | _dt.date, *, today: _dt.date | None = None,
                 **details: Unpack[ProjectDetails]) -> Project:
    """Parse and validate raw values into a :class:`Project` (raises ``InputError``; ``TypeError`` for a
    keyword that is not a :class:`ProjectDetails` key)."""
    unknown = sorted(details.keys() - ProjectDetails.__optional_keys__)
    if unknown:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(unknown)}")
    return Project(
        tier=parse_tier(tier),
        support=parse_amount(support),
        end=parse_date(end, today=today),
        damage=parse_damage(details.get("damage")),
        force_majeure=parse_bool(details.get("force_majeure", False), "force_majeure", "Giá trị “bất khả kháng”"),
        verified=parse_bool(details.get("verified", False), "verified", "Giá trị “có biên bản xác nhận”"),
        in_kind=parse_in_kind(details.get("in_kind")),
    )
