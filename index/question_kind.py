"""What kind of answer a question asks for, and whether a passage has that kind of content.

"bao nhiêu / mức / tỷ lệ" asks for an amount (a number, a sum of money, a percentage);
"khi nào / bao lâu / thời hạn / định kỳ" for a time (a date, a duration, a frequency);
"ai / cơ quan nào / đơn vị nào" for a body; "ở đâu / nộp ở đâu / tài khoản nào" for a place.
A passage that has no content of the asked kind does not answer, however close its words:
"Chỉ tiêu thành lập mới HTX của Sơn La là bao nhiêu?" is not answered by a clause that sets
no number. Questions and passages are compared folded (without diacritics).
"""

from __future__ import annotations

import re
from enum import Enum

from sotay.index.vietnamese import expand_abbreviations
from sotay.text import fold

# Officers' shorthand for "bao nhiêu" ("phí chứng thực bn", "bao nhiu %"), read as written out.
_HOW_MANY_SHORTHAND = re.compile(r"\b(bn|bnhieu|bao nhiu)\b")


def _fold_question(question: str) -> str:
    """``question`` folded, with the shorthand for "bao nhiêu" written out."""
    return _HOW_MANY_SHORTHAND.sub("bao nhieu", fold(question))


class QuestionKind(Enum):
    """The kind of answer a question asks for."""

    AMOUNT = "amount"
    TIME = "time"
    WHO = "who"
    WHERE = "where"
    OTHER = "other"


# Checked in this order: "bao nhiêu ngày" asks for a time before "bao nhiêu" asks for an amount.
_ASKS = (
    (QuestionKind.TIME, re.compile(
        r"\b(khi nao|bao lau|bao gio|luc nao|thoi han|han chot|dinh ky|may ngay|may thang|may nam|may lan"
        r"|bao nhieu (ngay|thang|nam|lan|tuan|gio)|hieu luc (tu|khi)|tu ngay nao|den ngay nao|ngay nao"
        r"|thoi gian (giai quyet|thuc hien|xu ly|thu hoi|bao lau)|trong vong bao)\b")),
    (QuestionKind.WHO, re.compile(
        r"(^|\s)(ai|co quan nao|don vi nao|cap nao|ben nao|bo phan nao|phong nao|so nao|to chuc nao|nguoi nao)(\s|\?|$)"
        r"|\b(do ai|ai (la|se|phai|chiu|lap|chu tri|thuc hien|cap|quyet dinh|ky|giai quyet|lo|duoc))\b")),
    (QuestionKind.WHERE, re.compile(
        r"\b(o dau|tai dau|noi nao|cho nao|dia chi|tai khoan nao|nop (o|tai) (dau|nao)|gui (o|ve) dau)\b")),
    (QuestionKind.AMOUNT, re.compile(
        r"\b(bao nhieu|muc (chi|ho tro|thu|phi|gia|thuong)|ty le|may phan tram|gia (thue|ban|thoc|dat)"
        r"|le phi|phi (bao|la)|bao nhieu tien|toi da|toi thieu)\b")),
)

_HAS = {
    QuestionKind.AMOUNT: re.compile(
        r"\d[\d.,]*\s*(%|dong|d\b|trieu|ty|nghin|ngan|phan tram|lan|nguoi|ho|m2|m3|ha|kg|tan|con|cay|thang|nam|ngay)"
        r"|\d{2,}|\b(mien phi|khong thu|khong thu hoi|khong|mot phan|toan bo|100%)\b"),
    QuestionKind.TIME: re.compile(
        r"\d{1,2}/\d{1,2}/\d{2,4}|\d+\s*(ngay|thang|nam|tuan|gio|phut)\b|\b(ngay|thang) \d|\bnam \d{4}"
        r"|\b(ke tu|ngay ky|hang (nam|thang|quy|tuan|ngay)|dinh ky|truoc ngay|cham nhat|thuong xuyen"
        r"|(mot|hai|ba|muoi|nam|sau|bay|tam|chin|bon) \(?\d*\)?\s*(ngay|thang|nam)|quy (i|ii|iii|iv|\d)|lan/nam"
        r"|nam/lan|truoc|sau khi|trong thoi han|ngay lam viec)\b"),
    QuestionKind.WHO: re.compile(
        r"\b(uy ban|ubnd|so |phong |ban |to |hoi |trung tam|co quan|chu tich|cap xa|cap huyen|cap tinh|bo |cuc"
        r"|chi cuc|kho bac|ngan hang|mat tran|doan |cong an|quan doi|bo chi huy|hop tac xa|nguoi dung dau"
        r"|cong dong|ca nhan|to chuc|doanh nghiep|thu truong|giam doc|van phong|thanh tra|vien kiem sat|toa an)"),
    QuestionKind.WHERE: re.compile(
        r"\b(tai |o |noi |dia chi|tru so|trung tam|bo phan (tiep nhan|mot cua)|mot cua|tai khoan|truc tuyen"
        r"|dich vu cong|buu chinh|cong thong tin|kho bac|ngan hang|uy ban)"),
}


def question_kind(question: str) -> QuestionKind:
    """The kind of answer ``question`` asks for (OTHER when it asks for none in particular)."""
    folded = _fold_question(question)
    for kind, pattern in _ASKS:
        if pattern.search(folded):
            return kind
    return QuestionKind.OTHER


def has_kind(kind: QuestionKind, passage: str) -> bool:
    """Whether ``passage`` holds content of the ``kind`` asked (always True for OTHER)."""
    if kind is QuestionKind.OTHER:
        return True
    return bool(_HAS[kind].search(fold(passage)))


# "QĐ 44 … có hiệu lực khi nào?" asks the clause that sets the decision's date of effect, not the
# points that list what ceases to be in force "kể từ ngày Quyết định này có hiệu lực".
_ASKS_EFFECT = re.compile(r"\b(hieu luc|ap dung|thi hanh)( thi hanh)?( ke)?( tu)? (khi nao|ngay nao|bao gio|luc nao)\b"
                          r"|\b(khi nao|ngay nao|bao gio|luc nao) (thi )?(co |bat dau )?(hieu luc|ap dung)\b")
_STATES_EFFECT = re.compile(r"(?<!het )\bco hieu luc( thi hanh)?( ke)? tu (ngay|khi)")


def asks_effective_date(question: str) -> bool:
    """Whether ``question`` asks when a decision takes effect (not when another one ceases to)."""
    folded = fold(question)
    return bool(_ASKS_EFFECT.search(folded)) and "het hieu luc" not in folded


def states_effective_date(passage: str) -> bool:
    """Whether ``passage`` states when its decision takes effect ("có hiệu lực (thi hành) kể từ ngày …")."""
    return bool(_STATES_EFFECT.search(fold(passage)))


# "Căn cứ nghị định nào?" asks the legal basis; "Sở nào đề nghị bãi bỏ …?", "tờ trình của ai?" who proposed
# the decision: its recitals ("Căn cứ …", "Theo đề nghị của Sở … tại Tờ trình số …") say both, and nothing
# else ("đơn đề nghị cấp phép" asks neither).
_ASKS_BASIS = re.compile(r"\b(can cu|co so phap ly|dua (vao|tren)|theo (luat|nghi dinh|thong tu|quy dinh|van ban) nao"
                         r"|thuc hien (quyet dinh|nghi quyet|luat) nao|ban hanh theo)\b")
_ASKS_PROPOSER = re.compile(r"\b((ai|nao) (da )?(de nghi|de xuat|trinh)|to trinh)\b")
_STATES_PROPOSER = re.compile(r"^\W*(theo|xet) (de nghi|de xuat|to trinh)\b")


def recitals_answer(question: str) -> bool:
    """Whether a decision's recitals may answer ``question``: it asks the legal basis or who proposed it."""
    return bool(_ASKS_BASIS.search(fold(question))) or asks_proposer(question)


def asks_proposer(question: str) -> bool:
    """Whether ``question`` asks which body proposed the decision."""
    return bool(_ASKS_PROPOSER.search(fold(question)))


def states_proposer(passage: str) -> bool:
    """Whether ``passage`` is the recital naming who proposed the decision ("Theo đề nghị của …")."""
    return bool(_STATES_PROPOSER.search(fold(passage)))


# "QĐ 2579 thay thế QĐ nào?", "QĐ 02125 bãi bỏ nội dung nào của QĐ 01786?", "QĐ 2698 sửa đổi QĐ nào?" ask
# what a decision repeals, replaces or amends: the article that says "bãi bỏ / thay thế / hết hiệu lực / sửa
# đổi" answers it.
_CHANGE = re.compile(r"\b(thay the|bai bo|het hieu luc|sua doi)\b")


def asks_change(question: str) -> bool:
    """Whether ``question`` asks what a decision repeals or replaces (or whether it was repealed)."""
    return bool(_CHANGE.search(fold(question)))


def states_change(passage: str) -> bool:
    """Whether ``passage`` repeals or replaces something ("bãi bỏ", "thay thế", "hết hiệu lực")."""
    return bool(_CHANGE.search(fold(passage)))


# "bao nhiêu điểm / mấy ngày làm việc / bao nhiêu %" name the unit of the number asked for: a clause
# that states a number in that unit ("đạt từ 95 điểm", "05 ngày làm việc", "70%") answers it, a sibling
# that only shares the question's words does not. After "mấy" only units count ("máy móc" folds to "may moc").
_MONEY = r"\d[\d.,]*\s*(?:\([^)]{1,60}\)\s*)?(?:dong|d\b|trieu|ty|nghin|ngan)"
_PERCENT = r"\d\s*%|\(%\)|phan tram"  # "(%)": a table's column of percentages
_AFTER_HOW_MANY = re.compile(r"\b(?:bao nhieu|may)\s+(%|phan tram|tien\b|[a-z]+(?: lam viec)?)(?! nao\b)")
_UNITS_AFTER_MAY = frozenset({
    "ngay", "ngay lam viec", "thang", "nam", "tuan", "gio", "tieng", "phut", "lan", "nguoi", "ho", "xa", "diem",
    "buoc", "ban", "loai", "muc", "dot", "ky", "cap", "thanh", "thu", "%", "phan tram", "tien", "trieu", "ty"})
# A time limit, a share or a number of people must be stated for a clause to answer it ("giải quyết mấy ngày" is
# not answered by an article that only names the procedure; "mấy người" by "01 - 02 học viên"); a count of steps
# or items may be told otherwise, so those units only rank.
_PERIODS = frozenset({"ngay", "tuan", "thang", "nam", "quy"})
_REQUIRED_UNITS = frozenset({"ngay", "ngay lam viec", "tuan", "thang", "gio", "tieng", "phut", "%", "phan tram",
                             "nguoi"})
_NOT_UNITS = frozenset({"la", "thi", "vay", "a", "ha", "nhi", "the", "de", "cho", "duoc", "khi", "roi", "ma",
                        "va", "o", "tai", "trong", "nua", "so", "con", "moi"})
_DAY_OF_MONTH = re.compile(r"\bngay may\b")


def asked_quantity(question: str) -> re.Pattern[str] | None:
    """What a passage must state to give the number ``question`` asks for, or None when it asks none.

    "bao nhiêu điểm" → a number followed by "điểm"; "mấy ngày làm việc" → "… ngày làm việc";
    "bao nhiêu %" / "mấy phần trăm" → a percentage; "bao nhiêu tiền" → a sum of money; "trước ngày
    mấy" → a day of the month. Compared folded, abbreviations expanded ("bao nhiêu TTHC" → "33 thủ tục").
    """
    folded = _fold_question(expand_abbreviations(question))
    if _DAY_OF_MONTH.search(folded):
        return re.compile(r"\bngay\s+\d{1,2}\b")
    unit = _asked_unit(folded)
    return None if unit is None else _stating(unit)


def required_quantity(question: str) -> re.Pattern[str] | None:
    """What a passage must state to answer ``question`` at all: :func:`asked_quantity` when it asks for a time
    limit, a share or a number of people ("mấy ngày", "bao nhiêu %", "mấy người"), else None."""
    unit = _asked_unit(_fold_question(expand_abbreviations(question)))
    return _stating(unit) if unit in _REQUIRED_UNITS else None


def _asked_unit(folded: str) -> str | None:
    """The unit of the number a folded question asks for ("ngay lam viec", "%", "diem"), or None."""
    for m in _AFTER_HOW_MANY.finditer(folded):
        unit = m.group(1)
        if unit in _NOT_UNITS or (m.group(0).startswith("may") and unit not in _UNITS_AFTER_MAY
                                  and unit.split()[0] not in _UNITS_AFTER_MAY):
            continue
        return unit
    return None


def _stating(unit: str) -> re.Pattern[str]:
    """A number in ``unit`` (folded), as a passage states it."""
    if unit in ("%", "phan tram"):
        return re.compile(_PERCENT)
    if unit in ("tien", "trieu", "ty"):
        return re.compile(_MONEY)
    if unit == "nguoi":  # "mấy người" is told in people, trainees, members or delegates
        return re.compile(r"\d[\d.,]*\s*(?:\([^)]{1,60}\)\s*)?(?:nguoi|hoc vien|thanh vien|dai bieu|can bo)\b")
    if unit in ("gio", "tieng"):
        return re.compile(r"\d[\d.,/]*\s*(?:gio|tieng)\b")
    number = r"\d[\d.,]*\s*(?:\([^)]{1,60}\)\s*)?" + re.escape(unit) + r"\b"
    if unit in _PERIODS:  # "định kỳ mấy tháng" is also answered by "hằng tháng" (every month)
        return re.compile(number + r"|\b(?:hang|moi)\s+" + re.escape(unit) + r"\b")
    return re.compile(number)


def states_quantity(asked: re.Pattern[str], passage: str) -> bool:
    """Whether ``passage`` states the number ``asked`` (from :func:`asked_quantity`) describes."""
    return bool(asked.search(fold(expand_abbreviations(passage))))


# "phí công chứng bao nhiêu", "phụ cấp … là bao nhiêu", "mức chi … mấy tiền": a sum of money is asked for. A clause
# that states none (a training plan's "212 lớp, 70 học viên/lớp", a date of effect) does not answer it, however
# close its words; one that says none is due ("miễn phí", "không thu") or sets it by a rate does.
_ASKS_MONEY = re.compile(
    r"\b(le phi|muc phi|(?<!hop )phi (?!hop)\w+|muc thu|muc chi|kinh phi|chi phi|muc luong|tien luong|phu cap"
    r"|gia (ban|thue|dat|thoc|dich vu))\b.*(?<!ma so )(?<!so hieu )\b(bao nhieu|may)\b"
    r"(?!\s+(lan|ngay|thang|nam|tuan|gio|nguoi|ho|xa|diem|buoc|lop|loai|muc|%|phan tram))|\b(bao nhieu|may) tien\b")
_STATES_MONEY = re.compile(_MONEY + r"|\bmien\b|khong thu|khong mat|he so|luong co so|\d\s*%")


def asks_money(question: str) -> bool:
    """Whether ``question`` asks for a sum of money (a fee, an allowance, a rate of spending)."""
    return bool(_ASKS_MONEY.search(_fold_question(question)))


def states_money(passage: str) -> bool:
    """Whether ``passage`` states a sum, a rate or coefficient it is reckoned by, or that nothing is due."""
    return bool(_STATES_MONEY.search(fold(passage)))
