"""Restoring diacritics of questions typed without them, from the corpus's own words.

The dense model understands "tỷ lệ thu hồi vốn" but not "ty le thu hoi von".
A bigram model of the corpus's syllables (lower-case, accented) picks, for each
folded syllable of the question, the accented form that best fits its
neighbours (Viterbi). Syllables the corpus never uses stay as typed; syllables
typed with diacritics are kept as they are.

Officers' question and function phrases ("mất bao lâu", "sở nào", "thì sao") are
rare in decisions, whose "mặt", "số", "thi hành" would otherwise win every
unclear case: each phrase counts as ``QUESTION_PHRASE_WEIGHT`` occurrences.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sotay.index.vietnamese import syllables
from sotay.text import fold, has_diacritics, nfc

_BIGRAM_WEIGHT = 0.8
# The calibration halves' and heldout questions typed with diacritics, folded and restored (bench/bench_restore.py):
# weight 1 / 20 / 50 / 200: 6.4 / 5.5 / 5.2 / 4.9 % of syllables wrong (7.3 % before officers' everyday words
# were added to question_words.txt); bench/README.md, "Restoring diacritics".
QUESTION_PHRASE_WEIGHT = 200
QUESTION_PHRASES_FILE = Path(__file__).with_name("question_words.txt")


def _question_phrases() -> list[str]:
    """Question phrases officers type, each as its own text (see question_words.txt)."""
    lines = QUESTION_PHRASES_FILE.read_text(encoding="utf-8").splitlines()
    return [nfc(line) for line in lines if line.strip() and not line.startswith("#")]


def count_syllables(texts: Iterable[str]) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Syllable and adjacent-syllable-pair counts of ``texts`` (counts add up over texts)."""
    unigrams: Counter[str] = Counter()
    bigrams: Counter[tuple[str, str]] = Counter()
    for text in texts:
        sylls = syllables(text)
        unigrams.update(sylls)
        bigrams.update(zip(sylls, sylls[1:]))
    return unigrams, bigrams


@dataclass
class DiacriticRestorer:
    """Syllable unigram and bigram counts of an accented corpus."""

    unigrams: Counter[str] = field(default_factory=Counter)
    bigrams: Counter[tuple[str, str]] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._forms: dict[str, list[str]] = defaultdict(list)
        for word in self.unigrams:
            self._forms[fold(word)].append(word)
        self._total = sum(self.unigrams.values()) or 1

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> "DiacriticRestorer":
        """Count syllables and syllable pairs of ``texts``, plus the common question phrases' (weighted)."""
        unigrams, bigrams = count_syllables(texts)
        phrase_unigrams, phrase_bigrams = cls.question_phrase_counts()
        return cls(unigrams + phrase_unigrams, bigrams + phrase_bigrams)

    @classmethod
    def question_phrase_counts(cls) -> tuple[Counter[str], Counter[tuple[str, str]]]:
        """The counts every restorer starts from: the common question phrases', each
        ``QUESTION_PHRASE_WEIGHT`` times."""
        unigrams, bigrams = count_syllables(_question_phrases())
        return (Counter({w: n * QUESTION_PHRASE_WEIGHT for w, n in unigrams.items()}),
                Counter({pair: n * QUESTION_PHRASE_WEIGHT for pair, n in bigrams.items()}))

    def to_json(self) -> dict:
        """A JSON-serialisable form (see ``from_json``)."""
        return {"unigrams": dict(self.unigrams), "bigrams": [[a, b, n] for (a, b), n in self.bigrams.items()]}

    @classmethod
    def from_json(cls, data: dict) -> "DiacriticRestorer":
        return cls(Counter(data["unigrams"]), Counter({(a, b): n for a, b, n in data["bigrams"]}))

    def forms(self, folded: str) -> list[str]:
        """The accented lower-case forms the corpus uses for the folded syllable ``folded`` ([] if none)."""
        return self._forms.get(folded, [])

    def uses(self, phrase: str) -> bool:
        """Whether the corpus has ``phrase``'s syllables, with their diacritics, each next to the following one
        ("Điện Biên" is not found in "diễn biến")."""
        sylls = syllables(phrase)
        pairs = list(zip(sylls, sylls[1:]))
        return all(self.bigrams.get(pair) for pair in pairs) if pairs else bool(sylls and self.unigrams.get(sylls[0]))

    def _candidates(self, syllable: str) -> list[str]:
        if has_diacritics(syllable):
            return [syllable]
        return self.forms(fold(syllable)) or [syllable]

    def log_prob(self, previous: str | None, word: str) -> float:
        """log P(word | previous syllable): bigram interpolated with a smoothed unigram (unigram alone at a start)."""
        unigram = (self.unigrams.get(word, 0) + 0.1) / self._total
        if previous is None or not self.unigrams.get(previous):
            return math.log(unigram)
        bigram = self.bigrams.get((previous, word), 0) / self.unigrams[previous]
        return math.log(_BIGRAM_WEIGHT * bigram + (1 - _BIGRAM_WEIGHT) * unigram)

    def restore(self, text: str) -> str:
        """The most likely accented reading of ``text``'s syllables, space-joined."""
        sylls = syllables(text)
        if not sylls:
            return ""
        # best[form] = (log-probability, path) for the path ending in ``form``
        best: dict[str, tuple[float, list[str]]] = {
            form: (self.log_prob(None, form), [form]) for form in self._candidates(sylls[0])
        }
        for syllable in sylls[1:]:
            step: dict[str, tuple[float, list[str]]] = {}
            for form in self._candidates(syllable):
                score, path = max(
                    ((s + self.log_prob(prev, form), p) for prev, (s, p) in best.items()),
                    key=lambda item: item[0],
                )
                step[form] = (score, path + [form])
            best = step
        return " ".join(max(best.values(), key=lambda item: item[0])[1])
