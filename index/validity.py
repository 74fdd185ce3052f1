"""Which decisions a decision repeals or replaces, when it takes effect, and what is still in force.

``stated_changes(text)`` reads a decision's own articles (not its recitals) for "Bãi bỏ (toàn bộ)
Quyết định số 17/2025/QĐ-UBND …", "… thay thế Quyết định số 32/2023/QĐ-UBND", "bãi bỏ Điều 3 của
Quyết định số …" (a part only). ``effective_date(text, signed)`` reads "có hiệu lực (thi hành) kể
từ ngày 07 tháng 12 năm 2025 / 07/12/2025", "kể từ ngày ký", "sau 10 ngày kể từ ngày ký".
``statuses(documents)`` then tells, for every decision of a corpus, whether another decision of
the same province (or with no province stated) repeals or replaces it, as a whole or in part.
Numbers are compared by their serial without leading zeros and their symbol ("0562/QĐ-UBND" is
"562/QĐ-UBND").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from sotay.text import fold, nfc

_NUMBER = re.compile(r"(?:số|so)\s*:?\s*(\d{1,5}(?:/\d{4})?/[A-ZĐ][A-ZĐ0-9]*(?:-[A-ZĐ0-9]+)*)", re.IGNORECASE)
_DOC_WORDS = r"(?:quyết định|chỉ thị|kế hoạch|quy định|quy chế)"
_REPEAL = re.compile(rf"\b(bãi bỏ|thay thế)\b(.{{0,160}}?){_DOC_WORDS}\s+số", re.IGNORECASE)
_PART = re.compile(r"\b(điều|khoản|điểm|mục|phụ lục|nội dung|một số|số thứ tự|thủ tục|danh mục|tthc|quy trình)\b",
                   re.IGNORECASE)
_RECITAL = re.compile(r"^\W*(căn cứ|theo đề nghị|xét đề nghị|ủy ban nhân dân .{0,60} ban hành)", re.IGNORECASE)
_DATE_WORDS = re.compile(r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})")
_DATE_DIGITS = re.compile(r"ngày\s*(\d{1,2})/(\d{1,2})/(\d{4})")
_EFFECT = re.compile(r"có hiệu lực(?: thi hành)?\s*(?:kể\s*)?(?:từ)?\s*(.{0,60})", re.IGNORECASE)
_AFTER_DAYS = re.compile(r"sau\s*(\d{1,3})\s*ngày", re.IGNORECASE)


@dataclass(frozen=True)
class Change:
    """A decision this one repeals ("bãi bỏ") or replaces ("thay thế"), in whole or in part."""

    number: str  # as written, e.g. "17/2025/QĐ-UBND"
    kind: str  # "bãi bỏ" | "thay thế"
    whole: bool

    def to_json(self) -> dict[str, object]:
        return {"number": self.number, "kind": self.kind, "whole": self.whole}


@dataclass(frozen=True)
class Status:
    """Whether a decision is in force: ``by`` is the id of the decision that repealed or replaced it."""

    in_force: bool
    kind: str = ""  # "bãi bỏ" | "thay thế"
    whole: bool = True
    by: str = ""

    def describe(self, label_of: Mapping[str, str]) -> str:
        """ "đã bị bãi bỏ bởi QĐ 72/2025 Hà Nội" (Vietnamese), or "" when in force."""
        if self.in_force:
            return ""
        part = "" if self.whole else " một phần"
        return f"đã bị {self.kind}{part} bởi {label_of.get(self.by, self.by)}"


def number_key(number: str) -> str:
    """A number compared across spellings: serial without leading zeros, upper case, no spaces."""
    compact = re.sub(r"\s+", "", nfc(number)).upper()
    serial, _, rest = compact.partition("/")
    return f"{serial.lstrip('0') or '0'}/{rest}"


def _article_lines(text: str) -> list[str]:
    """The lines of a decision that can state a change: not recitals, not its title block."""
    lines = [re.sub(r"[*_#]+", "", line).strip() for line in nfc(text).splitlines()]
    return [line for line in lines if line and not _RECITAL.match(line) and not line.isupper()]


def stated_changes(text: str) -> list[Change]:
    """The decisions ``text`` repeals or replaces, in the order it names them (each number once)."""
    found: dict[str, Change] = {}
    for line in _article_lines(text):
        for m in _REPEAL.finditer(line):
            kind = "bãi bỏ" if fold(m.group(1)) == "bai bo" else "thay thế"
            number = _NUMBER.search(line, m.end() - 3)
            if number is None:
                continue
            whole = not _PART.search(m.group(2)) or "toàn bộ" in m.group(2).lower()
            found.setdefault(number_key(number.group(1)), Change(number.group(1), kind, whole))
    return list(found.values())


def _date(match: re.Match[str]) -> dt.date | None:
    try:
        return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        return None


def effective_date(text: str, signed: dt.date | None) -> dt.date | None:
    """When the decision takes effect, as it states it (None when it does not say, or says it vaguely)."""
    for line in _article_lines(text):
        m = _EFFECT.search(line)
        if m is None:
            continue
        rest = m.group(1)
        if day := _DATE_WORDS.search(rest) or _DATE_DIGITS.search(rest):
            return _date(day)
        if after := _AFTER_DAYS.search(rest):
            return signed + dt.timedelta(days=int(after.group(1))) if signed else None
        if "ngày ký" in rest.lower() or "ngày ban hành" in rest.lower():
            return signed
    return None


def validity_meta(text: str, signed: str) -> dict[str, object]:
    """What the index keeps of a decision's validity: its changes and its date of effect (ISO or "")."""
    try:
        signed_date = dt.date.fromisoformat(signed) if len(signed) == 10 else None
    except ValueError:
        signed_date = None
    effective = effective_date(text, signed_date)
    return {"changes": [c.to_json() for c in stated_changes(text)],
            "effective": effective.isoformat() if effective else ""}


def statuses(documents: Mapping[str, Mapping[str, object]]) -> dict[str, Status]:
    """Every document's status, from the ``number``, ``province``, ``date`` and ``changes`` of each.

    ``documents`` maps an id to its metadata (as the index stores it; ``changes`` as
    ``Change.to_json`` lists). A later decision's whole repeal wins over a partial one.
    """
    by_key: dict[str, list[str]] = {}
    for doc_id, meta in documents.items():
        if meta.get("number"):
            by_key.setdefault(number_key(str(meta["number"])), []).append(doc_id)
    result = {doc_id: Status(True) for doc_id in documents}
    for doc_id, meta in documents.items():
        changes = meta.get("changes")
        for change in changes if isinstance(changes, list) else []:
            for target in by_key.get(number_key(str(change["number"])), []):
                if target == doc_id or not _same_province(meta, documents[target]):
                    continue
                status = Status(False, str(change["kind"]), bool(change["whole"]), doc_id)
                if result[target].in_force or (status.whole and not result[target].whole):
                    result[target] = status
    return result


def _same_province(a: Mapping[str, object], b: Mapping[str, object]) -> bool:
    pa, pb = fold(str(a.get("province") or "")), fold(str(b.get("province") or ""))
    return not pa or not pb or pa == pb
