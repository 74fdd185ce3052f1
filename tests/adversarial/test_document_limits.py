"""Hostile decision files are refused within bounds: paragraphs, inflated PDF content, memory; Word
numbering is read in time linear in the document (files generated here)."""

from __future__ import annotations

import io
import threading
import time
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from corpus_workspace import fourth_decision, make_workspace, tree_digest
from docx.parts.document import DocumentPart

from sotay.index import add_worker
from sotay.index.add_worker import Limits, add_in_worker
from sotay.index.ingest import formats
from sotay.index.ingest.formats import IngestError, extract_decision
from sotay.index.search.hybrid import open_index
from sotay.index.search.store import IndexPaths


def empty_paragraphs_docx(path: Path, count: int) -> Path:
    """A .docx with a decision's heading and article, then ``count`` empty paragraphs (a few KB zipped)."""
    document = docx.Document()
    document.add_paragraph("QUYẾT ĐỊNH")
    document.add_paragraph("Điều 1. Phạm vi điều chỉnh", style="List Number")
    buffer = io.BytesIO()
    document.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:sectPr", b"<w:p/>" * count + b"<w:sectPr", 1)
            target.writestr(item, data)
    return path


def test_word_numbering_resolves_each_style_once_not_once_per_paragraph(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """10^4 empty paragraphs: python-docx's style look-up (a scan of every style) runs per style, not per
    paragraph (it made a 10^5-paragraph file take minutes)."""
    lookups = []
    original = DocumentPart.get_style

    def counting(part, style_id, style_type):
        lookups.append(style_id)
        return original(part, style_id, style_type)

    monkeypatch.setattr(DocumentPart, "get_style", counting)
    extracted = extract_decision(empty_paragraphs_docx(tmp_path / "qd-rong.docx", 10_000))
    assert "1. Điều 1. Phạm vi điều chỉnh" in extracted.text  # the list label is still read
    assert len(lookups) <= 3, len(lookups)


def test_too_many_paragraph_elements_are_refused_before_reading(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "MAX_DOCX_PARAGRAPHS", 5_000)
    with pytest.raises(IngestError) as refused:
        extract_decision(empty_paragraphs_docx(tmp_path / "qd-rong.docx", 6_000))
    assert "6.002 đoạn" in str(refused.value) and "5.000" in str(refused.value)


def test_a_decision_of_too_many_paragraphs_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "qd-dai.txt"
    articles = "\n\n".join(f"Điều {n}. Nội dung điều {n}." for n in range(1, formats.MAX_PARAGRAPHS + 2))
    path.write_text(f"QUYẾT ĐỊNH\n\n{articles}\n", encoding="utf-8")
    with pytest.raises(IngestError) as refused:
        extract_decision(path)
    assert "qd-dai.txt" in str(refused.value) and "vượt giới hạn 20.000 đoạn" in str(refused.value)


def flate_bomb_pdf(path: Path, streams: int, inflated: int) -> Path:
    """A one-page PDF whose content is ``streams`` flate streams of ``inflated`` bytes each (spaces:
    they compress a thousandfold)."""
    blob = zlib.compress(b" " * inflated, 9)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents ["
                + " ".join(f"{4 + n} 0 R" for n in range(streams)) + "] >>").encode()]
    objects += [b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(blob) + blob + b"\nendstream"
                for _ in range(streams)]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def test_a_pdf_flate_bomb_is_refused_on_its_first_page(tmp_path: Path) -> None:
    bomb = flate_bomb_pdf(tmp_path / "qd-bom.pdf", streams=70, inflated=1024 * 1024)
    assert bomb.stat().st_size < 200 * 1024
    with pytest.raises(IngestError) as refused:
        extract_decision(bomb)
    assert "qd-bom.pdf" in str(refused.value) and "1 trang đầu" in str(refused.value)
    assert "bom nén" in str(refused.value)


def test_an_add_over_its_memory_limit_is_refused_and_changes_nothing(tmp_path: Path, index,
                                                                      session_data_dir: Path) -> None:
    """The worker's address space is limited (RLIMIT_AS): loading the embedding model in 400 MB fails there,
    in the worker, with a Vietnamese message; the corpus and the index are as they were."""
    corpus, data = make_workspace(tmp_path, session_data_dir)
    open_index(corpus, data, progress=False).close()
    before = tree_digest(corpus, IndexPaths(data).root)
    with pytest.raises(IngestError) as refused:
        add_in_worker([fourth_decision(tmp_path)], corpus, data, limits=Limits(seconds=300, memory_mb=400))
    assert "400 MB bộ nhớ" in str(refused.value)
    assert tree_digest(corpus, IndexPaths(data).root) == before


def test_an_add_stopped_with_the_program_ends_interrupted_and_changes_nothing(tmp_path: Path, index,
                                                                              session_data_dir: Path) -> None:
    """Stopping the bot (SIGTERM) must not wait for an add's time limit: ``stop_running`` kills the running
    worker, the add ends as interrupted within seconds, and the corpus and the index are as they were."""
    corpus, data = make_workspace(tmp_path, session_data_dir)
    open_index(corpus, data, progress=False).close()
    before = tree_digest(corpus, IndexPaths(data).root)
    outcome: list[BaseException | object] = []

    def add() -> None:
        try:
            outcome.append(add_in_worker([fourth_decision(tmp_path)], corpus, data, limits=Limits(seconds=600)))
        except IngestError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=add)
    thread.start()
    for _ in range(200):  # the worker is registered as soon as it is started
        if add_worker.stop_running():
            break
        time.sleep(0.05)
    thread.join(timeout=60)
    assert not thread.is_alive()
    [refused] = outcome
    assert isinstance(refused, IngestError) and str(refused) == add_worker.INTERRUPTED_MESSAGE
    assert tree_digest(corpus, IndexPaths(data).root) == before


def test_a_library_that_cannot_be_mapped_under_the_limit_is_read_as_out_of_memory() -> None:
    # seen in CI: under the worker's address-space limit, torch loading its OpenMP library through ctypes fails
    # with this OSError (errno unset) rather than MemoryError or ImportError
    assert add_worker._out_of_memory(OSError("libgomp.so.1: failed to map segment from shared object"))
    assert add_worker._out_of_memory(ImportError("libtorch_cpu.so: failed to map segment from shared object"))
    assert not add_worker._out_of_memory(OSError("libgomp.so.1: cannot open shared object file: No such file"))
