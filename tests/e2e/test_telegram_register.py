"""`sotay bot` end to end with the register: save a result, /duan, "Đã nộp", /baocao, a reminder.

The real process against the strict fake Bot API (see ``fake_telegram.py``), one chat of its own.
The reminder is played by restarting the bot with ``SOTAY_NOW`` (the reminder job's clock, for
tests): the job also runs once at start-up, so a bot started "at 08:00 on 12/06/2024" sends that
day's reminder; started again on the same day, it does not repeat it.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import time
from pathlib import Path

import openpyxl
import pytest
from bot_process import BotProcess, assert_nothing_refused, press, say, texts
from fake_telegram import FakeTelegram

CHAT = 5551001
SAVE = "Lưu vào sổ theo dõi"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("telegram-register")


def _button(message: dict, label: str) -> str:
    """The callback data of the button labelled ``label`` under ``message``."""
    found = [b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row
             if b["text"] == label]
    assert found, message.get("reply_markup")
    return found[0]


def _save(fake: FakeTelegram, calculation: str, name: str) -> int:
    """Compute, press "Lưu vào sổ theo dõi", give the name; the project's id from the confirmation."""
    replies = say(fake, CHAT, calculation, until="KẾT QUẢ")
    [asked] = press(fake, CHAT, replies[-1], _button(replies[-1], SAVE), until="tên dự án")
    assert "/huy" in asked["text"]
    [saved] = say(fake, CHAT, name, until="Đã lưu vào sổ theo dõi")
    assert f"“{name}”" in saved["text"]
    return int(re.search(r"dự án số (\d+)", saved["text"]).group(1))


def test_save_list_pay_report_and_remind(index, folder: Path) -> None:
    fake = FakeTelegram()
    state, log = folder / "state.sqlite", folder / "bot.log"
    try:
        bot = BotProcess(fake, state, log)
        cows = _save(fake, "Xã khó khăn, hỗ trợ 100 triệu, dự án kết thúc 15/3/2024", "Nuôi bò thôn 2")
        goats = _save(fake, "Địa bàn còn lại, hỗ trợ 50 triệu, kết thúc 10/3/2024", "Nuôi dê thôn 5")

        # /duan: overdue first, by deadline (both are overdue today): the goats (10/06/2024) then the cows
        listed = say(fake, CHAT, "/duan", until="Nuôi bò thôn 2")
        assert listed[0]["text"].startswith("Sổ theo dõi có 2 dự án")
        goats_message, cows_message = listed[1], listed[2]
        assert f"Dự án số {goats}: Nuôi dê thôn 5" in goats_message["text"]
        assert "7.500.000 đồng" in goats_message["text"] and "10/06/2024" in goats_message["text"]
        assert "QUÁ HẠN" in goats_message["text"] and "Chưa nộp" in goats_message["text"]
        assert "10.000.000 đồng" in cows_message["text"] and "17/06/2024" in cows_message["text"]
        assert [b["text"] for row in cows_message["reply_markup"]["inline_keyboard"] for b in row] == ["Đã nộp", "Xóa"]

        [paid] = press(fake, CHAT, goats_message, f"reg:paid:{goats}", until="Đã ghi nhận")
        assert "đã nộp đủ 7.500.000 đồng" in paid["text"]

        mark = fake.mark()  # forged data: another project id, never shown in this chat
        fake.press(CHAT, cows_message, "reg:paid:987654321")
        [refused] = fake.replies(CHAT, mark, until="không hợp lệ")
        assert "Sổ không thay đổi" in refused["text"]

        # /baocao: an Excel workbook with the right numbers and dates
        mark = fake.mark()
        say(fake, CHAT, "/baocao", until="Sổ theo dõi thu hồi vốn")
        fake.wait_until(lambda: fake.documents(CHAT, mark), 30, "the workbook")
        [(message, content)] = fake.documents(CHAT, mark)
        assert message["document"]["file_name"].endswith(".xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        header = [c.value for c in sheet[1]]
        rows = {row[header.index("Mã")]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=2, values_only=True)
                if isinstance(row[0], int)}
        assert set(rows) == {cows, goats}
        assert rows[cows]["Tên dự án"] == "Nuôi bò thôn 2" and rows[cows]["Phải thu hồi"] == 10_000_000
        assert rows[cows]["Hạn thu hồi"].date() == _dt.date(2024, 6, 17) and rows[cows]["Đã nộp"] is None
        assert rows[goats]["Phải thu hồi"] == 7_500_000 and rows[goats]["Đã nộp"] == 7_500_000
        assert rows[goats]["Hạn thu hồi"].date() == _dt.date(2024, 6, 10)
        assert rows[goats]["Còn phải nộp"] == 0
        assert_nothing_refused(fake)
        assert bot.stop() == 0, bot.log_text()

        # 08:00 on Wednesday 12/06/2024: the cows are due in 5 days; the goats are paid
        mark = fake.mark()
        bot = BotProcess(fake, state, log, env={"SOTAY_NOW": "2024-06-12"})
        [reminder] = fake.replies(CHAT, mark, until="Nhắc hạn thu hồi")
        assert "12/06/2024" in reminder["text"] and "Nuôi bò thôn 2" in reminder["text"]
        assert "còn 5 ngày" in reminder["text"] and "10.000.000 đồng" in reminder["text"]
        assert "Nuôi dê" not in reminder["text"]
        assert bot.stop() == 0, bot.log_text()

        # started again the same day: the reminder is not repeated
        mark = fake.mark()
        bot = BotProcess(fake, state, log, env={"SOTAY_NOW": "2024-06-12T09:30"})
        say(fake, CHAT, "/nhac", until="đang bật")
        time.sleep(2)
        assert "Nhắc hạn thu hồi" not in texts(fake.sent(CHAT, mark))
        assert bot.stop() == 0, bot.log_text()
        assert_nothing_refused(fake)
    finally:
        fake.close()

