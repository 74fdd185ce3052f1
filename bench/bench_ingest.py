#!/usr/bin/env python
"""pypdf against pdfplumber on realistic Vietnamese decision PDFs: which reader should ingestion use?

Run from the repository root (needs the ``test`` and ``bench`` extras)::

    .venv/bin/python bench/bench_ingest.py [--out bench/results-ingest.json]

The three seed decisions are written as PDFs exactly as the tests do (tests/decision_files.py:
fpdf2, embedded DejaVu Serif, a two-column head, justified text over several pages, running
header, banner and page numbers). Each reader extracts every page; the same cleanup
(``line_repair``) then runs on its output. Measured per reader:

- diacritics kept: share of the source's non-ASCII letters (ơ, ư, ệ, Đ, ...) found in the output
  (multiset intersection, after NFC);
- character error rate: edit distance between the whitespace-normalised source and output,
  over the source length (computed line by line on aligned lines, see ``_cer``);
- reading order: share of the source's words found in the same order (longest matching blocks);
- head lines intact: of the six lines of the two-column head (issuer, number | banner, place and
  date), how many the reader gives as lines of their own on page 1; a reader that sorts text by position merges
  "ỦY BAN NHÂN DÂN" with "CỘNG HÒA ..." (the same happens to recipients | signature);
- stated metadata: issuer, number and date all read by ``stated_metadata``;
- citations: seed citations found after ingestion, over the seed's;
- milliseconds per page of extraction (median of 3 runs).
"""

from __future__ import annotations

import argparse
import difflib
import json
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from decision_files import BANNER, SEEDS, load_decision, write_pdf  # noqa: E402

from sotay.index.documents import Document, DocumentMeta, load_document
from sotay.index.ingest.line_repair import full_line_length, join_lines, strip_page_furniture
from sotay.index.ingest.stated_meta import stated_metadata
from sotay.index.parse import parse_document


def pages_pypdf(path: Path) -> list[list[str]]:
    from pypdf import PdfReader

    return [(p.extract_text() or "").splitlines() for p in PdfReader(path).pages]


def pages_pypdf_layout(path: Path) -> list[list[str]]:
    from pypdf import PdfReader

    return [(p.extract_text(extraction_mode="layout") or "").splitlines() for p in PdfReader(path).pages]


def pages_pdfplumber(path: Path) -> list[list[str]]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [(p.extract_text() or "").splitlines() for p in pdf.pages]


READERS = {"pypdf": pages_pypdf, "pypdf (layout mode)": pages_pypdf_layout, "pdfplumber": pages_pdfplumber}


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _cer(reference: list[str], output: list[str]) -> float:
    """Character error rate: lines aligned by difflib, then character edits inside each aligned pair.

    A full Levenshtein over 25,000 characters is too slow in pure Python; aligning lines first and
    counting characters of unmatched lines as errors gives the same figure when lines are short.
    """
    errors = 0
    matcher = difflib.SequenceMatcher(None, reference, output, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        ref, out = " ".join(reference[i1:i2]), " ".join(output[j1:j2])
        chars = difflib.SequenceMatcher(None, ref, out, autojunk=False)
        same = sum(b.size for b in chars.get_matching_blocks())
        errors += max(len(ref), len(out)) - same
    return errors / max(1, sum(len(r) for r in reference))


def _diacritics_kept(reference: str, output: str) -> float:
    want = Counter(c for c in reference if c.isalpha() and not c.isascii())
    got = Counter(c for c in output if c.isalpha() and not c.isascii())
    return sum((want & got).values()) / max(1, sum(want.values()))


def _order(reference: str, output: str) -> float:
    ref, out = reference.split(), output.split()
    matcher = difflib.SequenceMatcher(None, ref, out, autojunk=False)
    return sum(b.size for b in matcher.get_matching_blocks()) / max(1, len(ref))


def _source_lines(decision) -> list[str]:
    """What was printed, in reading order, one paragraph per line (the ground truth)."""
    lines = [*decision.issuer, decision.number, *BANNER, decision.place_date]
    for kind, block in decision.blocks:
        lines.extend([*decision.issuer, *BANNER] if kind == "head" else block)
    return [_norm(ln) for ln in lines]


def _citations(text: str) -> set[str]:
    return {p.citation for p in parse_document(Document(DocumentMeta(id="b", title="b"), text, Path("b")))}


def run(out: Path | None) -> dict:
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in SEEDS:
            decision = load_decision(seed, number="25/2022/QĐ-UBND", date_text="ngày 01 tháng 12 năm 2022")
            pdf = write_pdf(decision, Path(tmp) / f"{seed.stem}.pdf")
            source = _source_lines(decision)
            seed_citations = _citations(load_document(seed).text)
            for name, reader in READERS.items():
                timings = []
                for _ in range(3):
                    start = time.perf_counter()
                    pages = reader(pdf)
                    timings.append(time.perf_counter() - start)
                body = [ln for page in strip_page_furniture(pages) for ln in page]
                lines = [_norm(ln) for ln in join_lines(body, full_line_length(body))]
                text = "\n".join(lines)
                meta = stated_metadata(text)
                meta_ok = (meta.get("issuer", "").startswith("Ủy ban nhân dân tỉnh")
                           and meta.get("number") == "25/2022/QĐ-UBND" and meta.get("date") == "2022-12-01")
                first_page = {_norm(ln) for ln in pages[0]}
                head_intact = sum(1 for ln in source[:6] if ln in first_page)
                row = results.setdefault(name, {"files": {}})
                row["files"][seed.stem] = {
                    "pages": len(pages),
                    "ms_per_page": 1000 * statistics.median(timings) / len(pages),
                    "diacritics_kept": _diacritics_kept("\n".join(source), text),
                    "cer": _cer(source, lines),
                    "word_order": _order(" ".join(source), text),
                    "head_lines_intact": head_intact,
                    "metadata_read": meta_ok,
                    "citations_found": len(_citations(text) & seed_citations) / len(seed_citations),
                }
    for row in results.values():
        files = row["files"].values()
        row["total"] = {
            "pages": sum(f["pages"] for f in files),
            "ms_per_page": statistics.mean(f["ms_per_page"] for f in files),
            "diacritics_kept": statistics.mean(f["diacritics_kept"] for f in files),
            "cer": statistics.mean(f["cer"] for f in files),
            "word_order": statistics.mean(f["word_order"] for f in files),
            "head_lines_intact": sum(f["head_lines_intact"] for f in files),
            "metadata_read": sum(f["metadata_read"] for f in files),
            "citations_found": statistics.mean(f["citations_found"] for f in files),
        }
    if out:
        out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write every figure as JSON")
    results = run(parser.parse_args().out)
    print("| reader | pages | ms/page | diacritics kept | CER | words in order | head lines intact | metadata read "
          "| citations found |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, row in results.items():
        t = row["total"]
        print(f"| {name} | {t['pages']} | {t['ms_per_page']:.1f} | {t['diacritics_kept']:.4f} | {t['cer']:.4f} "
              f"| {t['word_order']:.4f} | {t['head_lines_intact']}/{6 * len(row['files'])} "
              f"| {t['metadata_read']}/{len(row['files'])} | {t['citations_found']:.3f} |")


if __name__ == "__main__":
    main()
