"""Turning search hits into a quoted, cited Vietnamese answer — a doubt — or an honest "not found".

Contract of ``answer_question``: when the calibrated decision (``decision``) is confident,
the answer quotes the best passage verbatim with its document and citation and lists close
runners-up ("Xem thêm"); when it is not, but the best clauses may hold the answer, it says
so plainly and quotes the two or three candidates for the officer to judge; otherwise it
says nothing was found and lists what the corpus covers. It never presents an unrelated
passage as the answer: a confident verdict is still only a doubt when the best passage is a
recital and the legal basis was not asked, or when a sum of money was asked and the passage
states none (``quotable_as_answer``). A decision of a province merged into the one the question
names (2025) is quoted with a note saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sotay.index.decision import Status, features, load_model
from sotay.index.duties.questions import parse_duty_question, read_duty_question
from sotay.index.provinces import canonical_province, merger_note, named_provinces, successor
from sotay.index.question_kind import (
    asked_quantity,
    asks_change,
    asks_effective_date,
    asks_money,
    recitals_answer,
    required_quantity,
    states_change,
    states_effective_date,
    states_money,
    states_quantity,
)
from sotay.index.search import ranking
from sotay.index.search.docref import Reference
from sotay.index.search.hybrid import Hit, HybridIndex, overlaps
from sotay.text import clean_text

MAX_QUESTION_CHARS = 1000
SOURCES = 8  # passages searched for a question
DOUBT_CLAUSES = 3  # clauses shown when the answer is uncertain
RELATED_SHARE = 0.85  # a runner-up is shown as "Xem thêm" when its score is this share of the best's
# Abstention thresholds (see ``is_answerable``) for multilingual-e5-small, calibrated on
# 338 questions written from the seeds (the shared development set, tests/data/questions.jsonl
# and tests/data/heldout_questions.jsonl, each accented and folded), 70 of them out of domain,
# 20 of those close to the corpus's vocabulary ("lãi suất vay vốn quỹ hỗ trợ HTX"): no
# out-of-domain question of the first two sets and 9 of 40 of the third are answered;
# 233 of the 244 questions whose best passage is right are. Another SOTAY_EMBED_MODEL needs its own.
MIN_DENSE = 0.85  # below this cosine the passage is about something else
# ... and above it, one piece of evidence that the passage answers this very question:
MIN_COVERAGE = 0.8  # most of the question's content words (IDF-weighted) are in the passage,
CONFIDENT_DENSE = 0.875  # or the semantic match alone is this strong,
MIN_PHRASES = 0.4  # or a good share of the question's word pairs are,
CLEAR_LEAD = 0.3  # or the passage leads every other unit by this fused score.
# A question that names its document ("QĐ quay vòng vốn Ninh Thuận căn cứ nghị định nào?") is
# searched by what it asks, often a few words, which e5 scores lower: within the document it
# names, a passage with most of those words and a clear lead answers from this cosine up.
MIN_DENSE_NAMED = 0.82


class QuestionError(ValueError):
    """A question that cannot be searched; the message is Vietnamese."""


@dataclass
class Answer:
    """One answer in the machine contract's shape (see ``to_json``).

    ``sources`` are exactly the clauses shown to the officer, best first: the quoted clause and
    its "Xem thêm" for an answer, the candidate clauses for a doubt, none when nothing was found.
    """

    question: str
    status: Status
    answer: str
    sources: list[dict] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return self.status is Status.ANSWERED

    def to_json(self) -> dict:
        return {"question": self.question, "status": self.status.value, "answered": self.answered,
                "answer": self.answer, "sources": self.sources}


@dataclass(frozen=True)
class Retrieval:
    """What the search found for one question, before deciding whether it answers."""

    question: str  # cleaned
    hits: list[Hit]
    reference: Reference | None  # the decision(s) the question names, if any

    @property
    def runner_up(self) -> Hit | None:
        """The best hit from another unit than the first."""
        return next_unit(self.hits) if self.hits else None


def validate_question(text: str) -> str:
    """The cleaned question, or QuestionError explaining in Vietnamese what is wrong."""
    cleaned = clean_text(text)
    if not cleaned:
        raise QuestionError("Câu hỏi trống. Hãy gõ câu hỏi, ví dụ: \"Tỷ lệ thu hồi vốn ở địa bàn khó khăn là bao nhiêu?\"")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise QuestionError(f"Câu hỏi quá dài ({len(cleaned):,} ký tự; tối đa {MAX_QUESTION_CHARS:,}). "
                            "Hãy hỏi ngắn gọn một ý.".replace(",", "."))
    letters = sum(ch.isalpha() for ch in cleaned)
    if letters < 2 or "\ufffd" in cleaned and letters < len(cleaned) / 2:
        raise QuestionError("Không đọc được câu hỏi (không có chữ). Hãy gõ câu hỏi bằng tiếng Việt.")
    return cleaned


def is_answerable(best: Hit, runner_up: Hit | None = None, named_document: bool = False) -> bool:
    """Whether ``best`` shows the corpus answers the question.

    The passage must be semantically close to the question, and show it answers this very
    question: most of its content words, or a very close meaning, or many of its word pairs,
    or a clear lead over ``runner_up`` (the best hit from another unit, if known). When the
    question names the document searched (``named_document``), most of its content words
    and a clear lead also answer from a lower cosine (MIN_DENSE_NAMED).
    """
    lead = best.score - runner_up.score if runner_up is not None else 0.0
    if best.dense < MIN_DENSE:
        return (named_document and best.dense >= MIN_DENSE_NAMED and best.coverage >= MIN_COVERAGE
                and lead >= CLEAR_LEAD)
    return (best.coverage >= MIN_COVERAGE or best.dense >= CONFIDENT_DENSE
            or best.phrases >= MIN_PHRASES or lead >= CLEAR_LEAD)


def next_unit(hits: list[Hit]) -> Hit | None:
    """The best hit after the first that is not part of it (nor contains it)."""
    return next((h for h in hits[1:] if not overlaps(h.passage, hits[0].passage)), None)


def _source(index: HybridIndex, hit: Hit, asked: tuple[str, ...] = ()) -> dict:
    """One quoted clause in the answer contract's shape; ``asked``: the provinces the question names."""
    doc = index.documents.get(hit.passage.doc_id, {})
    source = {
        "doc": doc.get("label", hit.passage.doc_id),
        "doc_id": hit.passage.doc_id,
        "citation": hit.passage.citation,
        "text": hit.passage.text,
        "score": round(hit.score, 4),
    }
    status = index.validity.get(hit.passage.doc_id)
    if status is not None and not status.in_force:  # "đã bị bãi bỏ bởi QĐ 72/2025 Hà Nội"
        source["validity"] = status.describe(index.labels)
    if note := _merger_note(str(doc.get("province", "")), asked):
        source["merger"] = note
    if str(doc.get("extra", {}).get("source_format", "")).endswith("-ocr"):
        source["scanned"] = True  # read by OCR (a whole scan, or a mixed PDF's scanned pages): spelling may be off
    return source


def _merger_note(province: str, asked: tuple[str, ...]) -> str | None:
    """When the question names a province merged with the decision's in 2025 ("Khánh Hòa" answered from a
    decision of Ninh Thuận, or the other way round), the note that says so; otherwise None."""
    own = canonical_province(province)
    for name in asked:
        if name != own and successor(own) == name:
            return merger_note(own)
        if name != own and successor(name) == own:
            return merger_note(name)
    return None


SCANNED_NOTE = "(văn bản quét, có thể sai chính tả)"


def _caution(source: dict) -> str:
    """The notes under a quote: read from a scan, or from a decision no longer (wholly) in force ("" if neither)."""
    notes = [SCANNED_NOTE] if source.get("scanned") else []
    if source.get("validity"):
        notes.append(f"(Lưu ý: {source['doc']} {source['validity']}.)")
    if source.get("merger"):
        notes.append(f"({source['merger']})")  # "(Lưu ý: từ 01/07/2025 tỉnh Ninh Thuận đã hợp nhất vào …)"
    return "".join(f"\n{note}" for note in notes)


MAX_TOPICS = 6


def covered_topics(index: HybridIndex) -> str:
    """A Vietnamese list of what the corpus is about, from the documents' titles (at most MAX_TOPICS)."""
    docs = list(index.documents.items())
    lines = [f"- {d.get('label', i)}: {d.get('title', '').strip()}" for i, d in docs[:MAX_TOPICS]]
    if len(docs) > MAX_TOPICS:
        lines.append(f"- và {len(docs) - MAX_TOPICS} văn bản khác.")
    return "\n".join(lines)


def retrieve(index: HybridIndex, cleaned: str) -> Retrieval:
    """The ranked passages for a cleaned question and the decision it names."""
    return Retrieval(cleaned, index.search(cleaned, k=SOURCES), index.names.reference(cleaned))


def decision_features(found: Retrieval) -> dict[str, float]:
    """The inputs of the answer / doubt / decline decision for ``found`` (which must have hits)."""
    return features(found.question, found.hits, found.runner_up, found.reference is not None)


def answer_question(index: HybridIndex, question: str) -> Answer:
    """Search ``index`` and answer ``question`` (raises QuestionError for unusable input).

    Three outcomes (``Status``): answered (the clause quoted and cited), uncertain (the best
    two or three clauses, said plainly not to be an answer) or not found (what the corpus
    covers). Questions about responsibilities ("Sở Tài chính có trách nhiệm gì?", "ai chủ trì
    tổng hợp báo cáo?") are answered from the duty records (see ``duties``): the search runs
    only over the passages that assign duties, and the answer names the agencies first.
    """
    cleaned = validate_question(question)
    routed = _answer_from_duties(index, question, cleaned)
    if routed is not None:
        return routed
    found = retrieve(index, cleaned)
    reference = found.reference
    if reference is not None and reference.elsewhere:
        text = (f"Các văn bản hiện có không có văn bản nào của {', '.join(reference.elsewhere)}, nên tôi không trả "
                "lời để tránh áp dụng nhầm quy định của tỉnh khác.\n"
                "Tôi có thể trả lời về các văn bản sau:\n" + covered_topics(index))
        return Answer(question, Status.NOT_FOUND, text)
    verdict = load_model().decide(decision_features(found)) if found.hits else None
    if verdict is not None and verdict.status is Status.ANSWERED and not quotable_as_answer(found):
        verdict = replace(verdict, status=Status.UNCERTAIN)
    elif verdict is not None and verdict.status is not Status.ANSWERED and answers_about_named_decision(found):
        verdict = replace(verdict, status=Status.ANSWERED)
    if verdict is None or verdict.status is Status.NOT_FOUND:
        where = ("các văn bản hiện có" if reference is None else
                 ", ".join(index.documents.get(d, {}).get("label", d) for d in sorted(reference.doc_ids)))
        text = (f"Không tìm thấy nội dung trả lời câu hỏi này trong {where}, "
                "nên tôi không đưa ra câu trả lời để tránh sai lệch.\n"
                "Tôi có thể trả lời về các văn bản sau:\n" + covered_topics(index) +
                "\nBạn cũng có thể hỏi trách nhiệm của một cơ quan, hoặc tính số vốn thu hồi.")
        return Answer(question, Status.NOT_FOUND, text)
    hits = found.hits
    units = distinct_units(hits)
    asked = named_provinces(cleaned)
    if verdict.status is Status.UNCERTAIN:
        shown = units[:DOUBT_CLAUSES]
        sources = [_source(index, h, asked) for h in shown]
        parts = ["Tôi chưa chắc chắn câu trả lời. Các đoạn có thể liên quan (đây không phải câu trả lời; "
                 "bạn vui lòng đối chiếu):"]
        parts.extend(f"{n}. {s['doc']}, {s['citation']}:\n«{s['text']}»{_caution(s)}" for n, s in enumerate(sources, 1))
        return Answer(question, Status.UNCERTAIN, "\n".join(parts), sources)
    related = [h for h in units[1:] if h.score >= RELATED_SHARE * hits[0].score][:2]
    sources = [_source(index, h, asked) for h in [hits[0], *related]]
    best = sources[0]
    parts = [f"Theo {best['doc']}, {best['citation']}:", f"«{best['text']}»{_caution(best)}"]
    if related:
        parts.append("Xem thêm:")
        parts.extend(f"- {s['doc']}, {s['citation']}: «{_excerpt(s['text'])}»" + (f" {SCANNED_NOTE}" if s.get("scanned") else "")
                     for s in sources[1:])
    return Answer(question, Status.ANSWERED, "\n".join(parts), sources)


def quotable_as_answer(found: Retrieval) -> bool:
    """Whether the best passage may be quoted as the answer; when not, it is at most a doubt.

    A recital ("Căn cứ Luật thuế thu nhập cá nhân …") names laws, not what they say: it answers only a
    question about the legal basis or about who proposed the decision. A question asking for a sum of money ("phí công chứng bao nhiêu?")
    is answered only by a clause that states one, a rate it is reckoned by, or that nothing is due; one asking for
    a time limit or a share ("giải quyết mấy ngày?", "bao nhiêu %?") only by a clause stating one.
    """
    best = found.hits[0].passage
    if best.kind in ranking.RECITAL_KINDS and not recitals_answer(found.question):
        return False
    if (required := required_quantity(found.question)) is not None and not states_quantity(required, best.text):
        return False
    return not asks_money(found.question) or states_money(best.text)


def answers_about_named_decision(found: Retrieval) -> bool:
    """Whether ``found`` answers, whatever the model's doubt, a question naming one decision and asking when it
    takes effect, what it repeals or replaces, a number in a unit or a sum ("QĐ 145 ủy quyền TĐC hiệu lực khi
    nào?", "QĐ 2579 Cần Thơ thay thế QĐ nào?", "QĐ 2934 công bố mấy thủ tục?", "KH 135 Lạng Sơn tổng kinh phí bao
    nhiêu?"): its best passage is that decision's clause saying so. Those articles read alike in every
    decision ("Quyết định này có hiệu lực thi hành kể từ ngày ký …"), so the features the model reads cannot tell
    them apart; the decision named can."""
    reference = found.reference
    best = found.hits[0].passage
    return (reference is not None and len(reference.doc_ids) == 1 and best.doc_id in reference.doc_ids
            and (asks_effective_date(found.question) and states_effective_date(best.text)
                 or asks_change(found.question) and states_change(best.text)
                 or (asked := asked_quantity(found.question)) is not None and states_quantity(asked, best.text)
                 or asks_money(found.question) and states_money(best.text)))


def distinct_units(hits: list[Hit]) -> list[Hit]:
    """``hits`` without those that overlap a better one (a clause and the whole unit it belongs to)."""
    kept: list[Hit] = []
    for hit in hits:
        if not any(overlaps(hit.passage, k.passage) for k in kept):
            kept.append(hit)
    return kept


def _excerpt(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + " …"


def _answer_from_duties(index: HybridIndex, question: str, cleaned: str) -> Answer | None:
    """The answer of a responsibility question from duty records, or None for other questions."""
    # The gazetteer alone tells cheaply whether this is a duty question at all; only then
    # are the corpus's duty records (and the bodies found in them) needed.
    if parse_duty_question(cleaned) is None:
        return None
    asked = read_duty_question(cleaned, index.duty_book)
    if asked is None or asked.elsewhere:  # a province without decisions: the general answer says so
        return None
    agency, records = asked.agency, asked.duties
    if agency is not None and not records:
        return None
    by_position = index.duty_positions(records)
    hits = index.search(cleaned, k=SOURCES, within=list(by_position))
    named_document = index.names.reference(cleaned) is not None
    if not hits or (agency is None and not is_answerable(hits[0], next_unit(hits), named_document)):
        return None
    ranked = [(hit, by_position[position]) for hit in hits  # every hit is at one of those positions
              if (position := index.position(hit.passage.doc_id, hit.passage.citation)) is not None]
    sources = [_source(index, hit) for hit, _ in ranked]
    others = [h for h in index.search(cleaned, k=SOURCES * 2) if all(h.passage != r.passage for r, _ in ranked)]
    sources += [_source(index, h) for h in others][: max(0, SOURCES - len(sources))]
    if agency is not None:
        lines = [f"{agency.name}: {len(records)} nhiệm vụ trong các văn bản hiện có (kể cả nhiệm vụ chung "
                 f"của nhóm cơ quan). Liên quan nhất đến câu hỏi (xem đầy đủ: sotay who \"{agency.name}\"):"]
    else:
        names: dict[str, str] = {}
        for _, record in ranked[:3]:
            names.setdefault(record.agency.name, record.role)
        lines = ["Cơ quan được giao: " + "; ".join(f"{n} ({r})" for n, r in names.items()) + "."]
    for hit, record in ranked[:3]:
        source = _source(index, hit)
        lines.append(f"- {record.agency.name} ({record.role}) — theo {source['doc']}, {source['citation']}:")
        lines.append(f"«{source['text']}»{_caution(source)}")
    return Answer(question, Status.ANSWERED, "\n".join(lines), sources[:3])
