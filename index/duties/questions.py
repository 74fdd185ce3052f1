"""Questions about responsibilities: read once into a typed ``DutyQuestion``, answered from duty records.

"Sở Tài chính có trách nhiệm gì?" asks for a body's duties; "ai chủ trì tổng hợp báo cáo?"
asks who does a task. ``read_duty_question`` recognises either (with or without diacritics),
keeps the records of the provinces the question names and says which named provinces have no
decision here. The chat (``bot.services``) and ``sotay ask`` (``index.answer``) both start from it;
``sotay who`` takes a body's name rather than a question (``records.duties_for``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from sotay.index.duties.gazetteer import (
    Agency,
    Registry,
    Token,
    ends_with,
    gazetteer,
    key,
    match_agency,
    starts_with,
    token_index,
    tokenize,
)
from sotay.index.duties.records import ROLE_RANK, ROLES, Duty, DutyBook
from sotay.index.provinces import named_provinces
from sotay.text import nfc

__all__ = ["DutyQuestion", "answer_who_does", "parse_duty_question", "read_duty_question"]


@dataclass(frozen=True)
class DutyQuestion:
    """A question about responsibilities: a body's duties (``agency``) or who does a ``topic``.

    ``duties`` are the records it is answered from (in the provinces it names; only the body's
    own and its groups' for a body), ``elsewhere`` the named provinces without any decision here
    (then ``duties`` is empty). ``parse_duty_question`` leaves both empty.
    """

    agency: Agency | None = None  # "Sở Tài chính có trách nhiệm gì?"
    topic: str = ""  # "ai chủ trì tổng hợp báo cáo?" -> "chủ trì tổng hợp báo cáo" (the question's words)
    duties: tuple[Duty, ...] = field(default=(), compare=False)
    elsewhere: tuple[str, ...] = ()

    def ranked(self) -> list[tuple[Duty, float]]:
        """For a ``topic``: the records about it, best first (``answer_who_does``); [] for a body."""
        return answer_who_does(self.topic, list(self.duties)) if self.agency is None else []


def read_duty_question(question: str, book: DutyBook, *, force: bool = False) -> DutyQuestion | None:
    """The responsibility question ``question`` asks, scoped to the records of ``book``; None for another question.

    Bodies are recognised from the gazetteer and from the bodies found in the records. With
    ``force`` (the /ai command) a bare body name is enough.
    """
    asked = parse_duty_question(question, book.registry)
    if asked is None and force:
        agency = match_agency(question, book.registry)
        asked = DutyQuestion(agency=agency) if agency is not None else None
    if asked is None:
        return None
    named = named_provinces(question)
    scoped, elsewhere = book.in_provinces(named)
    if asked.agency is not None and not elsewhere:
        scoped = tuple(book.of(asked.agency, named))
    return DutyQuestion(asked.agency, asked.topic, scoped, elsewhere)


_LEAD_INS = [w.split() for w in ("cho toi hoi", "cho hoi", "xin hoi", "toi muon biet", "theo quy dinh")]
_DUTY_TAIL = re.compile(
    r"^(?:co |phai |can |se |chiu |duoc giao )?(?:nhung )?(?:trach nhiem|nhiem vu|lam|vai tro|viec|cong viec|phu trach)"
    r"(?: nhung)?(?: gi| viec gi| nhiem vu gi| nhung gi| the nao| ra sao)?(?: (?:trong|ve|doi voi|khi) .*)?"
    r"(?: vay| a| nhi)?$"
)
_OWNER_OF = [w.split() + ["cua"] for w in ("nhiem vu", "trach nhiem", "vai tro", "cong viec", "viec")]
_WHO = [w.split() for w in ("co quan nao", "don vi nao", "cap nao", "ai")]
_WHO_VERBS = [w.split() for w in (
    "chiu trach nhiem", "co trach nhiem", "co nhiem vu", "duoc giao", "phu trach", "phai", "lam", "se",
)]
_ROLE_WORDS = [w.split() for w in ("chu tri", "phoi hop", "thuc hien")]
_WHO_TAILS = [w.split() for w in (
    "do co quan nao", "do don vi nao", "do ai", "la co quan nao", "la ai", "thuoc trach nhiem cua ai",
    "thuoc trach nhiem cua co quan nao", "thuoc ve ai", "cua ai", "cua co quan nao",
)]
_STOPWORDS = set("cua va cac cho voi ve theo trong duoc co la nhung nay de tai khi thi o mot nhu "
                 "gi nao ai viec phai can se do".split())


def parse_duty_question(question: str, registry: Registry | None = None) -> DutyQuestion | None:
    """Recognise a question about responsibilities (with or without diacritics).

    - ``DutyQuestion(agency=…)`` for "Sở Tài chính có trách nhiệm gì", "nhiệm vụ của UBND
      cấp xã", "Ban Dân tộc phải làm gì";
    - ``DutyQuestion(topic=…)`` for "ai chịu trách nhiệm thu hồi vốn", "cơ quan nào chủ trì
      tổng hợp báo cáo" (topic: the task, in the question's own words; a role word such as
      "chủ trì" is kept in it);
    - None for any other question.

    Bodies are looked up in ``registry``: the gazetteer by default; pass
    ``duty_book().registry`` to also recognise bodies found by shape in the corpus.
    """
    registry = registry or gazetteer()
    text = nfc(question).strip().rstrip("?.! ")
    tokens = tuple(t for t in tokenize(text) if t.is_word)
    i = 0
    while (after := starts_with(tokens, i, _LEAD_INS)) > 0:
        i = after
    if i >= len(tokens):
        return None
    words = [t.word for t in tokens]
    for n in range(i, len(tokens)):
        if any(ends_with(tokens, n, w) for w in _OWNER_OF):
            mention = registry.match_at(tokens, n)
            if mention is not None:
                return DutyQuestion(agency=mention.agency)
    mention = registry.match_at(tokens, i)
    if mention is not None:
        after = token_index(tokens, mention.end)
        if _DUTY_TAIL.match(" ".join(words[after:])):
            return DutyQuestion(agency=mention.agency)
    if (who := starts_with(tokens, i, _WHO)) > 0:
        j = who
        while (after := starts_with(tokens, j, _WHO_VERBS)) > 0:
            j = after
        if j > who or starts_with(tokens, j, _ROLE_WORDS) > 0:
            return _topic(text, tokens, j, len(tokens))
    for n in range(i + 1, len(tokens)):
        if (end := starts_with(tokens, n, _WHO_TAILS)) > 0:
            while (after := starts_with(tokens, end, _WHO_VERBS + _ROLE_WORDS)) > 0:
                end = after
            if end == len(tokens):
                return _topic(text, tokens, i, n)
    return None


def _topic(text: str, tokens: Sequence[Token], a: int, b: int) -> DutyQuestion | None:
    if a >= b:
        return None
    return DutyQuestion(topic=text[tokens[a].start:tokens[b - 1].end])


def answer_who_does(topic: str, duties: list[Duty]) -> list[tuple[Duty, float]]:
    """Duty records about ``topic``, best first, with scores in (0, 1].

    The score is the share of the topic's content words (folded, abbreviations expanded)
    found in the duty's text, blended with the share of its word pairs; a duty whose role
    the topic names ("chủ trì …") gains a little. Records matching under half of the
    words are left out. Pure Python: no embeddings.
    """
    wanted = [w for w in key(topic) if w not in _STOPWORDS]
    roles = {role for role, words in zip(ROLES, (["chu", "tri"], ["thuc", "hien"], ["phoi", "hop"]))
             if _contains(wanted, words)}
    wanted = [w for w in wanted if w not in {"chu", "tri", "phoi", "hop"} or not roles]
    if not wanted:
        return []
    pairs = set(zip(wanted, wanted[1:]))
    scored: list[tuple[Duty, float, int]] = []
    for n, duty in enumerate(duties):
        words = key(duty.text)
        have = set(words)
        share = sum(w in have for w in wanted) / len(wanted)
        if share < 0.5:
            continue
        pair_share = len(pairs & set(zip(words, words[1:]))) / len(pairs) if pairs else share
        score = 0.6 * share + 0.4 * pair_share + (0.1 if duty.role in roles else 0.0)
        scored.append((duty, min(score, 1.0), n))
    scored.sort(key=lambda s: (-s[1], ROLE_RANK[s[0].role], s[0].collective, s[2]))
    return [(duty, score) for duty, score, _ in scored]


def _contains(words: list[str], phrase: list[str]) -> bool:
    return any(words[n:n + len(phrase)] == phrase for n in range(len(words)))
