"""The `sotay ask` command: the JSON contract, JSON lines, and bad input."""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import SOTAY_BIN

CONTRACT = {"question", "status", "answered", "answer", "sources"}
SOURCE_KEYS = {"doc", "citation", "text", "score"}


def sotay(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(SOTAY_BIN), *args], input=stdin, capture_output=True, timeout=300)


@pytest.fixture(scope="module", autouse=True)
def built(index):
    """Build the index once in-process before the subprocesses use it."""
    return index


def test_json_contract() -> None:
    result = sotay("ask", "--json", "Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu?")
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode("utf-8").splitlines()
    assert len(lines) == 1
    obj = json.loads(lines[0])
    assert set(obj) == CONTRACT and obj["answered"] is True and obj["status"] == "answered"
    assert 1 <= len(obj["sources"]) <= 3  # exactly the clauses shown: the quoted one and its "Xem thêm"
    assert obj["sources"][0]["citation"] in obj["answer"]
    for source in obj["sources"]:
        assert SOURCE_KEYS <= set(source)
        assert isinstance(source["score"], float) and isinstance(source["text"], str)
    scores = [s["score"] for s in obj["sources"]]
    assert scores == sorted(scores, reverse=True)
    assert "10%/dự án" in obj["sources"][0]["text"] and "Điều 4, khoản 2, điểm b" in obj["answer"]


def test_jsonl_answers_every_line_in_order_even_bad_ones() -> None:
    questions = ["gia han thu hoi von toi da bao nhieu thang", "", "x" * 10_000,
                 "Thủ tục đăng ký kết hôn cần giấy tờ gì?", "Liên minh HTX tỉnh có vai trò gì?"]
    stdin = ("\n".join(questions) + "\n").encode("utf-8") + b"\xff\xfe\x00junk\n"
    result = sotay("ask", "--jsonl", stdin=stdin)
    assert result.returncode == 0, result.stderr.decode()
    rows = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert len(rows) == 6
    assert [r["question"] for r in rows[:5]] == questions
    assert rows[0]["answered"] and "12 tháng" in rows[0]["sources"][0]["text"]
    assert not rows[1]["answered"] and "trống" in rows[1]["answer"]
    assert not rows[2]["answered"] and "quá dài" in rows[2]["answer"]
    assert rows[3]["status"] == "not_found" and rows[3]["sources"] == []
    assert rows[4]["status"] in ("answered", "uncertain") and rows[4]["sources"]
    assert not rows[5]["answered"]
    assert all(set(r) == CONTRACT for r in rows)
    assert all(r["answered"] == (r["status"] == "answered") for r in rows)


def test_a_doubt_shows_the_candidate_clauses_and_says_it_is_not_an_answer() -> None:
    """Two sibling clauses both say "tối đa" (03 tháng to recover, 12 tháng of extension): a doubt."""
    result = sotay("ask", "--json", "Thời gian thu hồi vốn tối đa là bao lâu?")
    obj = json.loads(result.stdout.decode("utf-8"))
    assert obj["status"] == "uncertain" and obj["answered"] is False, obj
    assert obj["answer"].startswith("Tôi chưa chắc chắn") and "không phải câu trả lời" in obj["answer"]
    assert 2 <= len(obj["sources"]) <= 3 and any("03 tháng" in s["text"] for s in obj["sources"])
    assert all(s["citation"] in obj["answer"] and s["text"] in obj["answer"] for s in obj["sources"])
