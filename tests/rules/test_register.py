"""The projects register (rules/register.py, rules/register_sheet.py), in process, on real dates."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from sotay.rules import compute
from sotay.rules.inputs import InputError
from sotay.rules.register import Register, UnknownProject, default_path, parse_paid_amount, prepare
from sotay.rules.register_sheet import HEADERS, SheetRejected, export_xlsx, read_projects

D = dt.date


@pytest.fixture()
def reg(tmp_path: Path):
    with Register(tmp_path / "register.sqlite") as register:
        yield register


def test_default_path_is_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SOTAY_DATA", str(tmp_path))
    assert default_path() == tmp_path / "register.sqlite"


def test_wal_and_chat_column(tmp_path):
    path = tmp_path / "register.sqlite"
    Register(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    columns = {row[1]: row for row in db.execute("PRAGMA table_info(projects)")}
    assert columns["chat"][4] == "'cli'"
    assert {"name", "tier", "support", "in_kind_quantity", "in_kind_unit", "end_date", "damage", "force_majeure",
            "verified", "amount", "status", "deadline", "basis", "paid_date", "paid_amount", "note", "added_by",
            "added_at"} <= columns.keys()


def test_stored_figures_are_the_engines(reg):
    p = reg.add(prepare("Nuôi bò thôn 2", "kho-khan", 40_000_000, "30/11/2023"))
    r = compute("kho-khan", 40_000_000, "2023-11-30")
    assert (p.amount, p.status, p.deadline) == (r.amount, r.status, r.deadline) == (4_000_000, "recover", D(2024, 2, 29))
    assert p.basis == "QĐ …/2022/QĐ-UBND Ninh Thuận, Điều 4 khoản 2 điểm b"
    assert p.paid is None and p.remaining == 4_000_000
    assert reg.get(p.id) == p


def test_tet_deadline_moved(reg):
    p = reg.add(prepare("Trồng rừng", "kho-khan", 40_000_000, "2024-10-29"))
    assert p.deadline == compute("kho-khan", 40_000_000, "2024-10-29").deadline == D(2025, 2, 3)


def test_partial_then_full_payment(reg):
    p = reg.add(prepare("Nuôi dê", "kho-khan", 40_000_000, "2024-03-15"))
    assert p.deadline == D(2024, 6, 17)
    p = reg.pay(p.id, D(2024, 5, 2), 1_500_000)
    assert (p.paid, p.remaining, p.paid_date) == (1_500_000, 2_500_000, D(2024, 5, 2))
    assert [x.id for x in reg.due(D(2024, 6, 1))] == [p.id]
    with pytest.raises(InputError, match="vượt quá số còn phải nộp 2.500.000 đồng"):
        reg.pay(p.id, D(2024, 5, 3), 2_500_001)
    p = reg.pay(p.id, D(2024, 6, 10))
    assert (p.paid, p.remaining) == (4_000_000, 0)
    assert reg.due(D(2024, 6, 1)) == []
    with pytest.raises(InputError, match="đã nộp đủ"):
        reg.pay(p.id, D(2024, 6, 11))


def test_due_order_window_and_statuses(reg):
    late = reg.add(prepare("Quá hạn", "kho-khan", 40_000_000, "2024-01-15"))  # 15/04/2024
    soon = reg.add(prepare("Sắp đến", "con-lai", 20_000_000, "2024-03-15"))  # 17/06/2024
    far = reg.add(prepare("Còn xa", "kho-khan", 40_000_000, "2024-06-30"))  # 30/09/2024
    reg.add(prepare("ĐBKK", "dbkk", 40_000_000, "2024-03-15"))
    reg.add(prepare("Miễn", "kho-khan", 40_000_000, "2024-03-15", damage=50, verified=True))
    as_of = D(2024, 6, 1)
    due = reg.due(as_of, 30)
    assert [p.id for p in due] == [late.id, soon.id]
    assert [p.days_left(as_of) for p in due] == [-47, 16]
    assert [p.is_overdue(as_of) for p in due] == [True, False]
    assert [p.id for p in reg.due(as_of, 200)] == [late.id, soon.id, far.id]
    assert [p.id for p in reg.due(as_of, 0)] == [late.id]
    assert {p.status for p in reg.all()} == {"recover", "no_recovery", "waived"}


def test_extended(reg):
    p = reg.add(prepare("Lúa", "kho-khan", 40_000_000, "2024-03-15", damage=20, verified=True))
    assert (p.status, p.deadline) == ("extended", D(2025, 6, 16))
    assert p.to_json(D(2024, 1, 1))["deadline"] == "2025-06-16"


def test_nothing_to_recover_refuses_payment(reg):
    p = reg.add(prepare("ĐBKK", "dbkk", 40_000_000, "2024-03-15"))
    with pytest.raises(InputError, match="không phải thu hồi"):
        reg.pay(p.id, D(2024, 5, 1))


def test_unknown_and_other_chat(tmp_path):
    path = tmp_path / "r.sqlite"
    with Register(path) as cli, Register(path, chat="12345") as chat:
        p = cli.add(prepare("A", "kho-khan", 40_000_000, "2024-03-15"))
        assert chat.all() == []
        with pytest.raises(UnknownProject):
            chat.get(p.id)
        with pytest.raises(UnknownProject):
            cli.remove(p.id + 1)
        assert cli.remove(p.id).name == "A"
        assert cli.all() == []


def test_an_add_repeated_with_its_key_is_stored_once(tmp_path):
    path = tmp_path / "r.sqlite"
    cows = prepare("Nuôi bò thôn 2", "kho-khan", 40_000_000, "2024-03-15")
    with Register(path, chat="777") as register:
        first = register.add(cows, added_by="telegram", key="k1")
    with Register(path, chat="777") as again, Register(path, chat="888") as other:  # as a replaying process
        assert again.add(prepare("Tên khác", "kho-khan", 50_000_000, "2024-03-15"), key="k1") == first
        assert again.all() == [first]
        assert other.add(cows, key="k1").id != first.id  # keys belong to a chat
        assert again.add(cows, key="k2").id != first.id and len(again.all()) == 2
        assert again.add(cows).id != again.add(cows).id  # no key: every add is a project (the command line)


def test_a_register_written_before_keys_gets_the_column(tmp_path):
    path = tmp_path / "r.sqlite"
    with Register(path) as register:
        old = register.add(prepare("A", "kho-khan", 40_000_000, "2024-03-15"))
    db = sqlite3.connect(path)
    db.execute("DROP INDEX projects_save_key")
    db.execute("ALTER TABLE projects DROP COLUMN save_key")
    db.commit()
    db.close()
    with Register(path) as register:
        assert register.all() == [old]
        assert register.add(prepare("B", "kho-khan", 40_000_000, "2024-03-15"), key="k") \
            == register.add(prepare("B", "kho-khan", 40_000_000, "2024-03-15"), key="k")
        assert len(register.all()) == 2


def test_bad_input_stores_nothing(reg):
    for bad in [dict(tier="abc"), dict(support="-5"), dict(end="31/02/2024"), dict(end="2022-11-30")]:
        values = dict(name="X", tier="kho-khan", support="40000000", end="2024-03-15") | bad
        with pytest.raises(InputError):
            reg.add(prepare(values.pop("name"), **values))
    with pytest.raises(InputError, match="Thiếu tên dự án"):
        prepare("  ", "kho-khan", 40_000_000, "2024-03-15")
    assert reg.all() == []


def test_parse_paid_amount():
    assert parse_paid_amount("2.500.000") == parse_paid_amount("2500000 đồng") == parse_paid_amount(2_500_000.0)
    assert parse_paid_amount("500") == 500
    for bad in ("0", "-5", "1e6", "2,5", "abc"):
        with pytest.raises(InputError):
            parse_paid_amount(bad)


def test_add_many_is_one_transaction(reg):
    good = prepare("A", "kho-khan", 40_000_000, "2024-03-15")

    class Broken:  # fails while being stored, after the first insert
        name = "B"
        result = None

    with pytest.raises(AttributeError):
        reg.add_many([good, Broken()])  # type: ignore[list-item]
    assert reg.all() == []


def test_export_and_import_round_trip(reg, tmp_path):
    a = reg.add(prepare("Nuôi bò", "kho-khan", 40_000_000, "2023-11-30", note="thôn 2"))
    reg.pay(a.id, D(2024, 1, 10), 1_000_000)
    reg.add(prepare("Gà", "con-lai", 20_000_000, "2024-03-15", in_kind="1.000 con gà"))
    reg.add(prepare("Lúa", "kho-khan", 40_000_000, "2024-03-15", damage="12,5", verified=True))
    out = export_xlsx(reg.all(), tmp_path / "so.xlsx", D(2024, 6, 1))
    ws = openpyxl.load_workbook(out).active
    assert tuple(c.value for c in ws[1]) == HEADERS
    assert ws["D2"].value == 40_000_000 and ws["D2"].number_format == '#,##0 "đồng"'
    assert ws["F2"].value == dt.datetime(2023, 11, 30) and ws["F2"].number_format == "dd/mm/yyyy"
    assert ws["P2"].value == "Quá hạn" and ws["A2"].fill.fgColor.rgb.endswith("FFC7CE")
    assert ws["P4"].value is None
    assert ws["B5"].value == "Tổng cộng" and ws["J5"].value == "=SUM(J2:J4)"

    with Register(tmp_path / "fresh.sqlite") as fresh:
        fresh.add_many(read_projects(out))
        key = [(p.name, p.tier, p.support, p.end, p.in_kind, p.damage, p.verified, p.amount, p.status, p.deadline,
                p.paid, p.paid_date, p.note, p.basis) for p in fresh.all()]
        assert key == [(p.name, p.tier, p.support, p.end, p.in_kind, p.damage, p.verified, p.amount, p.status,
                        p.deadline, p.paid, p.paid_date, p.note, p.basis) for p in reg.all()]


def test_import_rejects_every_bad_row(tmp_path):
    src = tmp_path / "x.csv"
    src.write_text(
        "Tên dự án,Địa bàn,Vốn hỗ trợ,Ngày kết thúc,Đã nộp,Ngày nộp\n"
        "A,khó khăn,40.000.000,15/03/2024,,\n"
        "B,khó khăn,40000000,2024-03-15,9000000,2024-05-01\n"
        ",còn lại,40000000,2024-03-15,,\n",
        encoding="utf-8",
    )
    with pytest.raises(SheetRejected) as info:
        read_projects(src)
    assert [n for n, _ in info.value.rows] == [3, 4]
    assert "vượt quá" in info.value.rows[0][1] and "Thiếu tên dự án" in info.value.rows[1][1]


def test_import_requires_the_columns(tmp_path):
    src = tmp_path / "x.csv"
    src.write_text("Tên dự án,Địa bàn\nA,khó khăn\n", encoding="utf-8")
    with pytest.raises(InputError, match="Vốn hỗ trợ"):
        read_projects(src)
