"""`sotay chat` with piped dialogues, and the dialogue's per-chat durable state."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from unittest import mock

import pytest
from conftest import CORPUS, SOTAY_BIN

from sotay import cli
from sotay.bot.dialogue import Dialogue, Reply
from sotay.bot.services import Services
from sotay.bot.state import EXPIRY_SECONDS, StateStore
from sotay.commands.chat import SEPARATOR


@pytest.fixture(scope="module", autouse=True)
def built(index):
    """The index is built first, so each chat only loads it."""
    return index


def shown(replies: list[Reply], data: str) -> str:
    """The data of the button shown in ``replies`` whose data is ``data`` plus the step's key."""
    [found] = [b.data for r in replies for row in r.buttons for b in row if b.data.rsplit(":", 1)[0] == data]
    return found


def chat(*lines: str) -> list[str]:
    """Pipe ``lines`` into `sotay chat`; the replies to each message, in order.

    The command runs in this process (``cli.main`` with a piped stdin and captured output): a
    subprocess would only add its start-up; the real `sotay chat` process is driven in
    ``test_buttons_are_numbered_across_the_replies_to_one_message``.
    """
    stdin = io.TextIOWrapper(io.BytesIO("".join(line + "\n" for line in lines).encode("utf-8")), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.object(sys, "stdin", stdin), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["chat"])
    assert code == 0, err.getvalue()
    assert "Traceback" not in err.getvalue()
    blocks = out.getvalue().split(SEPARATOR + "\n")
    assert blocks[-1] == ""
    return [b.strip() for b in blocks[:-1]]


def test_greeting_help_and_unknown_command() -> None:
    replies = chat("xin chào", "/help", "/xyz")
    assert "Sổ tay xã" in replies[0] and "/thuhoi" in replies[0]
    assert "/hoi" in replies[1]
    assert "Không có lệnh /xyz" in replies[2]


def test_one_message_recovery() -> None:
    [reply] = chat("Xã khó khăn, hỗ trợ 100 triệu, dự án kết thúc 15/3/2024, thu hồi bao nhiêu?")
    assert "10.000.000 đồng" in reply and "17/06/2024" in reply
    assert "Điều 4 khoản 2 điểm b" in reply


def test_guided_recovery_asks_one_thing_at_a_time_and_remembers() -> None:
    replies = chat("/thuhoi", "2", "hai trăm triệu", "31/02/2024", "15-03-2024", "2", "20%", "1")
    assert "địa bàn nào" in replies[0] and "[2] Khó khăn" in replies[0]
    assert "bao nhiêu" in replies[1]
    assert "kết thúc ngày nào" in replies[2]
    assert "không có ngày 31" in replies[3] and "kết thúc ngày nào" in replies[3]
    assert "thiệt hại" in replies[4]
    assert "phần trăm" in replies[5]
    assert "biên bản" in replies[6]
    assert "20.000.000 đồng" in replies[7] and "16/06/2025" in replies[7]


def test_cancel_mid_flow_then_ask() -> None:
    replies = chat("/thuhoi", "hủy", "gia han thu hoi von toi da bao nhieu thang", "/thuhoi", "thôi",
                   "Thời gian thu hồi vốn tối đa là bao lâu?")
    assert "Đã hủy" in replies[1]
    assert "12 tháng" in replies[2] and "Điều 4, khoản 4, điểm a" in replies[2]
    assert "Đã hủy" in replies[4]
    assert "03 tháng" in replies[5]  # "Thời ..." is a question, not "thôi"


def test_questions_with_and_without_diacritics_and_out_of_domain() -> None:
    replies = chat("Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu?", "ty le thu hoi von dia ban kho khan",
                   "Thủ tục đăng ký kết hôn cần giấy tờ gì?")
    assert "Điều 4, khoản 2, điểm b" in replies[0] and "Điều 4, khoản 2, điểm b" in replies[1]
    assert "Không tìm thấy" in replies[2]


def test_hostile_input_gets_a_clear_message() -> None:
    replies = chat("<script>alert(1)</script>", "x" * 10_000, "👍👍", "a & b < c", "")
    assert len(replies) == 5
    assert "quá dài" in replies[1]
    assert "Tin nhắn trống" in replies[4]


def test_chats_are_separate_and_state_survives_a_restart(tmp_path) -> None:
    path = tmp_path / "state.sqlite"
    services = Services(CORPUS)
    first = Dialogue(StateStore(path), services)
    first.press("chat-a", shown(first.handle("chat-a", "/thuhoi"), "tier:dbkk"))
    first.press("chat-b", shown(first.handle("chat-b", "/thuhoi"), "tier:con-lai"))
    first.store.close()

    restarted = Dialogue(StateStore(path), services)  # a new process on the same file
    [reply] = restarted.handle("chat-b", "60 triệu")
    assert "kết thúc ngày nào" in reply.text
    [reply] = restarted.handle("chat-b", "15/3/2024")
    assert "thiệt hại" in reply.text
    restarted.press("chat-b", shown([reply], "damage:none"))
    finished = restarted.store.load("chat-b")  # the calculation is over; only what a save needs is kept
    assert "recover" not in finished and finished["save"]["slots"]["amount"] == "60000000"
    assert restarted.store.load("chat-a")["recover"]["slots"] == {"tier": "dbkk"}


def test_state_expires_after_a_day_of_silence(tmp_path) -> None:
    store = StateStore(tmp_path / "s.sqlite")
    store.save("c", {"recover": {"slots": {}}}, now=1000.0)
    assert store.load("c", now=1000.0 + EXPIRY_SECONDS - 1)
    assert store.load("c", now=1000.0 + EXPIRY_SECONDS + 1) == {}


def test_reports_are_wrapped_for_a_terminal_only() -> None:
    slots = {"tier": "kho-khan", "amount": "100000000", "end": "2024-03-15"}
    terminal = Services(CORPUS, width=88).recover(slots)
    phone = Services(CORPUS, width=None).recover(slots)
    unbroken = "100.000.000 đồng × 10% = 10.000.000 đồng (làm tròn"
    assert unbroken in phone and unbroken not in terminal
    assert "10.000.000 đồng" in terminal


def test_a_bare_agency_name_lists_its_duties_and_thanks_are_acknowledged() -> None:
    replies = chat("ubnd cap xa", "Sở LĐTBXH", "cảm ơn", "thu hoi von")
    assert replies[0].startswith("Ủy ban nhân dân cấp xã:") and "Điều 6, khoản 1" in replies[0]
    assert replies[1].startswith("Sở Lao động – Thương binh và Xã hội:")
    assert "Rất vui được giúp" in replies[2]
    # a topic, not a body: searched in the decisions (a vague one may be shown as a doubt)
    assert replies[3].startswith(("Theo QĐ", "Tôi chưa chắc chắn")) and "Điều 4" in replies[3]


def test_a_question_mid_calculation_is_answered_and_the_calculation_kept() -> None:
    replies = chat("/thuhoi", "2", "Thời gian thu hồi vốn tối đa là bao lâu?", "100 triệu", "15/3/2024", "1")
    assert "03 tháng" in replies[2] and "(Đang tính thu hồi)" in replies[2] and "bao nhiêu" in replies[2]
    assert "kết thúc ngày nào" in replies[3]
    assert "10.000.000 đồng" in replies[5] and "17/06/2024" in replies[5]


def test_duties_are_not_lent_to_a_province_without_decisions() -> None:
    cao_bang, son_la = chat("Sở Tài chính tỉnh Cao Bằng có trách nhiệm gì?", "Sở Tài chính tỉnh Sơn La có trách nhiệm gì?")
    assert "không có văn bản nào của Cao Bằng" in cao_bang and "Điều" not in cao_bang
    assert "QĐ …/2021 Sơn La" in son_la and "Ninh Thuận" not in son_la


def test_buttons_are_numbered_across_the_replies_to_one_message(tmp_path) -> None:
    """/duan shows one reply per project: the second project's buttons are [3] and [4], and 3 presses its "Đã nộp"."""
    env_data = tmp_path / "data"
    stdin = "".join(line + "\n" for line in (
        "Xã khó khăn, hỗ trợ 100 triệu, dự án kết thúc 15/3/2024", "1", "Dự án A",
        "Xã còn lại, hỗ trợ 200 triệu, dự án kết thúc 15/3/2024", "1", "Dự án B", "/duan", "3")).encode("utf-8")
    result = subprocess.run([str(SOTAY_BIN), "chat"], input=stdin, capture_output=True, timeout=300,
                            env={**os.environ, "SOTAY_DATA": str(env_data)})
    blocks = result.stdout.decode("utf-8").split(SEPARATOR + "\n")
    listing, pressed = blocks[6], blocks[7]
    assert "[1] Đã nộp  [2] Xóa" in listing and "[3] Đã nộp  [4] Xóa" in listing
    assert "“Dự án B” đã nộp đủ 30.000.000 đồng" in pressed


@pytest.mark.parametrize(("tier", "asked"), [("đặc biệt khó khăn", False), ("khó khăn", True)])
def test_the_record_is_asked_only_where_it_can_change_the_outcome(tier: str, asked: bool) -> None:
    """Damage on a tier whose rate is 0 in Ninh Thuận's rules changes nothing, so no record is asked for."""
    [reply] = chat(f"Xã {tier}, hỗ trợ 100 triệu, kết thúc 15/3/2024, thiệt hại 40%")
    assert ("Có biên bản xác nhận của Tổ thẩm định" in reply) is asked
    assert ("KẾT QUẢ: KHÔNG THU HỒI" in reply) is not asked
