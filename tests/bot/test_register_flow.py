"""The register in the dialogue, in process: save a result, /duan, Đã nộp, Xóa, forged data, /huy,
a restart between the result and the press, /baocao, /nhac and the reminder's contents and days."""

from __future__ import annotations

import datetime as _dt
import io
from pathlib import Path

import openpyxl
import pytest

from sotay.bot.dialogue import Dialogue, Reply
from sotay.bot.register_flow import SAVE_LABEL, RegisterFlow
from sotay.bot.reminders import (
    ReminderStore,
    clock_from_env,
    due_messages,
    due_reminder,
    reminder_day,
)
from sotay.bot.services import Services
from sotay.bot.state import StateStore
from sotay.rules.register import Register

TODAY = _dt.date(2024, 6, 12)  # a Wednesday
COWS = "Xã khó khăn, hỗ trợ 100 triệu, dự án kết thúc 15/3/2024"  # 10.000.000 đồng by 17/06/2024
GOATS = "Địa bàn còn lại, hỗ trợ 50 triệu, kết thúc 10/3/2024"  # 7.500.000 đồng by 10/06/2024
CHAT = "777"


def make(folder: Path) -> Dialogue:
    """A dialogue on durable files in ``folder`` (a new instance is a restarted process)."""
    store = StateStore(folder / "state.sqlite")
    flow = RegisterFlow(store, folder / "register.sqlite", ReminderStore(folder / "state.sqlite"),
                        today=lambda: TODAY, source="test")
    return Dialogue(store, Services(width=None), flow)


def save_button(replies: list[Reply]) -> str:
    [button] = [b for r in replies for row in r.buttons for b in row if b.label == SAVE_LABEL]
    return button.data


def save(dialogue: Dialogue, calculation: str, name: str, chat: str = CHAT) -> int:
    dialogue.press(chat, save_button(dialogue.handle(chat, calculation)))
    [done] = dialogue.handle(chat, name)
    assert done.text.startswith("Đã lưu vào sổ theo dõi"), done.text
    return int(done.text.split("dự án số ")[1].split(" ")[0].rstrip(","))


def test_save_after_a_calculation_asks_the_name_and_recomputes(tmp_path: Path) -> None:
    dialogue = make(tmp_path)
    result = dialogue.handle(CHAT, COWS)
    assert "KẾT QUẢ" in result[-1].text and result[-1].buttons[0][0].label == SAVE_LABEL
    [asked] = dialogue.press(CHAT, save_button(result))
    assert "tên dự án" in asked.text and "/huy" in asked.text
    [done] = dialogue.handle(CHAT, "Nuôi bò thôn 2")
    assert "“Nuôi bò thôn 2”" in done.text and "10.000.000 đồng" in done.text and "17/06/2024" in done.text
    [stored] = Register(tmp_path / "register.sqlite", chat=CHAT).all()
    assert (stored.name, stored.tier, stored.support, stored.amount, stored.deadline, stored.added_by) == (
        "Nuôi bò thôn 2", "kho-khan", 100_000_000, 10_000_000, _dt.date(2024, 6, 17), "test")
    assert stored.end == _dt.date(2024, 3, 15)
    # the same button again: already used, nothing added
    [again] = dialogue.press(CHAT, save_button(result))
    assert "không hợp lệ" in again.text and len(Register(tmp_path / "register.sqlite", chat=CHAT).all()) == 1


def test_damage_and_verification_are_kept(tmp_path: Path) -> None:
    dialogue = make(tmp_path)
    save(dialogue, "Xã khó khăn, hỗ trợ 40 triệu, kết thúc 1/7/2024, thiệt hại 20%, có biên bản", "Trồng bắp")
    [stored] = Register(tmp_path / "register.sqlite", chat=CHAT).all()
    assert stored.damage == 20 and stored.verified and not stored.force_majeure
    assert (stored.amount, stored.status, stored.deadline) == (4_000_000, "extended", _dt.date(2025, 10, 1))


def test_huy_while_naming_saves_nothing(tmp_path: Path) -> None:
    dialogue = make(tmp_path)
    dialogue.press(CHAT, save_button(dialogue.handle(CHAT, COWS)))
    [cancelled] = dialogue.handle(CHAT, "/huy")
    assert cancelled.text.startswith("Đã hủy")
    assert Register(tmp_path / "register.sqlite", chat=CHAT).all() == []
    replies = dialogue.handle(CHAT, "Nuôi bò thôn 2")  # no longer a name
    assert not replies[0].text.startswith("Đã lưu")


def test_restart_between_result_and_press(tmp_path: Path) -> None:
    data = save_button(make(tmp_path).handle(CHAT, COWS))
    restarted = make(tmp_path)
    assert "tên dự án" in restarted.press(CHAT, data)[0].text
    again = make(tmp_path)
    assert again.handle(CHAT, "Bò")[0].text.startswith("Đã lưu")
    assert [p.name for p in Register(tmp_path / "register.sqlite", chat=CHAT).all()] == ["Bò"]


class Killed(BaseException):
    """The process killed (kill -9) at this point: nothing after it runs."""


def test_a_naming_replayed_after_a_crash_saves_the_project_once(tmp_path: Path, monkeypatch) -> None:
    """Killed after the register committed the project but before the chat state and the journal did: the
    restarted bot handles the update again (the naming is still pending) and stores nothing new."""
    from sotay.bot.journal import UpdateJournal
    from sotay.bot.telegram_app import TelegramFrontEnd

    def front_end(dialogue: Dialogue) -> TelegramFrontEnd:
        return TelegramFrontEnd(dialogue, dialogue.services, None, frozenset())

    dialogue = make(tmp_path)
    dialogue.press(CHAT, save_button(dialogue.handle(CHAT, COWS)))
    crashing = front_end(dialogue)
    crashing.journal.receive(41, int(CHAT), {"update_id": 41})

    def killed(*args: object) -> None:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(UpdateJournal, "answer", killed)  # after the dialogue step, before the state commit
        with pytest.raises(Killed):
            crashing._answer(41, int(CHAT), dialogue.handle, "Nuôi bò thôn 2")
    assert len(Register(tmp_path / "register.sqlite", chat=CHAT).all()) == 1  # the register had committed

    restarted = front_end(make(tmp_path))
    assert [u["update_id"] for u in restarted.journal.unfinished()] == [41]
    restarted._answer(41, int(CHAT), restarted.dialogue.handle, "Nuôi bò thôn 2")  # the replay
    [(_, _, reply)] = restarted.journal.undelivered(int(CHAT))
    [stored] = Register(tmp_path / "register.sqlite", chat=CHAT).all()
    assert reply["text"].startswith(f"Đã lưu vào sổ theo dõi: dự án số {stored.id} “Nuôi bò thôn 2”")
    assert StateStore(tmp_path / "state.sqlite").load(CHAT) == {}  # the naming is over


def test_list_overdue_first_then_by_deadline_with_buttons(tmp_path: Path) -> None:
    dialogue = make(tmp_path)
    cows = save(dialogue, COWS, "Bò")
    goats = save(dialogue, GOATS, "Dê")
    head, first, second = dialogue.handle(CHAT, "/duan")
    assert head.text.startswith("Sổ theo dõi có 2 dự án") and "1 dự án QUÁ HẠN" in head.text
    assert first.text.startswith(f"Dự án số {goats}: Dê") and "QUÁ HẠN 2 ngày" in first.text
    assert second.text.startswith(f"Dự án số {cows}: Bò") and "còn 5 ngày" in second.text
    assert "Chưa nộp" in second.text
    assert [(b.label, b.data) for b in second.buttons[0]] == [("Đã nộp", f"reg:paid:{cows}"), ("Xóa", f"reg:del:{cows}")]


def test_mark_paid_then_paid_again(tmp_path: Path) -> None:
    dialogue = make(tmp_path)
    cows = save(dialogue, COWS, "Bò")
    [paid] = dialogue.press(CHAT, f"reg:paid:{cows}")
    assert "đã nộp đủ 10.000.000 đồng ngày 12/06/2024" in paid.text
    project = Register(tmp_path / "register.sqlite", chat=CHAT).get(cows)
    assert project.paid == 10_000_000 and project.paid_date == TODAY and not project.is_due
    [twice] = dialogue.press(CHAT, f"reg:paid:{cows}")
    assert "Sổ không thay đổi" in twice.text
    _, listed = dialogue.handle(CHAT, "/duan")
    assert "Đã nộp đủ" in listed.text and [b.label for b in listed.buttons[0]] == ["Xóa"]


def test_remove_asks_first(tmp_path: Path) -> None:
    dialogue = make(tmp_path)
    cows = save(dialogue, COWS, "Bò")
    [confirm] = dialogue.press(CHAT, f"reg:del:{cows}")
    assert "Không hoàn tác" in confirm.text
    assert [b.data for b in confirm.buttons[0]] == [f"reg:delok:{cows}", f"reg:keep:{cows}"]
    assert "giữ lại" in dialogue.press(CHAT, f"reg:keep:{cows}")[0].text
    assert len(Register(tmp_path / "register.sqlite", chat=CHAT).all()) == 1
    assert "Đã xóa" in dialogue.press(CHAT, f"reg:delok:{cows}")[0].text
    assert Register(tmp_path / "register.sqlite", chat=CHAT).all() == []
    assert "chưa có dự án" in dialogue.handle(CHAT, "/duan")[0].text


@pytest.mark.parametrize("data", ["reg:paid:{other}", "reg:delok:{other}", "reg:del:{other}", "reg:paid:99999",
                                  "reg:paid:-1", "reg:paid:1;DROP", "reg:nuke:1", "reg:", "reg:save:deadbeef",
                                  "reg:paid:" + "9" * 30])
def test_forged_or_stale_data_changes_nothing(tmp_path: Path, data: str) -> None:
    dialogue = make(tmp_path)
    mine = save(dialogue, COWS, "Bò")
    other = save(dialogue, GOATS, "Dê của xã khác", chat="888")
    [reply] = dialogue.press(CHAT, data.format(other=other))
    assert "không hợp lệ" in reply.text
    register = tmp_path / "register.sqlite"
    assert [p.id for p in Register(register, chat=CHAT).all()] == [mine]
    assert Register(register, chat="888").get(other).paid is None


def test_report_is_a_workbook(tmp_path: Path) -> None:
    dialogue = make(tmp_path)
    assert dialogue.handle(CHAT, "/baocao")[0].document is None
    cows = save(dialogue, COWS, "Bò")
    [reply] = dialogue.handle(CHAT, "/baocao")
    assert reply.document is not None and reply.document.file_name == "so-theo-doi-thu-hoi-2024-06-12.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(reply.document.content)).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, next(sheet.iter_rows(min_row=2, values_only=True))))
    assert row["Mã"] == cows and row["Phải thu hồi"] == 10_000_000
    assert row["Hạn thu hồi"].date() == _dt.date(2024, 6, 17)


def test_nhac_switches_durably(tmp_path: Path) -> None:
    dialogue = make(tmp_path)
    assert "đang bật" in dialogue.handle(CHAT, "/nhac")[0].text
    assert "Đã tắt" in dialogue.handle(CHAT, "/nhac tắt")[0].text
    assert "đang tắt" in make(tmp_path).handle(CHAT, "/nhac")[0].text
    assert "Đã bật" in make(tmp_path).handle(CHAT, "/nhac bat")[0].text
    terminal = Dialogue(StateStore(":memory:"), Services(width=None), RegisterFlow(StateStore(":memory:"),
                                                                                   tmp_path / "r.sqlite"))
    assert "chỉ có khi dùng trợ lý trên Telegram" in terminal.handle("cli", "/nhac tat")[0].text


def test_reminder_contents_and_days(tmp_path: Path) -> None:
    dialogue = make(tmp_path)
    save(dialogue, COWS, "Bò")
    save(dialogue, GOATS, "Dê")
    projects = Register(tmp_path / "register.sqlite", chat=CHAT).all()
    text = due_reminder(projects, TODAY)
    assert text.index("Quá hạn:") < text.index("Dê") < text.index("Sắp đến hạn") < text.index("Bò")
    assert "quá hạn 2 ngày" in text and "còn 5 ngày" in text
    assert "Đến hạn hôm nay:" in due_reminder(projects, _dt.date(2024, 6, 17))
    assert due_reminder(projects, _dt.date(2024, 5, 1)) is None  # nothing within 7 days

    store = ReminderStore(tmp_path / "state.sqlite")
    assert [chat for chat, _ in due_messages(store, tmp_path / "register.sqlite", TODAY, lambda c: True)] == [CHAT]
    assert due_messages(store, tmp_path / "register.sqlite", TODAY, lambda c: False) == []
    store.mark_sent(CHAT, TODAY)
    assert due_messages(store, tmp_path / "register.sqlite", TODAY, lambda c: True) == []
    assert store.pending(_dt.date(2024, 6, 13)) == [CHAT]
    dialogue.handle(CHAT, "/nhac tat")
    assert store.pending(_dt.date(2024, 6, 13)) == []


def test_reminder_day_skips_early_hours_weekends_and_days_off() -> None:
    at = clock_from_env
    assert reminder_day(at({"SOTAY_NOW": "2024-06-12"})()) == TODAY
    assert reminder_day(at({"SOTAY_NOW": "2024-06-12T07:59"})()) is None
    assert reminder_day(at({"SOTAY_NOW": "2024-06-15"})()) is None  # Saturday
    assert reminder_day(at({"SOTAY_NOW": "2024-09-02T10:00"})()) is None  # Quốc khánh
    with pytest.raises(ValueError, match="SOTAY_NOW"):
        at({"SOTAY_NOW": "mai"})
