"""Pulling recovery details out of free Vietnamese chat text.

Officers write "Xã khó khăn, hỗ trợ 1.5 tỷ, dự án kết thúc 15/3/2024, thiệt hại
1/3, có biên bản": this module finds the tier, the support amount, the project
end date, the disaster damage, force majeure, the verification record and
in-kind support, with or without diacritics. Every number is read exactly
(``int`` đồng, ``Decimal`` percent; never a float).

How numbers are read (the contract the table and property tests hold):

* An amount with a unit (nghìn/ngàn/k, triệu/tr, tỷ/tỉ): "," or "." followed by
  one, two or four-plus digits is a decimal mark ("1.5 tỷ", "1,5 tỷ", "2.5tr");
  one separator followed by exactly three digits ("1.500 tỷ") can be either
  and is returned with both readings, for the officer to choose. Compound
  amounts: "1 tỷ 200 triệu", "1 tỷ 2" (= 1 tỷ 200 triệu), "1tr5", "1 tỷ rưỡi",
  and in words "một tỷ hai trăm triệu".
* An amount without a unit counts only with a currency word or at least six
  digits ("50.000.000", "40000000", "500.000 đồng").
* Damage: digits with "%" or "phần trăm" (sign kept: "-5%" is read as -5 so
  it can be refused), words ("ba mươi phần trăm") and fractions ("1/3",
  "một phần ba", "một nửa"), near a damage word ("thiệt hại", "hư hại", …).
  A damage word without a figure is reported as ``damage_mentioned``.
* Full-width and other Unicode digits are read as ASCII digits ("３０%").

Impossible values are not corrected here: the dialogue validates them with
``sotay.rules`` parsers and asks back. Amount words are written by hand: no
maintained library reads Vietnamese money expressions, and the grammar needed
is small.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sotay.text import fold, nfc

_DIGIT_WORDS = {
    "khong": 0, "mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "lam": 5, "sau": 6,
    "bay": 7, "tam": 8, "chin": 9,
}
_NUMBER_WORDS = set(_DIGIT_WORDS) | {"muoi", "tram", "linh", "le", "ruoi"}
SCALES = {"nghin": 10**3, "ngan": 10**3, "k": 10**3, "trieu": 10**6, "tr": 10**6, "ty": 10**9, "ti": 10**9}
_CURRENCY = {"dong", "d", "vnd"}
MAX_DIGITS = 20  # a number longer than this is not an amount anyone means; refused, not parsed

# One token: a number (digits, optionally grouped by "." "," or a single space
# before three digits), a word of letters, or any other character.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?: \d{3}(?!\d))*|[a-z]+|\S")

_DATE_NUMERIC = re.compile(r"(?<![\d/])(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})(?![\d/])")
_DATE_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_DATE_WORDS = re.compile(r"ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})")

_TIERS = (
    (re.compile(r"\b(dac biet kho khan|dbkk|db kho khan)\b"), "dbkk"),
    (re.compile(r"\b(con lai|khong kho khan|binh thuong)\b"), "con-lai"),
    (re.compile(r"\bkho khan\b"), "kho-khan"),
)
_DAMAGE_WORD = re.compile(r"\b(thiet hai|hu hai|hu hong|mat trang|mat mua)\b")
_DAMAGE_CONTEXT = re.compile(r"\b(thiet hai|hu hai|hu hong|mat trang|mat mua|mat|chet|thien tai)\b")
_NO_DAMAGE = re.compile(r"\b(khong (bi )?thiet hai|khong co thiet hai|khong bi thien tai|khong hu hai)\b")
_FORCE_MAJEURE = re.compile(r"\b(bat kha khang|dich benh|hoa hoan)\b")
_NO_RECORD = re.compile(r"\b(khong|chua)\s+(co\s+)?bien ban\b")
_RECORD = re.compile(r"\b(co bien ban|da co bien ban|co xac nhan|bien ban xac nhan)\b")
_IN_KIND = re.compile(r"(?:hien vat|ho tro|gom|la)\s*:?\s*(\d+(?:,\d+)?)\s+((?:con|cay|tan|ta|kg|bao|chiec|cai|thung|ga|bo|heo|lon|de)\b(?:\s+[a-z]+)?)")

# Percent expressions: "30%", "29,5 %", "-5 phần trăm", "ba mươi phần trăm", "1/3", "một phần ba", "một nửa".
_PERCENT_DIGITS = re.compile(r"(?<![\d.,])((?:-|am\s+)?\d+(?:[.,]\d+)?)\s*(?:%|phan tram\b)")
_PERCENT_WORDS = re.compile(r"\b((?:(?:" + "|".join(sorted(_NUMBER_WORDS)) + r")\s+)+)phan tram\b")
_FRACTION_DIGITS = re.compile(r"(?<![\d/.,])(\d{1,2})\s*/\s*(\d{1,2})(?![\d/%])")
_FRACTION_WORDS = re.compile(r"\b(mot|hai|ba|bon)\s+phan\s+(hai|ba|bon|tu|nam|muoi)\b|\b(mot nua|nua)\b")
_DAMAGE_WINDOW = 30  # characters between a damage word and its figure

_UNICODE_PUNCT = str.maketrans({"％": "%", "，": ",", "．": ".", "／": "/", "－": "-", "−": "-", "‐": "-",
                                "\u00a0": " ", "\u202f": " "})


@dataclass(frozen=True)
class Amount:
    """A support amount read from text: its value in đồng and, when the text is ambiguous, every reading.

    ``readings`` has one element for a clear amount and two or more when the
    officer must choose ("1.500 tỷ": 1.500.000.000.000 or 1.500.000.000).
    """

    readings: tuple[int, ...]
    text: str  # as the officer wrote it

    @property
    def ambiguous(self) -> bool:
        return len(self.readings) > 1


@dataclass(frozen=True)
class Percent:
    """A damage figure read from text: the exact percentage and how the officer wrote it."""

    value: Decimal
    text: str


@dataclass
class RecoveryDetails:
    """What a message says about a project; None where it says nothing."""

    tier: str | None = None
    amount: Amount | None = None
    end: str | None = None  # dd/mm/yyyy, for sotay.rules.parse_date
    damage: Percent | None = None
    damage_mentioned: bool = False  # a damage word with no figure: the percentage must be asked
    force_majeure: bool | None = None
    verified: bool | None = None
    in_kind: str | None = None
    unreadable: list[str] = field(default_factory=list)  # Vietnamese messages for numbers that cannot be read
    found: set[str] = field(default_factory=set)

    def set(self, name: str, value: object) -> None:
        """Record ``value`` as the detail ``name`` and mark it found."""
        setattr(self, name, value)
        self.found.add(name)


class Unreadable(ValueError):
    """A number that cannot be read; the message is Vietnamese and safe to show."""


def ascii_digits(text: str) -> str:
    """``text`` with every Unicode decimal digit as its ASCII digit and full-width signs as ASCII ones."""
    text = text.translate(_UNICODE_PUNCT)
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text)


def prepare(text: str) -> str:
    """The folded form every finder reads: NFC, ASCII digits, no diacritics, lower case."""
    return fold(ascii_digits(nfc(text)))


# --- numbers ------------------------------------------------------------------------------------------


def _check_length(digits: str) -> None:
    if len(re.sub(r"\D", "", digits)) > MAX_DIGITS:
        raise Unreadable(f"Số “{digits[:24]}…” quá dài, không phải một số tiền hợp lý. Vui lòng kiểm tra lại.")


def numeral_readings(text: str) -> tuple[Decimal, ...]:
    """Every reading of a written numeral: '1.5' -> (1.5,), '1.500' -> (1500, 1.5), '1.234,5' -> (1234.5,).

    Raises ``Unreadable`` for a badly grouped number ("1.23.4").
    """
    _check_length(text)
    text = text.replace(" ", "")
    seps = re.findall(r"[.,]", text)
    if not seps:
        return (Decimal(text),)
    parts = re.split(r"[.,]", text)
    if len(seps) == 1:
        whole, frac = parts
        decimal = Decimal(f"{whole}.{frac}")
        if len(frac) == 3 and whole != "0" and len(whole) <= 3:
            return (Decimal(whole + frac), decimal)  # "1.500": grouped thousands, or a decimal mark
        return (decimal,)
    if len(set(seps)) == 1 and all(len(p) == 3 for p in parts[1:]) and len(parts[0]) <= 3:
        return (Decimal("".join(parts)),)  # "1.500.000"
    if len(set(seps)) == 2 and seps[-1] != seps[0] and seps[:-1].count(seps[0]) == len(seps) - 1 \
            and all(len(p) == 3 for p in parts[1:-1]) and len(parts[0]) <= 3:
        return (Decimal("".join(parts[:-1]) + "." + parts[-1]),)  # "1.234,5" or "1,234.5"
    raise Unreadable(f"Không đọc được số “{text}”: các dấu chấm/phẩy không đúng cách viết số.")


def words_to_number(words: list[str]) -> Decimal | None:
    """Folded number words below 1000: 'hai tram nam muoi' -> 250, 'muoi lam' -> 15, 'mot' -> 1."""
    value = Decimal(0)
    pending: int | None = None
    for tok in words:
        if tok in ("linh", "le"):
            continue
        if tok in ("tram", "muoi"):
            value += (pending if pending is not None else 1) * (100 if tok == "tram" else 10)
            pending = None
        elif tok in _DIGIT_WORDS:
            if pending is not None:
                return None  # "hai ba": not one number
            pending = _DIGIT_WORDS[tok]
        else:
            return None
    value += pending or 0
    return value if words else None


def _leading_digits(value: Decimal, digits: int, scale: int) -> Decimal:
    """'1 tỷ 2' -> 200 triệu: a bare number after a unit gives the leading digits of the next group."""
    return value * scale / Decimal(10) ** digits


# --- amounts ------------------------------------------------------------------------------------------


@dataclass
class _Numeral:
    readings: tuple[Decimal, ...]
    width: int  # digits written (for "1 tỷ 25"), or 1 per spoken digit
    end: int  # index of the next token


def _numeral_at(tokens: list[str], i: int) -> _Numeral | None:
    """The numeral (digits or number words) starting at token ``i``."""
    if i >= len(tokens):
        return None
    if tokens[i][0].isdigit():
        return _Numeral(numeral_readings(tokens[i]), len(tokens[i].replace(" ", "")), i + 1)
    j = i
    while j < len(tokens) and tokens[j] in _NUMBER_WORDS and tokens[j] != "ruoi":
        j += 1
    words = tokens[i:j]
    # "năm" (five) doubles as "year"; a lone number word counts only before a unit
    value = words_to_number(words)
    if value is None:
        return None
    digits = sum(w in _DIGIT_WORDS for w in words)
    return _Numeral((value,), max(digits, 1), j)


# Words after "1 tỷ 2" that show the 2 counts something else ("1 tỷ 2 dự án", "100 triệu 3 hộ").
_COUNTED = {"du", "ho", "nguoi", "con", "cay", "tan", "ta", "kg", "bao", "chiec", "cai", "thung", "lan",
            "thang", "nam", "ngay", "phan", "xa", "thon", "ban", "nhom", "hop", "htx", "to"}


def _continues_amount(tokens: list[str], i: int, numeral: _Numeral, scale: int) -> bool:
    """Whether the bare numeral at token ``i``, right after a unit, is the amount's next digits."""
    value = numeral.readings[0]
    if numeral.width > 3 or value != value.to_integral_value() or scale < 10**3:
        return False
    follower = tokens[numeral.end] if numeral.end < len(tokens) else ""
    if follower in ("%", "/", "-") or follower[:1].isdigit() or follower in _COUNTED:
        return False
    if not tokens[i][0].isdigit():  # spoken: "một tỷ hai" only at the end of a phrase ("năm" is also "year")
        return follower == "" or follower in _CURRENCY or not follower.isalnum()
    return True


def _amount_at(tokens: list[str], i: int) -> tuple[tuple[Decimal, ...], int] | None:
    """Readings of an amount with units starting at token ``i`` and the index after it."""
    first = _numeral_at(tokens, i)
    if first is None or first.end >= len(tokens) or tokens[first.end] not in SCALES:
        return None
    if tokens[first.end] == "ty" and first.end + 1 < len(tokens) and tokens[first.end + 1] == "le":
        return None  # "tỷ lệ" (rate), not "tỷ" (billion)
    scale = SCALES[tokens[first.end]]
    totals = [r * scale for r in first.readings]
    j = first.end + 1
    while j < len(tokens):
        if tokens[j] == "ruoi":
            totals = [t + Decimal(scale) / 2 for t in totals]
            j += 1
            break
        nxt = _numeral_at(tokens, j)
        if nxt is None or len(nxt.readings) > 1:
            break
        if nxt.end < len(tokens) and tokens[nxt.end] in SCALES and SCALES[tokens[nxt.end]] < scale:
            scale = SCALES[tokens[nxt.end]]
            totals = [t + nxt.readings[0] * scale for t in totals]
            j = nxt.end + 1
            continue
        if _continues_amount(tokens, j, nxt, scale):
            totals = [t + _leading_digits(nxt.readings[0], nxt.width, scale) for t in totals]
            j = nxt.end
        break
    return tuple(totals), j


def _plain_amount_at(tokens: list[str], i: int) -> tuple[tuple[Decimal, ...], int] | None:
    """An amount without a unit: 6+ digits, or any grouped number followed by a currency word."""
    token = tokens[i]
    if not token[0].isdigit():
        return None
    with_currency = i + 1 < len(tokens) and tokens[i + 1] in _CURRENCY
    if not (with_currency or len(re.sub(r"\D", "", token)) >= 6):
        return None
    _check_length(token)
    if re.fullmatch(r"\d+|\d{1,3}(?:([.,]| )\d{3})(?:\1\d{3})*", token):
        return (Decimal(re.sub(r"\D", "", token)),), i + (2 if with_currency else 1)
    raise Unreadable(f"Không đọc được số tiền “{token}”: số tiền đồng viết dạng 50.000.000 hoặc 50000000.")


def find_amount(folded: str) -> Amount | None:
    """The first support amount in a prepared (folded) message, with every reading when ambiguous.

    Raises ``Unreadable`` for a number that is written wrongly or is absurdly long.
    """
    spans = [(m.start(), m.end()) for m in _TOKEN.finditer(folded)]
    tokens = [folded[a:b] for a, b in spans]
    for i, token in enumerate(tokens):
        if i and tokens[i - 1] in ("-", "/"):
            continue  # "-5 triệu" is not an amount to read here; "1/3" neither
        found = _amount_at(tokens, i) or _plain_amount_at(tokens, i)
        if found:
            readings, j = found
            whole = tuple(dict.fromkeys(int(r.quantize(Decimal(1), rounding=ROUND_HALF_UP)) for r in readings))
            return Amount(whole, folded[spans[i][0]:spans[j - 1][1]])
    return None


# --- percentages --------------------------------------------------------------------------------------


def _fraction(numerator: int, denominator: int) -> Decimal:
    """``numerator/denominator`` as a percentage to 0.01 ("1/3" -> 33.33; "3/10" -> 30 exactly)."""
    value = (Decimal(numerator) * 100 / denominator).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Decimal(int(value)) if value == value.to_integral_value() else value


def _signed_number(number: str) -> Decimal:
    """ "29,5" -> 29.5; "-5" and "am 5" ("âm 5") -> -5 (kept negative so that it can be refused)."""
    negative = number.startswith(("-", "am"))
    value = Decimal(re.sub(r"^(-|am\s+)", "", number).replace(",", "."))
    return -value if negative else value


def _percent_matches(folded: str) -> list[tuple[int, int, Percent]]:
    """Every percent-like expression in ``folded``: (start, end, value)."""
    folded = _without(_DAMAGE_CONTEXT, folded)  # "thiệt hại mười phần trăm" is 10 %, not "hai mươi"
    found: list[tuple[int, int, Percent]] = []
    for m in _PERCENT_DIGITS.finditer(folded):
        found.append((m.start(), m.end(), Percent(_signed_number(m.group(1)), m.group(0))))
    for m in _PERCENT_WORDS.finditer(folded):
        words = m.group(1).split()
        for skip in range(len(words)):  # "thiệt hại ba mươi phần trăm": "hai" belongs to "thiệt hại"
            if (value := words_to_number(words[skip:])) is not None:
                start = m.end() - len(" ".join(words[skip:]) + " phan tram")
                found.append((start, m.end(), Percent(value, folded[start:m.end()])))
                break
    for m in _FRACTION_DIGITS.finditer(folded):
        num, den = int(m.group(1)), int(m.group(2))
        if den >= 2:
            found.append((m.start(), m.end(), Percent(_fraction(num, den), m.group(0))))
    words = {"hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "muoi": 10}
    for m in _FRACTION_WORDS.finditer(folded):
        if m.group(3):
            value = Decimal(50)
        else:
            value = _fraction(_DIGIT_WORDS[m.group(1)], words[m.group(2)])
        found.append((m.start(), m.end(), Percent(value, m.group(0))))
    return sorted(found, key=lambda item: item[0])


def find_percent(folded: str) -> Percent | None:
    """The first percent, fraction or bare number in an answer to "how much damage?"."""
    if matches := _percent_matches(folded):
        return matches[0][2]
    if m := re.fullmatch(r"\s*(?:khoang|tam|chung|gan|duoc)?\s*((?:-|am\s+)?\d+(?:[.,]\d+)?)\s*[.!]?\s*", folded):
        return Percent(_signed_number(m.group(1)), m.group(1))
    return None


def find_damage(folded: str) -> Percent | None:
    """The damage figure of a message: a percent expression next to a damage word."""
    words = [(m.start(), m.end()) for m in _DAMAGE_CONTEXT.finditer(folded)]
    for start, end, percent in _percent_matches(folded):
        for w_start, w_end in words:
            if 0 <= start - w_end <= _DAMAGE_WINDOW or 0 <= w_start - end <= 3:
                return percent
    return None


# --- other details ------------------------------------------------------------------------------------


def find_date(folded: str) -> str | None:
    """The first date in a folded message as dd/mm/yyyy (not validated)."""
    if m := _DATE_WORDS.search(folded):
        return f"{m.group(1)}/{m.group(2)}/{m.group(3)}"
    if m := _DATE_ISO.search(folded):
        return f"{m.group(3)}/{m.group(2)}/{m.group(1)}"
    if m := _DATE_NUMERIC.search(folded):
        return f"{m.group(1)}/{m.group(2)}/{m.group(3)}"
    return None


def find_tier(folded: str) -> str | None:
    """The tier code a folded message names, if any."""
    for pattern, tier in _TIERS:
        if pattern.search(folded):
            return tier
    return None


def _without(pattern: re.Pattern[str], text: str) -> str:
    """``text`` with every match of ``pattern`` blanked out (lengths kept)."""
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def extract(text: str) -> RecoveryDetails:
    """Every recovery detail ``text`` states (a field stays None when absent)."""
    folded = prepare(text)
    details = RecoveryDetails()
    if tier := find_tier(folded):
        details.set("tier", tier)
    if date := find_date(folded):
        details.set("end", date)
    without_dates = _without(_DATE_WORDS, _without(_DATE_NUMERIC, _without(_DATE_ISO, folded)))
    damage = find_damage(without_dates)
    if damage is not None:
        start = without_dates.index(damage.text)
        details.set("damage", Percent(damage.value, _original_span(text, folded, start, start + len(damage.text))))
    elif _NO_DAMAGE.search(folded):
        details.set("damage", Percent(Decimal(0), "không thiệt hại"))
    elif _DAMAGE_WORD.search(folded):
        details.damage_mentioned = True
    money_text = _without(_DAMAGE_CONTEXT, without_dates)
    for start, end, _ in _percent_matches(without_dates):
        money_text = money_text[:start] + " " * (end - start) + money_text[end:]
    try:
        if amount := find_amount(money_text):
            start = money_text.index(amount.text)
            details.set("amount", Amount(amount.readings, _original_span(text, folded, start, start + len(amount.text))))
    except Unreadable as exc:
        details.unreadable.append(str(exc))
    if _FORCE_MAJEURE.search(folded):
        details.set("force_majeure", True)
    if _NO_RECORD.search(folded):
        details.set("verified", False)
    elif _RECORD.search(folded):
        details.set("verified", True)
    if m := _IN_KIND.search(folded):
        details.set("in_kind", _original_span(text, folded, m.start(1), m.end(2)).strip())
    return details


def _original_span(text: str, folded: str, start: int, end: int) -> str:
    """The span of the original text matching folded[start:end] (folding keeps length)."""
    original = ascii_digits(nfc(text))
    return original[start:end] if len(original) == len(folded) else folded[start:end]


def looks_like_recovery_request(text: str) -> bool:
    """True when a message asks for a recovery calculation (not a question about the rules)."""
    folded = prepare(text)
    details = extract(text)
    talks_recovery = bool(re.search(r"\b(thu hoi|thuhoi|hoan tra|quay vong)\b", folded))
    has_figures = bool({"amount", "end"} & details.found) or bool(details.unreadable)
    asks_to_compute = bool(re.search(r"\b(tinh|phai nop|phai tra|bao nhieu tien)\b", folded))
    project_described = len({"tier", "amount", "end"} & details.found) >= 2
    return project_described or talks_recovery and (has_figures or asks_to_compute)
