"""Which decision a question names, and what it asks about it.

Officers often name the decision they mean: "QĐ quay vòng vốn Ninh Thuận căn cứ nghị
định nào?", "KH hành động KTTT của Sơn La có hiệu lực từ khi nào?". Those naming words
match the decision's title and restatements better than the clause that answers, and
outweigh the few words that say what is asked. ``DocumentNames.reference`` finds such a
reference and gives the documents it names and the question without it ("căn cứ nghị
định nào?", "có hiệu lực từ khi nào?"); the search then runs on that, within those documents.

A reference is a run of the question's syllables that starts at a document type
("quyết định", "kế hoạch", "QĐ", "KH", ...) or at the province of a document, and goes on
over the words of a document's name (its title and restatements, issuer, province, number)
and connectors ("của", "tỉnh", "năm"). It must hold distinctive evidence (a word pair, a
number or a province found in the names of at most half the documents) and it names the
documents with the most of it. Several references must agree. When no document stands
out, there is no reference and the question is searched as it is.

Only a reference that starts at a document type is taken out of the question. A bare
province ("Tổng kinh phí ... của tỉnh Lạng Sơn năm 2020?") only narrows the search: such
words often recur in the clause that answers ("... năm 2020 trên địa bàn tỉnh Lạng Sơn").

A question about a province the corpus has no decision of (and does not mention) —
"tỷ lệ thu hồi vốn của tỉnh Cao Bằng?" — has a reference to no document: another
province's rule must not be quoted as if it applied there. The provinces merged on 1 July 2025
count as one (``provinces_covered``): "ở Khánh Hòa" names a decision of Ninh Thuận, now part of it. Provinces come from
``provinces.yaml``; one is recognised when written with capitals ("Cao Bằng") or after
"tỉnh" / "thành phố" ("tinh cao bang").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeGuard

from sotay.index.parse import Passage
from sotay.index.provinces import (
    WordToken,
    canonical_province,
    folded_sequences,
    longest_key_at,
    province_mentions,
    province_spellings,
    provinces_covered,
    word_tokens,
    written_spellings,
)
from sotay.index.search.tokens import STOP_WORDS
from sotay.index.vietnamese import expand_abbreviations
from sotay.text import fold, nfc

# Words that say "a document": a reference starts at one (or at a province). Not "hướng dẫn": officers use it
# as the verb ("Chi cục chịu sự hướng dẫn chuyên môn của cơ quan nào") far more than to name a document.
DOCUMENT_TYPES = folded_sequences(("quyết định", "kế hoạch", "quy định", "văn bản", "chỉ thị", "nghị quyết",
                             "đề án", "kh", "vb"))
# After these a document type is a verb: "UBND xã có được tự quyết định định mức …", "ai quyết định …".
VERB_MARKERS = frozenset(fold(w) for w in ("tự", "được", "ai", "sẽ", "đã", "quyền", "phải", "cần"))
# Words that join the parts of a name: "Kế hoạch ... của Ủy ban nhân dân tỉnh Sơn La năm 2021".
CONNECTORS = folded_sequences(("của", "tỉnh", "số", "năm", "ngày", "tháng", "về", "thuộc", "ban hành",
                         "ủy ban nhân dân", "trên địa bàn", "giai đoạn"))
# Removed with a reference that follows them: "mục đích của <kế hoạch …>" -> "mục đích".
PREPOSITIONS = frozenset(fold(w) for w in ("của", "ở", "tại", "trong", "theo", "thuộc", "về", "tỉnh"))
PROVINCE_VOTE = 2  # a province names a document more surely than one word pair of its title
# Words that start what is asked about a named document, never its name: "QĐ 14/2025 … bị bãi bỏ toàn bộ
# hay một phần?" asks about a repeal even when other documents' names read "… bị bãi bỏ". ("có" and "thì"
# are left out: folded, they are also "cơ cấu" and "thị xã".)
PREDICATES = frozenset(fold(w) for w in ("bị", "được", "là", "phải"))


@dataclass(frozen=True)
class Reference:
    """A question's reference to documents: which ones, and what is asked about them."""

    doc_ids: frozenset[str]  # empty: the question is about provinces the corpus has no decision of
    ask: str  # the question without the reference (abbreviations expanded)
    elsewhere: tuple[str, ...] = ()  # those provinces, when ``doc_ids`` is empty
    filter_words: frozenset[str] = frozenset()  # folded words of a bare province left in ``ask``: not content


class DocumentNames:
    """The names of a corpus's documents, as folded syllables, word pairs and provinces."""

    def __init__(self, names: Mapping[str, str], provinces: Mapping[str, str],
                 mentioned: Callable[[str], bool] = lambda name: False,
                 dates: Mapping[str, str] | None = None) -> None:
        """``names``: doc id -> all the text that names it; ``provinces``: doc id -> its province;
        ``mentioned``: whether the corpus's text names this province (its name as written, with diacritics); ``dates``: doc id -> its
        date of issue (ISO). A document is named by its province and by the provinces merged with it in
        2025 (``provinces.provinces_covered``): "Khánh Hòa" names a decision of Ninh Thuận."""
        self.count = len(names)
        self.mentioned = mentioned
        self.pair_docs: dict[str, set[str]] = {}
        self.word_docs: dict[str, set[str]] = {}
        for doc_id, text in names.items():
            tokens = word_tokens(text)
            generic: set[int] = set()  # positions of document types: "thực hiện Quyết định" is no name
            for i in range(len(tokens)):
                generic.update(range(i, i + _match(tokens, i, DOCUMENT_TYPES)))
            for i, token in enumerate(tokens):
                self.word_docs.setdefault(token.word, set()).add(doc_id)
                if i + 1 < len(tokens) and not {i, i + 1} & generic:
                    self.pair_docs.setdefault(f"{token.word} {tokens[i + 1].word}", set()).add(doc_id)
        self.province_docs: dict[tuple[str, ...], set[str]] = {}
        for doc_id, province in provinces.items():
            for covered in provinces_covered(province, (dates or {}).get(doc_id, "")) if province else ():
                for spelling in province_spellings(covered):
                    self.province_docs.setdefault(spelling, set()).add(doc_id)
        # Search, the answer and the duty routing all ask about the same question: found once.
        self.reference = lru_cache(maxsize=256)(self._reference)

    @classmethod
    def of_index(cls, documents: Mapping[str, dict], passages: Iterable[Passage],
                 mentioned: Callable[[str], bool] = lambda name: False) -> DocumentNames:
        """Names from the documents' metadata and their title and closing passages."""
        names = {doc_id: " . ".join([*(str(meta.get(f, "")) for f in ("title", "province", "issuer", "number",
                                                                      "date_text", "short_name")),
                                     _number_parts(str(meta.get("number", "")))])
                 for doc_id, meta in documents.items()}
        for p in passages:
            if p.kind in ("title", "closing") and p.doc_id in names:
                names[p.doc_id] += " . " + re.split(r";|\.\s|\./", p.text, maxsplit=1)[0]
        return cls(names, {doc_id: str(meta.get("province", "")) for doc_id, meta in documents.items()}, mentioned,
                   {doc_id: str(meta.get("date", "")) for doc_id, meta in documents.items()})

    def _distinctive(self, docs: set[str] | None) -> TypeGuard[set[str]]:
        return docs is not None and 0 < len(docs) <= max(1, self.count // 2)

    def _reference(self, question: str) -> Reference | None:
        """The documents ``question`` names and what it asks about them, or None (``reference``)."""
        text = expand_abbreviations(nfc(question))
        tokens = word_tokens(text)
        runs: list[tuple[int, int, Counter, bool]] = []
        i = 0
        while i < len(tokens):
            typed = _match(tokens, i, DOCUMENT_TYPES) > 0 and not (i > 0 and tokens[i - 1].word in VERB_MARKERS)
            if typed or self._province_at(tokens, i):
                end, votes = self._run(tokens, i, typed)
                if votes:
                    runs.append((i, end, votes, typed))
                    i = end
                    continue
            i += 1
        if not runs:
            elsewhere = self._provinces_elsewhere(text, tokens)
            return Reference(frozenset(), text, elsewhere) if elsewhere else None
        doc_ids: set[str] | None = None
        for _, _, votes, _ in runs:
            best = max(votes.values())
            named = {d for d, v in votes.items() if v == best}
            doc_ids = named if doc_ids is None else doc_ids & named
        if not doc_ids or len(doc_ids) > max(1, self.count // 2):
            return None
        pieces: list[str] = []
        last = 0
        filter_words: set[str] = set()
        for start, end, _, typed in runs:
            if not typed:
                filter_words.update(t.word for t in tokens[start:end])
                continue
            while start > 0 and tokens[start - 1].word in PREPOSITIONS:
                start -= 1
            pieces.append(text[last:tokens[start].start])
            last = tokens[end - 1].end
        pieces.append(text[last:])
        ask = re.sub(r"\s+", " ", re.sub(r"\s+([,.;:?!])", r"\1", " ".join(pieces))).strip(" ,.;:-")
        if not any(t.word not in STOP_WORDS for t in word_tokens(ask)):
            ask = text  # nothing asked beyond the name: search the question as it is, within the documents
        return Reference(frozenset(doc_ids), ask, filter_words=frozenset(filter_words))

    def _provinces_elsewhere(self, text: str, tokens: list[WordToken]) -> tuple[str, ...]:
        """The provinces ``text`` names, if none has a decision in the corpus nor is mentioned in it."""
        ours = {canonical_province(" ".join(key)) for key in self.province_docs}
        named = province_mentions(text, tokens)
        if any(name in ours or any(map(self.mentioned, written_spellings(name))) for _, name in named):
            return ()
        return tuple(dict.fromkeys(name for _, name in named))

    def _province_at(self, tokens: list[WordToken], i: int) -> tuple[int, set[str]] | None:
        """(length, documents) of a corpus province named at ``tokens[i]``."""
        found = longest_key_at(tokens, i, self.province_docs)
        return (len(found[0]), found[1]) if found else None

    def _pair_at(self, tokens: list[WordToken], j: int) -> set[str] | None:
        """The documents whose names have the word pair ``tokens[j:j + 2]`` (none when it starts a predicate)."""
        if j + 1 >= len(tokens) or tokens[j].word in PREDICATES:
            return None
        return self.pair_docs.get(f"{tokens[j].word} {tokens[j + 1].word}")

    def _run(self, tokens: list[WordToken], i: int, typed: bool) -> tuple[int, Counter]:
        """End of the name run starting at ``i`` (after its last distinctive part) and its votes.

        Only a run that starts at a document type goes on over title words: after a bare
        province ("Ninh Thuận hỗ trợ ..."), they are what is asked.
        """
        votes: Counter = Counter()
        j = end = i
        while j < len(tokens):
            if (province := self._province_at(tokens, j)) is not None:
                length, docs = province
                if self._distinctive(docs):
                    votes.update({d: PROVINCE_VOTE for d in docs})
                j = end = j + length
            elif length := _match(tokens, j, DOCUMENT_TYPES) or _match(tokens, j, CONNECTORS):
                j += length
            elif typed and self._distinctive(self._pair_at(tokens, j)):
                while self._distinctive(pair_docs := self._pair_at(tokens, j)):
                    votes.update(pair_docs)
                    j += 1
                j = end = j + 1
            elif tokens[j].word[0].isdigit() and self._distinctive(self.word_docs.get(tokens[j].word)):
                votes.update(self.word_docs[tokens[j].word])
                j = end = j + 1
            elif typed and tokens[j].word not in STOP_WORDS and tokens[j].word in self.word_docs:
                j += 1  # a word of some document's name, between distinctive parts
            else:
                break
        return end, votes if end > i else Counter()


def _number_parts(number: str) -> str:
    """A document number's parts as separate words: officers cite "QĐ 44" for "44/2025/QĐ-UBND"."""
    return " ".join(number.split("/"))


def _match(tokens: list[WordToken], i: int, sequences: tuple[tuple[str, ...], ...]) -> int:
    """Length of the longest of ``sequences`` found at ``tokens[i]`` (0 if none)."""
    best = 0
    for seq in sequences:
        if len(seq) > best and tuple(t.word for t in tokens[i:i + len(seq)]) == seq:
            best = len(seq)
    return best
