"""Index persistence: reload, stale-index rebuild, new decisions, interrupted builds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from corpus_workspace import make_workspace

from sotay.index.answer import answer_question
from sotay.index.model import convert as embed_model
from sotay.index.search import store
from sotay.index.search.hybrid import open_index
from sotay.index.search.store import IndexPaths, hold_live, read_manifest, tidy

NEW_ARTICLE = """
Điều 10. Khen thưởng

Cộng đồng dân cư hoàn thành quay vòng vốn đúng hạn được Ủy ban nhân dân cấp xã biểu dương, khen thưởng.
"""

NEW_DECISION = """Số: 15/2024/QĐ-UBND

Bình Thuận, ngày 05 tháng 3 năm 2024

QUYẾT ĐỊNH

Quy định mức hỗ trợ nuôi ong lấy mật cho hộ nghèo trên địa bàn tỉnh Bình Thuận

ỦY BAN NHÂN DÂN TỈNH BÌNH THUẬN

QUYẾT ĐỊNH:

Điều 1. Mức hỗ trợ

1. Mỗi hộ nghèo nuôi ong lấy mật được hỗ trợ tối đa 20 thùng ong giống.

2. Hộ cận nghèo được hỗ trợ tối đa 10 thùng ong giống.

Điều 2. Hiệu lực thi hành

Quyết định này có hiệu lực kể từ ngày ký.
"""


@pytest.fixture()
def workspace(tmp_path: Path, index, session_data_dir: Path) -> tuple[Path, Path]:
    """A private copy of the corpus and a data dir whose per-document cache holds the session's seeds
    (so a build here embeds only what a test adds or changes; the session's build embedded them all)."""
    return make_workspace(tmp_path, session_data_dir)


def test_built_once_then_reloaded(workspace) -> None:
    corpus, data = workspace
    first = open_index(corpus, data, progress=False)
    second = open_index(corpus, data, progress=False)
    assert first.build == second.build
    manifest = read_manifest(first.build)
    assert manifest["model_id"] == embed_model.model_id()
    assert set(manifest["documents"]) == {"nt-2022-quayvong", "sl-2021-kttt", "ls-2020-ct135"}
    assert {"sotay", "bm25s", "faiss-cpu", "sentence-transformers"} <= set(manifest["versions"])


def test_a_data_dir_built_from_a_folder_since_removed_answers_duty_questions_for_a_copy(workspace, tmp_path) -> None:
    # The default data dir is shared by checkouts: built from one clone's corpus, it is current for another
    # clone's identical corpus after the first clone is deleted; duties are read from the corpus asked for
    corpus, data = workspace
    open_index(corpus, data, progress=False).close()
    other = Path(shutil.copytree(corpus, tmp_path / "other-clone" / "corpus"))
    shutil.rmtree(corpus)
    index = open_index(other, data, progress=False)
    assert read_manifest(index.build)["corpus_dir"] == str(corpus.resolve())  # not rebuilt: the same decisions
    answer = answer_question(index, "Liên minh hợp tác xã tỉnh có vai trò gì?")
    assert answer.sources and any("Liên minh Hợp tác xã" in s["text"] for s in answer.sources)


def test_changed_corpus_rebuilds_and_reuses_unchanged_documents(workspace) -> None:
    corpus, data = workspace
    first = open_index(corpus, data, progress=False)
    cache = IndexPaths(data).docs
    before = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}

    path = corpus / "ninh-thuan-2022-quay-vong-von.txt"
    path.write_text(path.read_text(encoding="utf-8") + NEW_ARTICLE, encoding="utf-8")
    second = open_index(corpus, data, progress=False)

    assert second.build != first.build
    assert first.build.exists()  # still read by ``first``: never removed from under a reader
    first.close()
    tidy(data)
    assert not first.build.exists()  # the old build is cleaned up once nobody reads it
    after = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    reused = {name for name in before if after.get(name) == before[name]}
    assert len(reused) == 4  # json + npy of the two unchanged decisions
    assert len(set(after) - set(before)) == 2  # the changed decision, parsed and embedded again
    assert len(after) == 6  # the stale cache of its previous version is gone
    answer = answer_question(second, "Cộng đồng hoàn thành quay vòng vốn đúng hạn được khen thưởng không?")
    assert answer.answered and answer.sources[0]["citation"] == "Quy định kèm theo, Điều 10"


def test_vectors_written_in_two_steps_are_what_np_save_writes(workspace, tmp_path) -> None:
    corpus, data = workspace
    index = open_index(corpus, data, progress=False)
    kept = np.load(index.build / "vectors.npy", mmap_mode="r")  # as a build reads the live one
    index.close()
    new = [np.asarray(kept[:5]) * 0.5, np.zeros((0, kept.shape[1]), np.float32), np.asarray(kept[-3:])]
    path, expected = tmp_path / "vectors.npy", tmp_path / "expected.npy"
    with store._VectorsFile(path, kept, len(kept) + 8) as vectors:
        assert path.stat().st_size > kept.nbytes  # the header and the kept rows are written at once
        vectors.append(new)
    np.save(expected, np.concatenate([kept, *new]))
    assert path.read_bytes() == expected.read_bytes()
    with store._VectorsFile(path, np.zeros((0, 0), np.float32), 8) as vectors:  # a first build: nothing kept
        vectors.append(new)
    np.save(expected, np.concatenate(new))
    assert path.read_bytes() == expected.read_bytes()
    with pytest.raises(ValueError), store._VectorsFile(path, kept, len(kept) + 9) as vectors:
        vectors.append(new)  # a passage without its vector
    with pytest.raises(ValueError), store._VectorsFile(path, kept, len(kept) + 2) as vectors:
        vectors.append([np.zeros((2, 3), np.float32)])  # another model's width


def test_dropping_a_new_decision_in_makes_it_answerable(workspace) -> None:
    corpus, data = workspace
    (corpus / "binh-thuan-2024-nuoi-ong.txt").write_text(NEW_DECISION, encoding="utf-8")
    (corpus / "binh-thuan-2024-nuoi-ong.yaml").write_text(
        "id: bt-2024-ong\nprovince: Bình Thuận\nshort_name: QĐ 15/2024 Bình Thuận\n"
        "title: Quy định mức hỗ trợ nuôi ong lấy mật cho hộ nghèo\n", encoding="utf-8")
    index = open_index(corpus, data, progress=False)
    answer = answer_question(index, "ho ngheo nuoi ong duoc ho tro toi da bao nhieu thung")
    assert answer.answered
    top = answer.sources[0]
    assert top["doc"] == "QĐ 15/2024 Bình Thuận"
    # Điều 1 is short: it is quoted whole, or its khoản 1 alone.
    assert top["citation"] in ("Điều 1", "Điều 1, khoản 1") and "20 thùng ong giống" in top["text"]


def test_interrupted_build_leaves_previous_index_live(workspace) -> None:
    corpus, data = workspace
    good = open_index(corpus, data, progress=False)
    paths = IndexPaths(data)
    half = paths.root / "build-interrupted"
    half.mkdir()
    (half / "passages.json").write_text("[", encoding="utf-8")  # a build killed mid-way
    assert paths.live_build() == good.build
    again = open_index(corpus, data, progress=False)
    assert again.build == good.build
    assert json.loads((good.build / "manifest.json").read_text(encoding="utf-8"))["passages"] == len(again.passages)


def test_a_reader_that_read_current_just_before_a_switch_holds_the_new_build(workspace, monkeypatch) -> None:
    """The writer switches to a new build and removes the old one between the reader's reading of CURRENT
    and its locking of the build: the reader reads CURRENT again, it never concludes there is no index."""
    corpus, data = workspace
    open_index(corpus, data, progress=False).close()
    old = IndexPaths(data).live_build()
    new = shutil.copytree(old, old.with_name(f"{old.name}-next"))
    read_current = IndexPaths.named_build
    switched: list[Path] = []

    def racing(self: IndexPaths) -> Path | None:
        named = read_current(self)
        if not switched:  # right after this reader read CURRENT, the writer switches and removes the old build
            store.switch(data, new)
            switched.append(new)
        return named

    monkeypatch.setattr(IndexPaths, "named_build", racing)
    held = hold_live(data)
    assert switched and not old.exists()
    assert held is not None and held.build == new
    held.release()
