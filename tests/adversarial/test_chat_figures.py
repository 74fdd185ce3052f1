"""Never a wrong figure: recovery details read from officers' wording, in the dialogue, as a table.

Every example reported in the "never a wrong figure" issue is here with the figure it must give,
or the question it must ask back instead of computing. The dialogue runs in process (recovery
never touches the search index), with a throwaway state store.
"""

from __future__ import annotations

import json
import re

import pytest

from sotay.bot.dialogue import Dialogue, Reply
from sotay.bot.services import Services
from sotay.bot.state import StateStore
from sotay.cli import main as sotay_main

BASE = "Xã khó khăn, kết thúc 15/3/2024, "


@pytest.fixture()
def dialogue() -> Dialogue:
    return Dialogue(StateStore(":memory:"), Services(width=None))


def shown(replies: list[Reply], data: str) -> str:
    """The data of the button shown in ``replies`` whose data is ``data`` plus the step's key."""
    [found] = [b.data for r in replies for row in r.buttons for b in row if b.data.rsplit(":", 1)[0] == data]
    return found


def current(dialogue: Dialogue, data: str) -> str:
    """``data`` as a button of the step the calculation is at carries it (stamped with the step's key)."""
    return f"{data}:{dialogue.store.load('c')['recover']['key']}"


def say(dialogue: Dialogue, *messages: str) -> list[Reply]:
    """Send ``messages`` ("!data" presses that button of the current step); the replies to the last one."""
    replies: list[Reply] = []
    for message in messages:
        replies = dialogue.press("c", current(dialogue, message[1:])) if message.startswith("!") \
            else dialogue.handle("c", message)
    return replies


def text(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def result_figure(replies: list[Reply]) -> str:
    """The KẾT QUẢ line of a recovery report (fails when no result was computed)."""
    found = re.search(r"KẾT QUẢ: .*", text(replies))
    assert found, text(replies)
    return found.group(0)


@pytest.mark.parametrize("message, figure", [
    # decimal marks before a unit: "1.5 tỷ" is 1,5 tỷ, not 1.500 tỷ
    ("hỗ trợ 1.5 tỷ", "Phải thu hồi 150.000.000 đồng"),
    ("hỗ trợ 1,5 tỷ", "Phải thu hồi 150.000.000 đồng"),
    ("hỗ trợ 2.5 triệu", "Phải thu hồi 250.000 đồng"),
    ("ho tro 2.5tr", "Phải thu hồi 250.000 đồng"),
    ("hỗ trợ 1tr5", "Phải thu hồi 150.000 đồng"),
    # compound amounts
    ("hỗ trợ 1 tỷ 200 triệu", "Phải thu hồi 120.000.000 đồng"),
    ("hỗ trợ 1 tỷ 2", "Phải thu hồi 120.000.000 đồng"),
    ("hỗ trợ một tỷ hai trăm triệu", "Phải thu hồi 120.000.000 đồng"),
    ("hỗ trợ một tỷ rưỡi", "Phải thu hồi 150.000.000 đồng"),
    ("hỗ trợ 50.000.000 đồng", "Phải thu hồi 5.000.000 đồng"),
    # damage in words, fractions, full-width digits: ≥ 30 % with the record is a waiver
    ("hỗ trợ 100 triệu, thiệt hại 30 phần trăm, có biên bản", "KHÔNG THU HỒI"),
    ("hỗ trợ 100 triệu, thiệt hại ba mươi phần trăm, có biên bản", "KHÔNG THU HỒI"),
    ("hỗ trợ 100 triệu, thiệt hại 1/3, có biên bản", "KHÔNG THU HỒI"),
    ("hỗ trợ 100 triệu, thiệt hại một phần ba, có biên bản", "KHÔNG THU HỒI"),
    ("hỗ trợ 100 triệu, thiệt hại ３０%, có biên bản", "KHÔNG THU HỒI"),
    ("hỗ trợ 100 triệu, thiệt hại 1/5, có biên bản", "đã tính gia hạn tối đa"),
])
def test_one_message_figures(dialogue: Dialogue, message: str, figure: str) -> None:
    replies = say(dialogue, BASE + message)
    assert figure in result_figure(replies)
    assert text(replies).startswith("Tôi hiểu:")  # what was read is echoed before the figure


@pytest.mark.parametrize("message, problem", [
    ("hỗ trợ 100 triệu, thiệt hại 1000%, có biên bản", "từ 0 đến 100"),
    ("hỗ trợ 100 triệu, thiệt hại 101%, có biên bản", "từ 0 đến 100"),
    ("hỗ trợ 100 triệu, thiệt hại -5%, có biên bản", "từ 0 đến 100"),
    ("hỗ trợ 100 triệu, bị thiệt hại do lũ, có biên bản", None),  # damage without a figure: asked
])
def test_impossible_damage_is_asked_back_not_computed(dialogue: Dialogue, message: str, problem: str | None) -> None:
    replies = say(dialogue, BASE + message)
    assert "KẾT QUẢ" not in text(replies)
    if problem:
        assert problem in text(replies)
    assert "bao nhiêu phần trăm" in replies[-1].text
    # the answer to the question completes the calculation
    assert "đã tính gia hạn tối đa" in result_figure(say(dialogue, "20%"))


@pytest.mark.parametrize("amount", ["0 đồng", "-5 triệu", "9" * 400 + " đồng", "1.23.4 triệu"])
def test_zero_absurd_or_unreadable_amounts_are_asked_back(dialogue: Dialogue, amount: str) -> None:
    replies = say(dialogue, BASE + "hỗ trợ " + amount + ", thu hồi bao nhiêu?")
    assert "KẾT QUẢ" not in text(replies)
    assert "vốn ngân sách đã hỗ trợ" in replies[-1].text
    assert "Phải thu hồi 10.000.000 đồng" in result_figure(say(dialogue, "100 triệu"))


def test_ambiguous_amount_is_confirmed_before_computing(dialogue: Dialogue) -> None:
    replies = say(dialogue, BASE + "hỗ trợ 1.500 tỷ")
    assert "KẾT QUẢ" not in text(replies) and "hai cách" in replies[-1].text
    choices = {b.label: b.data for row in replies[-1].buttons for b in row}
    assert set(choices) == {"1.500.000.000.000 đồng", "1.500.000.000 đồng"}
    replies = dialogue.press("c", choices["1.500.000.000 đồng"])
    assert "Phải thu hồi 150.000.000 đồng" in result_figure(replies)
    assert "vốn hỗ trợ: 1.500.000.000 đồng" in replies[0].text


def test_guided_flow_reads_decimals_fractions_and_typed_yes(dialogue: Dialogue) -> None:
    assert "bao nhiêu" in say(dialogue, "/thuhoi", "!tier:kho-khan")[-1].text
    assert "kết thúc ngày nào" in say(dialogue, "1.5 tỷ")[-1].text
    assert "thiệt hại" in say(dialogue, "15/3/2024")[-1].text
    kind = say(dialogue, "có")  # typed "có" to the yes/no damage question
    assert "thiên tai hay" in kind[-1].text
    assert "phần trăm" in say(dialogue, "!damage:disaster")[-1].text
    assert "biên bản" in say(dialogue, "khoảng 1/3")[-1].text
    replies = say(dialogue, "có")
    assert "KHÔNG THU HỒI" in result_figure(replies)
    assert "vốn hỗ trợ: 1.500.000.000 đồng" in replies[0].text and "33,33%" in replies[0].text


def test_guided_bare_small_number_is_refused(dialogue: Dialogue) -> None:
    say(dialogue, "/thuhoi", "!tier:kho-khan")
    replies = say(dialogue, "100")
    assert "quá nhỏ" in text(replies) and "bao nhiêu" in replies[-1].text


def test_damage_percent_step_refuses_out_of_range(dialogue: Dialogue) -> None:
    say(dialogue, BASE + "hỗ trợ 100 triệu, bị thiệt hại do lũ, có biên bản")
    replies = say(dialogue, "150")
    assert "từ 0 đến 100" in text(replies) and "phần trăm" in replies[-1].text
    assert "KHÔNG THU HỒI" in result_figure(say(dialogue, "một nửa"))


@pytest.mark.parametrize("args, message", [
    (["--in-kind", "1e3 con"], "số mũ"),
    (["--amount", "1"], "quá nhỏ"),
])
def test_cli_refuses_absurd_values(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    base = {"--tier": "kho-khan", "--amount": "40000000", "--end": "15/03/2024"}
    for key, value in zip(args[::2], args[1::2]):
        base[key] = value
    code = sotay_main(["recover", "--json", *[x for kv in base.items() for x in kv]])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and message in err


def test_cli_and_dialogue_agree(capsys: pytest.CaptureFixture[str], dialogue: Dialogue) -> None:
    assert sotay_main(["recover", "--json", "--tier", "kho-khan", "--amount", "1500000000", "--end", "15/03/2024"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert f"Phải thu hồi {cli['amount']:,} đồng".replace(",", ".") in result_figure(say(dialogue, BASE + "hỗ trợ 1.5 tỷ"))


def test_in_a_group_a_calculation_belongs_to_the_member_who_started_it(dialogue: Dialogue) -> None:
    group, owner, other = "-100123", "11", "22"
    tiers = dialogue.handle(group, "/thuhoi", owner)
    assert "địa bàn nào" in tiers[-1].text
    pressed = dialogue.press(group, shown(tiers, "tier:dbkk"), other)  # another member presses the owner's keyboard
    assert pressed[0].text.startswith("Một thành viên khác") and len(pressed) == 1
    for message in ("100 triệu", "/huy", "hủy", "Xã khó khăn, hỗ trợ 50 triệu, kết thúc 15/3/2024"):
        assert dialogue.handle(group, message, other)[0].text.startswith("Một thành viên khác"), message
    asked = dialogue.handle(group, "Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu?", other)
    assert "Một thành viên khác" not in asked[0].text  # questions are still answered
    # the owner's calculation is untouched and goes on
    assert "bao nhiêu" in dialogue.press(group, shown(tiers, "tier:kho-khan"), owner)[-1].text
    assert "kết thúc ngày nào" in dialogue.handle(group, "100 triệu", owner)[-1].text
