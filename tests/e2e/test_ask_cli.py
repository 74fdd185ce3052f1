"""The `sotay ask` command: the JSON contract, JSON lines, and bad input."""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import SOTAY_BIN

CONTRACT = {"question", "answered", "answer", "sources"}
SOURCE_KEYS = {"doc", "citation", "text", "score"}


def sotay(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(SOTAY_BIN), *args], input=stdin, capture_output=True, timeout=300)


@pytest.fixture(scope="module", autouse=True)
def built(index):
    """Build the index once in-process before the subprocesses use it."""
    return index


def test_json_contract() -> None:
    result = sotay("ask", "--json", "Thời gian thu hồi vốn tối đa là bao lâu?")
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode("utf-8").splitlines()
    assert len(lines) == 1
    obj = json.loads(lines[0])
    assert set(obj) == CONTRACT and obj["answered"] is True
    assert len(obj["sources"]) >= 5
    for source in obj["sources"]:
        assert SOURCE_KEYS <= set(source)
        assert isinstance(source["score"], float) and isinstance(source["text"], str)
    scores = [s["score"] for s in obj["sources"]]
    assert scores == sorted(scores, reverse=True)
    assert "03 tháng" in obj["sources"][0]["text"]


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
    assert not rows[3]["answered"]
    assert rows[4]["answered"]
    assert not rows[5]["answered"]
    assert all(set(r) == CONTRACT for r in rows)


@pytest.mark.parametrize("args, message", [
    (("ask", ""), "trống"),
    (("ask", "   "), "trống"),
    (("ask", "a" * 10_000), "quá dài"),
    (("ask", "\x01\x02\x03 ###"), "Không đọc được"),
    (("ask",), "thiếu câu hỏi"),
    (("ask", "--bogus"), "tham số không hợp lệ"),
    (("hoi",), "tham số không hợp lệ"),
])
def test_bad_input_is_a_usage_error_in_vietnamese(args, message: str) -> None:
    result = sotay(*args)
    err = result.stderr.decode("utf-8")
    assert result.returncode == 2
    assert message in err
    assert "Traceback" not in err and result.stdout == b""
