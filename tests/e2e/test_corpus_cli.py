"""`sotay corpus add|list|remove`: JSON output, exit codes, rejections, and a kill -9 mid-indexing.

The commands run in process (``cli_runner``); the help, the writer killed mid-build and the add after it
are real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import run_sotay
from conftest import SOTAY_BIN
from corpus_workspace import REWARD_QUESTION, fourth_decision, make_workspace, seed_cache, tree_digest

from sotay.index.answer import answer_question
from sotay.index.model.encoder import Encoder
from sotay.index.search.hybrid import HybridIndex, open_index
from sotay.index.search.store import IndexPaths

NEW_ID = "binh-thuan-21-2023-qd-ubnd"


@pytest.fixture()
def workspace(tmp_path: Path, index, session_data_dir: Path) -> tuple[Path, Path, dict[str, str]]:
    """A corpus copy, its data dir (index built, nothing embedded) and the environment pointing at them."""
    corpus, data = make_workspace(tmp_path, session_data_dir)
    open_index(corpus, data, progress=False)
    env = {**os.environ, "SOTAY_CORPUS": str(corpus), "SOTAY_DATA": str(data)}
    return corpus, data, env


@pytest.fixture()
def cached_workspace(workspace, fourth_decision_cache: Path) -> tuple[Path, Path, dict[str, str]]:
    """``workspace`` whose per-document cache also holds the fourth decision: adding it embeds nothing,
    so no add's process loads the model (for the tests about the output and the transaction)."""
    seed_cache(workspace[1], fourth_decision_cache)
    return workspace


def sotay(env: dict[str, str], *args: str, real: bool = False) -> subprocess.CompletedProcess:
    """``sotay *args`` in this process (the session's loaded model embeds), or with ``real`` as a process."""
    return run_sotay(*args, env=env, real=real)


def test_help_is_vietnamese() -> None:
    for args in (["corpus", "--help"], ["corpus", "add", "--help"]):
        result = subprocess.run([str(SOTAY_BIN), *args], capture_output=True, timeout=60)
        assert result.returncode == 0
        assert "Cách dùng" in result.stdout.decode("utf-8")
    result = subprocess.run([str(SOTAY_BIN), "corpus"], capture_output=True, timeout=60)
    assert result.returncode == 2


def test_add_ask_list_remove(workspace, tmp_path: Path) -> None:
    corpus, data, env = workspace
    added = sotay(env, "corpus", "add", "--json", str(fourth_decision(tmp_path)))
    assert added.returncode == 0, added.stderr.decode()
    [record] = json.loads(added.stdout)["added"]
    assert record["id"] == NEW_ID and record["replaced"] is False and record["passages"] > 0

    asked = json.loads(sotay(env, "ask", "--json", REWARD_QUESTION).stdout)
    assert asked["answered"] and asked["sources"][0]["doc"] == record["label"]

    listed = json.loads(sotay(env, "corpus", "list", "--json").stdout)
    assert NEW_ID in [d["id"] for d in listed["decisions"]] and len(listed["decisions"]) == 4

    human = sotay(env, "corpus", "list").stdout.decode("utf-8")
    assert "Kho có 4 văn bản" in human and NEW_ID in human

    removed = sotay(env, "corpus", "remove", "--json", NEW_ID)
    assert removed.returncode == 0 and json.loads(removed.stdout)["removed"]["id"] == NEW_ID
    asked = json.loads(sotay(env, "ask", "--json", REWARD_QUESTION).stdout)
    assert all(s["doc"] != record["label"] for s in asked["sources"])


def test_human_summary_of_an_added_decision(cached_workspace, tmp_path: Path) -> None:
    _, _, env = cached_workspace
    result = sotay(env, "corpus", "add", str(fourth_decision(tmp_path)))
    out = result.stdout.decode("utf-8")
    assert result.returncode == 0
    assert f"Đã thêm: Quyết định 21/2023/QĐ-UBND Bình Thuận (mã {NEW_ID})" in out
    assert "Số 21/2023/QĐ-UBND" in out and "đoạn trích" in out and "nhiệm vụ" in out


def test_rejected_file_exits_2_and_changes_nothing(workspace, tmp_path: Path) -> None:
    corpus, data, env = workspace
    before = tree_digest(corpus, IndexPaths(data).root)
    letter = tmp_path / "thu-moi.txt"
    letter.write_text("Kính mời các đồng chí dự họp.\n", encoding="utf-8")
    fake = tmp_path / "quyet-dinh.docx"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    for files in ([letter], [fake], [fourth_decision(tmp_path), letter]):
        result = sotay(env, "corpus", "add", *map(str, files))
        assert result.returncode == 2
        err = result.stderr.decode("utf-8")
        assert err.startswith("Lỗi: ") and "không thay đổi" in err and "Traceback" not in err
        assert tree_digest(corpus, IndexPaths(data).root) == before
    unknown = sotay(env, "corpus", "remove", "khong-co-ma-nay")
    assert unknown.returncode == 2 and "Không có văn bản mã" in unknown.stderr.decode("utf-8")
    assert tree_digest(corpus, IndexPaths(data).root) == before


# The writer, stopped mid-build: the new build folder has its passages, vectors and token counts
# but not yet its BM25 index nor its manifest, and CURRENT still names the previous build.
_PAUSED_ADD = """
import sys, time
from pathlib import Path
from sotay.index import corpus_admin
from sotay.index.search import lexical

def pause(self):
    print("MID-BUILD", flush=True)
    time.sleep(600)

lexical.Terms.to_bm25 = pause
corpus_admin.add_decisions([Path(sys.argv[1])], Path(sys.argv[2]), Path(sys.argv[3]))
"""


def test_kill_9_while_indexing_leaves_the_previous_index_live(cached_workspace, tmp_path: Path) -> None:
    corpus, data, env = cached_workspace
    paths = IndexPaths(data)
    previous = paths.live_build()
    new = fourth_decision(tmp_path)
    writer = subprocess.Popen([sys.executable, "-c", _PAUSED_ADD, str(new), str(corpus), str(data)],
                              stdout=subprocess.PIPE, env=env)
    try:
        assert writer.stdout.readline().decode().strip() == "MID-BUILD"
        half = [b for b in paths.root.glob("build-*") if b != previous]
        assert len(half) == 1 and (half[0] / "passages.jsonl").exists() and not (half[0] / "manifest.json").exists()
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()

    assert paths.live_build() == previous
    index = HybridIndex(previous, Encoder())
    assert NEW_ID not in index.documents
    assert answer_question(index, "ty le thu hoi von dia ban kho khan").answered

    again = sotay(env, "corpus", "add", "--json", str(new), real=True)  # the lock died with the writer
    assert again.returncode == 0, again.stderr.decode()
    assert json.loads(again.stdout)["added"][0]["id"] == NEW_ID
    assert [b.name for b in paths.root.glob("build-*")] == [paths.live_build().name]  # half build removed
    asked = json.loads(sotay(env, "ask", "--json", REWARD_QUESTION).stdout)
    assert asked["answered"] and asked["sources"][0]["citation"] == "Quy định kèm theo, Điều 10"
