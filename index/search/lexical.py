"""The BM25 index as plain arrays, so that it can be spliced and rebuilt in a second.

``Terms`` holds each passage's bag of tokens in CSR form (vocabulary ids and counts per
passage, plus its length in tokens). Removing a document deletes its rows; adding one appends
rows; ``to_bm25`` turns the arrays into a ``bm25s.BM25`` retriever.

Why not ``bm25s.BM25.index``: it counts every passage's tokens in a Python loop (about 45 s at
156,000 passages, measured), and every change of the corpus changes every score (idf, average
length), so an incremental add would pay it again. ``to_bm25`` computes the same scores with
bm25s's own scoring functions over whole arrays (about a second at that size) and fills the
retriever exactly as ``BM25.index`` does; ``tests/test_corpus_admin.py`` checks both give the
same scores.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sotay.index.search import ranking


@dataclass
class Terms:
    """Token counts of every passage: row ``i`` is ``term[rows[i]:rows[i+1]]`` with counts ``tf``."""

    vocab: list[str]
    term: np.ndarray  # int32 vocabulary ids
    tf: np.ndarray  # int32 counts
    rows: np.ndarray  # int64, len = passages + 1
    lengths: np.ndarray  # int32 tokens per passage

    @classmethod
    def empty(cls) -> "Terms":
        return cls([], np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(1, np.int64), np.zeros(0, np.int32))

    @property
    def passages(self) -> int:
        return len(self.lengths)

    def keep(self, mask: np.ndarray) -> "Terms":
        """Only the passages where ``mask`` is true; unused vocabulary dropped."""
        counts = np.diff(self.rows)
        entry_mask = np.repeat(mask, counts)
        term, tf = self.term[entry_mask], self.tf[entry_mask]
        rows = np.concatenate([[0], np.cumsum(counts[mask])]).astype(np.int64)
        used = np.bincount(term, minlength=len(self.vocab)) > 0
        new_ids = (np.cumsum(used) - 1).astype(np.int32)
        vocab = [t for t, u in zip(self.vocab, used) if u]
        return Terms(vocab, new_ids[term] if len(term) else term, tf, rows, self.lengths[mask])

    def extend(self, passages: Iterable[list[str]]) -> "Terms":
        """These passages' tokens appended as new rows."""
        index = {t: i for i, t in enumerate(self.vocab)}
        vocab = list(self.vocab)
        terms: list[int] = []
        tfs: list[int] = []
        counts: list[int] = []
        lengths: list[int] = []
        for tokens in passages:
            bag = Counter(tokens)
            for token, n in bag.items():
                i = index.get(token)
                if i is None:
                    i = index[token] = len(vocab)
                    vocab.append(token)
                terms.append(i)
                tfs.append(n)
            counts.append(len(bag))
            lengths.append(len(tokens))
        rows = np.concatenate([self.rows, self.rows[-1] + np.cumsum(counts, dtype=np.int64)])
        return Terms(vocab, np.concatenate([self.term, np.asarray(terms, np.int32)]),
                     np.concatenate([self.tf, np.asarray(tfs, np.int32)]), rows,
                     np.concatenate([self.lengths, np.asarray(lengths, np.int32)]))

    def save(self, folder: Path) -> None:
        import json

        np.savez(folder / "terms.npz", term=self.term, tf=self.tf, rows=self.rows, lengths=self.lengths)
        (folder / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "Terms":
        import json

        with np.load(folder / "terms.npz") as arrays:
            parts = {k: arrays[k] for k in ("term", "tf", "rows", "lengths")}
        return cls(json.loads((folder / "vocab.json").read_text(encoding="utf-8")), **parts)

    def to_bm25(self):
        """A ``bm25s.BM25`` (lucene variant, k1 and b from ranking.py) over these passages."""
        import logging

        import bm25s
        from bm25s.scoring import _select_idf_scorer, _select_tfc_scorer
        from scipy import sparse

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG on import
        retriever = bm25s.BM25(k1=ranking.BM25_K1, b=ranking.BM25_B)
        n, v = self.passages, len(self.vocab)
        doc_freq = np.bincount(self.term, minlength=v)
        idf_of = _select_idf_scorer(retriever.idf_method)  # scalar (math.log): once per distinct df
        distinct, inverse = np.unique(doc_freq, return_inverse=True)
        idf = np.asarray([idf_of(int(df), N=n) if df else 0.0 for df in distinct], np.float32)[inverse]
        avg_len = float(self.lengths.mean()) if n else 0.0
        tfc = _select_tfc_scorer(retriever.method)(
            tf_array=self.tf.astype(np.float32), l_d=np.repeat(self.lengths.astype(np.float32), np.diff(self.rows)),
            l_avg=avg_len, k1=retriever.k1, b=retriever.b, delta=retriever.delta)
        scores = (idf[self.term] * tfc).astype(retriever.dtype, copy=False)
        # the rows are already CSR (passage by passage): transposed to CSC in one pass, without the COO copy
        # (0.92 -> 0.75 CPU-s at x1000); the same arrays (rows ascending within each column)
        matrix = sparse.csr_matrix((scores, self.term, self.rows), shape=(n, v)).tocsc()
        retriever.scores = {"data": matrix.data, "indices": matrix.indices.astype(retriever.int_dtype),
                            "indptr": matrix.indptr, "num_docs": n}
        vocab = {t: i for i, t in enumerate(self.vocab)}
        vocab.setdefault("", v)  # as BM25.index(create_empty_token=True)
        retriever.vocab_dict = vocab
        retriever.unique_token_ids_set = set(vocab.values())
        retriever.nonoccurrence_array = None  # lucene needs none (BM25L and BM25+ do)
        return retriever
