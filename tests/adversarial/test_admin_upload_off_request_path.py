"""An administrator's large file never freezes the bot, and its outcome is never lost: the real ``sotay bot``
against the fake Bot API, with a generated .docx of 1,500 articles (minutes of embedding on 2 cores).

- While the file is processed (in the worker, past the point where its files are staged), another
  chat's question is answered from the live index; the add then hits its time limit
  (``SOTAY_ADD_SECONDS``) and the administrator is told, nothing changed.
- The bot killed (SIGKILL) mid-add: ``sotay ask`` right after answers from the live index without
  re-indexing, and the restarted bot tells the administrator the add was interrupted.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from bot_process import FIRST_ANSWER_TIMEOUT, BotProcess, assert_nothing_refused, say, texts
from conftest import CORPUS, SOTAY_BIN
from fake_telegram import FakeTelegram

from sotay.index import corpus_admin

ADMIN = 5550301
OFFICER = 5550302
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
QUESTION = "ty le thu hoi von dia ban kho khan"
ADD_SECONDS = 15  # the bots' time limit; embedding 1,500 articles takes ~86 CPU-s (~45 s on 2 idle cores)
STAGED_TIMEOUT = 240  # reading the .docx in a worker on a loaded machine
WORKER_EXIT_TIMEOUT = 60  # a killed bot's worker exits a moment after it (see clean_up_after_kill)


@pytest.fixture(scope="module")
def workspace(index, session_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the bundled corpus and of the session's index (the converted model linked)."""
    folder = tmp_path_factory.mktemp("off-path")
    corpus = Path(shutil.copytree(CORPUS, folder / "corpus"))
    data = folder / "data"
    data.mkdir()
    (data / "models").symlink_to(session_data_dir / "models", target_is_directory=True)
    shutil.copytree(session_data_dir / "index", data / "index")
    from sotay.index.search.hybrid import open_index

    open_index(corpus, data, progress=False).close()
    return corpus, data


def bot_env(corpus: Path, data: Path) -> dict[str, str]:
    return {"SOTAY_ADMINS": str(ADMIN), "SOTAY_CORPUS": str(corpus), "SOTAY_DATA": str(data),
            "SOTAY_ADD_SECONDS": str(ADD_SECONDS)}


@pytest.fixture()
def large_docx(tmp_path: Path) -> bytes:
    document = docx.Document()
    document.add_paragraph("ỦY BAN NHÂN DÂN TỈNH THỬ NGHIỆM")
    document.add_paragraph("QUYẾT ĐỊNH")
    document.add_paragraph("Quy định chi tiết hỗ trợ phát triển sản xuất theo từng thôn")
    for n in range(1, 1501):
        document.add_paragraph(f"Điều {n}. Thôn số {n} được hỗ trợ {n} triệu đồng để nuôi bò sinh sản, trồng "
                               f"cây ăn quả và làm chuồng trại; Ủy ban nhân dân xã số {n} tổ chức thực hiện.")
    document.save(tmp_path / "qd-lon.docx")
    return (tmp_path / "qd-lon.docx").read_bytes()


def snapshot(corpus: Path, data: Path) -> dict[str, str]:
    """The corpus's files and which build is live."""
    files = {str(p.relative_to(corpus)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(corpus.rglob("*")) if p.is_file()}
    return {**files, "CURRENT": (data / "index" / "CURRENT").read_text(encoding="utf-8")}


def clean_up_after_kill(corpus: Path, data: Path) -> None:
    """Remove what a killed bot's worker staged, once that worker is gone too.

    The worker is signalled when the bot dies (PR_SET_PDEATHSIG) but exits a moment later (a process of
    over 1 GB); until then it holds the writers' lock, and ``clean_up``, which never waits for a writer,
    leaves its files (seen in a fresh clone: 0.6 s after the kill the lock was still held).
    """
    deadline = time.monotonic() + WORKER_EXIT_TIMEOUT
    corpus_admin.clean_up(corpus, data)
    while list(corpus.glob(".staging-*")):
        assert time.monotonic() < deadline, "the killed bot's worker still holds the writers' lock"
        time.sleep(0.2)
        corpus_admin.clean_up(corpus, data)


def wait_for_staging(corpus: Path) -> None:
    """Until the worker has read the file and staged it (it then builds the index)."""
    deadline = time.monotonic() + STAGED_TIMEOUT
    while not list(corpus.glob(".staging-*")):
        assert time.monotonic() < deadline, "the worker never staged the file"
        time.sleep(0.2)


@pytest.fixture()
def bot(fake: FakeTelegram, workspace: tuple[Path, Path], tmp_path: Path) -> Iterator[BotProcess]:
    corpus, data = workspace
    process = BotProcess(fake, tmp_path / "state.sqlite", tmp_path / "bot.log", env=bot_env(corpus, data))
    yield process
    if process.process.poll() is None:
        assert process.stop() == 0, process.log_text()


def test_another_chat_is_answered_while_a_large_file_is_processed(fake: FakeTelegram, bot: BotProcess,
                                                                  workspace: tuple[Path, Path],
                                                                  large_docx: bytes) -> None:
    corpus, data = workspace
    assert "Theo" in texts(say(fake, OFFICER, QUESTION, timeout=FIRST_ANSWER_TIMEOUT))  # index loaded

    mark = fake.mark()
    fake.send_document(ADMIN, large_docx, "qd-lon.docx", DOCX)
    wait_for_staging(corpus)
    asked = time.monotonic()
    answer = texts(say(fake, OFFICER, QUESTION))
    waited = time.monotonic() - asked
    print(f"\nanother chat answered in {waited:.2f} s while the large file was being indexed")
    assert answer.startswith("Theo QĐ") and "10%" in answer
    assert fake.sent(ADMIN, mark) == [] and list(corpus.glob(".staging-*"))  # the add was still running
    assert_nothing_refused(fake)
    bot.kill()  # the worker dies with the bot; what it staged is removed by the next writer
    clean_up_after_kill(corpus, data)
    assert not list(corpus.glob(".staging-*"))


def test_an_add_past_its_time_limit_is_refused_and_changes_nothing(fake: FakeTelegram, bot: BotProcess,
                                                                   workspace: tuple[Path, Path],
                                                                   large_docx: bytes) -> None:
    corpus, data = workspace
    assert "Theo" in texts(say(fake, OFFICER, QUESTION, timeout=FIRST_ANSWER_TIMEOUT))  # index loaded
    before = snapshot(corpus, data)
    mark = fake.mark()
    fake.send_document(ADMIN, large_docx, "qd-lon.docx", DOCX)
    try:
        [refusal] = fake.replies(ADMIN, mark, until="Không thêm được", timeout=ADD_SECONDS + 180)
    except AssertionError as exc:  # what the bot did meanwhile says why
        raise AssertionError(f"{exc}\nbot log:\n{bot.log_text()}") from None
    assert f"quá {ADD_SECONDS} giây" in refusal["text"] and "không thay đổi" in refusal["text"]
    assert snapshot(corpus, data) == before  # nothing staged, half built or added is left
    assert_nothing_refused(fake)


def test_a_bot_killed_mid_add_tells_the_admin_after_restart(fake: FakeTelegram, bot: BotProcess,
                                                            workspace: tuple[Path, Path], large_docx: bytes,
                                                            tmp_path: Path) -> None:
    corpus, data = workspace
    before = snapshot(corpus, data)
    fake.send_document(ADMIN, large_docx, "qd-lon.docx", DOCX)
    wait_for_staging(corpus)
    bot.kill()  # SIGKILL: the worker dies with it (PR_SET_PDEATHSIG)

    started = time.monotonic()
    result = subprocess.run([str(SOTAY_BIN), "ask", "--json", QUESTION], capture_output=True, timeout=600,
                            env={**os.environ, "SOTAY_CORPUS": str(corpus), "SOTAY_DATA": str(data)})
    print(f"\nsotay ask right after the kill: {time.monotonic() - started:.2f} s")
    assert result.returncode == 0 and json.loads(result.stdout)["answered"], result.stderr.decode()
    live = (data / "index" / "CURRENT").read_text(encoding="utf-8")
    assert live == before["CURRENT"]  # answered from the live index: nothing re-indexed
    assert [b.name for b in (data / "index").glob("build-*") if (b / "manifest.json").exists()] == [live]

    mark = fake.mark()
    restarted = BotProcess(fake, tmp_path / "state.sqlite", tmp_path / "bot-2.log", env=bot_env(corpus, data))
    try:
        [told] = fake.replies(ADMIN, mark, until="gián đoạn", timeout=120)
        assert "qd-lon.docx" in told["text"] and "không thay đổi" in told["text"] and "gửi lại" in told["text"]
    finally:
        assert restarted.stop() == 0, restarted.log_text()
    assert {k: v for k, v in snapshot(corpus, data).items() if "/.staging-" not in f"/{k}"} == before

    mark = fake.mark()  # told once: a further restart says nothing more
    again = BotProcess(fake, tmp_path / "state.sqlite", tmp_path / "bot-3.log", env=bot_env(corpus, data))
    assert again.stop() == 0, again.log_text()
    assert fake.sent(ADMIN, mark) == []
