#!/usr/bin/env python
"""Metadata and structure of the real decisions: what the reader gets wrong, file by file.

Run from the repository root::

    .venv/bin/python bench/bench_real_structure.py [--dir ../shared/real-decisions] [--out FILE] [-v]

Every ``.txt`` of the folder is loaded as ``sotay corpus add`` loads it (``load_document``: the
metadata the text states) and parsed (``parse_document``). Checked per file:

- metadata, against the folder's README table (số hiệu, ngày, cơ quan ban hành): the number
  compared as written, the date as dd/mm/yyyy, the issuer with "UBND" / "TP" spelled out;
- title (trích yếu): missing when it falls back to the file name; "not a title" when it starts
  like body text ("Căn cứ", "Điều", a numbered heading, "CHỦ TỊCH …", "ỦY BAN …") or is longer
  than 1500 characters (danang-81's real title has 1,162);
- ngày có hiệu lực: read by ``validity.effective_date``; missing is counted when the text says
  "(Quyết định|Chỉ thị|Kế hoạch) này có hiệu lực" at all (plans, directives and a few decisions state no date of effect);
- misplaced body text: passages cited "Trích yếu" / "Phần căn cứ" (of the decision or of an
  attachment) whose text is not a title or a recital: it starts with "Điều n", "Phần I", a Roman,
  letter or Arabic section number, a bullet, a recital under "Trích yếu", or is longer than 1500
  characters (titles) / not a "Căn cứ…/Theo đề nghị…/Thực hiện…" sentence, the enacting formula
  ("Ủy ban nhân dân tỉnh ban hành …") or the rest of a broken recital ("Nghị định số …") (recitals); and every
  "trích yếu" of a part after its first (a heading of the text below, not the part's title), and a
  decision's "Trích yếu" passage that is not the title read into its metadata.

Prints the counts and, with ``-v``, every finding; ``--out`` writes them as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

from sotay.index.documents import load_document
from sotay.index.parse import parse_document
from sotay.index.validity import effective_date
from sotay.text import fold

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT.parent / "shared" / "real-decisions"

_BODY_START = re.compile(r"^(Điều\s+\d|Chương\s+[IVXLC\d]|(PHẦN|Phần)\s+[IVXLC\d]|[IVXL]+\s*[.)](\s|$)|[A-ZĐ]\s*[.)](\s|$)"
                         r"|\d{1,2}(\.\d{1,2})*[.)](\s|$)|[a-zđ]\)\s|[-+•]\s)")
_NOT_TITLE = re.compile(r"^(Căn cứ|Theo đề nghị|Xét đề nghị|CHỦ TỊCH|ỦY BAN NHÂN DÂN|QUYẾT ĐỊNH\s*:)", re.IGNORECASE)
_STATES_EFFECT = re.compile(r"(Quyết định|Chỉ thị|Kế hoạch) này có hiệu lực", re.IGNORECASE)
# the rest of the recital block: the enacting formula, a recital broken in two ("Nghị định số 92/2017/NĐ-CP …")
_RECITAL_MORE = re.compile(r"^((Ủy|Uỷ) ban nhân dân|UBND|Chủ tịch)\b.{0,120}?\bban hành\b"
                           r"|^(Nghị định|Quyết định|Thông tư|Nghị quyết|Luật|Chỉ thị|Kết luận)\s+(số\s+)?\d|^\d+/[A-ZĐ]",
                           re.IGNORECASE)
_RECITAL = re.compile(r"^(Căn cứ|Theo đề nghị|Xét đề nghị|Theo đề xuất|Thực hiện|Triển khai|Trên cơ sở)\b")


def readme_table(folder: Path) -> dict[str, dict[str, str]]:
    """The README's "Files" table: file name -> số hiệu, ngày, cơ quan ban hành, trích yếu."""
    rows: dict[str, dict[str, str]] = {}
    readme = folder / "README.md"
    for line in readme.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0].endswith(".txt"):
            rows[cells[0]] = {"number": cells[1], "date": cells[2], "issuer": cells[3], "subject": cells[4]}
    return rows


def _issuer_key(issuer: str) -> str:
    """An issuer compared across spellings: "Chủ tịch UBND TP Cần Thơ" = "Chủ tịch Ủy ban nhân dân thành phố Cần Thơ"."""
    folded = fold(issuer)
    folded = re.sub(r"\bubnd\b", "uy ban nhan dan", folded)
    folded = re.sub(r"\btp\b", "thanh pho", folded)
    return re.sub(r"\s+", " ", folded).strip()


def _iso_to_dmy(date: str) -> str:
    try:
        return dt.date.fromisoformat(date).strftime("%d/%m/%Y")
    except ValueError:
        return date


def title_problem(title: str, stem: str) -> str:
    """Why ``title`` is not a real trích yếu ("" when it looks like one)."""
    if not title or title == stem:
        return "fallback to the file name"
    if _NOT_TITLE.match(title) or _BODY_START.match(title):
        return "starts like body text"
    if len(title) > 1500:
        return "too long"
    if len(title) < 12:
        return "too short"
    return ""


def misplaced(citation: str, text: str) -> str:
    """Why a passage cited as a title or recital is body text ("" when it is not)."""
    first = text.split("\n", 1)[0]
    if citation.endswith("Phần căn cứ"):
        if _BODY_START.match(first):
            return "recital that is body text"
        return "" if _RECITAL.match(first) or _RECITAL_MORE.match(first) else "recital that is not a recital"
    if citation.endswith("Trích yếu") or citation.endswith("trích yếu"):
        if _BODY_START.match(first):
            return "title starting with a heading or bullet"
        if _RECITAL.match(first):
            return "title that is a recital"
        if len(text) > 1500:
            return "title longer than 1500 characters"
    return ""


def check(folder: Path) -> dict[str, Any]:
    """Every finding over the folder's files, with counts."""
    expected = readme_table(folder)
    findings: dict[str, list[dict[str, Any]]] = {k: [] for k in ("title", "number", "date", "issuer", "effective", "misplaced")}
    files = sorted(folder.glob("*.txt"))
    for path in files:
        doc = load_document(path)
        meta = doc.meta
        want = expected.get(path.name, {})
        if problem := title_problem(meta.title, path.stem):
            findings["title"].append({"file": path.name, "problem": problem, "got": meta.title[:200]})
        if want:
            if meta.number != want["number"]:
                findings["number"].append({"file": path.name, "got": meta.number, "want": want["number"]})
            if _iso_to_dmy(meta.date) != want["date"]:
                findings["date"].append({"file": path.name, "got": meta.date, "want": want["date"]})
            if _issuer_key(meta.issuer) != _issuer_key(want["issuer"]):
                findings["issuer"].append({"file": path.name, "got": meta.issuer, "want": want["issuer"]})
        try:
            signed = dt.date.fromisoformat(meta.date)
        except ValueError:
            signed = None
        if effective_date(doc.text, signed) is None and _STATES_EFFECT.search(doc.text):
            findings["effective"].append({"file": path.name, "got": None})
        titled: set[str] = set()
        for passage in parse_document(doc):
            reason = misplaced(passage.citation, passage.text)
            if not reason and passage.citation == "Trích yếu" and passage.text != meta.title:
                reason = "the decision's Trích yếu passage is not its title"
            if passage.kind == "title":
                if passage.citation in titled and not reason:
                    reason = "second title of the same part"
                titled.add(passage.citation)
            if reason:
                findings["misplaced"].append({"file": path.name, "citation": passage.citation, "problem": reason,
                                              "text": passage.text[:160]})
    counts = {k: len(v) for k, v in findings.items()}
    counts["misplaced_files"] = len({f["file"] for f in findings["misplaced"]})
    return {"files": len(files), "counts": counts, "findings": findings}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--out", type=Path, help="write every finding as JSON")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every finding")
    args = parser.parse_args(argv)
    result = check(args.dir)
    print(json.dumps({"files": result["files"], **result["counts"]}, ensure_ascii=False))
    if args.verbose:
        for kind, items in result["findings"].items():
            for item in items:
                print(kind, json.dumps(item, ensure_ascii=False))
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
