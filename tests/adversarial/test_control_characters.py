"""Control, bidi-override and zero-width characters from a file never reach a terminal or a chat."""

from __future__ import annotations

from pathlib import Path

import pytest

from sotay.bot.render import to_html_messages
from sotay.cli import main as sotay_main
from sotay.index.ingest.formats import extract_decision

HOSTILE = "\x1b[2J\x07\u202e\u200b"  # clear screen, bell, right-to-left override, zero-width space
CONTROLS = "\x1b\x07\u202e\u200b"


def test_ingested_text_and_its_title_carry_no_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "qd-12.txt"
    path.write_text(f"ỦY BAN NHÂN DÂN TỈNH NINH THUẬN\nSố: 12/2022/QĐ-UBND\nQUYẾT ĐỊNH\n"
                    f"Về việc{HOSTILE} thu hồi vốn hỗ trợ\nQUYẾT ĐỊNH:\nĐiều 1. Phạm vi{HOSTILE} điều chỉnh\n",
                    encoding="utf-8")
    extracted = extract_decision(path)
    assert not any(ch in extracted.text for ch in CONTROLS)
    assert extracted.meta["title"] == "Về việc[2J thu hồi vốn hỗ trợ"
    assert "Điều 1. Phạm vi[2J điều chỉnh" in extracted.text


def test_corpus_list_prints_no_control_characters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "qd-12.txt").write_text("QUYẾT ĐỊNH\nĐiều 1. Phạm vi\n", encoding="utf-8")
    escaped = "\\x1b[2J\\x07\\u202e\\u200b"  # YAML escapes: the sidecar loads the raw characters
    (corpus / "qd-12.yaml").write_text(f'id: qd-12\ntitle: "Quyết định{escaped} hiểm"\nprovince: Ninh Thuận\n',
                                       encoding="utf-8")
    monkeypatch.setenv("SOTAY_CORPUS", str(corpus))
    monkeypatch.setenv("SOTAY_DATA", str(tmp_path / "data"))
    assert sotay_main(["corpus", "list"]) == 0
    out = capsys.readouterr().out
    assert "Quyết định[2J hiểm" in out and not any(ch in out for ch in CONTROLS)


def test_telegram_messages_carry_no_control_characters() -> None:
    [message] = to_html_messages(f"Theo QĐ 12{HOSTILE}: «<b>»")
    assert message == "Theo QĐ 12[2J: «&lt;b&gt;»"
