"""End-to-end tests of `sotay projects` (real dates): its command line run in process (``cli_runner``), the
human output and the import probe as real processes of the installed console script."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from cli_runner import run_sotay

HEAVY = ("torch", "sentence_transformers", "underthesea", "faiss", "bm25s", "numpy", "transformers")
VIETNAMESE = re.compile(r"[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]")
CONTRACT = ("id", "name", "tier", "support", "amount", "status", "deadline", "paid", "overdue")


def run(data: Path, *args: str, cwd: Path | None = None, real: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", SOTAY_DATA=str(data))
    return run_sotay(*args, env=env, cwd=cwd, text=True, real=real, timeout=60)


def ok_json(data: Path, *args: str) -> dict:
    proc = run(data, "projects", *args)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    return json.loads(proc.stdout)


def add(data: Path, name: str, *args: str) -> dict:
    return ok_json(data, "add", "--json", "--name", name, *args)


def assert_bad_input(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.startswith("Lỗi: ") or "\nLỗi: " in proc.stderr, proc.stderr
    assert VIETNAMESE.search(proc.stderr.lower()), proc.stderr
    assert proc.stdout == ""


def recover_json(data: Path, *args: str) -> dict:
    proc = run(data, "recover", "--json", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


def test_round_trip_add_list_due_paid_remove(data):
    p = add(data, "Nuôi bò thôn 2", "--tier", "kho-khan", "--amount", "40000000", "--end", "2024-03-15")
    assert list(p)[: len(CONTRACT)] == list(CONTRACT)
    assert p == p | {"name": "Nuôi bò thôn 2", "tier": "kho-khan", "support": 40_000_000, "amount": 4_000_000,
                     "status": "recover", "deadline": "2024-06-17", "paid": None, "remaining": 4_000_000}
    assert isinstance(p["id"], int) and (data / "register.sqlite").exists()
    listed = ok_json(data, "list", "--json")["projects"]
    assert [x["id"] for x in listed] == [p["id"]]
    due = ok_json(data, "due", "--json", "--as-of", "2024-06-01")
    assert due["as_of"] == "2024-06-01"
    assert [(x["id"], x["days_left"], x["overdue"]) for x in due["projects"]] == [(p["id"], 16, False)]
    paid = ok_json(data, "paid", str(p["id"]), "--json", "--date", "2024-06-10")
    assert (paid["paid"], paid["remaining"], paid["paid_date"]) == (4_000_000, 0, "2024-06-10")
    assert ok_json(data, "due", "--json", "--as-of", "2024-06-01")["projects"] == []
    assert ok_json(data, "remove", str(p["id"]), "--json") == {"removed": p["id"]}
    assert ok_json(data, "list", "--json") == {"projects": []}


def test_human_output_is_vietnamese(data):
    proc = run(data, "projects", "add", "--name", "Gà thôn 3", "--tier", "kho-khan", "--amount", "40.000.000",
               "--end", "15/03/2024", real=True)
    assert proc.returncode == 0, proc.stderr
    assert "Đã thêm dự án số 1" in proc.stdout and "4.000.000 đồng" in proc.stdout and "17/06/2024" in proc.stdout
    proc = run(data, "projects", "due", "--as-of", "01/07/2024", real=True)
    assert "QUÁ HẠN 14 ngày" in proc.stdout
    proc = run(data, "projects", "remove", "1")
    assert proc.returncode == 0 and "Đã xóa dự án số 1" in proc.stdout


def test_leap_year_deadline_equals_recover(data):
    argv = ["--tier", "kho-khan", "--amount", "40000000", "--end", "2023-11-30"]
    expected = recover_json(data, *argv)
    assert expected["deadline"] == "2024-02-29"
    p = add(data, "Năm nhuận", *argv)
    assert (p["status"], p["deadline"], p["amount"]) == (expected["status"], expected["deadline"], expected["amount"])


@pytest.mark.parametrize("end, deadline", [("2024-10-29", "2025-02-03"), ("17/11/2025", "2026-02-23")])
def test_tet_deadline_equals_recover(data, end, deadline):
    argv = ["--tier", "kho-khan", "--amount", "40000000", "--end", end]
    expected = recover_json(data, *argv)
    assert expected["deadline"] == deadline and expected["deadline_unadjusted"] != deadline
    assert add(data, "Tết", *argv)["deadline"] == expected["deadline"]


def test_partial_payment_stays_due(data):
    p = add(data, "Dê", "--tier", "kho-khan", "--amount", "40000000", "--end", "2024-03-15")
    first = ok_json(data, "paid", str(p["id"]), "--json", "--date", "2024-05-02", "--amount", "1.500.000")
    assert (first["paid"], first["remaining"]) == (1_500_000, 2_500_000)
    due = ok_json(data, "due", "--json", "--as-of", "2024-07-01")["projects"]
    assert [(x["id"], x["remaining"], x["overdue"], x["days_left"]) for x in due] == [(p["id"], 2_500_000, True, -14)]
    second = ok_json(data, "paid", str(p["id"]), "--json", "--date", "2024-07-02", "--amount", "2500000")
    assert (second["paid"], second["remaining"]) == (4_000_000, 0)
    assert ok_json(data, "due", "--json", "--as-of", "2024-07-01")["projects"] == []
    assert_bad_input(run(data, "projects", "paid", str(p["id"]), "--amount", "1000"))


def test_extended_project(data):
    argv = ["--tier", "kho-khan", "--amount", "40000000", "--end", "2024-03-15", "--damage", "20", "--verified"]
    p = add(data, "Lúa", *argv)
    assert (p["status"], p["deadline"]) == ("extended", "2025-06-16") == (
        recover_json(data, *argv)["status"], recover_json(data, *argv)["deadline"])


def test_due_ordering_window_and_never_due(data):
    far = add(data, "Còn xa", "--tier", "kho-khan", "--amount", "40000000", "--end", "2024-06-30")  # 30/09/2024
    soon = add(data, "Sắp đến", "--tier", "con-lai", "--amount", "20000000", "--end", "2024-03-15")  # 17/06/2024
    late = add(data, "Quá hạn", "--tier", "kho-khan", "--amount", "40000000", "--end", "2024-01-15")  # 15/04/2024
    none = add(data, "ĐBKK", "--tier", "dbkk", "--amount", "40000000", "--end", "2024-03-15")
    waived = add(data, "Miễn", "--tier", "kho-khan", "--amount", "40000000", "--end", "2024-01-15", "--damage", "30",
                 "--verified")
    assert (none["status"], waived["status"]) == ("no_recovery", "waived")
    due = ok_json(data, "due", "--json", "--as-of", "2024-06-01")["projects"]
    assert [(x["id"], x["days_left"], x["overdue"]) for x in due] == [(late["id"], -47, True), (soon["id"], 16, False)]
    wide = ok_json(data, "due", "--json", "--as-of", "2024-06-01", "--within", "365")["projects"]
    assert [x["id"] for x in wide] == [late["id"], soon["id"], far["id"]]
    assert [x["id"] for x in ok_json(data, "due", "--json", "--as-of", "2024-06-01", "--within", "0")["projects"]] \
        == [late["id"]]
    assert ok_json(data, "due", "--json", "--within", "30")["as_of"] == dt.date.today().isoformat()
    assert_bad_input(run(data, "projects", "due", "--within", "-3"))
    assert_bad_input(run(data, "projects", "due", "--as-of", "31/02/2024"))


def test_bad_input_same_as_recover_and_nothing_written(data):
    for override in (["--amount", "-5"], ["--end", "31/02/2024"], ["--tier", "abc"], ["--damage", "101"],
                     ["--end", "2022-11-30"]):
        args = dict(zip(["--tier", "--amount", "--end"], ["kho-khan", "40000000", "2024-03-15"]))
        args.update(dict(zip(override[::2], override[1::2])))
        argv = [x for pair in args.items() for x in pair]
        mine = run(data, "projects", "add", "--json", "--name", "X", *argv)
        assert_bad_input(mine)
        theirs = run(data, "recover", "--json", *argv)
        assert mine.stderr == theirs.stderr and mine.returncode == theirs.returncode
    assert_bad_input(run(data, "projects", "add", "--name", "X", "--tier", "kho-khan"))
    assert not (data / "register.sqlite").exists()


def test_unknown_id(data):
    for argv in (["paid", "7"], ["remove", "7"], ["remove", "abc"], ["paid", "7", "--json"]):
        proc = run(data, "projects", *argv)
        assert_bad_input(proc)
    assert "Không có dự án số 7" in run(data, "projects", "remove", "7").stderr


def test_export_then_import_round_trip(data, tmp_path):
    a = add(data, "Nuôi bò", "--tier", "kho-khan", "--amount", "40000000", "--end", "2023-11-30")
    ok_json(data, "paid", str(a["id"]), "--json", "--date", "2024-01-10", "--amount", "1000000")
    add(data, "Gà", "--tier", "con-lai", "--amount", "20000000", "--end", "2030-03-15", "--in-kind", "1.000",
        "--unit", "con gà")
    add(data, "ĐBKK", "--tier", "dbkk", "--amount", "30000000", "--end", "2024-03-15")
    out = tmp_path / "so.xlsx"
    proc = run(data, "projects", "export", str(out))
    assert proc.returncode == 0, proc.stderr
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    for name in ("Tên dự án", "Địa bàn", "Vốn hỗ trợ", "Phải thu hồi", "Trạng thái", "Hạn thu hồi", "Đã nộp",
                 "Còn phải nộp", "Quá hạn", "Căn cứ"):
        assert name in header
    col = {name: i + 1 for i, name in enumerate(header)}
    row = {name: ws.cell(2, col[name]) for name in header}
    assert row["Vốn hỗ trợ"].value == 40_000_000 and row["Vốn hỗ trợ"].number_format == '#,##0 "đồng"'
    assert row["Phải thu hồi"].value == 4_000_000 and row["Còn phải nộp"].value == 3_000_000
    assert row["Hạn thu hồi"].value == dt.datetime(2024, 2, 29) and row["Hạn thu hồi"].number_format == "dd/mm/yyyy"
    assert row["Quá hạn"].value == "Quá hạn" and row["Tên dự án"].fill.fill_type == "solid"
    assert row["Căn cứ"].value == "QĐ …/2022/QĐ-UBND Ninh Thuận, Điều 4 khoản 2 điểm b"
    assert ws.cell(3, col["Quá hạn"]).value is None and ws.cell(3, col["Tên dự án"]).fill.fill_type is None
    assert ws.cell(4, col["Căn cứ"]).value.endswith("Điều 4 khoản 2 điểm a")
    assert ws.cell(5, col["Tên dự án"]).value == "Tổng cộng"
    letter = openpyxl.utils.get_column_letter(col["Phải thu hồi"])
    assert ws.cell(5, col["Phải thu hồi"]).value == f"=SUM({letter}2:{letter}4)"

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    imported = ok_json(fresh, "import", str(out), "--json")["added"]
    original = ok_json(data, "list", "--json")["projects"]
    keys = ("name", "tier", "support", "amount", "status", "deadline", "paid", "remaining", "paid_date", "in_kind",
            "basis", "end")
    assert [{k: p[k] for k in keys} for p in imported] == [{k: p[k] for k in keys} for p in original]


def test_import_csv_with_a_bad_row_adds_nothing(data, tmp_path):
    src = tmp_path / "duan.csv"
    src.write_text(
        "Tên dự án,Địa bàn,Vốn hỗ trợ,Ngày kết thúc,Thiệt hại (%),Biên bản xác nhận\n"
        "Bò thôn 1,khó khăn,40.000.000,15/03/2024,,\n"
        "Dê thôn 2,còn lại,20000000,31/02/2024,,\n"
        "Lúa thôn 3,kho-khan,40000000,2024-03-15,20,có\n",
        encoding="utf-8",
    )
    proc = run(data, "projects", "import", str(src))
    assert_bad_input(proc)
    assert "dòng 3" in proc.stderr and "31/02/2024" in proc.stderr and "dòng 2" not in proc.stderr
    assert ok_json(data, "list", "--json") == {"projects": []}
    src.write_text(src.read_text(encoding="utf-8").replace("31/02/2024", "28/02/2024"), encoding="utf-8")
    proc = run(data, "projects", "import", str(src))
    assert proc.returncode == 0 and "Đã thêm 3 dự án" in proc.stdout
    statuses = [p["status"] for p in ok_json(data, "list", "--json")["projects"]]
    assert statuses == ["recover", "recover", "extended"]


def test_damaged_register_file(data):
    (data / "register.sqlite").write_bytes(b"this is not a database" * 100)
    proc = run(data, "projects", "list", "--json")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "không mở được sổ dự án" in proc.stderr and proc.stdout == ""


def test_help_lists_projects(data):
    proc = run(data, "projects", "--help")
    assert proc.returncode == 0 and "export" in proc.stdout and "import" in proc.stdout


_PROBE = """
import sys
from sotay.cli import main
rc = main(["projects", "add", "--json", "--name", "Bò", "--tier", "kho-khan", "--amount", "40000000",
           "--end", "2024-03-15"])
sys.stderr.write("\\nMODULES " + " ".join(sorted(sys.modules)) + "\\n")
sys.exit(rc)
"""


def test_projects_add_imports_nothing_heavy(data):
    env = dict(os.environ, SOTAY_DATA=str(data))
    proc = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, encoding="utf-8",
                          timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["amount"] == 4_000_000
    modules = proc.stderr.rsplit("MODULES ", 1)[1].split()
    assert not [m for m in modules if m.split(".")[0] in HEAVY + ("openpyxl",)]
    assert not [m for m in modules if m.startswith(("sotay.index", "sotay.bot"))]
