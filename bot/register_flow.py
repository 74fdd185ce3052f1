"""The register in the dialogue: save a calculation, /duan, /baocao, /nhac, and their buttons.

Transport independent, like ``dialogue.py``: every method returns ``Reply`` objects; the
front ends send them (Telegram) or print them (terminal).

Contracts:

* After a recovery result, ``offer`` keeps the calculation's inputs in the chat's state (``StateStore``,
  key ``"save"``, with a random token) and returns the "Lưu vào sổ theo dõi" button carrying that token;
  a restart between the result and the press loses nothing. Pressing it asks for the project's name; the
  next text message is the name ("/huy" cancels, another command abandons the naming) and the project is
  stored in the register of THIS chat (``Register(chat=chat_id)``) from the same inputs — the register
  recomputes every figure with the rules engine. The calculation's random ``key`` goes with it
  (``Register.add(key=…)``): the register commits before the chat state does, so a naming handled again
  after a crash (the bot replays the unfinished update) finds the project already stored and reports it,
  never storing it twice.
* Button data is ``reg:<action>:<argument>``. Every press is validated: a token that is not the chat's
  pending one, or a project id that is not in this chat's register, gets ``INVALID`` and changes nothing.
* "Đã nộp" records full payment on ``today()`` (Vietnam's date by default; injectable); "Xóa" asks for a
  confirmation before removing.
* ``report`` returns the chat's register as an .xlsx ``Attachment`` (``register_sheet.export_xlsx``).
"""

from __future__ import annotations

import datetime as _dt
import re
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from sotay.bot.reminders import WINDOW_DAYS, ReminderStore, vietnam_now
from sotay.bot.replies import Attachment, Button, Reply
from sotay.bot.state import StateStore
from sotay.rules.formatting import format_date, format_vnd
from sotay.rules.inputs import TIER_LABELS, InputError
from sotay.rules.register import NewProject, Register, RegisteredProject, UnknownProject, default_path, prepare
from sotay.rules.register_sheet import export_xlsx
from sotay.text import fold

__all__ = ["INVALID", "SAVE_LABEL", "RegisterFlow"]

SAVE_LABEL = "Lưu vào sổ theo dõi"
PAID_LABEL = "Đã nộp"
REMOVE_LABEL = "Xóa"
MAX_LISTED = 30  # /duan shows this many projects; /baocao has them all
INVALID = "Nút bấm không hợp lệ hoặc đã cũ (không có trong sổ của cuộc trò chuyện này). Sổ không thay đổi. Xem sổ: /duan."
STALE_SAVE = ("Nút lưu này không hợp lệ hoặc đã hết hạn (kết quả đã được lưu, đã hủy, hoặc đã có phép tính mới). "
              "Sổ không thay đổi. Hãy tính lại rồi bấm “Lưu vào sổ theo dõi”.")
ASK_NAME = ("Hãy gõ tên dự án để lưu vào sổ theo dõi (ví dụ: Nuôi bò thôn 2). "
            "Gõ /huy để không lưu.")
EMPTY = ("Sổ theo dõi của cuộc trò chuyện này chưa có dự án nào. Sau khi tính thu hồi (/thuhoi), "
         "bấm “Lưu vào sổ theo dõi” để thêm dự án.")
_DATA = re.compile(r"reg:(save|paid|del|delok|keep):([A-Za-z0-9]{1,20})")


def _sort_key(p: RegisteredProject, today: _dt.date) -> tuple:
    """Overdue first, then the others still due, then the rest; each by deadline, then id."""
    rank = 0 if p.is_overdue(today) else 1 if p.is_due else 2
    return rank, p.deadline or _dt.date.max, p.id


def project_text(p: RegisteredProject, today: _dt.date) -> str:
    """One project as /duan shows it: name, amount, deadline, days left or overdue, paid."""
    lines = [f"Dự án số {p.id}: {p.name} — {TIER_LABELS[p.tier]}, vốn hỗ trợ {format_vnd(p.support)}"]
    if not p.status.due:
        lines.append(p.obligation()[0].upper() + p.obligation()[1:] + ".")
        return "\n".join(lines)
    days = p.days_left(today)
    when = ""
    if p.is_due and days is not None:
        when = f" — QUÁ HẠN {-days} ngày" if days < 0 else " — đến hạn hôm nay" if days == 0 else f" — còn {days} ngày"
    lines.append(f"Phải thu hồi {format_vnd(p.amount)}, hạn {p.deadline_text}{when}.")
    if p.remaining == 0:
        lines.append(f"Đã nộp đủ {format_vnd(p.paid or 0)}" + (f" ngày {format_date(p.paid_date)}." if p.paid_date else "."))
    elif p.paid:
        lines.append(f"Đã nộp {format_vnd(p.paid)}, còn phải nộp {format_vnd(p.remaining)}.")
    else:
        lines.append("Chưa nộp.")
    return "\n".join(lines)


class RegisterFlow:
    """The register's part of the dialogue; one instance serves every chat (each chat its own register)."""

    def __init__(self, store: StateStore, register_path: Path | str | None = None,
                 reminders: ReminderStore | None = None,
                 today: Callable[[], _dt.date] | None = None, source: str = "chat") -> None:
        """``register_path``: the register file (default ``<data dir>/register.sqlite``); ``reminders``:
        the reminder settings (None where there are no reminders, e.g. the terminal); ``today``: the date
        payments are recorded on and days are counted from; ``source``: stored as ``added_by``."""
        self.store = store
        self.register_path = Path(register_path) if register_path is not None else None
        self.reminders = reminders
        self.today = today or (lambda: vietnam_now().date())
        self.source = source

    def _register(self, chat_id: str) -> Register:
        return Register(self.register_path or default_path(), chat=chat_id)

    # -- saving a calculation ------------------------------------------------------------
    def _project(self, name: str, slots: dict) -> NewProject:
        """The project from a calculation's ``slots``, computed by the rules engine; raises InputError."""
        return prepare(name, slots["tier"], slots["amount"], slots["end"], damage=slots.get("damage"),
                       force_majeure=bool(slots.get("force_majeure")), verified=bool(slots.get("verified")),
                       in_kind=slots.get("in_kind"), today=self.today())

    def offer(self, chat_id: str, slots: dict) -> list[list[Button]]:
        """After a result: keep its inputs in the chat's state and return the save button
        (none, and an empty state, when the inputs cannot be stored)."""
        try:
            self._project("kiểm tra", slots)
        except InputError:
            self.store.save(chat_id, {})
            return []
        token = secrets.token_hex(4)
        self.store.save(chat_id, {"save": {"token": token, "key": secrets.token_hex(16), "slots": slots}})
        return [[Button(SAVE_LABEL, f"reg:save:{token}")]]

    def naming(self, state: dict) -> bool:
        """Whether the chat's next text message is the name of the project to save."""
        return bool(state.get("save", {}).get("naming"))

    def stop_naming(self, chat_id: str, state: dict) -> None:
        """A command while naming: the name is no longer awaited (the save button still works)."""
        state["save"]["naming"] = False
        self.store.save(chat_id, state)

    def take_name(self, chat_id: str, name: str, state: dict) -> list[Reply]:
        """Store the pending calculation under ``name`` in this chat's register; confirm with id, amount, deadline."""
        pending = state["save"]
        try:
            project = self._project(name, pending["slots"])
        except InputError as exc:
            return [Reply(f"{exc.message} {ASK_NAME}")]
        with self._register(chat_id) as register:
            stored = register.add(project, added_by=self.source, key=pending.get("key"))
        if self.reminders is not None:
            self.reminders.subscribe(chat_id)
        self.store.save(chat_id, {})
        return [Reply(f"Đã lưu vào sổ theo dõi: dự án số {stored.id} “{stored.name}”, {stored.obligation()}.\n"
                      "Xem sổ: /duan. Tải sổ dạng Excel: /baocao.")]

    # -- buttons ---------------------------------------------------------------------------
    def press(self, chat_id: str, data: str, state: dict) -> list[Reply]:
        """A press of a register button (``reg:…``), validated; INVALID and no change when it is not ours."""
        match = _DATA.fullmatch(data)
        if match is None:
            return [Reply(INVALID)]
        action, argument = match.groups()
        if action == "save":
            pending = state.get("save")
            if not pending or not secrets.compare_digest(pending.get("token", ""), argument):
                return [Reply(STALE_SAVE)]
            pending["naming"] = True
            self.store.save(chat_id, state)
            return [Reply(ASK_NAME)]
        if not argument.isdigit() or len(argument) > 15:
            return [Reply(INVALID)]
        project_id = int(argument)
        with self._register(chat_id) as register:
            try:
                project = register.get(project_id)
            except UnknownProject:
                return [Reply(INVALID)]
            if action == "paid":
                day = self.today()
                try:
                    paid = register.pay(project_id, day)
                except InputError as exc:
                    return [Reply(f"Dự án số {project.id} “{project.name}”: {exc.message} Sổ không thay đổi.")]
                return [Reply(f"Đã ghi nhận dự án số {paid.id} “{paid.name}” đã nộp đủ {format_vnd(paid.amount)} "
                              f"ngày {format_date(day)}. Xem sổ: /duan.")]
            if action == "del":
                return [Reply(f"Xóa dự án số {project.id} “{project.name}” khỏi sổ theo dõi? Không hoàn tác được.",
                              [[Button("Xóa hẳn", f"reg:delok:{project.id}"),
                                Button("Giữ lại", f"reg:keep:{project.id}")]])]
            if action == "delok":
                register.remove(project_id)
                return [Reply(f"Đã xóa dự án số {project.id} “{project.name}” khỏi sổ theo dõi.")]
            return [Reply(f"Đã giữ lại dự án số {project.id} “{project.name}” trong sổ.")]

    # -- commands ----------------------------------------------------------------------------
    def list_projects(self, chat_id: str) -> list[Reply]:
        """/duan: the chat's projects, overdue first then by deadline, each with its buttons."""
        today = self.today()
        with self._register(chat_id) as register:
            projects = sorted(register.all(), key=lambda p: _sort_key(p, today))
        if not projects:
            return [Reply(EMPTY)]
        overdue = sum(p.is_overdue(today) for p in projects)
        head = (f"Sổ theo dõi có {len(projects)} dự án (tính đến {format_date(today)}"
                + (f"; {overdue} dự án QUÁ HẠN" if overdue else "") + ").")
        if len(projects) > MAX_LISTED:
            head += f" Dưới đây là {MAX_LISTED} dự án đầu; xem đủ trong tệp Excel: /baocao."
        replies = [Reply(head)]
        for p in projects[:MAX_LISTED]:
            buttons = [Button(PAID_LABEL, f"reg:paid:{p.id}")] if p.is_due else []
            replies.append(Reply(project_text(p, today), [buttons + [Button(REMOVE_LABEL, f"reg:del:{p.id}")]]))
        return replies

    def report(self, chat_id: str) -> list[Reply]:
        """/baocao: the chat's register as an Excel workbook."""
        today = self.today()
        with self._register(chat_id) as register:
            projects = register.all()
        if not projects:
            return [Reply(EMPTY)]
        name = f"so-theo-doi-thu-hoi-{today.isoformat()}.xlsx"
        with tempfile.TemporaryDirectory(prefix="sotay-report-") as folder:
            content = export_xlsx(projects, Path(folder) / name, today).read_bytes()
        due = sum(p.is_due for p in projects)
        return [Reply(f"Sổ theo dõi thu hồi vốn: {len(projects)} dự án, {due} dự án còn phải thu; "
                      f"tình trạng tính đến {format_date(today)}.", document=Attachment(name, content))]

    def reminders_command(self, chat_id: str, argument: str) -> list[Reply]:
        """/nhac [bat|tat]: switch this chat's daily reminder, or say whether it is on."""
        if self.reminders is None:
            return [Reply("Nhắc hạn hằng ngày chỉ có khi dùng trợ lý trên Telegram (sotay bot). "
                          "Ở đây, gõ /duan để xem các dự án và hạn thu hồi.")]
        word = fold(argument).strip()
        if word in ("tat", "off", "tat nhac"):
            self.reminders.set_enabled(chat_id, False)
            return [Reply("Đã tắt nhắc hạn hằng ngày cho cuộc trò chuyện này. Bật lại: /nhac bat.")]
        if word in ("bat", "on", "bat nhac"):
            self.reminders.set_enabled(chat_id, True)
            return [Reply(f"Đã bật nhắc hạn: 08:00 mỗi ngày làm việc, tôi nhắn các dự án quá hạn, đến hạn hôm nay "
                          f"hoặc trong {WINDOW_DAYS} ngày tới. Tắt: /nhac tat.")]
        status = "đang bật" if self.reminders.enabled(chat_id) else "đang tắt"
        return [Reply(f"Nhắc hạn hằng ngày (08:00, ngày làm việc) {status}. Gõ /nhac bat để bật, /nhac tat để tắt.")]
