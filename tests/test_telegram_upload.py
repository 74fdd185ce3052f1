"""Adding a decision by sending a file to the bot: the real ``sotay bot`` against the fake Bot API.

The bot works on a copy of the bundled corpus and of the session's index (the converted
model is shared read-only), so nothing here writes into the repository's ``corpus/`` or the
index other tests use. Administrators are ``SOTAY_ADMINS``; every rejection must leave the
corpus folder and the live index (``index/CURRENT``) exactly as they were.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot_process import BotProcess, say, texts
from conftest import CORPUS, SOTAY_BIN
from fake_telegram import TOKEN, FakeTelegram

ADMIN = 5550101
OFFICER = 5550102
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ADD_TIMEOUT = 300  # parsing and embedding a new decision on a loaded 2-core machine


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegram]:
    server = FakeTelegram()
    yield server
    server.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the bundled corpus."""
    return Path(shutil.copytree(CORPUS, tmp_path_factory.mktemp("upload") / "corpus"))


@pytest.fixture(scope="module")
def data_dir(index, session_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with a copy of the session's built index and its converted model (linked)."""
    folder = tmp_path_factory.mktemp("upload-data")
    (folder / "models").symlink_to(session_data_dir / "models", target_is_directory=True)
    shutil.copytree(session_data_dir / "index", folder / "index")
    return folder


@pytest.fixture(scope="module")
def temp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bot's TMPDIR, to check that downloads are cleaned up."""
    return tmp_path_factory.mktemp("bot-tmp")


@pytest.fixture(scope="module")
def bot(fake: FakeTelegram, corpus: Path, data_dir: Path, temp_root: Path,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    folder = tmp_path_factory.mktemp("upload-bot")
    process = BotProcess(fake, folder / "state.sqlite", folder / "bot.log",
                         env={"SOTAY_ADMINS": f"{ADMIN}, 5550199", "SOTAY_CORPUS": str(corpus),
                              "SOTAY_DATA": str(data_dir), "TMPDIR": str(temp_root)})
    yield process
    assert process.stop() == 0, process.log_text()


@pytest.fixture(autouse=True)
def nothing_refused(fake: FakeTelegram, bot: BotProcess, temp_root: Path) -> Iterator[None]:
    """After every scenario: Telegram accepted every call, and no downloaded file is left behind."""
    yield
    assert fake.rejections() == [], [(c.method, c.description, c.params) for c in fake.rejections()]
    assert not list(temp_root.glob("sotay-upload-*"))


def snapshot(corpus: Path, data_dir: Path) -> dict[str, str]:
    """Every corpus file's digest, and which index build is live."""
    files = {str(p.relative_to(corpus)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(corpus.rglob("*")) if p.is_file()}
    return {**files, "index/CURRENT": (data_dir / "index" / "CURRENT").read_text(encoding="utf-8")}


def send_file(fake: FakeTelegram, chat: int, content: bytes, name: str, mime: str, until: str,
              declared_size: int | None = None, timeout: float = 60) -> list[dict]:
    """Send a file from ``chat``; the bot's replies."""
    mark = fake.mark()
    fake.send_document(chat, content, name, mime, declared_size=declared_size)
    return fake.replies(chat, mark, until=until, timeout=timeout)


# -- refused before anything is downloaded ---------------------------------------------------
def test_help_tells_only_administrators_about_files(fake: FakeTelegram, bot: BotProcess) -> None:
    admin_help = texts(say(fake, ADMIN, "/help", until="quản trị viên"))
    assert "/thuhoi" in admin_help and ".docx" in admin_help
    officer_help = texts(say(fake, OFFICER, "/start", until="Xin chào"))
    assert "quản trị viên" not in officer_help and ".docx" not in officer_help


def test_a_file_from_anyone_else_is_refused_and_not_downloaded(fake: FakeTelegram, bot: BotProcess,
                                                              corpus: Path, data_dir: Path) -> None:
    before = snapshot(corpus, data_dir)
    mark = fake.mark()
    content = (CORPUS / next(p.name for p in sorted(CORPUS.glob("*.txt")))).read_bytes()
    [refusal] = send_file(fake, OFFICER, content, "quyet-dinh-moi.txt", "text/plain", until="quản trị viên")
    assert "không được lưu" in refusal["text"]
    assert fake.calls_of("getFile", mark) == [] and fake.calls_of("downloadFile", mark) == []
    assert snapshot(corpus, data_dir) == before


def test_a_file_over_the_download_limit_is_refused_before_download(fake: FakeTelegram, bot: BotProcess,
                                                                   corpus: Path, data_dir: Path) -> None:
    before = snapshot(corpus, data_dir)
    mark = fake.mark()
    [reply] = send_file(fake, ADMIN, b"PK\x03\x04", "Quyết định <lớn> & dài.docx", DOCX, until="vượt giới hạn",
                        declared_size=25 * 1024 * 1024)
    assert "20 MB" in reply["text"] and "25,0 MB" in reply["text"]
    assert "Quyết định <lớn> & dài.docx" in reply["text"]  # the name is escaped, not parsed as HTML
    assert fake.calls_of("getFile", mark) == []
    assert snapshot(corpus, data_dir) == before


@pytest.mark.parametrize("name, mime", [("bang-tong-hop.xlsx", "application/vnd.ms-excel"),
                                        ("anh-chup.png", "application/pdf"),
                                        ("khong-duoi", "application/zip")])
def test_a_file_of_another_type_is_refused_before_download(fake: FakeTelegram, bot: BotProcess, corpus: Path,
                                                           data_dir: Path, name: str, mime: str) -> None:
    before = snapshot(corpus, data_dir)
    mark = fake.mark()
    [reply] = send_file(fake, ADMIN, b"\x89PNG\r\n\x1a\n" + bytes(64), name, mime, until="không phải văn bản")
    assert ".docx" in reply["text"] and name in reply["text"]
    assert fake.calls_of("getFile", mark) == []
    assert snapshot(corpus, data_dir) == before


@pytest.mark.parametrize("value", ["123, abc", "-1001234", "5550101,,5550102"])
def test_bad_admin_list_exits_2(value: str) -> None:
    result = subprocess.run([str(SOTAY_BIN), "bot"], capture_output=True, timeout=60,
                            env={**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "SOTAY_ADMINS": value})
    message = result.stderr.decode()
    assert result.returncode == 2 and "SOTAY_ADMINS" in message and "Traceback" not in message
