"""Adding and removing decisions: incremental indexing, idempotence, rejections that change nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from corpus_workspace import REWARD_QUESTION, fourth_decision, make_workspace, seed_cache, tree_digest

from sotay.index import corpus_admin
from sotay.index.answer import answer_question
from sotay.index.documents import CorpusError, stray_warning
from sotay.index.model.encoder import Encoder
from sotay.index.search import store
from sotay.index.search.hybrid import HybridIndex, open_index
from sotay.index.search.lexical import Terms
from sotay.index.search.ranking import BM25_B, BM25_K1
from sotay.index.search.store import IndexPaths, passage_index_text, read_manifest
from sotay.index.search.tokens import passage_tokens, segment_passage


class EncodeCounter:
    """Counts the passages the encoder embeds (instrumenting ``Encoder.encode_passages``)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts = 0
        original = Encoder.encode_passages

        def counting(encoder: Encoder, texts: list[str], before_batch=None):
            self.texts += len(texts)
            return original(encoder, texts, before_batch)

        monkeypatch.setattr(Encoder, "encode_passages", counting)


@pytest.fixture()
def workspace(tmp_path: Path, index, session_data_dir: Path) -> tuple[Path, Path]:
    corpus, data = make_workspace(tmp_path, session_data_dir)
    open_index(corpus, data, progress=False)  # the starting index: three decisions, nothing embedded
    return corpus, data


@pytest.fixture()
def cached_workspace(workspace, fourth_decision_cache: Path) -> tuple[Path, Path]:
    """``workspace`` whose per-document cache also holds the fourth decision (for the tests in which adding
    it is the setting, not the subject: what a second add or a removal embeds)."""
    seed_cache(workspace[1], fourth_decision_cache)
    return workspace


def live_index(data: Path) -> HybridIndex:
    return HybridIndex(IndexPaths(data).live_build(), Encoder())


def test_added_decision_is_indexed_alone_and_answers(workspace, tmp_path, monkeypatch) -> None:
    corpus, data = workspace
    counter = EncodeCounter(monkeypatch)
    [added] = corpus_admin.add_decisions([fourth_decision(tmp_path)], corpus, data)

    assert added.id == "binh-thuan-21-2023-qd-ubnd" and not added.replaced
    assert added.number == "21/2023/QĐ-UBND" and "Bình Thuận" in added.label
    assert added.duties > 0
    assert counter.texts == added.passages > 0  # only the new decision was embedded
    assert (corpus / "binh-thuan-21-2023-qd-ubnd.txt").exists()
    assert (corpus / "originals" / "binh-thuan-21-2023-qd-ubnd.txt").read_bytes() == \
        (tmp_path / "qd-21-2023-binh-thuan.txt").read_bytes()
    sidecar = (corpus / "binh-thuan-21-2023-qd-ubnd.yaml").read_text(encoding="utf-8")
    assert "source: qd-21-2023-binh-thuan.txt" in sidecar and "source_sha256: " in sidecar

    answer = answer_question(live_index(data), REWARD_QUESTION)
    assert answer.answered and answer.sources[0]["doc"] == added.label
    assert answer.sources[0]["citation"] == "Quy định kèm theo, Điều 10"
    assert "binh-thuan-21-2023-qd-ubnd" in [d.meta.id for d in corpus_admin.list_decisions(corpus)]


def test_adding_the_same_file_again_replaces_it_and_embeds_nothing(cached_workspace, tmp_path, monkeypatch) -> None:
    corpus, data = cached_workspace
    source = fourth_decision(tmp_path)
    corpus_admin.add_decisions([source], corpus, data)
    counter = EncodeCounter(monkeypatch)
    renamed = source.rename(tmp_path / "gui-lai.txt")  # same bytes, another name: still the same decision
    [again] = corpus_admin.add_decisions([renamed], corpus, data)
    assert again.replaced and again.id == "binh-thuan-21-2023-qd-ubnd"
    assert counter.texts == 0
    assert len(corpus_admin.list_decisions(corpus)) == 4


def test_removed_decision_is_no_longer_found_and_nothing_is_embedded(cached_workspace, tmp_path, monkeypatch) -> None:
    corpus, data = cached_workspace
    [added] = corpus_admin.add_decisions([fourth_decision(tmp_path)], corpus, data)
    counter = EncodeCounter(monkeypatch)
    removed = corpus_admin.remove_decision(added.id, corpus, data)
    assert removed.id == added.id and counter.texts == 0
    assert not list(corpus.glob(f"{added.id}.*")) and not list((corpus / "originals").glob(f"{added.id}.*"))
    index = live_index(data)
    assert added.id not in index.documents
    assert all(h.passage.doc_id != added.id for h in index.search(REWARD_QUESTION, k=20))
    with pytest.raises(CorpusError, match="Không có văn bản mã"):
        corpus_admin.remove_decision(added.id, corpus, data)


def _rejected_inputs(folder: Path) -> dict[str, list[Path]]:
    not_decision = folder / "thu-moi-hop.txt"
    not_decision.write_text("Kính mời các đồng chí dự họp lúc 8 giờ sáng thứ Hai tại hội trường xã.\n",
                            encoding="utf-8")
    binary = folder / "anh.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    empty = folder / "rong.md"
    empty.write_text("\n\n", encoding="utf-8")
    bad_sidecar = fourth_decision(folder, "co-yaml-hong.txt")
    bad_sidecar.with_suffix(".yaml").write_text("id: [không đóng ngoặc\n", encoding="utf-8")
    good = fourth_decision(folder)
    twin = folder / "ban-sao.txt"
    shutil.copy(good, twin)
    return {
        "not a decision": [not_decision],
        "binary": [binary],
        "empty": [empty],
        "missing": [folder / "khong-co.txt"],
        "broken sidecar": [bad_sidecar],
        "good then bad": [good, binary],
        "one decision twice": [good, twin],
    }


def test_every_rejection_leaves_corpus_and_index_unchanged(workspace, tmp_path, monkeypatch) -> None:
    corpus, data = workspace
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    paths = IndexPaths(data)
    before = tree_digest(corpus, paths.root)
    counter = EncodeCounter(monkeypatch)
    for case, files in _rejected_inputs(inputs).items():
        with pytest.raises(corpus_admin.IngestError) as raised:
            corpus_admin.add_decisions(files, corpus, data)
        assert str(raised.value), case
        assert tree_digest(corpus, paths.root) == before, case
    assert counter.texts == 0


def test_failed_indexing_restores_the_corpus(workspace, tmp_path, monkeypatch) -> None:
    corpus, data = workspace
    before = tree_digest(corpus, IndexPaths(data).root)

    def broken(encoder, texts, before_batch=None):
        raise RuntimeError("encoder crashed")

    monkeypatch.setattr(Encoder, "encode_passages", broken)
    with pytest.raises(RuntimeError):
        corpus_admin.add_decisions([fourth_decision(tmp_path)], corpus, data)
    assert tree_digest(corpus, IndexPaths(data).root) == before


def test_stray_pdf_is_reported(workspace) -> None:
    corpus, _ = workspace
    assert stray_warning(corpus) is None
    (corpus / "qd-moi.pdf").write_bytes(b"%PDF-1.4\n")
    warning = stray_warning(corpus)
    assert "qd-moi.pdf" in warning and "sotay corpus add" in warning


def test_incremental_build_parses_only_the_new_decision(workspace, tmp_path) -> None:
    corpus, data = workspace
    [added] = corpus_admin.add_decisions([fourth_decision(tmp_path)], corpus, data)
    manifest = read_manifest(IndexPaths(data).live_build())
    assert manifest["incremental"] and manifest["parsed"] == [added.id] and manifest["removed"] == []
    assert manifest["passages"] == sum(e["count"] for e in manifest["documents"].values())
    assert list(IndexPaths(data).root.glob("build-*")) == [IndexPaths(data).live_build()]


def test_array_bm25_scores_equal_bm25s_own_index(index) -> None:
    import bm25s

    tokens = [passage_tokens(segment_passage(passage_index_text(p))) for p in index.passages[:60]]
    ours = Terms.empty().extend(tokens[:25]).keep(np.arange(25) != 3).extend(tokens[25:]).to_bm25()
    reference = bm25s.BM25(k1=BM25_K1, b=BM25_B)
    reference.index(tokens[:3] + tokens[4:], show_progress=False)
    for query in (["thu", "hoi", "von"], ["cong_dong", "ho", "tro"], ["uy_ban", "xa", "khong"]):
        assert np.allclose(ours.get_scores(query), reference.get_scores(query), rtol=1e-5, atol=1e-6)


def test_an_add_reads_only_the_new_decision_and_still_knows_the_others(workspace, tmp_path, monkeypatch) -> None:
    """The decisions the live index vouches for (unchanged size and time) are not read again: their
    metadata and text hashes come from the index; a decision sent again is still recognised by its text."""
    corpus, data = workspace
    read: list[str] = []
    load = store.load_document

    def counted(path: Path):
        read.append(path.name)
        return load(path)

    monkeypatch.setattr(store, "load_document", counted)
    [added] = corpus_admin.add_decisions([fourth_decision(tmp_path)], corpus, data)
    assert read == [f"{added.id}.txt"]  # the new decision, in the staged view; none of the three others
    copy = tmp_path / "same-text-other-name.txt"
    copy.write_bytes((corpus / f"{added.id}.txt").read_bytes())
    [again] = corpus_admin.add_decisions([copy], corpus, data)
    assert again.id == added.id and again.replaced  # known from what the index kept of it, not re-read


def test_an_index_without_text_hashes_is_read_once_then_keeps_them(workspace, tmp_path) -> None:
    """An index built before text hashes were kept: the next add reads the corpus (as before) and stores them."""
    corpus, data = workspace
    live = IndexPaths(data).live_build()
    manifest = read_manifest(live)
    for entry in manifest["documents"].values():
        del entry["text_sha256"]
    (live / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    [added] = corpus_admin.add_decisions([fourth_decision(tmp_path)], corpus, data)
    documents = read_manifest(IndexPaths(data).live_build())["documents"]
    assert len(documents) == 4 and all(len(e["text_sha256"]) == 64 for e in documents.values())
