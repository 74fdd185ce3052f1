"""Repair the lines Tesseract reads off a scanned decision, enough for the structure parser.

OCR gives physical lines, like a PDF text layer, but with its own faults:

- noise lines: the rule under "Độc lập - Tự do - Hạnh phúc" read as "———" or "__",
  specks read as ". ,", "'", "|", lone page numbers;
- structural labels mangled: "Điều 1 .", "Điều l.", "Điểu 4:", "Ðiều 4" (Eth instead of Đ),
  "2 ." for a khoản, "a}" / "a]" for a điểm, "Chương l" for "Chương I";
- characters in decomposed form.

``repair_ocr_lines`` fixes those, line by line. Over the whole document (all pages' lines, in
order), ``repair_ocr_document`` then puts back what one line cannot tell:

- article numbers (and Roman section headings: "HH:" for "II.") read wrong: "Điều A." or "Điều 3." between "Điều 1." and "Điều 3." is the
  missing "Điều 2." (articles count up from 1, again in an attached Quy định); a line that only
  looks like an article because a cross-reference wrapped there ("Điều 73. Điều 74 Luật Điện
  lực" after "Điều 11.") is joined back to the line before it;
- the decision's number line without its "Số:" ("2828/QĐ- UBND" alone near the top), and the
  specks in the header above the type heading ("- ỦY: BAN NHÂN DÂN TỈNH ĐẮK LẮK.", "Thái Nguyên;
  ngày …"), where the issuer, province and date are read from;
- a khoản label read with a comma ("2, Đảm bảo") told from a wrapped line that starts with a
  number ("… tại số thứ tự" / "3, Phụ lục …") by the line before it.

Rejoining wrapped lines is left to ``line_repair`` (the caller runs ``strip_page_furniture``,
``repair_ocr_document`` and ``join_lines``), diacritics to ``ocr_spelling``.
Only the standard library and project text helpers are imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from sotay.index.ingest.stated_meta import DOC_TYPES
from sotay.text import fold, nfc

# A line whose non-space characters are mostly neither letters nor digits is noise ("-- . ,_").
_MIN_ALNUM_SHARE = 0.5
_RULE = re.compile(r"^[\s\-–—_=.·•*~'`\"|,:;]+$")
_LONE_NUMBER = re.compile(r"^[-–—\s]*\d{1,3}[-–—\s]*$")
# Specks read as characters: a token made only of these is dropped wherever it stands.
_SPECK_CHARS = set("'`‘’‹›¡¬ˆ°|~^*¨´·«»")
# Tokens made only of these are dropped at the start and the end of a line.
_EDGE_CHARS = _SPECK_CHARS | set(".,:;\"-–—_“”+")
_BULLETS = ("-", "+", "•")
_LEADING_PUNCT = re.compile(r"^[.,:;'`\"]+(?=[(\w])")
# A dot between two lower-case words ("thu.hồi", "hồi. vốn") is a speck: a sentence after "." starts
# with a capital; "v.v." (one-letter words) is kept.
_LOWER = "a-zà-ỹđ"
_SPECK_DOT = re.compile(rf"(?<=[{_LOWER}]{{2}})\.\s?(?=[{_LOWER}])")
_GLUED = re.compile(rf"(?<=[{_LOWER}])[:;](?=[{_LOWER}])")
# A label word as OCR may spell it (one character wrong at most, after folding): Điều, Chương.
_LABEL_WORDS = {"dieu": "Điều", "chuong": "Chương"}
_NUMBER_TOKEN = re.compile(r"^([0-9lI|!Oo]{1,3})([.:,]?)$")
_DIGIT_FIX = str.maketrans({"l": "1", "I": "1", "|": "1", "!": "1", "O": "0", "o": "0"})
_ROMAN_TOKEN = re.compile(r"^([IVXHl|]{1,5})([.:]?)$")
_KHOAN = re.compile(r"^(?:[-.,'`]\s+)?(\d{1,2})\s*\.\s+(?=[^\W\d_])")
# "2, Đảm bảo": a khoản whose dot was read as a comma, or a wrapped line ("… tại số thứ tự" / "3, Phụ lục …"):
# the line before tells (``_khoan_commas``).
_KHOAN_COMMA = re.compile(r"^(?:[-.,'`_]\s+)?(\d{1,2})\s*,\s+(?=[A-ZĐÀ-Ỹ])")
_ENDS_SENTENCE = re.compile(r"[.:;!?]$")
# "3..Mức", "2.Tỷ lệ", "1,Hình thức": a khoản label whose dot is doubled or glued to a capital.
_KHOAN_GLUED = re.compile(r"^(\d{1,2})(?:\.{2,}\s*|[.,](?=[A-ZĐÀ-Ỹ]))")
_KHOAN_L = re.compile(r"^[lI|]\.\s+(?=[A-ZĐÀ-Ỹ])")
# A lone character read off a speck before a khoản or điểm label: "ề 1. Việc …", "' a) Tỷ lệ".
_SPECK_BEFORE_LABEL = re.compile(r"^[^\s\d\-+•]\s+(?=(?:\d{1,2}\.|[a-zđ]\))\s)")
# A document number cut after its hyphen ("214/NQ- CP", "308/KH- UBND", "214/NQ- -CP"): OCR splits it there.
_NUMBER_GAP = re.compile(r"(\d/[A-ZĐ][A-Za-zĐ]{0,7})-(?:\s+-?|\s*-)\s*(?=[A-ZĐ]{2})")
# A speck glued before an article label: "-Điều 2.", ".Điều 8."
_GLUED_BEFORE_LABEL = re.compile(r"^[-–—.,:;'`\"]+(?=Điều \S{1,3}[.:])")
_POINT = re.compile(r"^([a-zđA-HJ-UWYZĐ])\s*(?:[)}\]]\s*|j\s+(?=[A-ZĐÀ-Ỹ]))")


def is_noise(line: str) -> bool:
    """A line that carries no text: a rule, specks, a lone page number, mostly punctuation."""
    stripped = line.strip()
    if not stripped or _RULE.match(stripped) or _LONE_NUMBER.match(stripped):
        return True
    chars = [c for c in stripped if not c.isspace()]
    alnum = sum(c.isalnum() for c in chars)
    if alnum == 0 or (len(chars) == 1 and stripped.islower()):  # a lone speck read as "i", "l"
        return True
    return alnum / len(chars) < _MIN_ALNUM_SHARE


def strip_specks(line: str) -> str:
    """``line`` without speck tokens ("'", "‹", "¬" …), underscores, and punctuation-only tokens at
    its start and end (a final "." or ":" that stood apart is put back on the last word)."""
    tokens = [t for t in line.replace("_", " ").split() if not set(t) <= _SPECK_CHARS]
    while tokens and set(tokens[0]) <= _EDGE_CHARS and not (tokens[0] in _BULLETS and len(tokens) > 1):
        tokens.pop(0)
    tail: list[str] = []
    while tokens and set(tokens[-1]) <= _EDGE_CHARS:
        tail.insert(0, tokens.pop())
    if not tokens:
        return ""
    ending = next((t[0] for t in tail if t[0] in ".:;"), "")
    if ending == "." and _upper(tokens):  # a heading in capitals ends with no full stop: a speck
        ending = ""
    if ending and tokens[-1][-1] not in ".:;,":
        tokens[-1] += ending
    out = _LEADING_PUNCT.sub("", " ".join(tokens))
    out = _SPECK_DOT.sub(" ", out)
    out = _NUMBER_GAP.sub(r"\1-", out)
    out = _GLUED.sub(" ", out)
    return re.sub(r"(?<=[^\W\d_])\.{2,}$", ".", out).replace("  ", " ")


def _upper(tokens: Sequence[str]) -> bool:
    letters = [c for t in tokens for c in t if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _mostly_upper(text: str) -> bool:
    """A heading in capitals, allowing a speck or two read as small letters."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def _type_heading(line: str) -> str:
    """A bare type heading with specks read around it ("KẾ HOẠCH.", "QUYẾT ĐỊNH ,", "So . QUY ĐỊNH:") as the
    heading alone; "QUYẾT ĐỊNH:" (the line before the articles) keeps its colon."""
    words = line.split()
    for start in range(min(3, len(words))):
        if start and any(len(w) > 3 for w in words[:start]):
            break
        bare = " ".join(words[start:]).rstrip(".,;:'`\"’ ")
        if bare in DOC_TYPES and (bare != line or start):
            return "QUYẾT ĐỊNH:" if bare == "QUYẾT ĐỊNH" and line.endswith(":") else bare
    return line


def _near(word: str, target: str) -> bool:
    """``word`` folded and lower-cased is ``target`` with at most one character different."""
    folded = fold(word).lower()
    return len(folded) == len(target) and sum(a != b for a, b in zip(folded, target)) <= 1


def fix_labels(line: str) -> str:
    """``line`` with OCR's forms of "Điều N.", "Chương I", "N." (khoản) and "a)" (điểm) put right."""
    words = line.split(" ", 3)
    if (len(words) > 2 and words[0] in ("-", "–", "+") and _near(words[1], "dieu")
            and _NUMBER_TOKEN.match(words[2]) and any(c.isdigit() for c in words[2])
            and (words[2][-1] in ".:," or (len(words) > 3 and words[3][:1] in ".:"))):  # a speck read as a bullet
        line = line[2:]
    elif len(words) > 2 and words[0] in ("-", "–", "+") and _near(words[1], "chuong") and _ROMAN_TOKEN.match(words[2]):
        line = line[2:]
    line = _GLUED_BEFORE_LABEL.sub("", line)
    parts = line.split(" ", 2)
    if len(parts) >= 2:
        target = next((t for t in _LABEL_WORDS if _near(parts[0], t)), None)
        rest = parts[2] if len(parts) > 2 else ""
        if target == "dieu":
            number = _NUMBER_TOKEN.match(parts[1])
            if number and any(c.isdigit() for c in number.group(1)) | bool(number.group(2)):
                if number.group(2) or not rest or rest.lstrip(".:, ")[:1].isupper():
                    digits = number.group(1).translate(_DIGIT_FIX)
                    if digits.isdigit():
                        return f"Điều {int(digits)}." + (f" {rest.lstrip('.:, ')}" if rest.lstrip(".:, ") else "")
        elif target == "chuong":
            roman = _ROMAN_TOKEN.match(parts[1])
            if roman and (not rest or rest[:1].isupper()):
                numeral = roman.group(1).replace("l", "I").replace("|", "I").replace("H", "II")
                return f"Chương {numeral}" + (f" {rest}" if rest else "")
    line = _SPECK_BEFORE_LABEL.sub("", line)
    line = _KHOAN_GLUED.sub(r"\1. ", line)
    line = _KHOAN.sub(r"\1. ", line)
    if not _upper(line.split()[1:]):  # "I. MỤC ĐÍCH" is a Roman section; "l. Mục đích" a khoản
        line = _KHOAN_L.sub("1. ", line)
    return _POINT.sub(lambda m: f"{m.group(1).lower()}) ", line)


_ARTICLE = re.compile(r"^Điều (\d{1,3}|[^\s\d]{1,2}?)[.,:„]? ?(?=\w)")
# A reference, not a heading, follows the number: another article, a law, a lower-case word.
_REFERENCE = re.compile(r"^(?:Điều|Luật|Nghị|Khoản|khoản|[a-zđà-ỹ])")
_NUMBER_LINE = re.compile(r"^\W*(?:S[ốoóồổ]\W*)?(\d{1,5}(?:/\d{4})?/[A-ZĐ]{1,6}-\s?[A-ZĐ]{2,8})\b")
_HEAD_LINES = 12
# A Roman section heading ("II. NHIỆM VỤ") as OCR may read its numeral: "HH:", "Il.", "1l."
_ROMAN_HEADING = re.compile(r"^([IVXHl|1]{1,5})[.:] (?=\S)")
_ROMANS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV")


def _roman_value(token: str) -> int:
    """The value of a Roman numeral read by OCR ("H" for "II", "l"/"|"/"1" for "I"); 0 when it is not one."""
    numeral = token.replace("H", "II").translate(str.maketrans("l|1", "III"))
    return _ROMANS.index(numeral) + 1 if numeral in _ROMANS else 0


def _article_number(line: str) -> int | None:
    match = _ARTICLE.match(line)
    if not match or not line[match.end():][:1].isupper():
        return None
    token = match.group(1)
    if token.isdigit():
        return int(token) if line[len("Điều ") + len(token):][:1] in ".,:" else None
    return None if any(c.islower() for c in token) else 0  # unreadable: "Điều A.", "Điều Ẳ„"


def _next_readable(labels: Sequence[tuple[int, int]]) -> int | None:
    for _, number in labels:
        if number < 0:  # a new part starts
            return None
        if number:
            return number
    return None


def _in_sequence(labels: Sequence[tuple[int, int]], reference: Callable[[int], bool]) -> tuple[dict[int, int], set[int]]:
    """Labels (line index, number; 0 when unreadable, -1 for a type heading that starts a new part) that count
    up from 1, restarting at 1: the numbers to put right ({line index: number}) and the lines that are not
    labels but a wrapped cross-reference."""
    fixed: dict[int, int] = {}
    demoted: set[int] = set()
    previous = 0
    for k, (i, number) in enumerate(labels):
        if number < 0:
            previous = 0
            continue
        expected = previous + 1
        following = _next_readable(labels[k + 1:])
        if number == expected or (number == 1 and following in (2, None)):
            previous = number
        elif number == 0 or following == expected + 1:
            fixed[i], previous = expected, expected
        elif previous and reference(i):
            demoted.add(i)
        else:
            previous = number
    return fixed, demoted


def _after(label: re.Pattern[str], line: str) -> str:
    """What follows ``label`` at the start of ``line`` (the whole line when it does not start with it)."""
    match = label.match(line)
    return line[match.end():] if match else line


def renumber_articles(lines: Sequence[str]) -> list[str]:
    """Article labels and Roman section headings put back in sequence (see the module docstring)."""
    parts = [(i, -1) for i, line in enumerate(lines) if line in DOC_TYPES and line != "QUYẾT ĐỊNH"]
    articles = sorted(parts + [(i, n) for i, line in enumerate(lines) if (n := _article_number(line)) is not None])
    fixed, demoted = _in_sequence(articles, lambda i: bool(_REFERENCE.match(_after(_ARTICLE, lines[i]))))
    sections = sorted(parts + [(i, _roman_value(m.group(1))) for i, line in enumerate(lines)
                               if (m := _ROMAN_HEADING.match(line)) and _mostly_upper(line[m.end():])])
    roman, _ = _in_sequence(sections, lambda i: False)
    out: list[str] = []
    for i, line in enumerate(lines):
        if i in demoted and out:
            out[-1] = f"{out[-1]} {line}"
        elif i in fixed:
            out.append(f"Điều {fixed[i]}. {_after(_ARTICLE, line)}")
        elif i in roman:
            out.append(f"{_ROMANS[roman[i] - 1]}. {_after(_ROMAN_HEADING, line)}")
        else:
            out.append(line)
    return out


def restore_number_label(lines: Sequence[str]) -> list[str]:
    """The decision's number line near the top given back its "Số:" when OCR lost or mangled it."""
    out = list(lines)
    if any(line.startswith("Số:") for line in out[:_HEAD_LINES]):
        return out
    for i, line in enumerate(out[:_HEAD_LINES]):
        if match := _NUMBER_LINE.match(line):
            out[i] = f"Số: {match.group(1).replace('- ', '-')}{line[match.end():]}"
            break
    return out


def _khoan_commas(lines: Sequence[str]) -> list[str]:
    """"N, Text" made a khoản label "N. Text" when the line before ends a sentence or is a heading (in capitals,
    or an article's); left as a continuation otherwise."""
    out: list[str] = []
    for line in lines:
        if (match := _KHOAN_COMMA.match(line)) and (not out or _ENDS_SENTENCE.search(out[-1]) or _upper(out[-1].split())
                                                    or out[-1].startswith("Điều ")):
            line = f"{match.group(1)}. {line[match.end():]}"
        out.append(line)
    return out


_PLACE_DATE = re.compile(r"^([^\W\d_][^\d,;:.]{0,40}?)\s*[,;:.]*\s+(?=ngày\b)")
_HEAD_SPECKS = re.compile(r"^[-–—•'`\"„“”.,:;\s]+|[.,:;'`\"”\s]+$")


def clean_header(lines: Sequence[str]) -> list[str]:
    """The lines above the type heading (QUYẾT ĐỊNH, KẾ HOẠCH …) without specks: capitals lines lose the
    punctuation OCR put around and inside them, the place-date line gets its comma."""
    out = list(lines)
    heading = next((i for i, line in enumerate(out[:_HEAD_LINES]) if line.rstrip(":") in DOC_TYPES), 0)
    if heading and out[heading].endswith(":") and heading + 1 < len(out) and _mostly_upper(out[heading + 1]):
        out[heading] = out[heading].rstrip(":")  # the type heading, its title below: a speck read as ":"
    for i, line in enumerate(out[:heading]):
        if _mostly_upper(line):
            out[i] = re.sub(r"\s*[:;]\s*", " ", _HEAD_SPECKS.sub("", line)).strip() or line
        elif match := _PLACE_DATE.match(line):
            out[i] = f"{match.group(1)}, {line[match.end():]}"
    return out


def repair_ocr_document(lines: Sequence[str]) -> list[str]:
    """A whole OCR'd document's lines (after ``repair_ocr_lines``) with its khoản labels read with a comma,
    article and section sequence and number line repaired."""
    return renumber_articles(restore_number_label(clean_header(_khoan_commas(lines))))


def repair_ocr_lines(lines: Sequence[str]) -> list[str]:
    """NFC, specks and noise lines dropped, structural labels fixed; order kept."""
    out: list[str] = []
    for raw in lines:
        line = nfc(raw).replace("Ð", "Đ").replace("ð", "đ")
        line = strip_specks(line)
        if is_noise(line):
            continue
        out.append(fix_labels(_type_heading(line)))
    return out
