"""Tasks of plans: a task with field lines naming who leads, who partners and who carries it out.

Plans list their tasks in two layouts, and both name the bodies in *field lines* rather than in
sentences:

- under each task: "- Cơ quan chủ trì: Sở Khoa học và Công nghệ." / "- Cơ quan phối hợp: Các sở,
  ngành; UBND các xã, phường." / "- Cơ quan thực hiện: Sở Nội vụ chủ trì, phối hợp với …", or a
  "b) Cơ quan thực hiện:" point whose lines are "- Đơn vị chủ trì: …" / "- Đơn vị phối hợp: …";
- in a table whose columns are "Nhiệm vụ | Đơn vị thực hiện | Đơn vị phối hợp | Thời gian": each row
  (a ``row`` passage "Nhiệm vụ: …; Đơn vị thực hiện: Sở Tư pháp; Đơn vị phối hợp: …") is one task.

Contract of :func:`find_tasks`: given a decision's passages in order, it returns its tasks. A task is
the text a duty record quotes, where it stands, the passages it covers and its fields:

- a passage whose own first line is a field line ("b) Cơ quan thực hiện:", "- Cơ quan thực hiện: …")
  describes the unit it belongs to: the task is that whole unit — its heading line and every passage
  under it ("1.2. Triển khai, phát triển dữ liệu:" / "a) Nhiệm vụ: …" / "b) Cơ quan thực hiện: …" /
  "c) Thời gian thực hiện: …"), cited by the unit ("Mục II.1.2");
- any other passage with field lines is a task by itself ("4. Phối hợp kiểm tra …" / "- Cơ quan chủ
  trì: …"); a point or bullet is quoted after its unit's heading line, which says what is to be done
  ("3.1. Tham gia góp ý kiến vào dự thảo …" / "a) Nghị định … / - Cơ quan chủ trì: …");
- a table row with a field column is a task, unless the table lists administrative procedures or the
  steps of one (a column about "thủ tục", "TTHC", "công việc", "bước", "hồ sơ", "trình tự"): the body that
  handles a procedure is not given a task of the plan.

A field's role: "chủ trì" for a label ending in chủ trì, "phối hợp" for phối hợp, "thực hiện" for
"Cơ quan/Đơn vị thực hiện", "Trách nhiệm thực hiện", "Cơ quan tham mưu". An empty field ("- Cơ quan
thực hiện:") takes the lines below it up to the next "label: value" line. Which bodies a field's value
names is left to the caller (``records``), which also decides that the passages a task covers give no
other duty: in a task, the field lines say who does it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from sotay.index.parse import Passage
from sotay.text import fold

LEAD, DO, PARTNER = "chủ trì", "thực hiện", "phối hợp"

_LINE_LABEL = re.compile(r"^\s*(?:[IVXLC]+\s*[.)]|\d{1,2}(?:\.\d{1,2})*[.)](?!\d)|[a-zđ]\)|[-+•–])\s*")
_KEY_VALUE = re.compile(r"^([^:;]{1,60}?)\s*:\s*(.*)$", re.DOTALL)
_FIELD_KEY = re.compile(
    r"^(?:(?:co quan|don vi)(?: (?:co quan|don vi))? )?(chu tri|phoi hop)(?: (?:thuc hien|trien khai))?$"
    r"|^(?:co quan|don vi)(?: (?:co quan|don vi))? (thuc hien|tham muu|trien khai)$"
    r"|^trach nhiem (thuc hien)$"
)
# A row key: "Đơn vị phối hợp" in "…; Đơn vị phối hợp: Các sở, ban, ngành; UBND các phường, xã; Thời gian …".
_ROW_KEY = re.compile(r"(?:^|;\s+)([^;:\n]{1,60}?):\s")
_PROCEDURE_KEYS = ("thu tuc", "tthc", "cong viec", "buoc", "ho so", "quy trinh", "trinh tu")
_MAX_KEY_WORDS = 6
# A unit a task may span: a numbered section ("1.2.", "4.") or a point ("b)"); not a Mục I, Điều or Chương.
_TASK_UNIT = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*[.)](?!\d)|[a-zđ]\))")
_SUB_ITEM = re.compile(r"^\s*(?:[a-zđ]\)|[-+•–])")


@dataclass(frozen=True)
class Task:
    """A task of a plan: the text and citation its duty records carry, the passages it covers, its fields."""

    citation: str
    text: str
    members: tuple[int, ...]
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Field:
    """One field line of a task: the role it gives and the text naming the bodies."""

    role: str
    value: str


def field_role(key: str) -> str | None:
    """The role a field label gives ("Cơ quan chủ trì" -> "chủ trì"), or None for any other label."""
    words = " ".join(re.sub(r"[^a-z0-9]+", " ", fold(key)).split())
    m = _FIELD_KEY.match(words)
    if m is None:
        return None
    verb = next(g for g in m.groups() if g)
    return LEAD if verb == "chu tri" else PARTNER if verb == "phoi hop" else DO


def _key_value(line: str) -> tuple[str, str] | None:
    m = _KEY_VALUE.match(_LINE_LABEL.sub("", line, count=1))
    if m is None or len(m.group(1).split()) > _MAX_KEY_WORDS:
        return None
    return m.group(1), m.group(2).strip()


def line_fields(text: str) -> list[Field]:
    """The field lines of a passage's text, an empty field taking the lines below it."""
    lines = text.split("\n")
    out: list[Field] = []
    for n, line in enumerate(lines):
        kv = _key_value(line)
        role = field_role(kv[0]) if kv else None
        if kv is None or role is None:
            continue
        value = kv[1]
        if not value:
            below = []
            for nxt in lines[n + 1:]:
                if _key_value(nxt) is not None:
                    break
                below.append(nxt)
            value = "\n".join(below)
        if value.strip():
            out.append(Field(role, value))
    return out


def row_fields(text: str) -> list[Field]:
    """The field cells of a table row "Nhiệm vụ: …; Đơn vị thực hiện: …; Đơn vị phối hợp: …".

    Empty for a row of a procedures table (see the module docstring).
    """
    keys = list(_ROW_KEY.finditer(text))
    if any(any(w in fold(k.group(1)) for w in _PROCEDURE_KEYS) for k in keys):
        return []
    out: list[Field] = []
    for n, k in enumerate(keys):
        role = field_role(k.group(1))
        if role is None:
            continue
        end = keys[n + 1].start() if n + 1 < len(keys) else len(text)
        value = text[k.end():end].strip()
        if value:
            out.append(Field(role, value))
    return out


def _first_line_is_field(passage: Passage) -> bool:
    kv = _key_value(passage.clause.split("\n", 1)[0])
    return kv is not None and field_role(kv[0]) is not None


def _common_citation(citations: Sequence[str]) -> str:
    parts = [c.split(", ") for c in citations]
    common = []
    for items in zip(*parts):
        if len(set(items)) > 1:
            break
        common.append(items[0])
    return ", ".join(common) or citations[0]


def _unit_lines(passages: Sequence[Passage], members: Sequence[int], depth: int) -> list[str]:
    """A unit's text from its passages: its heading, then each passage after the sub-headings it is under.

    ("1.2. Triển khai …:" / "a) Nhiệm vụ:" / "- Triển khai rà soát …" / "- Phối hợp …" / "b) Cơ quan thực hiện: …")
    """
    lines = [passages[members[0]].headings[depth - 1]]
    shown: tuple[str, ...] = ()
    for k in members:
        below = passages[k].headings[depth:]
        common = next((n for n, (a, b) in enumerate(zip(shown, below)) if a != b), min(len(shown), len(below)))
        lines.extend(below[common:])
        lines.append(passages[k].clause)
        shown = below
    return lines


def find_tasks(passages: Sequence[Passage]) -> list[Task]:
    """The tasks of a decision's passages (see the module docstring), in document order."""
    tasks: list[Task] = []
    covered: set[int] = set()
    for n, passage in enumerate(passages):
        if n in covered:
            continue
        if passage.kind == "row":
            fields = row_fields(passage.text)
            if fields:
                tasks.append(Task(passage.citation, passage.text, (n,), tuple(fields)))
            continue
        if passage.kind != "body":
            continue
        fields = line_fields(passage.clause)
        if not fields:
            continue
        unit = passage.headings[-1] if passage.headings else ""
        if _first_line_is_field(passage) and _TASK_UNIT.match(unit):
            depth = len(passage.headings)
            members = [k for k, p in enumerate(passages)
                       if p.kind == "body" and p.headings[:depth] == passage.headings]
            all_fields = [f for k in members for f in line_fields(passages[k].clause)]
            text = "\n".join(_unit_lines(passages, members, depth))
            citation = _common_citation([passages[k].citation for k in members])
            tasks.append(Task(citation, text, tuple(members), tuple(all_fields)))
            covered.update(members)
            continue
        text = passage.clause
        if unit and _TASK_UNIT.match(unit) and _SUB_ITEM.match(passage.clause):
            text = unit + "\n" + text
        tasks.append(Task(passage.citation, text, (n,), tuple(fields)))
        covered.add(n)
    return tasks
