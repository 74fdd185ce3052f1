"""The add's embedding process: the same vectors as the in-process encoder, its errors raised in the caller."""

from __future__ import annotations

import os
from functools import partial

import numpy as np
import pytest

from sotay.config import corpus_dir
from sotay.index.corpus_admin import Deadline, IngestError, _check_deadline
from sotay.index.documents import load_corpus
from sotay.index.model.embed_process import EmbeddingProcess, start_encoder
from sotay.index.model.encoder import Encoder
from sotay.index.parse import parse_document
from sotay.index.search.store import passage_index_text


def _passages(count: int) -> list[str]:
    return [passage_index_text(p) for doc in load_corpus(corpus_dir()) for p in parse_document(doc)][:count]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_passages_embedded_in_the_child_are_the_in_process_vectors_bit_for_bit(index) -> None:
    texts = _passages(40)
    encoder = start_encoder()
    assert isinstance(encoder, EmbeddingProcess)
    try:
        forked = encoder.encode_passages(texts)
    finally:
        encoder.close()
    assert _gone(encoder._pid)
    here = Encoder().encode_passages(texts)
    assert forked.dtype == np.float32 and forked.shape == here.shape == (40, 384)
    assert np.array_equal(forked, here)


def test_what_the_child_raises_is_raised_in_the_caller(index) -> None:
    """An add past its deadline (the check the add passes): the child stops before its first batch."""
    encoder = EmbeddingProcess()
    try:
        with pytest.raises(IngestError, match="giới hạn thời gian"):
            encoder.encode_passages(_passages(3), before_batch=partial(_check_deadline, Deadline(at=0.0, seconds=5)))
    finally:
        encoder.close()
    assert _gone(encoder._pid)


def test_a_child_not_needed_is_ended_by_close(index) -> None:
    encoder = EmbeddingProcess()
    encoder.close()
    assert _gone(encoder._pid)
