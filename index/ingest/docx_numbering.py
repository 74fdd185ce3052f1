"""The labels Word draws in front of auto-numbered paragraphs ("1.", "a)", "II.", "-").

python-docx returns a paragraph's text without its list label: a decision
typed with Word's automatic numbering would lose the "2." and "b)" that
citations are made of. python-docx does not render numbering, and no
maintained library exposes it separately, so this module replays Word's
counters from ``word/numbering.xml``: a paragraph's ``w:numPr`` (or its
style's) names a list instance (``numId``) and a level (``ilvl``); the level
gives the start value, the number format and the label text ("%1.", "%2)",
"%1.%2."). Counters are kept per list instance; a paragraph at a level resets
the deeper levels, as Word does.
"""

from __future__ import annotations

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn

_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def _roman(n: int) -> str:
    out = ""
    for value, digits in _ROMAN:
        while n >= value:
            out += digits
            n -= value
    return out


def _letters(n: int) -> str:
    """Word's lowerLetter: a..z, then aa..zz."""
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _format(n: int, fmt: str) -> str:
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerRoman":
        return _roman(n)
    if fmt == "upperRoman":
        return _roman(n).upper()
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "none":
        return ""
    return str(n)


def _val(element, tag: str, default: str | None = None) -> str | None:
    child = element.find(qn(tag)) if element is not None else None
    return child.get(qn("w:val"), default) if child is not None else default


class Numbering:
    """Replays a document's list counters; call ``label`` on every body paragraph, in order.

    Linear in the document: a paragraph's own ``w:numPr`` is read from its XML, and a style's
    (through its ``basedOn`` chain) is resolved once per style id, not once per paragraph
    (python-docx's ``paragraph.style`` scans every style of the document on each call).
    """

    def __init__(self, document) -> None:
        self._levels: dict[tuple[str, int], tuple[int, str, str]] = {}
        self._counters: dict[str, dict[int, int]] = {}
        self._by_style: dict[str | None, tuple[str, int] | None] = {}
        try:
            root = document.part.part_related_by(RT.NUMBERING).element
        except KeyError:
            return
        abstract = {a.get(qn("w:abstractNumId")): a for a in root.findall(qn("w:abstractNum"))}
        for num in root.findall(qn("w:num")):
            num_id = num.get(qn("w:numId"))
            definition = abstract.get(_val(num, "w:abstractNumId"))
            levels = {lvl.get(qn("w:ilvl")): lvl for lvl in definition.findall(qn("w:lvl"))} if definition is not None else {}
            overrides = {o.get(qn("w:ilvl")): o for o in num.findall(qn("w:lvlOverride"))}
            for ilvl, lvl in levels.items():
                override = overrides.get(ilvl)
                if override is not None and override.find(qn("w:lvl")) is not None:
                    lvl = override.find(qn("w:lvl"))
                start = _val(override, "w:startOverride") or _val(lvl, "w:start") or "1"
                fmt = _val(lvl, "w:numFmt", "decimal") or "decimal"
                text = _val(lvl, "w:lvlText", "") or ""
                self._levels[(num_id, int(ilvl))] = (int(start), fmt, text)

    @staticmethod
    def _list_of(num_pr) -> tuple[str, int] | None:
        """(numId, ilvl) of a ``w:numPr`` element, None without a numId."""
        if num_pr.numId is None:
            return None
        ilvl = num_pr.ilvl.val if num_pr.ilvl is not None else 0
        return str(num_pr.numId.val), int(ilvl)

    def _num_pr(self, paragraph) -> tuple[str, int] | None:
        """(numId, ilvl) from the paragraph's properties or, failing that, its style chain."""
        ppr = paragraph._p.pPr
        num_pr = ppr.numPr if ppr is not None else None
        if num_pr is not None:
            return self._list_of(num_pr)
        style_id = paragraph._p.style  # the w:pStyle value; None: the default paragraph style
        if style_id not in self._by_style:
            self._by_style[style_id] = self._style_list(paragraph.style)
        return self._by_style[style_id]

    def _style_list(self, style) -> tuple[str, int] | None:
        """(numId, ilvl) of the first style of ``style``'s basedOn chain that is in a list."""
        while style is not None:
            style_ppr = style.element.pPr
            num_pr = style_ppr.numPr if style_ppr is not None else None
            if num_pr is not None:
                return self._list_of(num_pr)
            style = style.base_style
        return None

    def label(self, paragraph) -> str:
        """The label Word shows for ``paragraph`` ("2.", "b)", "-"), or "" when it is not in a list."""
        if not self._levels:  # no list in the document
            return ""
        found = self._num_pr(paragraph)
        if found is None or found[0] == "0" or found not in self._levels:
            return ""
        num_id, ilvl = found
        start, fmt, text = self._levels[found]
        counters = self._counters.setdefault(num_id, {})
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if fmt == "bullet":
            return "-"
        label = text
        for level in range(ilvl, -1, -1):
            lvl_start, lvl_fmt, _ = self._levels.get((num_id, level), (1, "decimal", ""))
            label = label.replace(f"%{level + 1}", _format(counters.get(level, lvl_start), lvl_fmt))
        return label.strip()
