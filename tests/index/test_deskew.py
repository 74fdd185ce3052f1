"""Straightening scanned pages before OCR (index/ingest/deskew.py) and one Tesseract thread per parallel reader
(index/ingest/ocr.py): pages rendered and rotated here (tests/scanned_files.py), no Tesseract needed."""

from __future__ import annotations

import os

import numpy as np
import pytest
from scanned_files import ninh_thuan_excerpt, render_pages

from sotay.index.ingest import ocr
from sotay.index.ingest.deskew import MIN_DEGREES, deskew, estimate_skew


@pytest.mark.parametrize("degrees", [0.0, 0.6, -1.5, 3.0])
def test_skew_of_a_rotated_page_is_found(degrees: float) -> None:
    page = render_pages(ninh_thuan_excerpt()[:50], rotate=degrees, blur=0.8, speckles=2500)[0]
    assert estimate_skew(page) == pytest.approx(degrees, abs=0.15)


def test_deskewed_page_is_straight_and_a_straight_page_is_left_alone() -> None:
    skewed, straight = (render_pages(ninh_thuan_excerpt()[:50], rotate=r, speckles=0)[0] for r in (2.5, 0.0))
    fixed = deskew(skewed)
    assert fixed.size == skewed.size
    assert abs(estimate_skew(fixed)) < MIN_DEGREES
    assert deskew(straight) is straight


def test_blank_page_has_no_skew() -> None:
    from PIL import Image

    assert estimate_skew(Image.fromarray(np.full((300, 200), 255, dtype=np.uint8))) == 0.0


def test_parallel_readers_run_tesseract_with_one_thread(monkeypatch) -> None:
    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    with ocr._one_thread_per_tesseract(2):
        with ocr._one_thread_per_tesseract(2):
            assert os.environ["OMP_THREAD_LIMIT"] == "1"
        assert os.environ["OMP_THREAD_LIMIT"] == "1"  # the other reader is still at work
    assert "OMP_THREAD_LIMIT" not in os.environ
    with ocr._one_thread_per_tesseract(1):
        assert "OMP_THREAD_LIMIT" not in os.environ
    monkeypatch.setenv("OMP_THREAD_LIMIT", "4")  # the user's own setting wins
    with ocr._one_thread_per_tesseract(2):
        assert os.environ["OMP_THREAD_LIMIT"] == "4"
    assert os.environ["OMP_THREAD_LIMIT"] == "4"
