"""End-to-end tests of `sotay who`: its command line run in process (``cli_runner``); a new decision's duties
and the import probe through real processes of the installed console script."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import run_sotay
from conftest import CORPUS

_SCRIPT = Path(sys.executable).with_name("sotay")
SOTAY = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "sotay.cli"]
HEAVY = ("torch", "sentence_transformers", "underthesea", "faiss", "bm25s", "numpy", "transformers")
VIETNAMESE = re.compile(r"[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]")
ROLES = ("chủ trì", "thực hiện", "phối hợp")
DOC_LABELS = {"QĐ …/2020 Lạng Sơn", "QĐ …/2022 Ninh Thuận", "QĐ …/2021 Sơn La"}


def who(*args: str | bytes, corpus: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    if corpus is not None:
        env["SOTAY_CORPUS"] = str(corpus)
    return run_sotay("who", *args, env=env, text=True, timeout=60)


def who_json(*args: str) -> dict:
    proc = who("--json", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def assert_bad_input(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert proc.stderr.strip() and VIETNAMESE.search(proc.stderr.lower()), proc.stderr
    assert proc.stdout == ""


# --- JSON contract ------------------------------------------------------------------------------


def test_json_contract_keys_are_exact():
    data = who_json("Sở Tài chính")
    assert list(data) == ["agency", "duties"]
    assert data["agency"] == "Sở Tài chính"
    assert data["duties"]
    for duty in data["duties"]:
        assert list(duty) == ["doc", "citation", "role", "text"]
        assert duty["doc"] in DOC_LABELS
        assert duty["role"] in ROLES
        assert duty["citation"] and duty["text"]
    docs = {d["doc"] for d in data["duties"]}
    assert {"QĐ …/2022 Ninh Thuận", "QĐ …/2021 Sơn La"} <= docs
    assert any(d["citation"] == "Quy định kèm theo, Điều 7, khoản 2" and d["role"] == "phối hợp"
               for d in data["duties"])
    assert any(d["citation"] == "Kế hoạch hành động kèm theo, Mục IV.2" and d["role"] == "chủ trì"
               for d in data["duties"])


def test_json_unknown_agency_gives_null_and_suggestions():
    data = who_json("So Tai Chinhh")
    assert list(data) == ["agency", "duties", "suggestions"]
    assert data["agency"] is None and data["duties"] == []
    assert data["suggestions"][0] == "Sở Tài chính"
    assert all(isinstance(s, str) for s in data["suggestions"]) and len(data["suggestions"]) <= 5
    assert who_json("zzzz qqqq") == {"agency": None, "duties": [], "suggestions": []}


def test_lead_duties_come_before_partner_duties_in_each_decision():
    for name in ("Sở Tài chính", "Sở Kế hoạch và Đầu tư", "Ban Dân tộc", "UBND cấp huyện", "Liên minh HTX"):
        data = who_json(name)
        for doc in {d["doc"] for d in data["duties"]}:
            ranks = [ROLES.index(d["role"]) for d in data["duties"] if d["doc"] == doc]
            assert ranks == sorted(ranks), (name, doc)


def test_without_diacritics_and_abbreviated_names_give_the_same_answer():
    full = who_json("Sở Lao động – Thương binh và Xã hội")
    assert full["agency"] == "Sở Lao động – Thương binh và Xã hội" and full["duties"]
    assert who_json("so lao dong thuong binh xa hoi") == full
    assert who_json("Sở LĐTBXH") == full


def test_ubnd_cap_xa_includes_dieu_6_and_dieu_8_of_ninh_thuan():
    data = who_json("ubnd cap xa")
    assert data["agency"] == "Ủy ban nhân dân cấp xã"
    cited = {d["citation"] for d in data["duties"] if d["doc"] == "QĐ …/2022 Ninh Thuận"}
    assert {"Quy định kèm theo, Điều 6, khoản 1", "Quy định kèm theo, Điều 8, khoản 2, điểm a"} <= cited


# --- human output --------------------------------------------------------------------------------


def test_human_report_groups_by_decision_with_citations():
    proc = who("Sở Tài chính")
    assert proc.returncode == 0 and proc.stderr == ""
    out = proc.stdout
    assert out.startswith("Sở Tài chính: ")
    assert "■ QĐ …/2022 Ninh Thuận" in out and "■ QĐ …/2021 Sơn La" in out
    assert "[Chủ trì] Kế hoạch hành động kèm theo, Mục IV.2" in out
    assert "[Phối hợp] Quy định kèm theo, Điều 7, khoản 2" in out
    assert "nhiệm vụ chung của Các sở, ban, ngành" in out


def test_human_unknown_agency_is_answered_with_suggestions():
    proc = who("tai chinh")
    assert proc.returncode == 0, proc.stderr
    assert "Không tìm thấy cơ quan “tai chinh”" in proc.stdout
    assert "Có phải bạn muốn tìm: Sở Tài chính" in proc.stdout


def test_list_counts_bodies_groups_and_unknown_shapes():
    proc = who("--list")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert re.search(r"^\s+\d+\s+Ủy ban nhân dân cấp xã$", out, re.M)
    assert re.search(r"^\s+\d+\s+Sở Tài chính$", out, re.M)
    groups = out.index("Nhóm cơ quan")
    assert re.search(r"^\s+\d+\s+Các sở, ban, ngành$", out[groups:], re.M)
    unknown = out.index("Chưa có trong danh mục")
    assert "Ban Chỉ đạo đổi mới, phát triển kinh tế tập thể, hợp tác xã tỉnh" in out[unknown:]
    data = json.loads(who("--list", "--json").stdout)
    assert list(data) == ["agencies"]
    rows = {row["agency"]: row for row in data["agencies"]}
    assert all(list(row) == ["agency", "duties", "collective", "in_gazetteer"] for row in rows.values())
    assert rows["Sở Tài chính"]["duties"] == len(who_json("Sở Tài chính")["duties"])
    assert rows["Các sở, ban, ngành"]["collective"] is True
    assert rows["Ban Chỉ đạo đổi mới, phát triển kinh tế tập thể, hợp tác xã tỉnh"]["in_gazetteer"] is False


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    (), ("",), ("   ",), ("x" * 10_000,), ("!!! ???",), ("\x01\x02\x03",), (b"\xff\xfe\xfa\xe0",),
    ("--list", "Sở Tài chính"),
])
def test_bad_input_exits_2_with_a_vietnamese_message(args):
    assert_bad_input(who(*args))


def test_json_mode_bad_input_still_exits_2():
    assert_bad_input(who("--json", ""))


def test_unreadable_corpus_exits_1_without_traceback(tmp_path):
    proc = who("Sở Tài chính", corpus=tmp_path / "missing")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and VIETNAMESE.search(proc.stderr.lower())


def test_new_decision_with_an_agency_missing_from_the_gazetteer(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in CORPUS.iterdir():
        (corpus / path.name).write_bytes(path.read_bytes())
    (corpus / "moi.txt").write_text(
        "QUYẾT ĐỊNH:\n\nĐiều 1. Sở Du lịch chủ trì, phối hợp với Sở Tài chính xây dựng kế hoạch quảng bá.\n",
        encoding="utf-8")
    listing = who("--list", corpus=corpus)
    assert listing.returncode == 0
    assert re.search(r"^\s+\d+\s+Sở Du lịch$", listing.stdout[listing.stdout.index("Chưa có trong danh mục"):], re.M)
    env = dict(os.environ, SOTAY_CORPUS=str(corpus), PYTHONIOENCODING="utf-8")
    proc = subprocess.run([*SOTAY, "who", "--json", "so du lich"], capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=60)
    data = json.loads(proc.stdout)
    assert data["agency"] == "Sở Du lịch"
    new = [d for d in data["duties"] if d["doc"] == "Quyết định (chưa rõ số)"]
    assert new == [{"doc": "Quyết định (chưa rõ số)", "citation": "Điều 1", "role": "chủ trì",
                    "text": "Điều 1. Sở Du lịch chủ trì, phối hợp với Sở Tài chính xây dựng kế hoạch quảng bá."}]
    assert len(data["duties"]) > 1  # and the duties of "Các sở, ban, ngành" in the bundled decisions


# --- no heavy imports (speed is measured in bench/bench_cli.py) ------------------------------

_PROBE = """
import sys
from sotay.cli import main
rc = main(["who", "--json", "Sở Tài chính"])
sys.stderr.write("\\nMODULES " + " ".join(sorted(sys.modules)) + "\\n")
sys.exit(rc)
"""
_LIGHT_INDEX_MODULES = {
    "sotay.index", "sotay.index.duties", "sotay.index.duties.gazetteer", "sotay.index.duties.records",
    "sotay.index.duties.tasks",
    "sotay.index.documents", "sotay.index.vietnamese", "sotay.index.parse", "sotay.index.provinces",
    "sotay.index.ingest", "sotay.index.ingest.stated_meta", "sotay.index.segmenter", "sotay.index.table_header",
}


def test_who_imports_nothing_heavy():
    proc = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["agency"] == "Sở Tài chính"
    modules = proc.stderr.rsplit("MODULES ", 1)[1].split()
    assert not [m for m in modules if m.split(".")[0] in HEAVY]
    index_modules = {m for m in modules if m.startswith("sotay.index")}
    assert index_modules <= _LIGHT_INDEX_MODULES, index_modules - _LIGHT_INDEX_MODULES



# --- provinces -------------------------------------------------------------------------------------

def test_a_province_named_keeps_only_its_decisions():
    data = who_json("Sở Tài chính tỉnh Sơn La")
    assert data["agency"] == "Sở Tài chính" and data["duties"]
    assert {d["doc"] for d in data["duties"]} == {"QĐ …/2021 Sơn La"}


def test_a_province_without_decisions_gets_no_other_provinces_duties():
    assert who_json("Sở Tài chính tỉnh Cao Bằng") == {"agency": "Sở Tài chính", "duties": []}
    proc = who("Sở Tài chính tỉnh Cao Bằng")
    assert proc.returncode == 0
    assert "không có văn bản nào của Cao Bằng" in proc.stdout and "Điều" not in proc.stdout
