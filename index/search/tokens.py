"""Lexical tokens for BM25: accent-folded syllables plus segmented compound words.

Passages (which carry diacritics) are segmented with underthesea, whose word
segmentation is reliable on accented text; every compound it finds ("hợp_tác_xã")
is kept, folded ("hop_tac_xa"), beside the folded syllables. The compounds seen
in the corpus form a lexicon; questions, typed with or without diacritics, are
segmented by longest match against that lexicon after folding, so both ways of
typing yield the same tokens. Abbreviations are expanded on both sides first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sotay.index import segmenter
from sotay.index.vietnamese import expand_abbreviations, syllables
from sotay.text import fold, nfc

MAX_COMPOUND = 4  # syllables in the longest compound looked up in questions

# Question and filler words: they say what is asked, not what about. Typed with diacritics they are
# told from the content words they fold into ("vậy" / "vay vốn", "về" / "bán vé", "tôi" / "tối đa").
ACCENTED_STOP_WORDS = frozenset((
    "gì", "nào", "sao", "ai", "đâu", "bao", "nhiêu", "mấy", "hả", "nhỉ", "vậy", "ạ", "à", "ơi",
    "thế", "làm", "là", "có", "không", "được", "thì", "mà", "của", "và", "với", "cho", "các",
    "những", "này", "đó", "khi", "nếu", "phải", "bị", "cần", "hay", "hoặc", "như", "ra", "ở",
    "tại", "theo", "về", "để", "trong", "trên", "từ", "đến", "một", "lúc", "em", "anh", "chị",
    "tôi", "mình", "xin", "hỏi", "giúp", "nhé",
))
STOP_WORDS = frozenset(fold(w) for w in ACCENTED_STOP_WORDS)


def segment_passage(text: str) -> list[str]:
    """underthesea word segmentation of an accented text, after abbreviation expansion."""
    return segmenter.load().word_tokenize(expand_abbreviations(text))


def _bigrams(sylls: list[str]) -> list[str]:
    """Adjacent syllable pairs ("thu+hoi"): phrase evidence that single folded
    syllables, often ambiguous ("tien" is tiền, tiến, tiên), do not give."""
    return [f"{a}+{b}" for a, b in zip(sylls, sylls[1:])]


def passage_tokens(words: Iterable[str]) -> list[str]:
    """BM25 tokens of a segmented passage: folded syllables, compounds and syllable pairs."""
    tokens: list[str] = []
    sylls: list[str] = []
    for word in words:
        parts = [fold(s) for s in syllables(word)]
        sylls.extend(parts)
        if len(parts) > 1:
            tokens.append("_".join(parts))
    return sylls + tokens + _bigrams(sylls)


def compounds_of(words: Iterable[str]) -> set[str]:
    """The folded multi-syllable words among segmented ``words``."""
    found: set[str] = set()
    for word in words:
        parts = [fold(s) for s in syllables(word)]
        if 1 < len(parts) <= MAX_COMPOUND:
            found.add("_".join(parts))
    return found


@dataclass(frozen=True)
class QueryTerms:
    """What a question is searched by.

    ``content``: its content syllables, in order. A syllable in STOP_WORDS is a
    question or filler word ("tại", "có", "gì") unless it belongs to a corpus
    compound matched in the question: once folded, "tai" is also the "tài" of
    "tài liệu", "co" the "cơ" of "cơ quan", "chi" the "chi" of "chi phí".
    ``compounds``: corpus compounds found by longest match; ``pairs``: adjacent
    syllable pairs.
    """

    content: tuple[str, ...]
    compounds: tuple[str, ...]
    pairs: tuple[str, ...]

    @property
    def phrases(self) -> tuple[str, ...]:
        """The pairs that carry content: not made of question or filler words alone."""
        return tuple(p for p in self.pairs if not all(s in STOP_WORDS for s in p.split("+")))

    @property
    def tokens(self) -> list[str]:
        """BM25 tokens: content syllables, compounds, pairs."""
        return [*self.content, *self.compounds, *self.pairs]


def query_terms(text: str, lexicon: frozenset[str] | set[str], accented: bool = False) -> QueryTerms:
    """Content syllables, lexicon compounds (longest match) and syllable pairs of a question, abbreviations
    expanded, all folded. Which syllables are question or filler words is judged on the syllables as typed
    when the question was typed with diacritics (``accented``), else on their folded forms."""
    typed = [nfc(s).lower() for s in syllables(expand_abbreviations(text))]
    sylls = [fold(s) for s in typed]
    stop = [s in ACCENTED_STOP_WORDS for s in typed] if accented else [s in STOP_WORDS for s in sylls]
    in_compound = [False] * len(sylls)
    compounds: list[str] = []
    i = 0
    while i < len(sylls):
        for n in range(min(MAX_COMPOUND, len(sylls) - i), 1, -1):
            candidate = "_".join(sylls[i:i + n])
            if candidate in lexicon:
                compounds.append(candidate)
                if not all(stop[i:i + n]):
                    in_compound[i:i + n] = [True] * n
                i += n
                break
        else:
            i += 1
    content = tuple(s for s, kept, is_stop in zip(sylls, in_compound, stop) if kept or not is_stop)
    return QueryTerms(content, tuple(compounds), tuple(_bigrams(sylls)))
