"""Pulling recovery details out of free Vietnamese chat text.

Officers write "Xã khó khăn, hỗ trợ 100 triệu, dự án kết thúc 15/3/2024":
this module finds the tier, the support amount, the project end date, the
disaster damage, force majeure, the verification record and in-kind support,
with or without diacritics. Amount words ("hai trăm triệu", "1 tỷ rưỡi",
"200tr") are written by hand here: no maintained library reads Vietnamese
money expressions, and the grammar needed is small. Everything found is handed
to ``sotay.rules`` parsers, which own validation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sotay.index.normalize import fold, nfc

_DIGITS = {
    "khong": 0, "mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "lam": 5, "sau": 6,
    "bay": 7, "tam": 8, "chin": 9,
}
_SCALES = {"nghin": 10**3, "ngan": 10**3, "trieu": 10**6, "tr": 10**6, "ty": 10**9, "ti": 10**9, "k": 10**3}

# "100 triệu", "1,5 tỷ", "200tr", "1 tỷ 200 triệu", "50.000.000 đồng", "50 000 000 đ"
_NUMBER = r"\d+(?:[.,]\d+)*"
_MONEY_DIGITS = re.compile(
    rf"(?<![\d/.,-])({_NUMBER})\s*(ty|ti|trieu|tr|nghin|ngan|k)\b(?:\s*({_NUMBER})\s*(trieu|tr|nghin|ngan))?(?:\s*ruoi)?"
)
_PLAIN_MONEY = re.compile(r"(?<![\d/.,-])(\d{1,3}(?:[. ]\d{3}){2,}|\d{6,})\s*(?:dong|d|vnd)?(?![\d/])")
_WORD_MONEY = re.compile(
    r"\b((?:(?:mot|hai|ba|bon|tu|nam|lam|sau|bay|tam|chin|muoi|tram|linh|le|ruoi)\s*)+)(ty|trieu|nghin|ngan)\b(\s+ruoi)?"
)

_DATE_NUMERIC = re.compile(r"(?<![\d/])(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})(?![\d/])")
_DATE_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_DATE_WORDS = re.compile(r"ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})")

_TIERS = (
    (re.compile(r"\b(dac biet kho khan|dbkk|db kho khan)\b"), "dbkk"),
    (re.compile(r"\b(con lai|khong kho khan|binh thuong)\b"), "con-lai"),
    (re.compile(r"\bkho khan\b"), "kho-khan"),
)
_DAMAGE = re.compile(r"(?:thiet hai|hu hai|mat|thiet hai do thien tai)\D{0,25}?(\d{1,3}(?:[.,]\d+)?)\s*%")
_PERCENT_DAMAGE = re.compile(r"(\d{1,3}(?:[.,]\d+)?)\s*%\s*(?:thiet hai|do thien tai)")
_NO_DAMAGE = re.compile(r"\b(khong (bi )?thiet hai|khong co thiet hai|khong bi thien tai)\b")
_FORCE_MAJEURE = re.compile(r"\b(bat kha khang|dich benh|hoa hoan)\b")
_NO_RECORD = re.compile(r"\b(khong|chua)\s+(co\s+)?bien ban\b")
_RECORD = re.compile(r"\b(co bien ban|da co bien ban|co xac nhan|bien ban xac nhan)\b")
_IN_KIND = re.compile(r"(?:hien vat|ho tro|gom|la)\s*:?\s*(\d+(?:,\d+)?)\s+((?:con|cay|tan|ta|kg|bao|chiec|cai|thung|ga|bo|heo|lon|de)\b(?:\s+[a-z]+)?)")


@dataclass
class RecoveryDetails:
    """What a message says about a project; None where it says nothing."""

    tier: str | None = None
    amount: str | None = None  # as written by the user, for sotay.rules.parse_amount
    end: str | None = None  # dd/mm/yyyy, for sotay.rules.parse_date
    damage: str | None = None  # percent as text
    force_majeure: bool | None = None
    verified: bool | None = None
    in_kind: str | None = None
    found: set[str] = field(default_factory=set)

    def set(self, name: str, value: object) -> None:
        """Record ``value`` as the detail ``name`` and mark it found."""
        setattr(self, name, value)
        self.found.add(name)


def _number(text: str) -> float:
    """'1,5' -> 1.5 ; '1.500' -> 1500 ; '100' -> 100."""
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
        return float(text.replace(".", ""))
    return float(text.replace(".", "").replace(",", ".")) if text.count(",") <= 1 else float(text.replace(",", ""))


def _words_to_number(words: str) -> float | None:
    """'hai tram nam muoi' -> 250, 'mot ruoi' -> 1.5, 'muoi lam' -> 15 (folded words, < 1000)."""
    value = 0.0
    pending: float | None = None
    last = ""
    for tok in words.split():
        if tok in ("linh", "le"):
            continue
        if tok == "tram":
            value += (pending if pending is not None else 1) * 100
            pending = None
        elif tok == "muoi":
            value += (pending if pending is not None else 1) * 10
            pending = None
        elif tok == "ruoi":
            value += {"tram": 50, "muoi": 5}.get(last, 0.5)
        elif tok in _DIGITS:
            if pending is not None:
                return None  # "hai ba": not a number
            pending = _DIGITS[tok]
        else:
            return None
        last = tok
    value += pending or 0
    return value or None


def find_amount(folded: str) -> tuple[int, str] | None:
    """The support amount in đồng and the matched text, from a folded message."""
    if m := _MONEY_DIGITS.search(folded):
        value = _number(m.group(1)) * _SCALES[m.group(2)]
        if m.group(3):
            value += _number(m.group(3)) * _SCALES[m.group(4)]
        if m.group(0).rstrip().endswith("ruoi"):
            value += _SCALES[m.group(2)] / 2
        return round(value), m.group(0)
    if m := _WORD_MONEY.search(folded):
        number = _words_to_number(m.group(1).strip())
        if number:
            number += 0.5 if m.group(3) else 0
            return round(number * _SCALES[m.group(2)]), m.group(0)
    if m := _PLAIN_MONEY.search(folded):
        return int(re.sub(r"\D", "", m.group(1))), m.group(0)
    return None


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
    for pattern, tier in _TIERS:
        if pattern.search(folded):
            return tier
    return None


def extract(text: str) -> RecoveryDetails:
    """Every recovery detail ``text`` states (a field stays None when absent)."""
    folded = fold(nfc(text))
    details = RecoveryDetails()
    if tier := find_tier(folded):
        details.set("tier", tier)
    without_dates = _DATE_WORDS.sub(" ", _DATE_NUMERIC.sub(" ", _DATE_ISO.sub(" ", folded)))
    if date := find_date(folded):
        details.set("end", date)
    money_text = _DAMAGE.sub(" ", _PERCENT_DAMAGE.sub(" ", without_dates))
    if amount := find_amount(money_text):
        details.set("amount", str(amount[0]))
    if m := _DAMAGE.search(folded) or _PERCENT_DAMAGE.search(folded):
        details.set("damage", m.group(1).replace(",", "."))
    elif _NO_DAMAGE.search(folded):
        details.set("damage", "0")
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
    original = nfc(text)
    return original[start:end] if len(original) == len(folded) else folded[start:end]


def looks_like_recovery_request(text: str) -> bool:
    """True when a message asks for a recovery calculation (not a question about the rules)."""
    folded = fold(nfc(text))
    details = extract(text)
    talks_recovery = bool(re.search(r"\b(thu hoi|thuhoi|hoan tra|quay vong)\b", folded))
    has_figures = bool({"amount", "end"} & details.found)
    asks_to_compute = bool(re.search(r"\b(tinh|phai nop|phai tra|bao nhieu tien)\b", folded))
    project_described = len({"tier", "amount", "end"} & details.found) >= 2
    return project_described or talks_recovery and (has_figures or asks_to_compute)
