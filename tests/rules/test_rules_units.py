"""Unit tests of the rules engine pieces: parsers, formatting, calendar, parameter files."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from sotay.rules import (
    InputError,
    RulesFileError,
    compute,
    format_result,
    load_regulations,
    parse_amount,
    parse_date,
    parse_tier,
)
from sotay.rules import days_off as cal
from sotay.rules.engine import record_matters
from sotay.rules.formatting import format_number, format_rate, format_vnd
from sotay.rules.inputs import parse_bool, parse_damage, parse_in_kind
from sotay.rules.params import RULES_DIR, select_regulation

D = dt.date
TODAY = D(2026, 1, 1)


# --- amounts ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("40000000", 40_000_000),
        ("40.000.000", 40_000_000),
        ("40,000,000", 40_000_000),
        ("40 000 000", 40_000_000),
        (" 40.000.000 đồng ", 40_000_000),
        ("40.000.000đ", 40_000_000),
        ("40000000 VND", 40_000_000),
        ("10000", 10_000),
        ("10000000000000", 10**13),
        (40_000_000, 40_000_000),
    ],
)
def test_parse_amount_accepts(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "", "  ", "-5", "0", "000", "00x12", "1e9", "1E9", "040000000", "40.00.000", "40.000,000",
        "4,0000,000", "40000000,5", "40000000.50", "10000000000001", "99999999999999999999999999",
        "NaN", "inf", "40 triệu", "0x10", "+5", "١٢٣", -5, 0, True, 10**13 + 1, 4.0, "1", "9999", 9_999,
    ],
)
def test_parse_amount_rejects(text):
    with pytest.raises(InputError) as excinfo:
        parse_amount(text)
    assert excinfo.value.field == "amount"
    assert "số tiền" in excinfo.value.message.lower()


# --- dates --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2024-03-15", "15/03/2024", "15/3/2024", " 15/3/2024 ", D(2024, 3, 15)])
def test_parse_date_formats(text):
    assert parse_date(text, today=TODAY) == D(2024, 3, 15)


@pytest.mark.parametrize(
    "text, message",
    [
        ("31/02/2024", "không tồn tại"),
        ("2023-02-29", "không tồn tại"),
        ("32/01/2024", "không tồn tại"),
        ("15/13/2024", "không tồn tại"),
        ("1999-12-31", "quá sớm"),
        ("2036-01-02", "quá xa"),
        ("15-03-2024", "không hợp lệ"),
        ("2024/03/15", "không hợp lệ"),
        ("15/03/24", "không hợp lệ"),
        ("hôm qua", "không hợp lệ"),
        ("", "Thiếu"),
    ],
)
def test_parse_date_rejects(text, message):
    with pytest.raises(InputError) as excinfo:
        parse_date(text, today=TODAY)
    assert message in excinfo.value.message


def test_parse_date_bounds():
    assert parse_date("01/01/2000", today=TODAY) == D(2000, 1, 1)
    assert parse_date("2036-01-01", today=TODAY) == D(2036, 1, 1)
    assert parse_date("2034-02-28", today=D(2024, 2, 29)) == D(2034, 2, 28)


# --- tiers, damage, flags, in kind ----------------------------------------------


@pytest.mark.parametrize(
    "text, code",
    [
        ("dbkk", "dbkk"), ("ĐBKK", "dbkk"), ("đặc biệt khó khăn", "dbkk"), ("dac biet kho khan", "dbkk"),
        ("Địa bàn đặc biệt khó khăn", "dbkk"), ("kho-khan", "kho-khan"), ("khó khăn", "kho-khan"),
        ("KHÓ KHĂN", "kho-khan"), ("kho_khan", "kho-khan"), ("con-lai", "con-lai"), ("còn lại", "con-lai"),
        ("con lai", "con-lai"),
    ],
)
def test_parse_tier(text, code):
    assert parse_tier(text) == code


@pytest.mark.parametrize("text", ["", "abc", "miền núi", "rất khó khăn"])
def test_parse_tier_rejects(text):
    with pytest.raises(InputError):
        parse_tier(text)


@pytest.mark.parametrize(
    "text, expected",
    [("29.99", Decimal("29.99")), ("29,99", Decimal("29.99")), ("30%", Decimal(30)), ("0", Decimal(0)),
     ("100", Decimal(100)), ("", None), (None, None), (12.5, Decimal("12.5"))],
)
def test_parse_damage(text, expected):
    assert parse_damage(text) == expected


@pytest.mark.parametrize("text", ["-1", "100.01", "101", "abc", "1e2", "nan", "30%%", True])
def test_parse_damage_rejects(text):
    with pytest.raises(InputError):
        parse_damage(text)


@pytest.mark.parametrize("text", ["có", "Có", "co", "x", "X", "yes", "true", "1", True])
def test_parse_bool_true(text):
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", ["không", "khong", "", "no", "false", "0", None, False])
def test_parse_bool_false(text):
    assert parse_bool(text) is False


def test_parse_bool_rejects():
    with pytest.raises(InputError):
        parse_bool("có lẽ")


@pytest.mark.parametrize(
    "text, quantity, unit",
    [("10 con bò", Decimal(10), "con bò"), ("2,5 tấn", Decimal("2.5"), "tấn"),
     ("1.500 cây giống", Decimal(1500), "cây giống"), ("3kg", Decimal(3), "kg"),
     ("  20   con  dê ", Decimal(20), "con dê")],
)
def test_parse_in_kind(text, quantity, unit):
    item = parse_in_kind(text)
    assert item.quantity == quantity and item.unit == unit


@pytest.mark.parametrize("text", ["con bò", "10", "0 con bò", "2.5 tấn", "-1 con bò", "1,2,3 kg", "1e3 con", "2E2 kg"])
def test_parse_in_kind_rejects(text):
    with pytest.raises(InputError):
        parse_in_kind(text)


# --- formatting -----------------------------------------------------------------


def test_formatting():
    assert format_vnd(4_000_000) == "4.000.000 đồng"
    assert format_vnd(0) == "0 đồng"
    assert format_vnd(999) == "999 đồng"
    assert format_number(Decimal("1.5")) == "1,5"
    assert format_number(Decimal("1500.25")) == "1.500,25"
    assert format_number(Decimal("1.5E+2")) == "150"
    assert format_rate(Decimal("0.1")) == "10%"
    assert format_rate(Decimal("0.125")) == "12,5%"


def test_human_report_worked_example():
    text = format_result(compute("kho-khan", "40.000.000", "15/03/2024"))
    assert "4.000.000 đồng" in text
    assert "17/06/2024" in text
    assert "Điều 4 khoản 2 điểm b" in text
    assert "Điều 5 khoản 1 điểm c" in text
    assert "Điều 6 khoản 1" in text
    assert "Kho bạc Nhà nước" in text
    assert "Bộ luật Dân sự 2015, Điều 148 khoản 5" in text


def test_human_report_in_kind_and_warning():
    text = format_result(compute("con-lai", 40_000_000, "15/03/2024", damage="35", in_kind="10 con bò"))
    text = " ".join(text.split())  # the report is wrapped for terminals
    assert "1,5 con bò" in text
    assert "không được gia hạn và không được miễn thu hồi" in text
    assert "chưa có biên bản" in text


def test_human_report_waived_and_no_recovery():
    waived = format_result(compute("con-lai", 40_000_000, "15/03/2024", force_majeure=True, verified=True))
    assert "KHÔNG THU HỒI" in waived and "Điều 4 khoản 4 điểm b" in waived and "Điều 3 khoản 1" in waived
    none = format_result(compute("dbkk", 40_000_000, "15/03/2024"))
    assert "KHÔNG THU HỒI" in none and "Điều 4 khoản 2 điểm a" in none


# --- calendar -------------------------------------------------------------------

# Official weekday days off for civil servants (Government announcements), Mon–Fri only.
OFFICIAL_WEEKDAY_DAYS_OFF = {
    2023: {
        D(2023, 1, 2), D(2023, 1, 20), D(2023, 1, 23), D(2023, 1, 24), D(2023, 1, 25), D(2023, 1, 26),
        D(2023, 5, 1), D(2023, 5, 2), D(2023, 5, 3), D(2023, 9, 1), D(2023, 9, 4),
    },
    2024: {
        D(2024, 1, 1), D(2024, 2, 8), D(2024, 2, 9), D(2024, 2, 12), D(2024, 2, 13), D(2024, 2, 14),
        D(2024, 4, 18), D(2024, 4, 29), D(2024, 4, 30), D(2024, 5, 1), D(2024, 9, 2), D(2024, 9, 3),
    },
    2025: {
        D(2025, 1, 1), D(2025, 1, 27), D(2025, 1, 28), D(2025, 1, 29), D(2025, 1, 30), D(2025, 1, 31),
        D(2025, 4, 7), D(2025, 4, 30), D(2025, 5, 1), D(2025, 5, 2), D(2025, 9, 1), D(2025, 9, 2),
    },
}


@pytest.mark.parametrize("year", sorted(OFFICIAL_WEEKDAY_DAYS_OFF))
def test_holidays_package_matches_official_days_off(year):
    days = [D(year, 1, 1) + dt.timedelta(days=i) for i in range(366)]
    off = {d for d in days if d.year == year and d.weekday() < 5 and not cal.is_working_day(d)}
    assert off == OFFICIAL_WEEKDAY_DAYS_OFF[year]


def test_period_end_civil_code():
    assert cal.period_end(D(2024, 3, 15), 3) == D(2024, 6, 15)
    assert cal.period_end(D(2023, 11, 30), 3) == D(2024, 2, 29)
    assert cal.period_end(D(2024, 11, 30), 3) == D(2025, 2, 28)
    assert cal.period_end(D(2024, 5, 31), 3) == D(2024, 8, 31)
    assert cal.period_end(D(2024, 3, 31), 3) == D(2024, 6, 30)
    assert cal.period_end(D(2024, 3, 15), 15) == D(2025, 6, 15)


def test_next_working_day():
    assert cal.next_working_day(D(2024, 6, 17)) == (D(2024, 6, 17), ())
    day, skipped = cal.next_working_day(D(2025, 1, 25))
    assert day == D(2025, 2, 3)
    assert [d for d, _ in skipped] == [D(2025, 1, 25) + dt.timedelta(days=i) for i in range(9)]
    assert "Tết" in dict(skipped)[D(2025, 1, 29)]
    assert cal.weekday_vi(D(2024, 6, 17)) == "thứ Hai"
    assert cal.weekday_vi(D(2024, 6, 16)) == "Chủ nhật"


# --- parameter files ------------------------------------------------------------


def test_bundled_regulation_loads():
    regs = load_regulations()
    assert list(regs) == ["ninh_thuan"]
    reg = regs["ninh_thuan"]
    assert reg.citation == "QĐ …/2022/QĐ-UBND Ninh Thuận"
    assert reg.rates["kho-khan"].at(D(2024, 1, 1)) == Decimal("0.1")
    assert reg.rates["con-lai"].at(D(2024, 1, 1)) == Decimal("0.15")
    assert reg.rates["dbkk"].at(D(2024, 1, 1)) == 0
    assert reg.recovery_months.at(D(2024, 1, 1)) == 3
    assert reg.extension_months.at(D(2024, 1, 1)) == 12
    assert reg.damage_threshold.at(D(2024, 1, 1)) == 30


def test_quotes_are_verbatim_from_the_source():
    """Every quoted clause text appears in the regulation text (whitespace-insensitive)."""
    source = Path(__file__).resolve().parents[2] / "corpus" / "ninh-thuan-2022-quay-vong-von.txt"
    if not source.exists():
        pytest.skip("source text not present")
    norm = lambda s: " ".join(s.replace("…", " ").split())  # noqa: E731
    text = norm(source.read_text(encoding="utf-8"))
    reg = load_regulations()["ninh_thuan"]
    quotes = [p.reference.text for p in reg.rates.values()]
    quotes += [reg.recovery_months.reference.text, reg.extension_months.reference.text]
    quotes += [c.text for c in reg.clauses.values()]
    quotes += [s.text for s in reg.steps]
    for quote in quotes:
        for piece in quote.replace("…", "|").replace(" - ", "|").split("|"):
            piece = norm(piece)
            if piece:
                assert piece in text, piece[:80]


def _copy_province(tmp_path: Path, key: str, name: str, kho_khan_rate: float, values_extra=None) -> Path:
    raw = yaml.safe_load((RULES_DIR / "ninh_thuan.yaml").read_text(encoding="utf-8"))
    raw["province"] = key
    raw["province_name"] = name
    raw["document"]["citation"] = f"QĐ 99/2023/QĐ-UBND {name}"
    raw["parameters"]["rate"]["kho-khan"]["values"] = {D(2023, 1, 1): kho_khan_rate, **(values_extra or {})}
    path = tmp_path / f"{key}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_new_province_is_a_new_yaml_file(tmp_path):
    _copy_province(tmp_path, "tinh_thu", "Tỉnh Thử", 0.2, {D(2025, 1, 1): None})
    result = compute("kho-khan", 40_000_000, "15/03/2024", rules_dir=tmp_path)  # the only one there
    assert result.rate == Decimal("0.2") and result.amount == 8_000_000
    assert result.to_json()["basis"][0]["citation"].startswith("QĐ 99/2023/QĐ-UBND Tỉnh Thử, Điều 4")
    # the Civil Code file is taken from the installed rules when the folder lacks one
    assert any(b["citation"].startswith("Bộ luật Dân sự 2015") for b in result.to_json()["basis"])
    # the parameter stops on 2025-01-01 (null) and did not start before 2023-01-01
    with pytest.raises(InputError, match="không áp dụng"):
        compute("kho-khan", 40_000_000, "15/03/2025", rules_dir=tmp_path)
    with pytest.raises(InputError, match="không áp dụng"):
        compute("kho-khan", 40_000_000, "15/12/2022", rules_dir=tmp_path)


def test_several_provinces_need_a_choice(tmp_path):
    shutil.copy(RULES_DIR / "ninh_thuan.yaml", tmp_path / "ninh_thuan.yaml")
    _copy_province(tmp_path, "tinh_thu", "Tỉnh Thử", 0.2)
    with pytest.raises(InputError) as excinfo:
        compute("kho-khan", 40_000_000, "15/03/2024", rules_dir=tmp_path)
    assert "--province" in excinfo.value.message and "ninh_thuan" in excinfo.value.message
    assert "tinh_thu" in excinfo.value.message
    assert compute("kho-khan", 40_000_000, "15/03/2024", province="tinh_thu", rules_dir=tmp_path).amount == 8_000_000
    assert compute("kho-khan", 40_000_000, "15/03/2024", province="Ninh Thuận", rules_dir=tmp_path).amount == 4_000_000


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda r: r["parameters"]["rate"].pop("dbkk"), "thiếu dbkk"),
        (lambda r: r["parameters"]["rate"]["kho-khan"].update(values={D(2023, 1, 1): 1.5}), "trong khoảng"),
        (lambda r: r["parameters"]["rate"]["kho-khan"]["metadata"].pop("reference"), "reference"),
        (lambda r: r["parameters"]["recovery_months"].update(values={D(2023, 1, 1): 2.5}), "số nguyên"),
        (lambda r: r["steps"][0].update(what="Làm {gi}"), "chỗ điền"),
        (lambda r: r["steps"][0].update(when=["sometimes"]), "when"),
        (lambda r: r["clauses"].pop("waiver"), "clauses.waiver"),
        (lambda r: r.update(province="Tỉnh Thử"), "province"),
    ],
)
def test_malformed_rules_file(tmp_path, mutate, message):
    raw = yaml.safe_load((RULES_DIR / "ninh_thuan.yaml").read_text(encoding="utf-8"))
    mutate(raw)
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesFileError) as excinfo:
        select_regulation(None, tmp_path)
    assert message in excinfo.value.message


def test_invalid_yaml_syntax(tmp_path):
    (tmp_path / "broken.yaml").write_text("kind: [unclosed\n", encoding="utf-8")
    with pytest.raises(RulesFileError, match="YAML"):
        load_regulations(tmp_path)


def test_no_regulation_in_folder(tmp_path):
    with pytest.raises(RulesFileError):
        select_regulation(None, tmp_path)


# --- batch rows -------------------------------------------------------------------


def test_process_rows_keeps_columns_and_reports_row_errors():
    from sotay.rules.batch import process_rows

    rows = [
        ["id", "Địa bàn", "Số tiền", "Ngày kết thúc", "status"],
        ["1", "khó khăn", "40.000.000", "15/03/2024", "old"],
        ["2", "kho-khan", "40000000", "15/03/2024", "", "surplus"],
        ["", "", "", "", ""],
        ["3", "còn lại", "abc", "15/03/2024"],
    ]
    out, errors = process_rows(rows)
    header = out[0]
    assert header[:5] == rows[0][:5]  # `status` is overwritten in place, not duplicated
    assert header.count("status") == 1 and header[-1] == "error"
    assert "in_kind_quantity" not in header
    body = [dict(zip(header, r)) for r in out[1:]]
    assert len(body) == 3  # the blank row is dropped
    assert body[0]["status"] == "recover" and body[0]["amount_recovered"] == "4000000"
    assert "nhiều hơn" in body[1]["error"] and out[2][-1] == "surplus"
    assert "Số tiền" in body[2]["error"]
    assert errors == [3, 5]


def test_process_rows_rejects_missing_columns():
    from sotay.rules.batch import process_rows

    with pytest.raises(InputError, match="thiếu cột bắt buộc"):
        process_rows([["tier", "amount"], ["kho-khan", "1"]])
    with pytest.raises(InputError, match="hai cột cùng nghĩa"):
        process_rows([["tier", "địa bàn", "amount", "end"]])
    with pytest.raises(InputError, match="trống"):
        process_rows([])


def test_the_record_matters_only_where_something_is_recovered() -> None:
    end = dt.date(2024, 3, 15)
    assert not record_matters("dbkk", end)  # rate 0: nothing to extend or waive
    assert record_matters("kho-khan", end) and record_matters("con lai", end)
    assert record_matters("dbkk", dt.date(2021, 6, 30))  # not covered by the rules: the calculation says so
