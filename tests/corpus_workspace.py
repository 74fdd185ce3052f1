"""A private corpus and data directory for tests that add and remove decisions, seeded from the session's cache."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from conftest import CORPUS
from filelock import FileLock

from sotay.index import corpus_admin
from sotay.index.search.store import IndexPaths

SEED = CORPUS / "ninh-thuan-2022-quay-vong-von.txt"
NEW_ARTICLE = """
Điều 10. Khen thưởng

Cộng đồng dân cư hoàn thành quay vòng vốn đúng hạn được Ủy ban nhân dân cấp xã biểu dương, khen thưởng.
"""
REWARD_QUESTION = "Cộng đồng hoàn thành quay vòng vốn đúng hạn được khen thưởng không?"


def fourth_decision(folder: Path, name: str = "qd-21-2023-binh-thuan.txt") -> Path:
    """A fourth decision: the Ninh Thuận seed issued as 21/2023 by Bình Thuận, shortened to its
    decision, its Articles 1-3 and 7, with one more article (few passages: quick to embed)."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    text = "\n".join(lines[:97] + lines[181:193]).replace("Số: /2022/QĐ-UBND", "Số: 21/2023/QĐ-UBND")
    text = text.replace("Ninh Thuận", "Bình Thuận").replace("NINH THUẬN", "BÌNH THUẬN")
    path = folder / name
    path.write_text(text + NEW_ARTICLE, encoding="utf-8")
    return path


def make_workspace(tmp_path: Path, session_data_dir: Path) -> tuple[Path, Path]:
    """A private corpus copy and data dir whose per-document cache already holds the seeds.

    The session index (built once) has cached the seeds' passages and vectors; copying that
    cache means building this workspace's index embeds nothing. The embedding model itself is
    the session's (``SOTAY_DATA``); ``models`` is linked for subprocesses that set SOTAY_DATA here.
    """
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    shutil.copytree(CORPUS, corpus)
    shutil.copytree(IndexPaths(session_data_dir).docs, IndexPaths(data).docs)
    (data / "models").symlink_to(session_data_dir / "models")
    return corpus, data


def cache_with_fourth_decision(shared_dir: Path, session_data_dir: Path) -> Path:
    """A per-document cache holding the seeds and ``fourth_decision``, made once per run (by the first
    worker to need it, behind a lock) by a real ``add_decisions`` in this process.

    A workspace given its entries (``seed_cache``) adds the fourth decision exactly as any add does, but
    finds its passages and vectors cached: no process loads the model for it. For the tests whose
    subject is the transaction or the command's output, not the embedding.
    """
    folder = shared_dir / "fourth-decision-cache"
    with FileLock(shared_dir / "fourth-decision-cache.lock"):
        if not (folder / "done").exists():
            shutil.rmtree(folder, ignore_errors=True)  # an attempt interrupted in an earlier run
            folder.mkdir()
            corpus, data = make_workspace(folder, session_data_dir)
            corpus_admin.add_decisions([fourth_decision(folder)], corpus, data)
            (folder / "done").touch()
    return IndexPaths(folder / "data").docs


def seed_cache(data: Path, cache: Path) -> None:
    """Copy into ``data``'s per-document cache the entries of ``cache`` it lacks. A build keeps only its
    own documents' entries, so seed after building the workspace's index."""
    docs = IndexPaths(data).docs
    for entry in cache.iterdir():
        if not (docs / entry.name).exists():
            shutil.copy2(entry, docs / entry.name)


def tree_digest(*folders: Path) -> dict[str, str]:
    """Every file under ``folders`` (relative name → sha256), to compare states byte for byte."""
    return {f"{folder.name}/{p.relative_to(folder)}": hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()}
