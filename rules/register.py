"""The commune's register of projects whose support must be recovered: storage and queries (no printing).

One SQLite file, ``<data dir>/register.sqlite`` (:func:`default_path`), WAL journal, one
committed transaction per change (add, add many, pay, remove), so a process killed at any
moment leaves the register as it was before or after the change, never in between.

Contracts:

* Every figure (amount to recover, status, deadline, basis citation of the rate) is
  computed by the rules engine (:func:`sotay.rules.engine.compute`) from the project's
  inputs when it is added and stored with it — never typed in by hand.
* ``chat`` scopes a register: the command line uses ``"cli"``; the Telegram bot may keep one
  register per chat. Ids are unique across chats; a project of another chat is "unknown".
* ``paid`` is the amount paid so far (``None`` until a first payment), ``remaining`` is
  ``amount - paid`` (never below 0). A project is *due* while its status is ``recover`` or
  ``extended`` and ``remaining > 0``; it is *overdue* on ``as_of`` when due and its deadline is
  before ``as_of``. ``no_recovery`` and ``waived`` projects are never due.
* Bad input raises :class:`~sotay.rules.inputs.InputError` (Vietnamese message) and writes nothing.
* An add may carry an idempotency ``key`` (the bot's saved calculation): a second add with the same key
  in the same chat stores nothing and returns the project the first one stored, so a step handled again
  after a crash (the bot replays an unfinished update) never saves a project twice.
"""

from __future__ import annotations

import datetime as _dt
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Unpack

from sotay.config import data_dir
from sotay.rules.days_off import weekday_and_date
from sotay.rules.engine import RecoveryResult, compute
from sotay.rules.formatting import format_vnd
from sotay.rules.inputs import InKind, InputError, ProjectDetails, parse_date
from sotay.rules.vocabulary import Status
from sotay.sqlite_file import open_durable

__all__ = [
    "DEFAULT_CHAT",
    "NewProject",
    "Register",
    "RegisteredProject",
    "UnknownProject",
    "default_path",
    "parse_paid_amount",
    "parse_project_id",
    "prepare",
]

DEFAULT_CHAT = "cli"
FILE_NAME = "register.sqlite"
MAX_NAME_LENGTH = 300

_SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat TEXT NOT NULL DEFAULT 'cli',
    name TEXT NOT NULL,
    tier TEXT NOT NULL,
    support INTEGER NOT NULL,
    in_kind_quantity TEXT,
    in_kind_unit TEXT,
    end_date TEXT NOT NULL,
    damage TEXT,
    force_majeure INTEGER NOT NULL DEFAULT 0,
    verified INTEGER NOT NULL DEFAULT 0,
    province TEXT NOT NULL,
    rate TEXT NOT NULL,
    amount INTEGER NOT NULL,
    status TEXT NOT NULL,
    deadline TEXT,
    basis TEXT NOT NULL,
    paid_date TEXT,
    paid_amount INTEGER,
    note TEXT NOT NULL DEFAULT '',
    added_by TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL,
    save_key TEXT
);
CREATE INDEX IF NOT EXISTS projects_chat ON projects (chat, deadline);
"""


def default_path() -> Path:
    """``<data dir>/register.sqlite`` (``SOTAY_DATA``)."""
    return data_dir() / FILE_NAME


class UnknownProject(InputError):
    """No project with that id in this register (exit code 2 on the command line)."""

    def __init__(self, project_id: int) -> None:
        super().__init__(f"Không có dự án số {project_id} trong sổ. Xem danh sách: sotay projects list.", "id")
        self.project_id = project_id


@dataclass(frozen=True)
class NewProject:
    """A validated project ready to store: its inputs and the engine's result for them."""

    name: str
    result: RecoveryResult
    note: str = ""
    paid: int | None = None
    paid_date: _dt.date | None = None


@dataclass(frozen=True)
class RegisteredProject:
    """One stored project (every figure as the engine computed it when the project was added)."""

    id: int
    chat: str
    name: str
    tier: str
    support: int
    in_kind: InKind | None
    end: _dt.date
    damage: Decimal | None
    force_majeure: bool
    verified: bool
    province: str
    rate: Decimal
    amount: int
    status: Status
    deadline: _dt.date | None
    basis: str
    paid_date: _dt.date | None
    paid: int | None
    note: str
    added_by: str
    added_at: str

    @property
    def remaining(self) -> int:
        """What is still to be paid (0 when nothing is recovered or all is paid)."""
        return max(self.amount - (self.paid or 0), 0)

    @property
    def is_due(self) -> bool:
        """Must still be recovered: status recover/extended with something remaining."""
        return self.status.due and self.remaining > 0

    @property
    def deadline_text(self) -> str:
        """The deadline with its weekday ("thứ Hai, 02/06/2025"), or "không có"."""
        return weekday_and_date(self.deadline) if self.deadline else "không có"

    def obligation(self) -> str:
        """What the project owes, as one Vietnamese clause (no capital, no full stop)."""
        if self.status is Status.NO_RECOVERY:
            return "không phải thu hồi (địa bàn đặc biệt khó khăn)"
        if self.status is Status.WAIVED:
            return "được miễn thu hồi"
        text = f"phải thu hồi {format_vnd(self.amount)}, chậm nhất {self.deadline_text}"
        return text + (" (đã tính gia hạn tối đa)" if self.status is Status.EXTENDED else "")

    def days_left(self, as_of: _dt.date) -> int | None:
        """Days from ``as_of`` to the deadline (negative once past), ``None`` without a deadline."""
        return None if self.deadline is None else (self.deadline - as_of).days

    def is_overdue(self, as_of: _dt.date) -> bool:
        """Due and its deadline is before ``as_of``."""
        return self.is_due and self.deadline is not None and self.deadline < as_of

    def to_json(self, as_of: _dt.date, *, with_days_left: bool = False) -> dict[str, Any]:
        """The ``sotay projects … --json`` object; the first keys are a contract, the rest extras."""
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "tier": self.tier,
            "support": self.support,
            "amount": self.amount,
            "status": self.status,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "paid": self.paid,
            "overdue": self.is_overdue(as_of),
            "remaining": self.remaining,
        }
        if with_days_left:
            data["days_left"] = self.days_left(as_of)
        data.update(
            end=self.end.isoformat(),
            rate=float(self.rate),
            basis=self.basis,
            paid_date=self.paid_date.isoformat() if self.paid_date else None,
            damage=float(self.damage) if self.damage is not None else None,
            force_majeure=self.force_majeure,
            verified=self.verified,
            in_kind=(
                {"quantity": float(self.in_kind.quantity) if self.in_kind.quantity % 1 else int(self.in_kind.quantity),
                 "unit": self.in_kind.unit}
                if self.in_kind else None
            ),
            note=self.note,
            added_by=self.added_by,
            added_at=self.added_at,
        )
        return data


# --- validation of what is stored -------------------------------------------------------------


def _clean_text(value: object, field: str, label: str, *, required: bool, limit: int = MAX_NAME_LENGTH) -> str:
    text = " ".join(unicodedata.normalize("NFC", "" if value is None else str(value)).split())
    if required and not text:
        raise InputError(f"Thiếu {label}.", field)
    if len(text) > limit:
        raise InputError(f"{label[0].upper()}{label[1:]} quá dài ({len(text)} ký tự, tối đa {limit}).", field)
    return text


def rate_citation(result: RecoveryResult) -> str:
    """The citation of the clause that set the recovery rate (the engine's ``rate`` basis item)."""
    return next(item.citation for item in result.basis if item.kind == "rate")


_PAID_FORMS = (
    re.compile(r"[1-9][0-9]*"),
    re.compile(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+"),
    re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+"),
    re.compile(r"[1-9][0-9]{0,2}(?: [0-9]{3})+"),
)
_PAID_SUFFIX = re.compile(r"\s*(đồng|đ|vnđ|vnd|dong)\.?\s*$", re.IGNORECASE)


def parse_paid_amount(value: str | int | float) -> int:
    """A paid amount in whole đồng (> 0), written like ``--amount`` (``4000000``, ``4.000.000``).

    Unlike the support amount there is no 10.000 đồng floor: a share to recover may be small.
    """
    help_txt = "Ví dụ hợp lệ: 2000000 hoặc 2.000.000 (đồng, số nguyên dương)."
    if isinstance(value, bool):
        raise InputError(f"Số tiền đã nộp không hợp lệ: “{value}”. {help_txt}", "paid")
    if isinstance(value, float):
        if not value.is_integer():
            raise InputError(f"Số tiền đã nộp phải là số đồng nguyên: “{value}”.", "paid")
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        text = _PAID_SUFFIX.sub("", unicodedata.normalize("NFC", str(value)).strip().replace("\u00a0", " ")).strip()
        if len(text) > 40 or not any(form.fullmatch(text) for form in _PAID_FORMS):
            raise InputError(f"Số tiền đã nộp không hợp lệ: “{str(value)[:40]}”. {help_txt}", "paid")
        number = int(re.sub(r"[^0-9]", "", text))
    if number <= 0:
        raise InputError("Số tiền đã nộp phải lớn hơn 0 đồng.", "paid")
    return number


def parse_project_id(value: str | int) -> int:
    """A project id as typed (a positive whole number)."""
    text = str(value).strip()
    if not re.fullmatch(r"[0-9]{1,15}", text) or int(text) <= 0:
        raise InputError(f"Số hiệu dự án không hợp lệ: “{text[:40]}” (phải là số nguyên dương, ví dụ 3).", "id")
    return int(text)


def _check_payment(amount: int, already: int, status: str, paid: int) -> None:
    """Raise InputError unless ``paid`` more can be received on a project owing ``amount - already``."""
    if not Status(status).due or amount == 0:
        raise InputError("Dự án này không phải thu hồi vốn nên không ghi nhận khoản nộp.", "paid")
    remaining = amount - already
    if remaining <= 0:
        raise InputError(f"Dự án đã nộp đủ {format_vnd(amount)}, không còn phải nộp.", "paid")
    if paid > remaining:
        raise InputError(
            f"Số tiền nộp {format_vnd(paid)} vượt quá số còn phải nộp {format_vnd(remaining)}.", "paid"
        )


def prepare(
    name: str,
    tier: str,
    support: str | int,
    end: str | _dt.date,
    *,
    note: str | None = None,
    paid: str | int | float | None = None,
    paid_date: str | _dt.date | None = None,
    today: _dt.date | None = None,
    **details: Unpack[ProjectDetails],
) -> NewProject:
    """Validate raw inputs and compute the recovery with the engine (``details`` as ``engine.compute``
    takes them); raises InputError (Vietnamese).

    ``paid`` / ``paid_date`` (used by import) record payments already received: the date is
    required with a paid amount and the amount may not exceed what is to be recovered.
    """
    clean_name = _clean_text(name, "name", "tên dự án", required=True)
    result = compute(tier, support, end, today=today, **details)
    paid_value = None if paid in (None, "") else parse_paid_amount(paid)
    paid_day = None if paid_date in (None, "") else parse_date(paid_date, today=today, field="paid_date")
    if paid_value is not None:
        _check_payment(result.amount, 0, result.status, paid_value)
        if paid_day is None:
            raise InputError("Có số tiền đã nộp nhưng thiếu ngày nộp.", "paid_date")
    elif paid_day is not None:
        raise InputError("Có ngày nộp nhưng thiếu số tiền đã nộp.", "paid")
    return NewProject(
        name=clean_name,
        result=result,
        note=_clean_text(note, "note", "ghi chú", required=False, limit=2000),
        paid=paid_value,
        paid_date=paid_day,
    )


# --- the store ------------------------------------------------------------------------------------


def _row_to_project(row: sqlite3.Row) -> RegisteredProject:
    quantity, unit = row["in_kind_quantity"], row["in_kind_unit"]
    return RegisteredProject(
        id=row["id"],
        chat=row["chat"],
        name=row["name"],
        tier=row["tier"],
        support=row["support"],
        in_kind=InKind(Decimal(quantity), unit) if quantity is not None else None,
        end=_dt.date.fromisoformat(row["end_date"]),
        damage=Decimal(row["damage"]) if row["damage"] is not None else None,
        force_majeure=bool(row["force_majeure"]),
        verified=bool(row["verified"]),
        province=row["province"],
        rate=Decimal(row["rate"]),
        amount=row["amount"],
        status=Status(row["status"]),
        deadline=_dt.date.fromisoformat(row["deadline"]) if row["deadline"] else None,
        basis=row["basis"],
        paid_date=_dt.date.fromisoformat(row["paid_date"]) if row["paid_date"] else None,
        paid=row["paid_amount"],
        note=row["note"],
        added_by=row["added_by"],
        added_at=row["added_at"],
    )


class Register:
    """The projects register of one chat (``"cli"`` for the command line), in one SQLite file.

    Thread-safe (one connection behind a lock); every change is one committed transaction.
    """

    def __init__(self, path: Path | str | None = None, chat: str = DEFAULT_CHAT) -> None:
        self.path = str(default_path() if path is None else path)
        self.chat = str(chat)
        self._lock = threading.Lock()
        self._db = open_durable(self.path)
        self._db.row_factory = sqlite3.Row
        with self._transaction() as db:
            for statement in filter(None, (s.strip() for s in _SCHEMA.split(";"))):
                db.execute(statement)
            if "save_key" not in {row["name"] for row in db.execute("PRAGMA table_info(projects)")}:
                db.execute("ALTER TABLE projects ADD COLUMN save_key TEXT")  # a register written before keys
            # NULL keys (the command line's adds) never clash: SQLite treats NULLs as distinct
            db.execute("CREATE UNIQUE INDEX IF NOT EXISTS projects_save_key ON projects (chat, save_key)")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT), rolled back on any exception."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- changes --

    def add(
        self, project: NewProject, *, added_by: str = "", now: _dt.datetime | None = None, key: str | None = None
    ) -> RegisteredProject:
        """Store one project (one transaction); returns it as stored.

        With ``key``: if this chat's register already holds a project added with that key, nothing is
        stored and that project is returned (an add repeated after a crash is stored once).
        """
        return self._insert([(project, key)], added_by, now)[0]

    def add_many(
        self, projects: Iterable[NewProject], *, added_by: str = "", now: _dt.datetime | None = None
    ) -> list[RegisteredProject]:
        """Store all the projects in ONE transaction (all or nothing); returns them as stored."""
        return self._insert([(p, None) for p in projects], added_by, now)

    def _insert(
        self, projects: list[tuple[NewProject, str | None]], added_by: str, now: _dt.datetime | None
    ) -> list[RegisteredProject]:
        """Store ``(project, key)`` pairs in one transaction; a key already stored in this chat keeps its project."""
        stamp = (now or _dt.datetime.now().astimezone()).isoformat(timespec="seconds")
        ids: list[int] = []
        with self._transaction() as db:
            for p, key in projects:
                r = p.result
                cursor = db.execute(
                    "INSERT INTO projects (chat, name, tier, support, in_kind_quantity, in_kind_unit, end_date, "
                    "damage, force_majeure, verified, province, rate, amount, status, deadline, basis, paid_date, "
                    "paid_amount, note, added_by, added_at, save_key) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (chat, save_key) DO NOTHING",
                    (
                        self.chat, p.name, r.project.tier, r.project.support,
                        str(r.project.in_kind.quantity) if r.project.in_kind else None,
                        r.project.in_kind.unit if r.project.in_kind else None,
                        r.project.end.isoformat(),
                        str(r.project.damage) if r.project.damage is not None else None,
                        int(r.project.force_majeure), int(r.project.verified), r.province, str(r.rate), r.amount,
                        r.status, r.deadline.isoformat() if r.deadline else None, rate_citation(r),
                        p.paid_date.isoformat() if p.paid_date else None, p.paid, p.note, added_by, stamp, key,
                    ),
                )
                if cursor.rowcount == 0:  # the key was stored before: that project, unchanged
                    ids.append(db.execute("SELECT id FROM projects WHERE chat = ? AND save_key = ?",
                                          (self.chat, key)).fetchone()["id"])
                    continue
                assert cursor.lastrowid is not None  # sqlite3 sets it after every INSERT
                ids.append(cursor.lastrowid)
        return [self.get(i) for i in ids]

    def pay(self, project_id: int, day: _dt.date, amount: int | None = None) -> RegisteredProject:
        """Record a payment on ``day`` (default: everything remaining); one transaction.

        Raises UnknownProject, or InputError when nothing is due or ``amount`` exceeds what remains.
        """
        with self._transaction() as db:
            row = db.execute("SELECT * FROM projects WHERE id = ? AND chat = ?", (project_id, self.chat)).fetchone()
            if row is None:
                raise UnknownProject(project_id)
            already = row["paid_amount"] or 0
            paying = amount if amount is not None else max(row["amount"] - already, 0)
            _check_payment(row["amount"], already, row["status"], paying)
            db.execute(
                "UPDATE projects SET paid_amount = ?, paid_date = ? WHERE id = ?",
                (already + paying, day.isoformat(), project_id),
            )
        return self.get(project_id)

    def remove(self, project_id: int) -> RegisteredProject:
        """Delete a project (one transaction); returns what was removed. Raises UnknownProject."""
        with self._transaction() as db:
            row = db.execute("SELECT * FROM projects WHERE id = ? AND chat = ?", (project_id, self.chat)).fetchone()
            if row is None:
                raise UnknownProject(project_id)
            db.execute("DELETE FROM projects WHERE id = ?", (project_id,))
        return _row_to_project(row)

    # -- queries --

    def get(self, project_id: int) -> RegisteredProject:
        """The project with that id in this chat's register. Raises UnknownProject."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM projects WHERE id = ? AND chat = ?", (project_id, self.chat)
            ).fetchone()
        if row is None:
            raise UnknownProject(project_id)
        return _row_to_project(row)

    def all(self) -> list[RegisteredProject]:
        """Every project of this chat, by id."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM projects WHERE chat = ? ORDER BY id", (self.chat,)).fetchall()
        return [_row_to_project(r) for r in rows]

    def due(self, as_of: _dt.date, within_days: int = 30) -> list[RegisteredProject]:
        """Projects still to recover whose deadline is on or before ``as_of + within_days``
        (overdue ones included), by deadline then id. ``no_recovery`` / ``waived`` never appear."""
        limit = as_of + _dt.timedelta(days=within_days)
        found = [p for p in self.all() if p.is_due and p.deadline is not None and p.deadline <= limit]
        return sorted(found, key=lambda p: (p.deadline, p.id))
