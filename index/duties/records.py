"""Duty records: which body must do what, extracted from the parsed decisions.

A :class:`Duty` is (agency, verbatim passage text, role, level, document, citation,
collective, province, date, the passages it quotes). One passage gives one duty per body it
assigns work to; a passage naming several bodies gives a duty to each. Where a body is found:

- a section named after bodies: the heading or the passage's own first line is a list of
  them ("1. Sở LĐTBXH, Sở NN&PTNT, Ban Dân tộc tỉnh.", "a) Các sở, ban, ngành, địa
  phương", "3. Đối với cộng đồng dân cư tham gia dự án") or opens with one and a colon
  ("b) Sở Tài chính: Cân đối, bố trí …"): every clause below is theirs, unless the clause
  names its own subject;
- the subject opening a clause, recognised by the verb after it ("Ủy ban nhân dân cấp xã
  thông báo …", "Cộng đồng dân cư tự quản lý …", "Giao Sở Tài chính chủ trì …");
- inside a clause: "X chủ trì" (chủ trì), "X chủ trì, phối hợp với Y" and "X phối hợp với Y
  <verb>" (Y: phối hợp; but not "Phối hợp với Y …" in X's own section nor "X có nhiệm vụ phối
  hợp với Y …": that task is X's, Y is told nothing by it), "để / thì /
  gửi / chỉ đạo / , X <verb>", "giao nhiệm vụ … cho X", "(do X biên soạn)", "vai trò,
  trách nhiệm của X" (thực hiện);
- a heading about bodies ("Điều 7. Trách nhiệm của các Sở, ban, ngành", "Quy trình theo
  dõi, giám sát của cơ quan, đơn vị được giao vốn", "2. Sở Tài chính có trách nhiệm:")
  counts as a section named after them;
- a task of a plan (``tasks``): the field lines under it ("Cơ quan chủ trì: …", "Đơn vị phối
  hợp: …", "Cơ quan thực hiện: X chủ trì, phối hợp với Y") or the columns of its table row
  name its bodies, and their records quote the whole task, not the field lines alone.

Role: "chủ trì" when the body leads, "phối hợp" when it is named as a partner (both sides
of "X phối hợp với Y <verb>"), "thực hiện" otherwise; a body with several roles in
one passage keeps the strongest (chủ trì, then thực hiện, then phối hợp).

Not duties: titles, recitals ("Căn cứ …"), the closing "Trên đây là …", recipients
("Nơi nhận", dropped by the parser), and the execution boilerplate "… chịu trách nhiệm thi
hành Quyết định này" of the decision's last article — it names every office without
giving any of them a task of this decision, so keeping it would add one empty duty to
every body. Bodies named only as recipients or objects ("báo cáo UBND tỉnh", "hướng dẫn
UBND cấp xã") get no duty.

Groups ("Các sở, ban, ngành") keep their duties as collective records; ``DutyBook.of``
shows them for every body the group covers (see ``agencies.yaml``), after that body's
own duties and never twice for one passage.

Extraction is pure Python over ``parse_document``'s passages (no embeddings, no
underthesea): about 0.1 s for the three bundled decisions, so results are not persisted,
only cached in memory per corpus state (file names, sizes, modification times).
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from sotay.config import corpus_dir as default_corpus_dir
from sotay.index.documents import Document, corpus_files, load_corpus
from sotay.index.duties.gazetteer import (
    Agency,
    Mention,
    Registry,
    Token,
    ends_with,
    gazetteer,
    is_action,
    key,
    match_agency,
    parse_list,
    shape_at,
    skip_modals,
    starts_with,
    tokenize,
)
from sotay.index.duties.tasks import Task, find_tasks
from sotay.index.parse import Passage, parse_document
from sotay.index.provinces import canonical_province, named_provinces
from sotay.text import fold

ROLES = ("chủ trì", "thực hiện", "phối hợp")  # strongest first; also the display order
DISTRICTS_END = "2025-07-01"  # two-level local government (Luật Tổ chức chính quyền địa phương số 72/2025/QH15)
LEAD, DO, PARTNER = ROLES
ROLE_RANK = {role: n for n, role in enumerate(ROLES)}

_LABEL = re.compile(r"^\s*(?:Điều\s+\d+\s*[.:]?|[IVXLC]+\s*[.)]|\d{1,2}(?:\.\d{1,2})*[.)](?!\d)|[a-zđ]\)|[-+•])\s*")
# "4. Đề nghị Ủy ban MTTQ … và các đoàn thể", "d) Giao Ban Quản lý các khu chế xuất và công nghiệp thành phố:"
_FOR = re.compile(r"^(?:Đối với|Đề nghị|Giao)\s+", re.IGNORECASE)
_BULLETS = {"-", "+", "•", "–"}
_BOILERPLATE = "chiu trach nhiem thi hanh"
# A plan's aims ("I. MỤC ĐÍCH, YÊU CẦU", "1. Mục tiêu", "Quan điểm"), a rule's scope ("Điều 1. Phạm vi
# điều chỉnh và đối tượng áp dụng") and an agency's structure ("Điều 3. Cơ cấu tổ chức": its Phòng listed)
# say what it is for, whom it concerns and how it is built, not who does what.
_AIMS = re.compile(r"^(?:muc dich|muc tieu|quan diem|pham vi dieu chinh|doi tuong ap dung|co cau to chuc)\b")
# Sentences that name bodies without giving a task: "Trong quá trình thực hiện, nếu có khó khăn, vướng
# mắc … phản ánh về Sở X để tổng hợp" and a directive's closing "Chủ tịch UBND tỉnh yêu cầu … thực
# hiện nghiêm túc Chỉ thị này" (like "… chịu trách nhiệm thi hành Quyết định này").
_NO_TASK_SENTENCES = ((("neu", "co", "kho", "khan"),), (("yeu", "cau"), ("chi", "thi", "nay")))
# "<word> của X" in a heading names the body the section is about.
_OWNER_WORDS = [w.split() for w in ("trach nhiem", "nhiem vu", "vai tro", "giam sat", "hoat dong", "chuc nang")]
# Labels before a colon that introduce a list of people or places, not a subject.
_NOT_SUBJECT_LABELS = [w.split() for w in (
    "doi tuong", "thanh phan", "gom", "bao gom", "dia diem", "noi mo tai khoan", "ten tai khoan",
    "chu tai khoan", "hinh thuc", "thoi gian", "noi dung", "so luong",
)]
_MAX_HEADING_TAIL = 6  # words after the bodies in a heading such as "UBND cấp xã và … kinh phí thực hiện"
_CHECKS = [w.split() for w in ("kiem tra", "giam sat", "theo doi", "danh gia", "thanh tra")]
_MAX_SKIPPED_ITEMS, _MAX_ITEM_WORDS = 4, 8  # things that are not bodies inside a list of subjects


@dataclass(frozen=True)
class Duty:
    """One body's duty in one passage; ``text`` is the passage, verbatim."""

    agency: Agency
    text: str
    role: str
    level: str
    doc_id: str
    doc_label: str
    citation: str
    collective: bool
    province: str = ""  # of the decision
    date: str = ""  # the decision's date, ISO ("2025-11-18"), "" when unknown
    passages: tuple[str, ...] = ()  # citations of the passages it quotes (a task spans several), for search

    @property
    def after_districts(self) -> bool:
        """True for a district body (UBND cấp huyện, a district Phòng of the gazetteer) in a decision of 1/7/2025 or later.

        The district level ended on 1/7/2025 (two-level local government): such a duty is flagged,
        since no district body is left to carry it out. A "Phòng …" found by its shape is not flagged:
        in 2025 decisions it is a department of a Sở or Chi cục.
        """
        district = self.agency.known and self.agency.kind in ("ubnd", "phòng")
        return self.level == "huyện" and district and self.date >= DISTRICTS_END

    def to_json(self) -> dict:
        """The machine contract's record: exactly doc, citation, role, text."""
        return {"doc": self.doc_label, "citation": self.citation, "role": self.role, "text": self.text}


# --- extraction -----------------------------------------------------------------------------


def extract_duties(doc: Document, registry: Registry | None = None) -> list[Duty]:
    """The duty records of one decision, in document order."""
    registry = registry or gazetteer()
    passages = parse_document(doc)
    tasks = {task.members[0]: task for task in find_tasks(passages)}
    in_tasks = {n for task in tasks.values() for n in task.members}
    out: list[Duty] = []
    for n, passage in enumerate(passages):
        if n in tasks:
            task = tasks[n]
            text, citation, actions = task.text, task.citation, _task_actions(task, registry)
            covered = tuple(passages[k].citation for k in task.members)
        elif n in in_tasks:
            continue
        else:
            text, citation, actions = passage.clause, passage.citation, _passage_actions(passage, registry)
            covered = (passage.citation,)
        for mention, role in actions:
            out.append(Duty(mention.agency, text, role, mention.level, doc.meta.id, doc.meta.label,
                            citation, mention.agency.collective, doc.meta.province, doc.meta.date, covered))
    return out


def _task_actions(task: Task, registry: Registry) -> list[tuple[Mention, str]]:
    """(body, role) pairs of a task's field lines, one per body, strongest role kept.

    A "chủ trì" or "phối hợp" field gives its role to every body it lists (not to one named in
    brackets: "Trung tâm Dịch vụ việc làm (Sở Nội vụ)"). A "thực hiện" field is read as sentences
    first ("Sở Nội vụ chủ trì, phối hợp với …", "Sở KH&CN tiến hành rà soát …; các sở … rà soát …");
    a bare list ("Sở KH&CN; Sở Tư pháp; …") gives every body it names "thực hiện".
    """
    actions: list[tuple[Mention, str]] = []
    for f in task.fields:
        found = _body_actions(f.value, [], registry) if f.role == DO else []
        actions.extend(found or [(m, f.role) for m in _listed(f.value, registry)])
    return _strongest(actions)


def _listed(text: str, registry: Registry) -> list[Mention]:
    """Every body named in ``text`` outside brackets, in order."""
    tokens = tokenize(text)
    out: list[Mention] = []
    depth = k = 0
    while k < len(tokens):
        tok = tokens[k]
        depth += (tok.word == "(") - (tok.word == ")" and depth > 0)
        if depth or not tok.is_word:
            k += 1
            continue
        mentions, j = parse_list(text, tokens, k, len(tokens), registry,
                                 discover="phrase" if shape_at(tokens, k, len(tokens)) else "")
        out.extend(mentions)
        k = max(j, k + 1)
    return out


def _strongest(actions: list[tuple[Mention, str]]) -> list[tuple[Mention, str]]:
    """One (body, role) per body, the strongest role kept, in order of first mention."""
    best: dict[str, tuple[Mention, str]] = {}
    for mention, role in actions:
        name = mention.agency.name
        if name not in best or ROLE_RANK[role] < ROLE_RANK[best[name][1]]:
            best[name] = (mention, role)
    return list(best.values())


def _passage_actions(passage: Passage, registry: Registry) -> list[tuple[Mention, str]]:
    """(body, role) pairs of one passage, one per body, strongest role kept."""
    if passage.kind != "body" or _BOILERPLATE in fold(passage.clause):
        return []
    first, _, rest = passage.clause.partition("\n")
    if any(_AIMS.match(fold(_strip_label(line))) for line in (*passage.headings, first)):
        return []
    own = _holder_line(_strip_label(first), registry)
    if own is not None:
        holders, body = own[0], "\n".join(x for x in (own[1], rest) if x)
    else:
        holders, body = _heading_holders(passage.headings, registry), _strip_label(first) + "\n" + rest
    return _strongest(_body_actions(body, holders, registry))


def _strip_label(line: str) -> str:
    return _LABEL.sub("", line, count=1).strip()


def _holder_line(line: str, registry: Registry, *, heading: bool = False) -> tuple[list[Mention], str] | None:
    """(bodies, rest of the line) when ``line`` names the bodies a section is about.

    "Sở A, Sở B; đề nghị C", "Đối với cộng đồng dân cư tham gia dự án", "Sở A: do this"
    and "Sở A có trách nhiệm:" qualify; "Sở A phối hợp với …" (a sentence: a verb follows)
    does not, unless it is a short ``heading`` with points below it.
    """
    text = _FOR.sub("", line, count=1)
    tokens = tokenize(text)
    colon = next((n for n, t in enumerate(tokens) if t.word == ":"), len(tokens))
    mentions, j = parse_list(text, tokens, 0, colon, registry,
                             discover="whole" if colon < len(tokens) else "phrase")
    if not mentions:
        return None
    rest = text[tokens[colon].end:].strip() if colon < len(tokens) else ""
    tail = [t for t in _unbracketed(tokens[j:colon]) if t.is_word]  # "Sở Nội vụ (Cơ quan thường trực …):"
    if not tail:
        return mentions, rest
    if len(tail) > _MAX_HEADING_TAIL or tokens[j].word in ("-", "–"):
        return None
    if is_action(tokens, j, colon) and not heading:  # a sentence: its clauses are read one by one
        return None
    return mentions, rest


def _unbracketed(tokens: Sequence[Token]) -> list[Token]:
    """``tokens`` without those inside round brackets."""
    out, depth = [], 0
    for tok in tokens:
        if tok.word == "(":
            depth += 1
        elif tok.word == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(tok)
    return out


def _heading_holders(headings: tuple[str, ...], registry: Registry) -> list[Mention]:
    """The bodies of the innermost heading that names them.

    A heading names bodies when it lists them ("1. Ban Dân tộc tỉnh", "2. Sở Tài chính có
    trách nhiệm:") or is about them ("Điều 7. Trách nhiệm của các Sở, ban, ngành").
    """
    for heading in reversed(headings):
        text = _strip_label(heading)
        found = _holder_line(text, registry, heading=True)
        if found is not None:
            return found[0]
        tokens = tokenize(text)
        for n, tok in enumerate(tokens):
            if tok.word == "cua" and any(ends_with(tokens, n, words) for words in _OWNER_WORDS):
                mentions, _ = parse_list(text, tokens, n + 1, len(tokens), registry, discover="phrase")
                if mentions:
                    return mentions
    return []


def _clauses(text: str, tokens: Sequence[Token]) -> list[tuple[int, int, list[str], bool]]:
    """Clauses as (start, stop, folded label before an opening colon, starts a line)."""
    out: list[tuple[int, int, list[str], bool]] = []
    start, line_start = 0, True
    label: list[str] = []
    for n, tok in enumerate(tokens):
        if n > start and "\n" in text[tokens[n - 1].end:tok.start]:
            out.append((start, n, label, line_start))
            start, label, line_start = n, [], True
        if tok.word == ";" or (tok.word == "." and (n + 1 == len(tokens) or tokens[n + 1].upper)):
            out.append((start, n, label, line_start))
            start, label, line_start = n + 1, [], False
        elif tok.word == ":":
            out.append((start, n, label, line_start))
            label = [t.word for t in tokens[start:n] if t.is_word]
            start, line_start = n + 1, False
    out.append((start, len(tokens), label, line_start))
    return [c for c in out if any(t.is_word for t in tokens[c[0]:c[1]])]


def _clause_start(tokens: Sequence[Token], a: int, b: int) -> int:
    """First token of a clause's content: bullets and a leading "Căn cứ …," skipped."""
    while a < b and tokens[a].word in _BULLETS:
        a += 1
    if starts_with(tokens, a, [["can", "cu"]], b) > 0:
        comma = next((k for k in range(a, b) if tokens[k].word == ","), None)
        if comma is not None:
            a = comma + 1
    return a


def _body_actions(body: str, holders: list[Mention], registry: Registry) -> list[tuple[Mention, str]]:
    tokens = tokenize(body)
    actions: list[tuple[Mention, str]] = []
    subject: list[Mention] = []
    below = _listed_below(body)
    no_task = _no_task_spans(body, tokens)
    for a, b, label, line_start in _clauses(body, tokens):
        if line_start:
            subject = []
        i = _clause_start(tokens, a, b)
        if any(start <= a < end for start, end in no_task):
            continue
        listing = (any(label[-len(w):] == w for w in _NOT_SUBJECT_LABELS)  # "Đối tượng: Ban Thanh tra …"
                   or any(start <= tokens[a].start < end for start, end in below))
        found = None if listing else _subject(body, tokens, i, b, registry)
        joint = -1  # "X phối hợp với Y …" with X named: X and Y act together
        if found is not None:
            subject, role, scan_from = found
            actions.extend((m, role) for m in subject)
            joint = scan_from
        else:
            actions.extend((m, _verb_role(tokens, i, b)) for m in (subject or holders))
            scan_from = i
        actions.extend(_inner_actions(body, tokens, scan_from, b, a, registry, joint))
    return actions


def _no_task_spans(text: str, tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """Token spans of the sentences that name bodies without giving a task (``_NO_TASK_SENTENCES``).

    A sentence runs to a full stop before a capital or to a line break.
    """
    spans: list[tuple[int, int]] = []
    a = 0
    for n, tok in enumerate(tokens):
        if n + 1 == len(tokens) or (tok.word == "." and tokens[n + 1].upper) \
                or "\n" in text[tok.end:tokens[n + 1].start]:
            words = " " + " ".join(t.word for t in tokens[a:n + 1] if t.is_word) + " "
            if any(all(f" {' '.join(w)} " in words for w in phrases) for phrases in _NO_TASK_SENTENCES):
                spans.append((a, n + 1))
            a = n + 1
    return spans


def _listed_below(body: str) -> list[tuple[int, int]]:
    """Character spans of the "+" lines under a line such as "- Đối tượng:": people listed, not subjects."""
    spans: list[tuple[int, int]] = []
    pos, listing = 0, False
    for line in body.split("\n"):
        stripped = line.strip()
        if stripped.startswith("+"):
            if listing:
                spans.append((pos, pos + len(line)))
        else:
            listing = stripped.endswith(":") and any(
                key(_strip_label(stripped)[:-1])[-len(w):] == tuple(w) for w in _NOT_SUBJECT_LABELS)
        pos += len(line) + 1
    return spans


def _subject(text: str, tokens: Sequence[Token], i: int, b: int,
             registry: Registry) -> tuple[list[Mention], str, int] | None:
    """(bodies, role, index after them) when the clause at ``i`` opens with its subject."""
    giao = starts_with(tokens, i, [["giao"], ["de", "nghi"]], b)
    start = giao if giao > 0 else i
    mentions, j = _subject_list(text, tokens, start, b, registry)
    if not mentions:
        return None
    strict = giao > 0 or any(not m.agency.known for m in mentions)
    if j < b and tokens[j].word in ("-", "–", ":") and not strict:
        return mentions, _verb_role(tokens, j + 1, b), j
    if is_action(tokens, j, b):
        return mentions, _verb_role(tokens, j, b), j
    lenient = j < b and tokens[j].word not in (";", ".") and any(is_action(tokens, k, b) for k in range(j, b))
    if not strict and lenient:
        return mentions, DO, j
    return None


def _subject_list(text: str, tokens: Sequence[Token], i: int, b: int,
                  registry: Registry) -> tuple[list[Mention], int]:
    """The bodies of a subject list at ``i`` and the index after the list.

    A list of subjects may name things that are not bodies between them: "Sở Tư pháp, Đài Phát
    thanh và Truyền hình Thành phố, cơ quan thông tấn báo chí và UBND xã, phường chủ động tổ chức
    …", "Sở NN&MT, Sở Xây dựng và các đơn vị có liên quan tham mưu …". Up to
    ``_MAX_SKIPPED_ITEMS`` such items (of at most ``_MAX_ITEM_WORDS`` words, joined by "," or "và")
    are passed over when a verb ends the list; otherwise the list ends at the first of them.
    """
    mentions, j = parse_list(text, tokens, i, b, registry, discover="phrase")
    if not mentions or is_action(tokens, j, b):
        return mentions, j
    found, k, skipped = list(mentions), j, 0
    while skipped < _MAX_SKIPPED_ITEMS and k < b and tokens[k].word in (",", "va"):
        n = k = k + 1
        while (n < b and n - k < _MAX_ITEM_WORDS and tokens[n].is_word and tokens[n].word != "va"
               and not is_action(tokens, n, b) and not registry.match_at(tokens, n, b)):
            n += 1
        if n > k and is_action(tokens, n, b):
            return found, n
        more, after = parse_list(text, tokens, n, b, registry, discover="phrase") if n == k else ([], n)
        if more:
            found += more
            k = after
            if is_action(tokens, k, b):
                return found, k
        else:
            k, skipped = n, skipped + 1
    return mentions, j


def _verb_role(tokens: Sequence[Token], i: int, b: int) -> str:
    """The role the verb at ``i`` gives its subject."""
    i = skip_modals(tokens, i, b)
    if starts_with(tokens, i, [["chu", "tri"]], b) > 0:
        return LEAD
    if starts_with(tokens, i, [["phoi", "hop"]], b) > 0:
        return PARTNER
    return DO


def _inner_actions(text: str, tokens: Sequence[Token], i: int, b: int, clause: int,
                   registry: Registry, joint: int = -1) -> list[tuple[Mention, str]]:
    """Bodies given work inside a clause (see the module docstring)."""
    out: list[tuple[Mention, str]] = []
    assigns = any(starts_with(tokens, k, [["giao", "nhiem", "vu"]], b) > 0 for k in range(clause, b))
    k = i
    while k < b:
        if not tokens[k].is_word:
            k += 1
            continue
        mentions, j = parse_list(text, tokens, k, b, registry,
                                 discover="phrase" if shape_at(tokens, k, b) else "")
        if not mentions:
            k += 1
            continue
        role = _inner_role(tokens, k, j, b, clause, assigns, joint)
        if role is not None and (all(m.agency.known for m in mentions) or role != DO or is_action(tokens, j, b)):
            out.extend((m, role) for m in mentions)
        k = max(j, k + 1)
    return out


def _inner_role(tokens: Sequence[Token], k: int, j: int, b: int, clause: int, assigns: bool,
                joint: int = -1) -> str | None:
    """The role of bodies ``tokens[k:j]`` inside a clause, from the words around them."""
    prev = tokens[max(clause, k - 4):k]
    if prev and prev[-1].word in (",", "va") and (listed := _partner_list(tokens, k, clause, joint)) is not None:
        return PARTNER if listed else None  # "Phối hợp với Sở A, Văn phòng B, UBND cấp xã hướng dẫn …"
    for words in (["phoi", "hop", "voi"], ["phoi", "hop"]):
        if ends_with(tokens, k, words, clause):
            start = k - len(words)
            return PARTNER if start == joint or _led(tokens, start, clause) else None
    if starts_with(tokens, j, [["chu", "tri"]], b) > 0:
        return LEAD
    last = prev[-1].word if prev else ""
    verb = j if is_action(tokens, j, b) else -1
    if last in ("de", "thi") or last == "," or ends_with(tokens, k, ["chi", "dao"], clause):
        return _verb_role(tokens, verb, b) if verb >= 0 else None
    if last in ("gui", "ve"):
        between = j + 1 if j < b and tokens[j].word in (",", "de") else j
        ensures = starts_with(tokens, between, [["dam", "bao"], ["bao", "dam"]], b) > 0  # "gửi X đảm bảo đúng hạn"
        if is_action(tokens, between, b) and not ensures and (last == "gui" or tokens[j].word == "de"):
            return DO
        return None
    if last == "do" and len(prev) >= 2 and prev[-2].word == "(" and verb >= 0:
        return DO
    if last == "cho" and assigns:
        return DO
    if any(ends_with(tokens, k, words + ["cua"], clause) for words in (["vai", "tro"], ["trach", "nhiem"])):
        checked = any(starts_with(tokens, n, _CHECKS, k) > 0 for n in range(clause, k))
        return None if checked else DO  # "Kiểm tra việc thực hiện … trách nhiệm của X": X is the one checked
    return None


def _partner_list(tokens: Sequence[Token], k: int, clause: int, joint: int) -> bool | None:
    """Whether token ``k`` continues a list of partners opened by "phối hợp (với)" earlier in the clause.

    None when it does not (a verb other than "phối hợp" stands between); otherwise whether that
    list gives partners' duties (see :func:`_led`).
    """
    for n in range(k - 1, clause - 1, -1):
        if starts_with(tokens, n, [["phoi", "hop"]], k) > 0:
            return n == joint or _led(tokens, n, clause)
        if is_action(tokens, n, k):
            return None
    return None


def _led(tokens: Sequence[Token], k: int, clause: int) -> bool:
    """True when "chủ trì" (with a comma or "và") stands just before token ``k`` ("X chủ trì, phối hợp với").

    The bodies after "phối hợp (với)" are given a partner's duty only then, or when "phối hợp với"
    follows the clause's named subject at once ("Sở Tài chính phối hợp với Sở LĐTBXH kiểm tra …": they
    act together). In "Công an: Phối hợp Sở NN&MT tuyên truyền …" or "Sở Công Thương có nhiệm vụ phối
    hợp với UBND cấp xã kiểm tra …" the task is the subject's, and the bodies it works with are told
    nothing by that clause.
    """
    while k > clause and tokens[k - 1].word in (",", "va"):
        k -= 1
    return ends_with(tokens, k, ["chu", "tri"], clause)


# --- the corpus -------------------------------------------------------------------------------


def all_duties(corpus_dir: Path | None = None) -> list[Duty]:
    """Every duty record of the corpus (``config.corpus_dir()`` by default), in corpus order.

    Raises ``CorpusError`` (Vietnamese message) when the corpus cannot be read.
    """
    return list(duty_book(corpus_dir).duties)


def duty_book(corpus_dir: Path | None = None) -> DutyBook:
    """The ``DutyBook`` of the corpus (``config.corpus_dir()`` by default): extracted once per corpus state
    (file names, sizes, modification times), its look-ups kept with it. Raises ``CorpusError`` like ``all_duties``.
    """
    folder = Path(corpus_dir or default_corpus_dir()).resolve()
    state = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns)
                  for p in corpus_files(folder) + sorted(folder.glob("*.yaml")))
    return _corpus_book(folder, state)


@lru_cache(maxsize=4)
def _corpus_book(folder: Path, state: tuple) -> DutyBook:
    registry = gazetteer()
    return DutyBook(d for doc in load_corpus(folder) for d in extract_duties(doc, registry))


class DutyBook:
    """Duty records in corpus order, with what a question looks up in them indexed once.

    A responsibility question needs the bodies the records name (``registry``), the records of the
    provinces it names (``in_provinces``) and a body's records (``of``). Going through every record
    for each of those took hundreds of milliseconds per question at 3,000 decisions (150,000 records;
    bench/README.md); the indexes are built on first use and give the same records in the same order.
    """

    def __init__(self, duties: Iterable[Duty]) -> None:
        self.duties: tuple[Duty, ...] = tuple(duties)

    @cached_property
    def registry(self) -> Registry:
        """The gazetteer plus the bodies found by shape in the records."""
        return gazetteer().extended(d.agency for d in self.duties if not d.agency.known)

    @cached_property
    def _numbers(self) -> _Numbers:
        """The look-ups, built at the first question that needs them (0.15 s of CPU for 153,000 records)."""
        return _Numbers.of(self.duties)

    def of(self, agency: Agency, provinces: Sequence[str] = ()) -> list[Duty]:
        """``agency``'s duties, its groups' duties included, in display order (only those of decisions of
        ``provinces``, canonical names, if any are given).

        Order: by document (corpus order), then role (chủ trì, thực hiện, phối hợp), own duties
        before collective ones, then position. A group's duty is left out where the body
        already has its own duty in the same passage.
        """
        numbers = self._numbers
        place, role = numbers.place, numbers.role
        own = numbers.own.get(agency.name, [])
        taken = set(map(place.__getitem__, own))
        covering = sorted(n for group, records in numbers.groups.items() if group.covers(agency) for n in records)
        shared: dict[tuple[str, str], int] = {}
        for n in covering:  # in corpus order: of equal roles at one place, the first is kept
            at = place[n]
            if at not in taken and (at not in shared or role[n] < role[shared[at]]):
                shared[at] = n
        chosen = own + list(shared.values())
        if provinces:  # a decision's records are all of its province: choosing first, then keeping, is the same
            chosen = [n for n in chosen if numbers.province[n] in provinces]
        chosen.sort(key=numbers.display.__getitem__)
        return list(map(self.duties.__getitem__, chosen))

    def named(self, name: str) -> tuple[Agency | None, list[Duty]]:
        """(the agency ``name`` names, among the gazetteer's and the records' bodies, its duties in display
        order, ``of``) — or (None, []) for an unknown name."""
        agency = match_agency(name, self.registry)
        return (None, []) if agency is None else (agency, self.of(agency))

    def in_provinces(self, named: Sequence[str]) -> tuple[tuple[Duty, ...], tuple[str, ...]]:
        """The records of decisions of the provinces ``named`` (canonical names, see ``named_provinces``).

        Returns (every record, ()) when ``named`` is empty, and ((), ``named``) when none of them has a
        decision here: another province's duties must not be listed as theirs.
        """
        if not named:
            return self.duties, ()
        by_province = self._numbers.by_province
        kept = sorted(n for name in dict.fromkeys(named) for n in by_province.get(name, ()))
        return (tuple(map(self.duties.__getitem__, kept)), ()) if kept else ((), tuple(named))


@dataclass(frozen=True)
class _Numbers:
    """A ``DutyBook``'s look-ups, by record number (its position in the book)."""

    place: list[tuple[str, str]]  # (decision, citation)
    role: list[int]  # ROLE_RANK
    province: list[str]  # canonical province of the decision
    display: list[int]  # rank in display order: decision (corpus order), role, own before collective, number
    own: dict[str, list[int]]  # body name -> its records
    groups: dict[Agency, list[int]]  # group -> its collective records
    by_province: dict[str, list[int]]  # canonical province -> the records of its decisions

    @classmethod
    def of(cls, duties: Sequence[Duty]) -> _Numbers:
        docs: dict[str, int] = {}
        canonical: dict[str, str] = {}
        own: dict[str, list[int]] = {}
        groups: dict[Agency, list[int]] = {}
        by_province: dict[str, list[int]] = {}
        for n, d in enumerate(duties):
            docs.setdefault(d.doc_id, len(docs))
            if d.province not in canonical:
                canonical[d.province] = canonical_province(d.province)
            own.setdefault(d.agency.name, []).append(n)
            if d.collective:
                groups.setdefault(d.agency, []).append(n)
            by_province.setdefault(canonical[d.province], []).append(n)
        role = [ROLE_RANK[d.role] for d in duties]
        order = sorted(range(len(duties)), key=lambda n: (docs[duties[n].doc_id], role[n], duties[n].collective, n))
        display = [0] * len(duties)
        for rank, n in enumerate(order):
            display[n] = rank
        return cls([(d.doc_id, d.citation) for d in duties], role, [canonical[d.province] for d in duties],
                   display, own, groups, by_province)


def duties_for(name: str, duties: list[Duty] | None = None) -> tuple[Agency | None, list[Duty]]:
    """(the agency ``name`` names, its duties in display order, ``DutyBook.of``) — or (None, []) for an unknown
    name. ``duties``: the corpus's records by default."""
    return (duty_book() if duties is None else DutyBook(duties)).named(name)


def in_named_provinces(question: str, duties: Sequence[Duty]) -> tuple[list[Duty], tuple[str, ...]]:
    """The duties from decisions of the provinces ``question`` names ("Sở Tài chính tỉnh Sơn La").

    Returns (``duties``, ()) when it names no province, and ([], those provinces) when none
    of them has a decision here: another province's duties must not be listed as theirs.
    """
    kept, elsewhere = DutyBook(duties).in_provinces(named_provinces(question))
    return list(kept), elsewhere


def no_decisions_of(provinces: Sequence[str]) -> str:
    """The Vietnamese answer when the provinces asked about have no decision in the corpus."""
    return (f"Các văn bản hiện có không có văn bản nào của {', '.join(provinces)}, nên không có nhiệm vụ nào "
            "để liệt kê (nhiệm vụ trong văn bản của tỉnh khác không áp dụng ở đó).")


def agency_counts(book: DutyBook) -> list[tuple[Agency, int]]:
    """Every body with duties of its own in ``book`` and its number of duties (groups' included), most first."""
    bodies: dict[str, Agency] = {}
    for d in book.duties:
        bodies.setdefault(d.agency.name, d.agency)
    counts = [(a, len(book.of(a))) for a in bodies.values()]
    return sorted(counts, key=lambda c: (-c[1], c[0].name))


# --- formatting ---------------------------------------------------------------------------------

_ROLE_TITLES = {"chủ trì": "Chủ trì", "thực hiện": "Thực hiện", "phối hợp": "Phối hợp"}


def reorganisation_note(agency: Agency) -> str:
    """ "(Từ 2025: …)" for a body reorganised in 2025, or the bodies merged into it ("" otherwise)."""
    if agency.became:
        return (f"\n(Lưu ý: từ năm 2025, {agency.name} được sắp xếp lại thành {agency.became}; "
                "các văn bản trước đó vẫn ghi tên cũ.)")
    if agency.formerly:
        return f"\n(Từ năm 2025 cơ quan này tiếp nhận nhiệm vụ của: {'; '.join(agency.formerly)}.)"
    return ""


def format_duties(agency: Agency, duties: list[Duty], width: int | None = 100) -> str:
    """A Vietnamese report of ``agency``'s duties, grouped by decision, chủ trì first.

    The body's own duties are quoted in full; its groups' duties ("Các sở, ban, ngành")
    follow in each decision, marked as shared and shortened to their first lines.
    """
    if not duties:
        return f"{agency.name}: không có nhiệm vụ nào trong các văn bản hiện có." + reorganisation_note(agency)
    docs: dict[str, list[Duty]] = {}
    for d in duties:
        docs.setdefault(d.doc_label, []).append(d)
    shared_count = sum(d.collective and d.agency != agency for d in duties)
    summary = f"{len(duties) - shared_count} nhiệm vụ riêng"
    if shared_count:
        summary += f" và {shared_count} nhiệm vụ chung của nhóm cơ quan"
    lines = [f"{agency.name}: {summary}, trong {len(docs)} văn bản.{reorganisation_note(agency)}"]
    for label, items in docs.items():
        lines += ["", f"■ {label}"]
        for d in items:
            shared = d.collective and d.agency != agency
            group = f" — nhiệm vụ chung của {d.agency.name}" if shared else ""
            lines.append(f"  [{_ROLE_TITLES[d.role]}{group}] {d.citation}")
            if d.after_districts:
                lines.append(f"    (Lưu ý: văn bản ngày {_dmy(d.date)} vẫn giao việc cho cấp huyện, nhưng từ 1/7/2025 "
                             "cấp huyện không còn; việc này nay do cấp xã hoặc cấp tỉnh đảm nhận.)")
            lines.extend(_indented(_shortened(d.text) if shared else d.text, width))
    return "\n".join(lines)


def format_who_does(topic: str, ranked: list[tuple[Duty, float]], limit: int = 5,
                    width: int | None = 100) -> str:
    """A Vietnamese answer to "who does <topic>": the bodies first, then the cited passages."""
    if not ranked:
        return f"Không tìm thấy cơ quan nào được giao việc “{topic}” trong các văn bản hiện có."
    top = ranked[:limit]
    names: dict[str, str] = {}
    for d, _ in top:
        names.setdefault(d.agency.name, d.role)
    lines = [f"Cơ quan được giao việc “{topic}”: "
             + "; ".join(f"{name} ({role})" for name, role in names.items()) + "."]
    for d, _ in top:
        lines += ["", f"• {d.agency.name} — {d.role} — {d.doc_label}, {d.citation}"]
        lines.extend(_indented(d.text, width))
    return "\n".join(lines)


def _dmy(iso: str) -> str:
    """ "2025-11-18" -> "18/11/2025" (any other form is shown as it is)."""
    parts = iso.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return iso
    return f"{int(parts[2])}/{int(parts[1])}/{parts[0]}"


def _shortened(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def _indented(text: str, width: int | None) -> list[str]:
    """``text``'s lines indented, wrapped at ``width`` (None: left whole, for chat apps)."""
    if width is None:
        return ["    " + line for line in text.splitlines()]
    out: list[str] = []
    for line in text.splitlines():
        out.extend(textwrap.wrap(line, width=width, initial_indent="    ", subsequent_indent="      ") or [""])
    return out
