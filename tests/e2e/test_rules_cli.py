"""End-to-end tests of `sotay recover`: its command line run in process (``cli_runner``), the worked example
and the import probes as real processes of the installed console script."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import run_sotay

HEAVY = ("torch", "sentence_transformers", "underthesea", "faiss", "bm25s", "numpy", "transformers")
VIETNAMESE = re.compile(r"[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]")
WORKED = ["--tier", "kho-khan", "--amount", "40000000", "--end", "15/03/2024"]


def recover(*args: str, cwd: Path | None = None, real: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return run_sotay("recover", *args, env=env, cwd=cwd, text=True, real=real, timeout=60)


def assert_bad_input(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert proc.stderr.strip(), "a message is expected on stderr"
    assert VIETNAMESE.search(proc.stderr.lower()), proc.stderr
    assert proc.stdout == ""


# --- JSON contract ----------------------------------------------------------------


def test_json_contract_worked_example():
    proc = recover("--json", *WORKED, real=True)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    for key in ("tier", "rate", "support", "amount", "status", "deadline", "deadline_unadjusted", "basis", "steps"):
        assert key in data
    assert data["tier"] == "kho-khan"
    assert data["rate"] == 0.1 and isinstance(data["rate"], float)
    assert data["support"] == 40_000_000 and isinstance(data["support"], int)
    assert data["amount"] == 4_000_000 and isinstance(data["amount"], int)
    assert data["status"] == "recover"
    assert data["deadline"] == "2024-06-17"
    assert data["deadline_unadjusted"] == "2024-06-15"
    assert isinstance(data["basis"], list) and data["basis"]
    for item in data["basis"]:
        assert {"citation", "text", "determines"} <= set(item)
    assert any(b["citation"] == "QĐ …/2022/QĐ-UBND Ninh Thuận, Điều 4 khoản 2 điểm b" for b in data["basis"])
    assert isinstance(data["steps"], list) and data["steps"]
    for step in data["steps"]:
        assert {"who", "what", "citation"} <= set(step)
    citations = [s["citation"] for s in data["steps"]]
    assert "QĐ …/2022/QĐ-UBND Ninh Thuận, Điều 5 khoản 1 điểm c" in citations
    assert "QĐ …/2022/QĐ-UBND Ninh Thuận, Điều 6 khoản 1" in citations
    assert "QĐ …/2022/QĐ-UBND Ninh Thuận, Điều 5 khoản 2 điểm a" in citations


@pytest.mark.parametrize("end", ["2024-03-15", "15/03/2024", "15/3/2024"])
def test_three_date_formats(end):
    proc = recover("--json", "--tier", "kho-khan", "--amount", "40.000.000", "--end", end)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["amount"], data["deadline"]) == (4_000_000, "2024-06-17")


@pytest.mark.parametrize(
    "extra, status, amount, deadline",
    [
        (["--tier", "dbkk"], "no_recovery", 0, None),
        (["--tier", "kho-khan", "--damage", "29.99", "--verified"], "extended", 4_000_000, "2025-06-16"),
        (["--tier", "kho-khan", "--damage", "30", "--verified"], "waived", 0, None),
        (["--tier", "kho-khan", "--force-majeure", "--verified"], "waived", 0, None),
        (["--tier", "kho-khan", "--damage", "30"], "recover", 4_000_000, "2024-06-17"),
    ],
)
def test_json_statuses(extra, status, amount, deadline):
    proc = recover("--json", "--amount", "40000000", "--end", "2024-03-15", *extra)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["status"], data["amount"], data["deadline"]) == (status, amount, deadline)


def test_json_in_kind():
    proc = recover("--json", "--tier", "con-lai", "--amount", "40000000", "--end", "2024-03-15", "--in-kind", "10 con bò")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["in_kind"] == {"quantity": 1.5, "unit": "con bò", "total_quantity": 10, "value": 6_000_000}


def test_human_output():
    proc = recover(*WORKED)
    assert proc.returncode == 0, proc.stderr
    assert "4.000.000 đồng" in proc.stdout
    assert "17/06/2024" in proc.stdout
    assert "Điều 4 khoản 2 điểm b" in proc.stdout
    assert "Ủy ban nhân dân cấp huyện" in proc.stdout


def test_human_output_without_record_warns():
    proc = recover(*WORKED, "--damage", "10")
    assert proc.returncode == 0, proc.stderr
    flat = " ".join(proc.stdout.split())
    assert "không được gia hạn và không được miễn thu hồi" in flat


def test_human_output_in_kind():
    proc = recover("--tier", "con-lai", "--amount", "40000000", "--end", "15/03/2024", "--in-kind", "10 con bò")
    assert proc.returncode == 0, proc.stderr
    assert "1,5 con bò" in proc.stdout


# --- bad input ----------------------------------------------------------------------

FAR_FUTURE = (dt.date.today() + dt.timedelta(days=366 * 11)).strftime("%d/%m/%Y")

BAD_SINGLE = [
    ["--amount", "-5"],
    ["--amount", "00x12"],
    ["--amount", "1e9"],
    ["--amount", "0"],
    ["--amount", "040000000"],
    ["--amount", "10000000000001"],
    ["--amount", "99999999999999999999999999999999999999"],
    ["--amount", "40.00.000"],
    ["--end", "31/02/2024"],
    ["--end", "1999-12-31"],
    ["--end", FAR_FUTURE],
    ["--end", "2022-11-30"],  # before the regulation applies
    ["--end", "15-03-2024"],
    ["--tier", "abc"],
    ["--damage", "101"],
    ["--damage", "-1"],
    ["--damage", "nhiều"],
    ["--in-kind", "con bò"],
    ["--in-kind", "2.5 tấn"],
    ["--province", "ha_giang"],
]


@pytest.mark.parametrize("override", BAD_SINGLE, ids=[" ".join(o) for o in BAD_SINGLE])
def test_bad_single_input(override):
    args = dict(zip(WORKED[::2], WORKED[1::2]))
    extra: list[str] = []
    for flag, value in zip(override[::2], override[1::2]):
        if flag in args:
            args[flag] = value
        else:
            extra += [flag, value]
    argv = [x for pair in args.items() for x in pair] + extra
    assert_bad_input(recover("--json", *argv))
    assert_bad_input(recover(*argv))


@pytest.mark.parametrize(
    "argv",
    [
        ["--tier", "kho-khan", "--amount", "40000000"],  # no --end
        ["--json"],
        ["--tier"],  # argparse usage error
        ["--unknown-option"],
        [*WORKED, "--output", "x.csv"],
    ],
)
def test_usage_errors(argv, tmp_path):
    proc = recover(*argv, cwd=tmp_path)
    assert_bad_input(proc)
    assert not (tmp_path / "x.csv").exists()


# --- CSV batch ------------------------------------------------------------------------

CSV_IN = (
    "id,tier,amount,end,damage,force_majeure,verified,in_kind\n"
    "A,khó khăn,40.000.000,15/03/2024,,,,\n"
    "B,đặc biệt khó khăn,20000000,2024-03-15,,,,\n"
    "C,còn lại,40000000,31/02/2024,,,,\n"
    "D,con-lai,40000000,15/03/2024,29.99,không,có,10 con bò\n"
    "E,ĐBKK,-5,15/03/2024,,,,\n"
    "F,kho khan,40000000,15/03/2024,35,,x,\n"
    ",,,,,,,\n"
)


def _read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_batch_to_file(tmp_path):
    src = tmp_path / "projects.csv"
    src.write_text(CSV_IN, encoding="utf-8")
    out = tmp_path / "out.csv"
    proc = recover("--csv", str(src), "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "2 dòng có lỗi" in proc.stderr and "4, 6" in proc.stderr
    rows = _read_csv(out.read_text(encoding="utf-8"))
    assert [r["id"] for r in rows] == ["A", "B", "C", "D", "E", "F"]
    by_id = {r["id"]: r for r in rows}
    assert by_id["A"]["status"] == "recover"
    assert by_id["A"]["amount_recovered"] == "4000000"
    assert by_id["A"]["rate"] == "0.1"
    assert by_id["A"]["deadline"] == "2024-06-17"
    assert by_id["A"]["deadline_unadjusted"] == "2024-06-15"
    assert by_id["A"]["error"] == ""
    assert by_id["B"]["status"] == "no_recovery" and by_id["B"]["amount_recovered"] == "0"
    assert by_id["B"]["deadline"] == ""
    assert by_id["C"]["status"] == "" and "không tồn tại" in by_id["C"]["error"]
    assert by_id["D"]["status"] == "extended" and by_id["D"]["deadline"] == "2025-06-16"
    assert by_id["D"]["in_kind_quantity"] == "1.5"
    assert "âm" in by_id["E"]["error"]
    assert by_id["F"]["status"] == "waived"
    # input columns are kept as they were
    assert by_id["A"]["tier"] == "khó khăn" and by_id["A"]["amount"] == "40.000.000"
    assert not list(tmp_path.glob(".out.csv.*")), "no temporary file left behind"


def test_csv_batch_to_stdout_semicolon_bom_vietnamese_headers(tmp_path):
    src = tmp_path / "duan.csv"
    text = "Địa bàn;Số tiền;Ngày kết thúc;Thiệt hại;Biên bản\nkhó khăn;40.000.000;15/3/2024;;\n"
    src.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    proc = recover("--csv", str(src))
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout), delimiter=";"))
    assert rows[0]["status"] == "recover" and rows[0]["amount_recovered"] == "4000000"
    assert rows[0]["deadline"] == "2024-06-17"


@pytest.mark.parametrize(
    "content",
    [
        "",  # empty file
        "tier,amount\nkho-khan,40000000\n",  # no end column
        "foo,bar\n1,2\n",
        b"\xff\xfe\x00t\x00i\x00e\x00r",  # not UTF-8
    ],
)
def test_csv_bad_file_leaves_output_untouched(tmp_path, content):
    src = tmp_path / "projects.csv"
    if isinstance(content, bytes):
        src.write_bytes(content)
    else:
        src.write_text(content, encoding="utf-8")
    out = tmp_path / "out.csv"
    out.write_text("old content\n", encoding="utf-8")
    assert_bad_input(recover("--csv", str(src), "--output", str(out)))
    assert out.read_text(encoding="utf-8") == "old content\n"
    new = tmp_path / "new.csv"
    assert_bad_input(recover("--csv", str(src), "--output", str(new)))
    assert not new.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "projects.csv"]


def test_csv_missing_file_and_bad_output_dir(tmp_path):
    assert_bad_input(recover("--csv", str(tmp_path / "missing.csv")))
    src = tmp_path / "projects.csv"
    src.write_text(CSV_IN, encoding="utf-8")
    assert_bad_input(recover("--csv", str(src), "--output", str(tmp_path / "no_such_dir" / "out.csv")))
    assert_bad_input(recover("--csv", str(src), "--output", str(tmp_path)))
    assert_bad_input(recover("--csv", str(src), "--tier", "kho-khan"))
    assert_bad_input(recover("--csv", str(src), "--json"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["projects.csv"]


# --- no heavy imports (speed is measured in bench/bench_cli.py) ------------------------------

_PROBE = """
import sys
from sotay.cli import main
rc = main(["recover", "--json", "--tier", "kho-khan", "--amount", "40000000", "--end", "2024-03-15"])
mods = sorted(sys.modules)
sys.stderr.write("\\nMODULES " + " ".join(mods) + "\\n")
sys.exit(rc)
"""


def test_recover_imports_nothing_heavy():
    proc = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["amount"] == 4_000_000
    modules = proc.stderr.rsplit("MODULES ", 1)[1].split()
    heavy = [m for m in modules if m.split(".")[0] in HEAVY]
    assert not heavy, heavy
    # sotay.cli imports only the module of the subcommand it runs: nothing of the search stack.
    assert not [m for m in modules if m.startswith(("sotay.index", "sotay.bot"))]


def test_rules_engine_never_imports_the_search_stack():
    probe = (
        "import sys\n"
        "from sotay.rules import compute, format_result\n"
        "r = compute('kho-khan', '40000000', '15/03/2024'); format_result(r)\n"
        "from sotay.rules import batch\n"
        "from sotay.commands import recover\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert proc.returncode == 0, proc.stderr
    modules = proc.stdout.split()
    assert not [m for m in modules if m.split(".")[0] in HEAVY]
    assert not [m for m in modules if m.startswith("sotay.index")]

