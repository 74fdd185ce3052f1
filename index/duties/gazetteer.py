"""Agencies: the gazetteer of bodies that decisions give duties to, and their mentions in text.

Contract:
- ``gazetteer()`` loads ``agencies.yaml`` (canonical name, level, kind, variants, and for
  groups such as "Các sở, ban, ngành" what they cover) into a :class:`Registry`.
- Names are compared on a *key*: the words of the text with diacritics and case removed,
  abbreviations of ``abbreviations.yaml`` expanded (UBND, LĐTBXH, NN&PTNT, MTTQVN ...),
  punctuation and "và" ignored. "Sở LĐTBXH", "so lao dong thuong binh xa hoi" and
  "Sở Lao động – Thương binh và Xã hội" share one key.
- ``match_agency(text)`` is the agency ``text`` names as a whole (a trailing "tỉnh",
  "cấp xã", "huyện" qualifier and a province name are allowed), or None.
- ``find_agencies_in(text)`` lists every gazetteer agency mentioned (the longest name at
  each place), in text order, with character spans into ``text``; with ``discover=True`` it also reports bodies missing
  from the gazetteer, found by their shape ("Sở …", "Ban …", "Hội …", "UBND …" followed by
  a capitalised name), as agencies with ``known=False``.
- ``suggest(name)`` gives the closest canonical names (difflib on keys) for an unknown name.

Only the standard library, PyYAML and ``normalize`` are imported: nothing heavy.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable, NamedTuple, Sequence

import yaml

from sotay.index.vietnamese import abbreviations
from sotay.text import fold, nfc

GAZETTEER_FILE = Path(__file__).with_name("agencies.yaml")
LEVELS = ("tỉnh", "huyện", "xã", "cộng đồng", "trung ương")
COLLECTIVE = "tập thể"


class Phrases:
    """A set of folded word sequences, looked up by their first word."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self.by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            words = tuple(phrase.split())
            self.by_first.setdefault(words[0], []).append(words)

    def match(self, tokens: Sequence[Token], i: int, stop: int | None = None) -> int:
        """Index after the longest phrase found at token ``i`` (not past ``stop``), or -1."""
        if i >= len(tokens) or not tokens[i].is_word:
            return -1
        return starts_with(tokens, i, self.by_first.get(tokens[i].word, ()), stop)


# Verb phrases (folded) that start what a body must do. A subject is recognised by the
# verb that follows it; a name found by its shape ends where one of them begins.
ACTION_VERBS = Phrases((
    "chu tri", "phoi hop", "thuc hien", "trien khai", "to chuc", "thong bao", "theo doi",
    "tong hop", "bao cao", "ban hanh", "mo tai khoan", "mo so", "xay dung", "huong dan",
    "chi dao", "ky", "co trach nhiem", "chiu trach nhiem", "giao nhiem vu", "giao du toan",
    "lap", "trinh", "quan ly", "cu", "quyet dinh", "kiem tra", "giam sat", "soan thao",
    "bien soan", "soan", "bo tri", "can doi", "tham muu", "de xuat", "nghien cuu", "ra soat",
    "ho tro", "don doc", "phe duyet", "tham dinh", "chuan bi", "trieu tap", "xem xet",
    "xac dinh", "danh gia", "kien nghi", "tiep nhan", "cung cap", "thanh lap", "quan triet",
    "tuyen truyen", "van dong", "hoan thien", "tong ket", "so ket", "thu hoi", "nghiem thu",
    "thanh toan", "giai ngan", "cong khai", "ung dung", "tang cuong", "day manh", "phan bo",
    "long ghep", "dam bao", "bao dam", "phat huy", "cung co", "su dung",
    "phat hien", "xu ly", "tien hanh", "tham gia", "duy tri", "nang cao", "cap nhat", "chuan hoa", "dang tai",
    "phan cong",
))
# Words that may stand between a subject and its verb ("X có trách nhiệm", "X kịp thời").
MODAL_WORDS = Phrases((
    "co trach nhiem", "chiu trach nhiem", "tiep tuc", "chu dong", "kip thoi", "thuong xuyen",
    "can", "phai", "tu", "dong thoi", "truc tiep",
))


def _shape_table(shapes: dict[str, str]) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """{first word: [(shape words, kind), ...] longest first} for :func:`shape_at`."""
    table: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for shape, kind in shapes.items():
        table.setdefault(shape.split()[0], []).append((tuple(shape.split()), kind))
    return {first: sorted(options, key=lambda o: -len(o[0])) for first, options in table.items()}


# Shapes of a body's name, folded, with the kind a body of that shape has.
_SHAPES = _shape_table({
    "ban chi dao": "ban chỉ đạo", "ban quan ly": "ban", "uy ban nhan dan": "ubnd", "uy ban": "ban", "so": "sở",
    "ban": "ban", "hoi": "đoàn thể", "doan": "đoàn thể", "lien hiep": "đoàn thể", "lien doan": "đoàn thể",
    "lien minh": "đơn vị", "phong": "phòng", "bao": "đơn vị", "dai": "đơn vị", "chi nhanh": "đơn vị",
    "trung tam": "đơn vị", "truong": "đơn vị", "chi cuc": "ngành", "cuc": "ngành", "kho bac": "ngành",
    "bao hiem": "ngành", "ngan hang": "ngành", "cong an": "ngành", "van phong": "ban",
})
_NOT_NAMES = {("bao", "cao"), ("dai", "dien"), ("dai", "hoi"), ("ban", "hanh")}  # shape word + a word: not a body
_COMPOUNDS = {("dang", "ky")}  # two words of one word: the second starts no verb
_JOINERS = {"-", "–", "—", "&"}  # inside one abbreviation or name: "LĐ-TB&XH"
_SKIPPABLE = _JOINERS | {",", "/"}  # inside a name: "Sở, ban, ngành"
# A trailing "Thành phố" is the province level: since 1/7/2025 the only cities left with a government of their
# own are the centrally-run ones ("Sở Tài chính Thành phố", "Công an Thành phố" in Hà Nội, Huế, Cần Thơ …).
_QUALIFIERS = {("cap", "tinh"): "tỉnh", ("cap", "huyen"): "huyện", ("cap", "xa"): "xã",
               ("tinh",): "tỉnh", ("thanh", "pho"): "tỉnh", ("huyen",): "huyện", ("xa",): "xã", ("cac", "cap"): ""}
_TRAILING_FILLERS = (("co", "lien", "quan"), ("lien", "quan"), ("khac",), ("thuoc", "tinh"), ("thuoc", "thanh", "pho"))
# The head of a body acts for it: "Thủ trưởng các sở, ban, ngành", "Giám đốc Sở Y tế".
_HEAD_TITLES = (("thu", "truong"), ("giam", "doc"), ("nguoi", "dung", "dau"))
_LIST_SEPARATORS = (("de", "nghi"), ("va",))
# Words that end a name found by its shape in running text ("… trước Ban Chỉ đạo về kết quả").
_NAME_STOPS = {"ve", "cua", "trong", "tai", "theo", "tren", "cho", "voi", "de", "do", "khi", "thi", "la", "nhu", "co"}
_TOKEN_RE = re.compile(r"[^\W_]+|[^\w\s]")


class GazetteerError(ValueError):
    """The gazetteer file is unusable; the message is Vietnamese."""


@dataclass(frozen=True)
class Agency:
    """A body that can be given duties.

    ``covers_kinds``/``covers_names`` are set for groups (kind "tập thể") only: the group's
    duties apply to every body of those kinds or names. ``known`` is False for a body found
    by its shape in a decision but missing from the gazetteer.
    """

    name: str
    level: str
    kind: str
    variants: tuple[str, ...] = ()
    covers_kinds: frozenset[str] = field(default_factory=frozenset)
    covers_names: frozenset[str] = field(default_factory=frozenset)
    known: bool = True
    became: str = ""  # for a body reorganised in 2025: what it became ("Sở Tài chính"), with the basis
    formerly: tuple[str, ...] = ()  # the bodies reorganised into this one in 2025

    @property
    def collective(self) -> bool:
        return self.kind == COLLECTIVE

    def covers(self, other: "Agency") -> bool:
        """True when this group's duties apply to ``other``."""
        return self.collective and not other.collective and (
            other.kind in self.covers_kinds or other.name in self.covers_names
        )


class Token(NamedTuple):
    """A word (folded) or punctuation mark of a text, with its span in the original.

    Tokens expanded from one abbreviation share its span; ``first``/``last`` mark the ends
    of such a group, so that no match starts or ends inside "UBND".
    """

    word: str
    start: int
    end: int
    is_word: bool
    upper: bool
    first: bool = True
    last: bool = True


class Mention(NamedTuple):
    """An agency named in a text: ``start:end`` is the span, ``level`` the level it is named at."""

    agency: Agency
    start: int
    end: int
    level: str


@lru_cache(maxsize=1)
def _abbreviation_tokens() -> tuple[dict[tuple[str, ...], tuple[str, ...]], dict[str, list[int]]]:
    """{abbreviation words: full-form words}, and the lengths of the keys by first word."""
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for abbreviation, full in abbreviations().items():
        words = tuple(w for w in _TOKEN_RE.findall(abbreviation) if w[0].isalnum())
        if words:
            table[words] = tuple(fold(w) for w in _TOKEN_RE.findall(nfc(full)) if w[0].isalnum())
    lengths: dict[str, list[int]] = {}
    for words in table:
        lengths.setdefault(words[0], []).append(len(words))
    return table, {first: sorted(set(ns), reverse=True) for first, ns in lengths.items()}


@lru_cache(maxsize=8192)
def tokenize(text: str) -> tuple[Token, ...]:
    """Folded word and punctuation tokens of ``text``, abbreviations expanded (cached)."""
    raw: list[Token] = []
    for m in _TOKEN_RE.finditer(text):
        word = m.group()
        is_word = word[0].isalnum()
        raw.append(Token(fold(word) if is_word else word, m.start(), m.end(), is_word, word[0].isupper()))
    table, lengths = _abbreviation_tokens()
    out: list[Token] = []
    i = 0
    while i < len(raw):
        for n in lengths.get(raw[i].word, ()) if raw[i].is_word else ():
            idx = _word_run(raw, i, n)
            words = tuple(raw[k].word for k in idx) if idx else ()
            if idx is not None and words in table:
                full = table[words]
                start, end = raw[idx[0]].start, raw[idx[-1]].end
                out.extend(Token(w, start, end, True, True, pos == 0, pos == len(full) - 1)
                           for pos, w in enumerate(full))
                i = idx[-1] + 1
                break
        else:
            out.append(raw[i])
            i += 1
    return tuple(out)


def _word_run(raw: list[Token], i: int, n: int) -> list[int] | None:
    """Indexes of ``n`` words from ``i`` joined only by "-", "&" without spaces, or None."""
    idx = [i]
    k = i + 1
    while len(idx) < n:
        if k + 1 >= len(raw) or raw[k].word not in _JOINERS or raw[k].start != raw[k - 1].end \
                or not raw[k + 1].is_word or raw[k + 1].start != raw[k].end:
            return None
        idx.append(k + 1)
        k += 2
    return idx


def key(text: str) -> tuple[str, ...]:
    """The comparison key of a name: folded words, abbreviations expanded, no "và"."""
    return tuple(t.word for t in tokenize(nfc(text)) if t.is_word and t.word != "va")


def ends_with(tokens: Sequence[Token], k: int, words: list[str], floor: int = 0) -> bool:
    """True when the words just before token ``k`` (not before ``floor``) are ``words``."""
    start = k - len(words)
    return start >= floor and all(tokens[start + n].is_word and tokens[start + n].word == w
                                  for n, w in enumerate(words))


def starts_with(tokens: Sequence[Token], i: int, phrases: Iterable[Sequence[str]], stop: int | None = None) -> int:
    """Index after the longest of ``phrases`` (word lists) found at word ``i``, or -1."""
    stop = len(tokens) if stop is None else stop
    if i >= stop or not tokens[i].is_word:
        return -1
    first, best = tokens[i].word, -1
    for phrase in phrases:
        if phrase[0] != first:
            continue
        end = i + len(phrase)
        if end <= stop and all(tokens[i + n].is_word and tokens[i + n].word == w for n, w in enumerate(phrase)):
            if end > best and (end == len(tokens) or tokens[end - 1].last):
                best = end
    return best


def skip_modals(tokens: Sequence[Token], i: int, stop: int) -> int:
    """Index of the verb after modal words at ``i`` ("có trách nhiệm thu hồi" -> "thu hồi").

    ``i`` itself when no modal word starts there or no action verb follows them.
    """
    j = i
    while (after := MODAL_WORDS.match(tokens, j, stop)) > 0:
        j = after
        if ACTION_VERBS.match(tokens, j, stop) > 0:  # "chủ động cân đối": "cân" is a verb here, not "cần"
            return j
    return i


def is_action(tokens: Sequence[Token], i: int, stop: int) -> bool:
    """True when an action verb (after optional modal words) starts at ``i``."""
    return i < stop and (ACTION_VERBS.match(tokens, i, stop) > 0
                         or ACTION_VERBS.match(tokens, skip_modals(tokens, i, stop), stop) > 0)


class Registry:
    """Agencies by key, with a longest-match lookup over token streams."""

    def __init__(self, agencies: Iterable[Agency]) -> None:
        self.agencies: list[Agency] = []
        self.by_name: dict[str, Agency] = {}
        self._trie: dict = {}
        for agency in agencies:
            self.add(agency)

    def add(self, agency: Agency) -> None:
        """Register ``agency`` under its name and variants (an existing name is kept)."""
        if agency.name in self.by_name:
            return
        self.agencies.append(agency)
        self.by_name[agency.name] = agency
        for name in (agency.name, *agency.variants):
            node = self._trie
            for word in key(name):
                node = node.setdefault(word, {})
            node.setdefault("", agency)

    def extended(self, agencies: Iterable[Agency]) -> "Registry":
        """A copy of this registry with ``agencies`` added."""
        out = Registry(self.agencies)
        for agency in agencies:
            out.add(agency)
        return out

    def match_at(self, tokens: Sequence[Token], i: int, stop: int | None = None) -> Mention | None:
        """The longest agency name starting at token ``i`` (with its qualifiers), or None."""
        stop = len(tokens) if stop is None else stop
        if i >= stop or not tokens[i].is_word or not tokens[i].first or tokens[i].word == "va":
            return None
        node, j, found = self._trie, i, None
        while j < stop:
            tok = tokens[j]
            if not tok.is_word:
                if tok.word not in _SKIPPABLE:
                    break
            elif tok.word != "va":
                if tok.word not in node:
                    break
                node = node[tok.word]
                if "" in node and tok.last:
                    found = (j + 1, node[""])
            j += 1
        if found is None:
            return None
        end, agency = found
        return _qualified(tokens, i, end, agency, stop)


def _qualified(tokens: Sequence[Token], i: int, end: int, agency: Agency, stop: int) -> Mention:
    """The mention ``tokens[i:end]`` extended by a level qualifier and a province name."""
    level = agency.level
    if agency.kind != "ubnd":
        for words, qualified in _QUALIFIERS.items():
            after = starts_with(tokens, end, [list(words)], stop)
            if after > 0 and not (after < stop and tokens[after].word == "hoi"):  # not "xã hội"
                level, end = qualified or level, after
                break
    if tokens[end - 1].word == "tinh" or (level == "tỉnh" and tokens[end - 1].word == "pho"):  # "tỉnh Sơn La"
        n = 0
        while end < stop and n < 3 and tokens[end].is_word and tokens[end].upper and tokens[end].word != "va":
            end, n = end + 1, n + 1
    return Mention(agency, tokens[i].start, tokens[end - 1].end, level)


def token_index(tokens: Sequence[Token], char: int) -> int:
    """Index of the first token starting at or after character offset ``char``."""
    for n, tok in enumerate(tokens):
        if tok.start >= char:
            return n
    return len(tokens)


def shape_at(tokens: Sequence[Token], i: int, stop: int) -> tuple[int, str] | None:
    """(index after the shape word, kind) when a body's name by shape starts at ``i``."""
    if i >= stop or not tokens[i].is_word or not tokens[i].upper:
        return None
    for words, kind in _SHAPES.get(tokens[i].word, ()):
        after = starts_with(tokens, i, [words], stop)
        if after < 0:
            continue
        if len(words) > 1:  # "Ban Chỉ đạo …", "Trung tâm …": the shape alone is a name
            return after, kind
        if (after < stop and tokens[after].is_word and tokens[after].upper  # "Sở Du lịch", not "Ban hành"
                and (words[0], tokens[after].word) not in _NOT_NAMES):  # not "BÁO CÁO" in a capitals heading
            return after, kind
    return None


def discover_at(text: str, tokens: Sequence[Token], i: int, stop: int, *, whole: bool = False,
                registry: "Registry | None" = None) -> tuple[Mention, int] | None:
    """A body missing from the gazetteer, named by its shape at token ``i``.

    The name runs to the first action verb, preposition, punctuation mark or "và"; with ``whole`` (a
    heading such as "Ban Chỉ đạo đổi mới, phát triển kinh tế tập thể, hợp tác xã tỉnh:")
    it runs through commas to ``stop`` unless another body's name starts after one.
    Returns the mention and the index after it.
    """
    shape = shape_at(tokens, i, stop)
    if shape is None:
        return None
    j, kind = shape
    registry = registry or gazetteer()
    while j < stop:
        tok = tokens[j]
        if tok.word == "va" and tok.is_word:
            if not whole or _item_starts(tokens, j + 1, stop, registry):
                break
        elif tok.is_word:
            compound = (tokens[j - 1].word, tok.word) in _COMPOUNDS  # "Văn phòng đăng ký …": "ký" is no verb here
            if not whole and (tok.word in _NAME_STOPS or (is_action(tokens, j, stop) and not compound)):
                break
            if whole and tok.word == "co":  # "Ban Kiểm soát có các nhiệm vụ và quyền hạn sau:"
                break
        elif tok.word not in _JOINERS:
            if not whole or tok.word not in (",", ";") or _item_starts(tokens, j + 1, stop, registry):
                break
        j += 1
    while j > i and not tokens[j - 1].is_word:
        j -= 1
    if j <= shape[0] or sum(t.is_word for t in tokens[i:j]) > 16:
        return None  # a bare "Ban Chỉ đạo" refers back to a body named before
    name = re.sub(r"\s+", " ", text[tokens[i].start:tokens[j - 1].end]).strip()
    if name.isupper():
        return None  # a heading in capitals ("BẢO TỒN THIÊN NHIÊN"), not a body named in running text
    words = [t.word for t in tokens[i:j] if t.is_word]
    level = "xã" if words[-1] == "xa" else "huyện" if words[-1] == "huyen" or kind == "phòng" else "tỉnh"
    agency = Agency(name, level, kind, known=False)
    return Mention(agency, tokens[i].start, tokens[j - 1].end, level), j


def _item_starts(tokens: Sequence[Token], i: int, stop: int, registry: Registry) -> bool:
    return registry.match_at(tokens, i, stop) is not None or shape_at(tokens, i, stop) is not None


def parse_list(text: str, tokens: Sequence[Token], i: int, stop: int, registry: Registry, *,
               discover: str = "") -> tuple[list[Mention], int]:
    """Agencies listed from token ``i``: "Sở A, Sở B; đề nghị C và các sở, ngành có liên quan".

    ``discover`` is "" (gazetteer only), "phrase" or "whole" (see :func:`discover_at`).
    Returns the mentions (empty when no agency starts at ``i``) and the index after the list.
    """
    mentions: list[Mention] = []
    j = i
    while True:
        k = j
        while (after := starts_with(tokens, k, _LIST_SEPARATORS, stop)) > 0 and mentions:
            k = after
        if (after := starts_with(tokens, k, _HEAD_TITLES, stop)) > 0 and registry.match_at(tokens, after, stop):
            k = after
        mention = registry.match_at(tokens, k, stop)
        if mention is not None:
            k = token_index(tokens, mention.end)
        elif discover:
            found = discover_at(text, tokens, k, stop, whole=discover == "whole", registry=registry)
            if found is None:
                break
            mention, k = found
        else:
            break
        mentions.append(mention)
        while (after := starts_with(tokens, k, _TRAILING_FILLERS, stop)) > 0:
            k = after
        j = k
        if j < stop and tokens[j].word in (",", ";"):
            k = j + 1
            if not (_item_starts(tokens, k, stop, registry)
                    or starts_with(tokens, k, _LIST_SEPARATORS, stop) > 0):
                break
            j = k
        elif not (j < stop and starts_with(tokens, j, _LIST_SEPARATORS, stop) > 0):
            break
    return mentions, j


@lru_cache(maxsize=4)
def _load(path: Path) -> Registry:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        raise GazetteerError(f"Không đọc được danh mục cơ quan {path.name}: {exc}") from exc
    entries = raw.get("agencies") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise GazetteerError(f"Danh mục cơ quan {path.name} phải có danh sách 'agencies'.")
    agencies = []
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not entry.get("name") or entry.get("level") not in LEVELS:
            raise GazetteerError(f"Mục thứ {n} của {path.name} thiếu tên hoặc cấp ({', '.join(LEVELS)}).")
        covers = entry.get("covers") or {}
        agencies.append(Agency(
            name=nfc(str(entry["name"])),
            level=entry["level"],
            kind=str(entry.get("kind", "")),
            variants=tuple(nfc(str(v)) for v in entry.get("variants") or ()),
            covers_kinds=frozenset(covers.get("kinds") or ()),
            covers_names=frozenset(nfc(str(v)) for v in covers.get("names") or ()),
            became=nfc(str(entry.get("became") or "")),
        ))
    successors: dict[str, list[str]] = {}
    for agency in agencies:
        if agency.became:
            successors.setdefault(agency.became.split(" (")[0], []).append(agency.name)
    agencies = [replace(a, formerly=tuple(successors.get(a.name, ()))) for a in agencies]
    return Registry(agencies)


def gazetteer(path: Path | None = None) -> Registry:
    """The agencies of the gazetteer file (``agencies.yaml`` by default), loaded once."""
    return _load(path or GAZETTEER_FILE)


def match_agency(text: str, registry: Registry | None = None) -> Agency | None:
    """The agency that ``text`` names as a whole, or None.

    Tolerates case, diacritics, abbreviations, punctuation and a trailing level qualifier
    ("tỉnh", "cấp xã") with a province name ("Sở Tài chính tỉnh Sơn La").
    """
    registry = registry or gazetteer()
    text = nfc(text).strip()
    tokens = tokenize(text)
    words = [n for n, t in enumerate(tokens) if t.is_word]
    if not words:
        return None
    mention = registry.match_at(tokens, words[0])
    if mention is None:
        return None
    rest = [t for t in tokens[token_index(tokens, mention.end):] if t.is_word]
    if rest:
        return None
    return mention.agency


def find_agencies_in(text: str, registry: Registry | None = None, *,
                     discover: bool = False) -> list[tuple[Agency, tuple[int, int]]]:
    """Every agency mentioned in ``text`` with its (start, end) character span, in order.

    With ``discover``, names of bodies missing from the registry are reported too, found by
    their shape, as agencies with ``known=False``.
    """
    registry = registry or gazetteer()
    text = nfc(text)
    tokens = tokenize(text)
    found: list[tuple[Agency, tuple[int, int]]] = []
    i = 0
    while i < len(tokens):
        mention = registry.match_at(tokens, i)
        if mention is not None:
            found.append((mention.agency, (mention.start, mention.end)))
            i = token_index(tokens, mention.end)
            continue
        if discover and (hit := discover_at(text, tokens, i, len(tokens), registry=registry)):
            mention, i = hit
            found.append((mention.agency, (mention.start, mention.end)))
            continue
        i += 1
    return found


def suggest(name: str, n: int = 5, registry: Registry | None = None) -> list[str]:
    """Up to ``n`` canonical names closest to ``name`` (folded, abbreviations expanded)."""
    registry = registry or gazetteer()
    wanted = " ".join(key(name))
    if not wanted:
        return []
    names: dict[str, str] = {}
    for agency in registry.agencies:
        for variant in (agency.name, *agency.variants):
            names.setdefault(" ".join(key(variant)), agency.name)
    words = set(wanted.split())
    scored: dict[str, tuple[bool, float]] = {}
    for folded, canonical in names.items():
        contained = words <= set(folded.split())  # every typed word is in the name
        ratio = difflib.SequenceMatcher(None, wanted, folded).ratio()
        if contained or ratio >= 0.5:
            scored[canonical] = max(scored.get(canonical, (False, 0.0)), (contained, ratio))
    return sorted(scored, key=lambda c: (not scored[c][0], -scored[c][1], c))[:n]
