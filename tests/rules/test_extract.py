"""Recovery details pulled out of officers' chat messages."""

from __future__ import annotations

import pytest

from sotay.rules.extract import extract, find_amount, looks_like_recovery_request, prepare


@pytest.mark.parametrize("text, value", [
    ("100 triệu", 100_000_000),
    ("1,5 tỷ", 1_500_000_000),
    ("200tr", 200_000_000),
    ("50.000.000 đồng", 50_000_000),
    ("50 000 000 đ", 50_000_000),
    ("40000000", 40_000_000),
    ("1 tỷ 200 triệu", 1_200_000_000),
    ("hai trăm triệu", 200_000_000),
    ("hai tram lam muoi trieu", 250_000_000),
    ("một tỷ rưỡi", 1_500_000_000),
    ("mười lăm triệu", 15_000_000),
    ("ba trăm năm mươi nghìn", 350_000),
])
def test_amounts_as_officers_write_them(text: str, value: int) -> None:
    found = find_amount(prepare(text))
    assert found is not None and found.readings == (value,)


@pytest.mark.parametrize("text, end", [
    ("kết thúc 15/3/2024", "15/3/2024"),
    ("ket thuc 15-03-2024", "15/03/2024"),
    ("ngày 15 tháng 3 năm 2024", "15/3/2024"),
    ("hoàn thành 2024-03-15", "15/03/2024"),
])
def test_dates(text: str, end: str) -> None:
    assert extract(text).end == end


@pytest.mark.parametrize("text, tier", [
    ("xã ĐBKK", "dbkk"), ("dac biet kho khan", "dbkk"), ("địa bàn còn lại", "con-lai"),
    ("Xã khó khăn", "kho-khan"), ("xa kho khan", "kho-khan"),
])
def test_tiers(text: str, tier: str) -> None:
    assert extract(text).tier == tier


def test_one_message_project() -> None:
    d = extract("Xã khó khăn, hỗ trợ 100 triệu, dự án kết thúc 15/3/2024, thiệt hại 20%, có biên bản, thu hồi bao nhiêu?")
    assert (d.tier, d.amount.readings, d.end, d.damage.value, d.verified) == ("kho-khan", (100_000_000,), "15/3/2024", 20, True)
    assert extract("thiet hai 35% khong co bien ban").verified is False
    assert extract("dự án bị dịch bệnh, bất khả kháng").force_majeure is True
    assert extract("hỗ trợ 10 con bò trị giá 100 triệu").in_kind == "10 con bò"


def test_a_date_or_percentage_is_not_taken_for_money() -> None:
    d = extract("kết thúc 15/3/2024, thiệt hại 20%")
    assert d.amount is None and d.end == "15/3/2024" and d.damage.value == 20


def test_questions_about_the_rules_are_not_calculations() -> None:
    assert not looks_like_recovery_request("Địa bàn khó khăn phải thu hồi bao nhiêu phần trăm vốn hỗ trợ?")
    assert not looks_like_recovery_request("gia han thu hoi von toi da bao nhieu thang")
    assert looks_like_recovery_request("Xã khó khăn, hỗ trợ 100 triệu, dự án kết thúc 15/3/2024, thu hồi bao nhiêu?")
    assert looks_like_recovery_request("xa dbkk ho tro 1,5 ty ket thuc 15-03-2024")
