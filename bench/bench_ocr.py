#!/usr/bin/env python
"""OCR of scanned decisions: character error rate before and after ``ocr_repair``, seconds per page.

Run from the repository root (needs the ``test`` extra and tesseract-ocr + tesseract-ocr-vie)::

    .venv/bin/python bench/bench_ocr.py [--out bench/results-ocr.json]

The scan is the one the tests use (tests/scanned_files.py): the head of the Ninh Thuận decision and its
Quy định up to the end of Điều 4, DejaVu Sans at 200 dpi, rotated, blurred and speckled, as an
image-only PDF. For several degradations it measures:

- raw CER: Tesseract's lines as they come, against the rendered text (whitespace collapsed);
- repaired CER: ``extract_decision``'s text (``ocr_repair`` + ``line_repair``) against the same, without and
  with diacritic correction (``ocr_spelling``) against a vocabulary of the other decisions (the two other
  seeds and tests/data/real: never the Ninh Thuận text itself);
- citations: of the citations ``parse_document`` finds in the source excerpt, the share found in the scan;
- seconds per page: OCR wall time (rasterising at 300 dpi and deskewing included) over pages, with 1 and
  with 2 workers;
- Tesseract's mean confidence.

Then a 10-page scan (the whole Ninh Thuận decision, then the Sơn La one, cut at 10 pages; "scan (tests)"
degradation, skewed ±0.8°) is read end to end by ``extract_decision`` (rasterise, deskew, OCR with 2
workers, repair, diacritic correction) three ways: as shipped (one Tesseract thread per worker), with
Tesseract's own OpenMP threads left on, and without deskewing; besides wall time, the CPU seconds of this
process and its Tesseract children, whose half is the wall time on two idle cores (the machine is shared).
``--no-ten-pages`` skips it, ``--only-ten-pages`` runs only it (as shipped);
``--no-deskew`` runs the CER settings without deskewing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from scanned_files import NINH_THUAN, cer, ninh_thuan_excerpt, reference_text, render_pages, write_scanned_pdf  # noqa: E402

from sotay.index.documents import Document, DocumentMeta  # noqa: E402
from sotay.index.ingest import ocr  # noqa: E402
from sotay.index.ingest.formats import extract_decision  # noqa: E402
from sotay.index.ingest.ocr_spelling import spelling_vocabulary  # noqa: E402
from sotay.index.parse import clean_lines, parse_document  # noqa: E402

TEN_PAGE_WAYS = ("shipped", "tesseract threads on", "no deskew")
SETTINGS = {
    "clean": {"rotate": 0.0, "blur": 0.0, "speckles": 0},
    "scan (tests)": {},
    "heavy": {"rotate": 1.0, "blur": 1.0, "speckles": 4000},
}


def _citations(text: str) -> set[str]:
    doc = Document(DocumentMeta(id="d", title="d"), text, Path("d.txt"))
    return {p.citation for p in parse_document(doc) if p.citation.split(", ")[-1].startswith(("Điều", "khoản", "điểm"))}


def other_decisions_vocabulary():
    """Syllable counts of every typed decision here except the Ninh Thuận one that is scanned."""
    files = [p for p in sorted((ROOT / "corpus").glob("*.txt")) if p != NINH_THUAN]
    files += sorted((ROOT / "tests" / "data" / "real").glob("*.txt"))
    return spelling_vocabulary("\n".join(clean_lines(p.read_text(encoding="utf-8"))) for p in files)


def measure(name: str, options: dict, folder: Path, vocabulary) -> dict:
    lines = ninh_thuan_excerpt()
    reference = reference_text(lines)
    pages = render_pages(lines, **options)
    pdf = write_scanned_pdf(pages, folder / f"{name.split()[0]}.pdf")
    data = pdf.read_bytes()
    numbers = list(range(1, len(pages) + 1))
    timings = {}
    for workers in (1, 2):
        ocr.WORKERS = workers
        start = time.perf_counter()
        read = ocr.ocr_pdf_pages(data, numbers, pdf.name)
        timings[workers] = (time.perf_counter() - start) / len(pages)
    raw = "\n".join(line for page in read for line in page.lines)
    reader, ocr.ocr_pdf_pages = ocr.ocr_pdf_pages, lambda *a: read  # the pages just read, not read again
    try:
        unspelled = extract_decision(pdf).text
        repaired = extract_decision(pdf, lambda: vocabulary).text
    finally:
        ocr.ocr_pdf_pages = reader
    expected = _citations(reference)
    found = _citations(repaired)
    return {
        "setting": name, "options": options, "pages": len(pages),
        "cer_raw": round(cer(reference, raw), 4), "cer_repaired_no_spelling": round(cer(reference, unspelled), 4),
        "cer_repaired": round(cer(reference, repaired), 4),
        "citations_found": f"{len(expected & found)}/{len(expected)}",
        "missing_citations": sorted(expected - found),
        "seconds_per_page_1_worker": round(timings[1], 2), "seconds_per_page_2_workers": round(timings[2], 2),
        "confidence": [p.confidence for p in read],
    }


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the Tesseract processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def ten_pages(folder: Path, vocabulary, ways: tuple[str, ...] = TEN_PAGE_WAYS) -> dict:
    """Seconds for ``extract_decision`` of a 10-page image-only PDF (and the characters it read), three ways."""
    lines = clean_lines(NINH_THUAN.read_text(encoding="utf-8"))
    lines += clean_lines((ROOT / "corpus" / "son-la-2021-kinh-te-tap-the.txt").read_text(encoding="utf-8"))
    pages = render_pages(lines, rotate=0.8)[:10]
    pdf = write_scanned_pdf(pages, folder / "ten-pages.pdf")
    out: dict = {"pages": len(pages)}
    threads = ocr._one_thread_per_tesseract
    for way in ways:
        ocr.WORKERS, ocr.DESKEW = 2, way != "no deskew"
        if way == "tesseract threads on":
            ocr._one_thread_per_tesseract = lambda workers: contextlib.nullcontext()
        start, cpu = time.perf_counter(), _cpu_seconds()
        text = extract_decision(pdf, lambda: vocabulary).text
        used = _cpu_seconds() - cpu
        out[way] = {"seconds": round(time.perf_counter() - start, 1), "cpu_seconds": round(used, 1),
                    "seconds_on_2_idle_cores": round(used / 2, 1), "load_average": os.getloadavg()[0]}
        ocr._one_thread_per_tesseract = threads
        out[way]["chars"] = len(text)
        print(json.dumps({way: out[way]}, ensure_ascii=False), file=sys.stderr)
    ocr.DESKEW = True
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results-ocr.json")
    parser.add_argument("--no-deskew", action="store_true", help="CER settings read without deskewing")
    parser.add_argument("--no-ten-pages", action="store_true", help="skip the 10-page end-to-end timing")
    parser.add_argument("--only-ten-pages", action="store_true", help="only the 10-page timing, as shipped")
    args = parser.parse_args()
    ocr.DESKEW = not args.no_deskew
    problem = ocr.tesseract_problem()
    if problem:
        sys.exit(f"Tesseract unavailable: {problem}")
    results = []
    vocabulary = other_decisions_vocabulary()
    if args.only_ten_pages:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(ten_pages(Path(tmp), vocabulary, TEN_PAGE_WAYS[:1]), ensure_ascii=False))
        return
    with tempfile.TemporaryDirectory() as tmp:
        for name, options in SETTINGS.items():
            results.append(measure(name, options, Path(tmp), vocabulary))
            print(json.dumps(results[-1], ensure_ascii=False), file=sys.stderr)
        timing = None if args.no_ten_pages else ten_pages(Path(tmp), vocabulary)
    args.out.write_text(json.dumps({"deskew": not args.no_deskew, "settings": results, "ten_pages": timing},
                                   ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print("| scan | pages | CER raw | CER repaired, no spelling | CER repaired | citations found | s/page (1 worker) "
          "| s/page (2 workers) | confidence |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['setting']} | {r['pages']} | {r['cer_raw']:.3f} | {r['cer_repaired_no_spelling']:.3f} | {r['cer_repaired']:.3f} | {r['citations_found']} | "
              f"{r['seconds_per_page_1_worker']:.2f} | {r['seconds_per_page_2_workers']:.2f} | "
              f"{', '.join(f'{c:.1f}' for c in r['confidence'])} |")

    if timing:
        print("\n10-page scan, end to end: " + "; ".join(f"{way} {timing[way]['seconds']} s" for way in timing
                                                         if way != "pages"))


if __name__ == "__main__":
    main()
