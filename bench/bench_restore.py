"""How well diacritics are restored: questions typed with them, folded, restored, compared syllable by syllable.

Usage::

    python bench/bench_restore.py CORPUS_DIR QUESTIONS.jsonl [...] [--weights 1 20 50 200]

The restorer is built from the ``.txt`` decisions of ``CORPUS_DIR`` (as ``sotay`` builds it) once per
``QUESTION_PHRASE_WEIGHT`` given; only questions typed with diacritics are scored. Prints, per weight, the
share of questions restored without a wrong syllable, the share of syllables wrong and the commonest errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from sotay.index.search import restore
from sotay.index.vietnamese import expand_abbreviations, syllables
from sotay.text import fold, has_diacritics, nfc


def score(restorer: restore.DiacriticRestorer, questions: list[str]) -> tuple[float, float, Counter]:
    """(share of questions all right, share of syllables wrong, (typed, restored) error counts)."""
    errors: Counter[tuple[str, str]] = Counter()
    right = syllable_count = 0
    for question in questions:
        typed = syllables(expand_abbreviations(nfc(question)))
        restored = restorer.restore(fold(expand_abbreviations(nfc(question)))).split()
        wrong = [(t, r) for t, r in zip(typed, restored) if t != r]
        errors.update(wrong)
        right += not wrong
        syllable_count += len(typed)
    return right / len(questions), sum(errors.values()) / syllable_count, errors


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("questions", nargs="+", type=Path)
    parser.add_argument("--weights", nargs="+", type=int, default=[1, 20, 50, 200])
    args = parser.parse_args(argv)
    texts = [p.read_text(encoding="utf-8") for p in sorted(args.corpus.glob("*.txt"))]
    questions = [q for f in args.questions for line in f.read_text(encoding="utf-8").splitlines() if line.strip()
                 if has_diacritics(q := json.loads(line)["q"])]
    for weight in args.weights:
        restore.QUESTION_PHRASE_WEIGHT = weight
        all_right, wrong, errors = score(restore.DiacriticRestorer.from_texts(texts), questions)
        common = ", ".join(f"{t}→{r} {n}" for (t, r), n in errors.most_common(8))
        print(f"weight {weight}: {len(questions)} questions, all right {all_right:.3f}, "
              f"syllables wrong {wrong:.4f} ({common})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
