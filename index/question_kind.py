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

from sotay.text import fold


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
    folded = fold(question)
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
_ASKS_EFFECT = re.compile(r"\b(hieu luc|ap dung|thi hanh)( thi hanh)?( ke)?( tu)? (khi nao|ngay nao|bao gio|luc nao)\b")
_STATES_EFFECT = re.compile(r"(?<!het )\bco hieu luc( thi hanh)?( ke)? tu (ngay|khi)")


def asks_effective_date(question: str) -> bool:
    """Whether ``question`` asks when a decision takes effect (not when another one ceases to)."""
    folded = fold(question)
    return bool(_ASKS_EFFECT.search(folded)) and "het hieu luc" not in folded


def states_effective_date(passage: str) -> bool:
    """Whether ``passage`` states when its decision takes effect ("có hiệu lực (thi hành) kể từ ngày …")."""
    return bool(_STATES_EFFECT.search(fold(passage)))
