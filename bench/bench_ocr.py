#!/usr/bin/env python
"""OCR of scanned decisions: character error rate before and after ``ocr_repair``, seconds per page.

Run from the repository root (needs the ``test`` extra and tesseract-ocr + tesseract-ocr-vie)::

    .venv/bin/python bench/bench_ocr.py [--out bench/results-ocr.json]

The scan is the one the tests use (tests/scanned_files.py): the head of the Ninh Thuận decision and its
Quy định up to the end of Điều 4, DejaVu Sans at 200 dpi, rotated, blurred and speckled, as an
image-only PDF. For several degradations it measures:

- raw CER: Tesseract's lines as they come, against the rendered text (whitespace collapsed);
- repaired CER: ``extract_decision``'s text (``ocr_repair`` + ``line_repair``) against the same;
- citations: of the citations ``parse_document`` finds in the source excerpt, the share found in the scan;
- seconds per page: OCR wall time (rasterising at 300 dpi included) over pages, with 1 and with 2 workers;
- Tesseract's mean confidence.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from scanned_files import cer, ninh_thuan_excerpt, reference_text, render_pages, write_scanned_pdf  # noqa: E402

from sotay.index.documents import Document, DocumentMeta  # noqa: E402
from sotay.index.ingest import ocr  # noqa: E402
from sotay.index.ingest.formats import extract_decision  # noqa: E402
from sotay.index.parse import parse_document  # noqa: E402

SETTINGS = {
    "clean": {"rotate": 0.0, "blur": 0.0, "speckles": 0},
    "scan (tests)": {},
    "heavy": {"rotate": 1.0, "blur": 1.0, "speckles": 4000},
}


def _citations(text: str) -> set[str]:
    doc = Document(DocumentMeta(id="d", title="d"), text, Path("d.txt"))
    return {p.citation for p in parse_document(doc) if p.citation.split(", ")[-1].startswith(("Điều", "khoản", "điểm"))}


def measure(name: str, options: dict, folder: Path) -> dict:
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
    repaired = extract_decision(pdf).text
    expected = _citations(reference)
    found = _citations(repaired)
    return {
        "setting": name, "options": options, "pages": len(pages),
        "cer_raw": round(cer(reference, raw), 4), "cer_repaired": round(cer(reference, repaired), 4),
        "citations_found": f"{len(expected & found)}/{len(expected)}",
        "missing_citations": sorted(expected - found),
        "seconds_per_page_1_worker": round(timings[1], 2), "seconds_per_page_2_workers": round(timings[2], 2),
        "confidence": [p.confidence for p in read],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results-ocr.json")
    args = parser.parse_args()
    problem = ocr.tesseract_problem()
    if problem:
        sys.exit(f"Tesseract unavailable: {problem}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, options in SETTINGS.items():
            results.append(measure(name, options, Path(tmp)))
            print(json.dumps(results[-1], ensure_ascii=False), file=sys.stderr)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print("| scan | pages | CER raw | CER repaired | citations found | s/page (1 worker) | s/page (2 workers) | confidence |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['setting']} | {r['pages']} | {r['cer_raw']:.3f} | {r['cer_repaired']:.3f} | {r['citations_found']} | "
              f"{r['seconds_per_page_1_worker']:.2f} | {r['seconds_per_page_2_workers']:.2f} | "
              f"{', '.join(f'{c:.1f}' for c in r['confidence'])} |")


if __name__ == "__main__":
    main()
