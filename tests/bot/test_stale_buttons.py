"""Buttons belong to one step of one calculation: a press on an older keyboard changes nothing."""

from __future__ import annotations

import pytest

from sotay.bot.dialogue import FOREIGN_FLOW, STALE_BUTTONS, Dialogue, Reply
from sotay.bot.services import Services
from sotay.bot.state import StateStore

CHAT = "5551001"


@pytest.fixture()
def dialogue() -> Dialogue:
    return Dialogue(StateStore(":memory:"), Services(width=None))


def button(replies: list[Reply], data: str) -> str:
    """The data of the button shown in ``replies`` whose data is ``data`` plus the step's key."""
    [found] = [b.data for r in replies for row in r.buttons for b in row if b.data.rsplit(":", 1)[0] == data]
    return found


def test_an_answered_question_keyboard_is_stale(dialogue: Dialogue) -> None:
    tiers = dialogue.handle(CHAT, "/thuhoi")
    dialogue.press(CHAT, button(tiers, "tier:kho-khan"))
    before = dialogue.store.load(CHAT)
    [refused] = dialogue.press(CHAT, button(tiers, "tier:dbkk"))  # the old tier keyboard, pressed again
    assert refused.text.startswith(STALE_BUTTONS) and "Tổng vốn ngân sách" in refused.text
    assert dialogue.store.load(CHAT) == before and before["recover"]["slots"] == {"tier": "kho-khan"}


def test_a_replaced_calculation_keyboard_is_stale(dialogue: Dialogue) -> None:
    old = dialogue.handle(CHAT, "/thuhoi")
    new = dialogue.handle(CHAT, "/thuhoi")  # a new calculation asks the same question
    [refused] = dialogue.press(CHAT, button(old, "tier:dbkk"))
    assert refused.text.startswith(STALE_BUTTONS)
    assert [b.data for row in refused.buttons for b in row] == [b.data for row in new[-1].buttons for b in row]
    assert "tier" not in dialogue.store.load(CHAT)["recover"]["slots"]
    assert "Tổng vốn ngân sách" in dialogue.press(CHAT, button(new, "tier:dbkk"))[-1].text


def test_damage_keyboard_goes_stale_once_answered_by_typing(dialogue: Dialogue) -> None:
    dialogue.press(CHAT, button(dialogue.handle(CHAT, "/thuhoi"), "tier:kho-khan"))
    dialogue.handle(CHAT, "100 triệu")
    damage = dialogue.handle(CHAT, "15/3/2024")
    asked = dialogue.handle(CHAT, "thiệt hại do lũ 50%")  # typed instead of pressed
    assert "biên bản" in asked[-1].text
    [refused] = dialogue.press(CHAT, button(damage, "damage:none"))
    assert refused.text.startswith(STALE_BUTTONS)
    assert dialogue.store.load(CHAT)["recover"]["slots"]["damage"] == "50"


@pytest.mark.parametrize("data", ["tier:dbkk", "tier:dbkk:000000", "tier:dbkk:{key}:x", "amount:100:{key}"])
def test_forged_or_unstamped_presses_change_nothing(dialogue: Dialogue, data: str) -> None:
    dialogue.handle(CHAT, "/thuhoi")
    before = dialogue.store.load(CHAT)
    replies = dialogue.press(CHAT, data.format(key=before["recover"]["key"]))
    assert "Tổng vốn" not in replies[-1].text and "địa bàn nào" in replies[-1].text
    assert dialogue.store.load(CHAT)["recover"]["slots"] == {}


def test_in_a_group_another_member_cannot_press_and_the_owner_meets_stale_keyboards(dialogue: Dialogue) -> None:
    group, owner, other = "-1009", "11", "22"
    tiers = dialogue.handle(group, "/thuhoi", owner)
    assert dialogue.press(group, button(tiers, "tier:dbkk"), other)[0].text == FOREIGN_FLOW
    assert dialogue.foreign(group, other) and not dialogue.foreign(group, owner)
    dialogue.press(group, button(tiers, "tier:con-lai"), owner)
    assert dialogue.press(group, button(tiers, "tier:dbkk"), owner)[0].text.startswith(STALE_BUTTONS)
    assert dialogue.store.load(group)["recover"]["slots"] == {"tier": "con-lai"}
