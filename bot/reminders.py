"""Daily reminders of recovery deadlines, per chat: settings, what is due, the message (no Telegram here).

Contracts:

* ``ReminderStore`` keeps, per chat, whether reminders are on (the default once a chat has saved a
  project: ``subscribe``) and the last day a reminder was sent, in a table of its own inside the
  bot's state file (SQLite, WAL, one committed statement per change) — durable across restarts,
  unlike the conversation state, which expires and is cleared by /huy.
* ``due_reminder(projects, today)`` is the message for one chat's projects on ``today``: projects
  still to recover that are overdue, due today or due within ``WINDOW_DAYS`` days; ``None`` when
  there is nothing to say.
* ``reminder_day(now)`` is the day a reminder is due at instant ``now`` (Vietnam's time): ``None``
  before ``SEND_AT`` or on a weekend or Vietnamese day off (``rules.days_off``).
* ``SOTAY_NOW`` (``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM``, Vietnam's time; a bare date means 08:00) fixes
  the clock of the reminder job only — it is for testing (``clock_from_env``).
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from sotay.rules.days_off import is_working_day, weekday_and_date
from sotay.rules.formatting import format_vnd
from sotay.rules.register import Register, RegisteredProject
from sotay.sqlite_file import DurableTable

__all__ = ["SEND_AT", "TIMEZONE", "WINDOW_DAYS", "ReminderStore", "clock_from_env", "due_messages",
           "due_reminder", "reminder_day", "vietnam_now"]

TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
SEND_AT = _dt.time(8, 0, tzinfo=TIMEZONE)
WINDOW_DAYS = 7
NOW_VARIABLE = "SOTAY_NOW"


def vietnam_now() -> _dt.datetime:
    """The current instant in Vietnam's time zone."""
    return _dt.datetime.now(TIMEZONE)


def clock_from_env(environ: dict[str, str] | None = None) -> Callable[[], _dt.datetime]:
    """The reminder job's clock: ``SOTAY_NOW`` when set (for tests), else ``vietnam_now``.

    Raises ValueError (Vietnamese) when ``SOTAY_NOW`` is set but is not a date or date-time.
    """
    value = (os.environ if environ is None else environ).get(NOW_VARIABLE, "").strip()
    if not value:
        return vietnam_now
    try:
        fixed = _dt.datetime.fromisoformat(value) if "T" in value else _dt.datetime.combine(
            _dt.date.fromisoformat(value), _dt.time(8, 0))
    except ValueError:
        raise ValueError(f"Lỗi: {NOW_VARIABLE} phải có dạng YYYY-MM-DD hoặc YYYY-MM-DDTHH:MM, "
                         f"không phải {value!r}.") from None
    fixed = fixed.replace(tzinfo=TIMEZONE) if fixed.tzinfo is None else fixed.astimezone(TIMEZONE)
    return lambda: fixed


def reminder_day(now: _dt.datetime) -> _dt.date | None:
    """The (Vietnamese) day whose reminder is due at ``now``: None before 08:00 or on a day off."""
    local = now.astimezone(TIMEZONE)
    if local.timetz().replace(tzinfo=None) < SEND_AT.replace(tzinfo=None):
        return None
    return local.date() if is_working_day(local.date()) else None


def due_reminder(projects: Sequence[RegisteredProject], today: _dt.date) -> str | None:
    """The reminder for one chat's ``projects`` on ``today``, or None when none is due within a week."""
    due = sorted(((p.deadline, p) for p in projects if p.is_due and p.deadline is not None
                  and (p.deadline - today).days <= WINDOW_DAYS), key=lambda dp: (dp[0], dp[1].id))
    if not due:
        return None
    groups = (
        ("Quá hạn", [dp for dp in due if dp[0] < today]),
        ("Đến hạn hôm nay", [dp for dp in due if dp[0] == today]),
        (f"Sắp đến hạn (trong {WINDOW_DAYS} ngày)", [dp for dp in due if dp[0] > today]),
    )
    lines = [f"Nhắc hạn thu hồi vốn hỗ trợ — {weekday_and_date(today)}:"]
    for title, items in groups:
        if not items:
            continue
        lines.append(f"{title}:")
        for deadline, p in items:
            days = (deadline - today).days
            when = (f"quá hạn {-days} ngày" if days < 0 else "hôm nay" if days == 0 else f"còn {days} ngày")
            lines.append(f"• [{p.id}] {p.name}: còn phải nộp {format_vnd(p.remaining)}, hạn {weekday_and_date(deadline)} ({when})")
    lines.append("Xem và cập nhật sổ: /duan. Tắt nhắc hằng ngày: /nhac tat.")
    return "\n".join(lines)


class ReminderStore(DurableTable):
    """Per-chat reminder settings (on/off) and the last day sent, durable in SQLite."""

    SCHEMA = ("CREATE TABLE IF NOT EXISTS reminders (chat TEXT PRIMARY KEY, "
              "enabled INTEGER NOT NULL DEFAULT 1, last_sent TEXT)")

    def subscribe(self, chat: str) -> None:
        """Remember ``chat`` for reminders (on), unless it already has a setting (kept as it is)."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO reminders (chat, enabled) VALUES (?, 1)", (chat,))

    def set_enabled(self, chat: str, enabled: bool) -> None:
        """Switch reminders on or off for ``chat`` (kept across restarts)."""
        with self._lock:
            self._db.execute("INSERT INTO reminders (chat, enabled) VALUES (?, ?) "
                             "ON CONFLICT(chat) DO UPDATE SET enabled = excluded.enabled", (chat, int(enabled)))

    def enabled(self, chat: str) -> bool:
        """Whether ``chat`` gets reminders (on by default)."""
        with self._lock:
            row = self._db.execute("SELECT enabled FROM reminders WHERE chat = ?", (chat,)).fetchone()
        return row is None or bool(row[0])

    def pending(self, day: _dt.date) -> list[str]:
        """Chats with reminders on that have not been sent ``day``'s reminder yet."""
        with self._lock:
            rows = self._db.execute(
                "SELECT chat FROM reminders WHERE enabled = 1 AND (last_sent IS NULL OR last_sent < ?) ORDER BY chat",
                (day.isoformat(),)).fetchall()
        return [r[0] for r in rows]

    def mark_sent(self, chat: str, day: _dt.date) -> None:
        """Record that ``chat`` has had (or needed no) reminder on ``day``."""
        with self._lock:
            self._db.execute("UPDATE reminders SET last_sent = ? WHERE chat = ?", (day.isoformat(), chat))

    def last_sent(self, chat: str) -> _dt.date | None:
        with self._lock:
            row = self._db.execute("SELECT last_sent FROM reminders WHERE chat = ?", (chat,)).fetchone()
        return _dt.date.fromisoformat(row[0]) if row and row[0] else None


def due_messages(store: ReminderStore, register_path: Path | str, day: _dt.date,
                 serves: Callable[[str], bool]) -> list[tuple[str, str | None]]:
    """(chat, reminder text or None) for every chat whose reminder for ``day`` is pending and that the
    bot ``serves`` (Telegram chats only: a numeric chat id). None: nothing due — nothing to send."""
    found: list[tuple[str, str | None]] = []
    for chat in store.pending(day):
        if not chat.lstrip("-").isdigit() or not serves(chat):
            continue
        with Register(register_path, chat=chat) as register:
            found.append((chat, due_reminder(register.all(), day)))
    return found
