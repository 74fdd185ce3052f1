"""Adding a decision by sending a file to the bot: the real ``sotay bot`` against the fake Bot API.

The bot works on a copy of the bundled corpus without the Lạng Sơn decision, and on a copy of
the session's index (the converted model is shared read-only), so nothing here writes into the
repository's ``corpus/`` or the index other tests use. The administrator (``SOTAY_ADMINS``) then
sends the Lạng Sơn decision as a real .docx (``decision_files``), and it is answered from.
Every rejection must leave the corpus folder and the live index (``index/CURRENT``) exactly as
they were.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from bot_process import FIRST_ANSWER_TIMEOUT, BotProcess, assert_nothing_refused, running_bot, say, texts
from cli_runner import run_sotay
from conftest import CORPUS
from decision_files import load_decision, write_docx
from fake_telegram import TOKEN, FakeTelegram
from telegram import Document

from sotay.bot.telegram_app import upload_file_name

ADMIN = 5550101
OFFICER = 5550102
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ADD_TIMEOUT = 300  # parsing and embedding a new decision on a loaded 2-core machine
LANG_SON = CORPUS / "lang-son-2020-chuong-trinh-135.txt"
FUNDING_QUESTION = "Tổng kinh phí tập huấn Chương trình 135 của tỉnh Lạng Sơn năm 2020 là bao nhiêu?"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the bundled corpus, without the Lạng Sơn decision (the one to upload)."""
    return Path(shutil.copytree(CORPUS, tmp_path_factory.mktemp("upload") / "corpus",
                                ignore=shutil.ignore_patterns(f"{LANG_SON.stem}.*")))


@pytest.fixture(scope="module")
def data_dir(index, corpus: Path, session_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the converted model (linked) and the index of ``corpus``, made from a copy
    of the session's index (its per-document cache spares embedding again)."""
    from sotay.index.search.hybrid import open_index

    folder = tmp_path_factory.mktemp("upload-data")
    (folder / "models").symlink_to(session_data_dir / "models", target_is_directory=True)
    shutil.copytree(session_data_dir / "index", folder / "index")
    open_index(corpus, folder, progress=False)
    return folder


@pytest.fixture(scope="module")
def temp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bot's TMPDIR, to check that downloads are cleaned up."""
    return tmp_path_factory.mktemp("bot-tmp")


@pytest.fixture(scope="module")
def bot(fake: FakeTelegram, corpus: Path, data_dir: Path, temp_root: Path,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    yield from running_bot(fake, tmp_path_factory.mktemp("upload-bot"),
                           env={"SOTAY_ADMINS": f"{ADMIN}, 5550199", "SOTAY_CORPUS": str(corpus),
                                "SOTAY_DATA": str(data_dir), "TMPDIR": str(temp_root)})


@pytest.fixture(autouse=True)
def nothing_refused(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every scenario with the bot: Telegram accepted every call, and no downloaded file is left."""
    yield
    if "bot" in request.fixturenames:
        assert_nothing_refused(request.getfixturevalue("fake"))
        assert not list(request.getfixturevalue("temp_root").glob("sotay-upload-*"))


def snapshot(corpus: Path, data_dir: Path) -> dict[str, str]:
    """Every corpus file's digest, and which index build is live."""
    files = {str(p.relative_to(corpus)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(corpus.rglob("*")) if p.is_file()}
    return {**files, "index/CURRENT": (data_dir / "index" / "CURRENT").read_text(encoding="utf-8")}


def summary_label(summary: str) -> str:
    """The decision's label as the bot's summary states it."""
    return summary.splitlines()[0].split(": ", 1)[1]


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
                                        ("anh-dong.gif", "image/gif"),
                                        ("khong-duoi", "application/zip")])
def test_a_file_of_another_type_is_refused_before_download(fake: FakeTelegram, bot: BotProcess, corpus: Path,
                                                           data_dir: Path, name: str, mime: str) -> None:
    before = snapshot(corpus, data_dir)
    mark = fake.mark()
    [reply] = send_file(fake, ADMIN, b"\x89PNG\r\n\x1a\n" + bytes(64), name, mime, until="không phải văn bản")
    assert ".docx" in reply["text"] and name in reply["text"]
    assert fake.calls_of("getFile", mark) == []
    assert snapshot(corpus, data_dir) == before


def test_a_scanned_page_image_passes_the_type_check_and_is_read(fake: FakeTelegram, bot: BotProcess, corpus: Path,
                                                                 data_dir: Path) -> None:
    """A .png is downloaded and read (by OCR); a damaged one is refused after reading, nothing changed."""
    before = snapshot(corpus, data_dir)
    mark = fake.mark()
    [reply] = send_file(fake, ADMIN, b"\x89PNG\r\n\x1a\n" + bytes(64), "trang-1.png", "image/png",
                        until="Không thêm được", timeout=ADD_TIMEOUT)
    assert fake.calls_of("getFile", mark)  # images are no longer refused before download
    assert "không thay đổi" in reply["text"]
    assert snapshot(corpus, data_dir) == before


@pytest.mark.parametrize("method, code, description", [
    ("getFile", 400, "Bad Request: wrong file_id or the file is temporarily unavailable"),
    ("downloadFile", 404, "Not Found"),  # a 502 once is retried (bot/retrying_request.py): no longer a failure
])
def test_a_failed_download_is_explained(fake: FakeTelegram, bot: BotProcess, corpus: Path, data_dir: Path,
                                        method: str, code: int, description: str) -> None:
    before = snapshot(corpus, data_dir)
    fake.fail_next(method, code, description)
    [reply] = send_file(fake, ADMIN, PNG, "quyet-dinh.pdf", "application/pdf", until="Không tải được tệp")
    assert "gửi lại" in reply["text"] and "Traceback" not in reply["text"]
    assert snapshot(corpus, data_dir) == before


@pytest.mark.parametrize("sent, kept", [
    ("QĐ 45 Lạng Sơn.docx", "QĐ 45 Lạng Sơn.docx"),
    ("../../corpus/ninh-thuan.PDF", "ninh-thuan.pdf"),
    ("C:\\Users\\x\\Quyết\u200bđịnh\x00.docx", "Quyếtđịnh.docx"),
    ("...docx", "van-ban.docx"),
    (None, "van-ban.pdf"),
])
def test_the_downloaded_file_keeps_only_a_safe_name(sent: str | None, kept: str) -> None:
    document = Document("f", "u", file_name=sent, mime_type="application/pdf")
    assert upload_file_name(document) == kept


@pytest.mark.parametrize("value", ["123, abc", "-1001234", "5550101,,5550102"])
def test_bad_admin_list_exits_2(value: str) -> None:
    result = run_sotay("bot", env={**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "SOTAY_ADMINS": value})  # in process
    message = result.stderr.decode()
    assert result.returncode == 2 and "SOTAY_ADMINS" in message and "Traceback" not in message


# -- downloaded, checked, rejected -------------------------------------------------------------
def _docx_bytes(folder: Path, paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(folder / "plain.docx")
    return (folder / "plain.docx").read_bytes()


def test_a_renamed_image_is_rejected_and_changes_nothing(fake: FakeTelegram, bot: BotProcess, corpus: Path,
                                                        data_dir: Path) -> None:
    before = snapshot(corpus, data_dir)
    mark = fake.mark()
    [reply] = send_file(fake, ADMIN, PNG, "quyet-dinh-15.pdf", "application/pdf", until="Không thêm được",
                        timeout=ADD_TIMEOUT)
    assert "quyet-dinh-15.pdf" in reply["text"] and "không thay đổi" in reply["text"]
    assert "Traceback" not in reply["text"] and len(reply["text"]) < 400
    assert [c.status for c in fake.calls_of("getFile", mark)] == [200]
    assert [c.status for c in fake.calls_of("downloadFile", mark)] == [200]
    assert snapshot(corpus, data_dir) == before


def test_a_document_that_is_not_a_decision_is_rejected(fake: FakeTelegram, bot: BotProcess, corpus: Path,
                                                       data_dir: Path, tmp_path: Path) -> None:
    before = snapshot(corpus, data_dir)
    content = _docx_bytes(tmp_path, ["CÁCH GÓI BÁNH CHƯNG", "Nguyên liệu: gạo nếp, đậu xanh, thịt ba chỉ, lá dong.",
                                     "Ngâm gạo nếp qua đêm, để ráo rồi gói vuông và luộc 10 tiếng."])
    [reply] = send_file(fake, ADMIN, content, "banh-chung.docx", DOCX, until="Không thêm được",
                        timeout=ADD_TIMEOUT)
    assert "không giống một văn bản quyết định" in reply["text"] and "không thay đổi" in reply["text"]
    assert snapshot(corpus, data_dir) == before


# -- added ---------------------------------------------------------------------------------------
def test_an_administrator_adds_a_decision_and_it_is_answered_from(fake: FakeTelegram, bot: BotProcess,
                                                                   corpus: Path, tmp_path: Path) -> None:
    before = texts(say(fake, ADMIN, FUNDING_QUESTION, timeout=FIRST_ANSWER_TIMEOUT))
    assert "8.040 triệu" not in before

    decision = load_decision(LANG_SON, number="45/2020/QĐ-UBND", date_text="ngày 25 tháng 6 năm 2020")
    content = write_docx(decision, tmp_path / "QĐ 45 Lạng Sơn.docx").read_bytes()
    mark = fake.mark()
    [summary] = send_file(fake, ADMIN, content, "QĐ 45 Lạng Sơn.docx", DOCX, until="Đã thêm", timeout=ADD_TIMEOUT)
    assert [c.params["action"] for c in fake.calls_of("sendChatAction", mark)][:1] == ["typing"]
    text = summary["text"]
    assert "Tiểu dự án nâng cao năng lực cho cộng đồng và cán bộ cơ sở" in text
    assert "45/2020/QĐ-UBND" in text and "ngày 25 tháng 6 năm 2020" in text
    passages = int(re.search(r"(\d+) đoạn", text).group(1))
    duties = int(re.search(r"(\d+) nhiệm vụ", text).group(1))
    assert passages >= 20 and duties >= 3, text
    assert "thay thế" not in text

    added = [p for p in corpus.glob("*.txt") if "8.040 triệu đồng" in p.read_text(encoding="utf-8")]
    assert len(added) == 1 and added[0].with_suffix(".yaml").is_file()
    assert list((corpus / "originals").glob(f"{added[0].stem}.docx"))

    after = texts(say(fake, ADMIN, FUNDING_QUESTION, until="8.040 triệu", timeout=ADD_TIMEOUT))
    # quoted and cited: the decision as the summary named it, the section of the plan
    assert after.startswith(f"Theo {summary_label(text)}, Kế hoạch kèm theo, Mục II.5.1:\n"
                            "«5.1. Kinh phí: tổng kinh phí là 8.040 triệu đồng"), after

    # sent again: the same decision is replaced, not duplicated; other chats are served meanwhile
    files = sorted(p.name for p in corpus.rglob("*"))
    mark = fake.mark()
    fake.send_document(ADMIN, content, "QĐ 45 Lạng Sơn.docx", DOCX)
    fake.send_text(OFFICER, "/start")
    [again] = fake.replies(ADMIN, mark, until="Đã thêm", timeout=ADD_TIMEOUT)
    assert "đã được thay thế" in again["text"] and summary_label(again["text"]) == summary_label(text)
    assert sorted(p.name for p in corpus.rglob("*")) == files
    assert fake.replies(OFFICER, mark, until="Xin chào")
    order = [c.result["chat"]["id"] for c in fake.calls_of("sendMessage", mark)]
    assert order.index(OFFICER) < order.index(ADMIN), order
