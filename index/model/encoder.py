"""The dense encoder: a sentence-transformers model loaded lazily, offline.

Passages are encoded with the model's "passage" prompt and questions with its
"query" prompt (e5 convention); vectors are L2-normalised float32, so the inner
product is the cosine.
"""

from __future__ import annotations

import hashlib
import os
from functools import cached_property

import numpy as np

from sotay.index.model import convert as embed_model

BATCH_SIZE = 32


class Encoder:
    """Wraps the embedding model; nothing heavy is imported until a text is encoded."""

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
        return int(self._model.get_sentence_embedding_dimension())

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        model = self._model
        kwargs = {"prompt_name": prompt} if self._has_prompts else {}
        vectors = model.encode(
            texts, batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False, **kwargs,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """(n, dim) vectors of passages."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return self._encode(texts, "passage")

    def encode_query(self, text: str) -> np.ndarray:
        """(dim,) vector of a question.

        One short text gains nothing from a second thread, and on a busy 2-core machine
        the threads' contention made single questions up to 50x slower (measured).
        """
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self._encode([text], "query")[0]
        finally:
            torch.set_num_threads(threads)
