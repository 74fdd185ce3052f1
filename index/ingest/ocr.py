"""Reading scanned pages with Tesseract (Vietnamese): PDF pages without a text layer, and page images.

``ocr_pdf_pages(data, numbers, name)`` rasterises the given pages of a PDF (pypdfium2, at
``DPI``) and reads them; ``ocr_image(data, name)`` reads a .png/.jpg/.tif file (every frame of a
multi-page TIFF). Pages are read in parallel (``WORKERS`` Tesseract processes at most, fed by
one rendering thread: pdfium is not thread-safe), and the whole document must be read within ``MAX_SECONDS``; at most ``MAX_OCR_PAGES`` pages
are read. A skewed page is straightened first (``deskew``, when ``DESKEW``), and while pages are read in
parallel each Tesseract process runs one thread (``OMP_THREAD_LIMIT=1``: its own OpenMP threads would
only compete with the other workers for the cores). Each page comes back as an ``OcrPage``: its physical lines, as Tesseract laid them out
(not yet repaired: see ``ocr_repair``), and Tesseract's mean word confidence (0–100).

``tesseract_problem()`` says, in Vietnamese, why scans cannot be read on this machine (no
tesseract binary, no ``vie`` language data, pytesseract not installed), or None when they can.
The binary is ``tesseract`` on the PATH, or ``SOTAY_TESSERACT`` when set.

pytesseract, Pillow and pypdfium2 are imported inside the functions that use them, so nothing
imports them unless a scan is actually read; every failure is an ``OcrError`` with a Vietnamese
message naming the file.
"""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass

from sotay.index.ingest.deskew import deskew

DPI = 300
LANG = "vie"
MAX_OCR_PAGES = 60
MAX_SECONDS = 600.0
WORKERS = max(1, min(2, os.cpu_count() or 1))
# Below this mean confidence a page is reported to the user as worth checking by eye.
LOW_CONFIDENCE = 70.0
# Straighten skewed pages (from deskew.MIN_DEGREES) before reading them; the benches turn it off to compare.
DESKEW = True
APT_PACKAGES = "tesseract-ocr tesseract-ocr-vie"
INSTALL_HINT = f"sudo apt-get install {APT_PACKAGES}"
# Raster pages bigger than this (pixels) are refused rather than read (decompression bombs).
_MAX_PIXELS = 60_000_000


class OcrError(ValueError):
    """A scan that cannot be read; str(exc) is a Vietnamese message naming the file."""


@dataclass(frozen=True)
class OcrPage:
    """One page read by OCR: ``number`` (1-based, in the document), lines in reading order,
    ``confidence`` Tesseract's mean word confidence (0–100; 0 when no word was found)."""

    number: int
    lines: tuple[str, ...]
    confidence: float


def tesseract_command() -> str:
    return os.environ.get("SOTAY_TESSERACT") or "tesseract"


def tesseract_problem() -> str | None:
    """Why scans cannot be read here (Vietnamese, with the packages to install), or None."""
    command = tesseract_command()
    if shutil.which(command) is None:
        return f"máy chủ chưa cài chương trình nhận dạng chữ Tesseract (cài bằng: {INSTALL_HINT})"
    try:
        listed = subprocess.run([command, "--list-langs"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return f"không chạy được Tesseract ({command}); hãy cài lại: {INSTALL_HINT}"
    languages = {ln.strip() for ln in (listed.stdout + listed.stderr).splitlines()}
    if LANG not in languages:
        return f"Tesseract chưa có dữ liệu tiếng Việt (cài bằng: {INSTALL_HINT})"
    if any(importlib.util.find_spec(module) is None for module in ("pytesseract", "PIL", "pypdfium2")):
        return "thiếu thư viện Python pytesseract/Pillow/pypdfium2 (cài lại gói sotay bằng pip)"
    return None


def ocr_pdf_pages(data: bytes, numbers: Sequence[int], name: str) -> list[OcrPage]:
    """Read pages ``numbers`` (1-based) of the PDF ``data``; raises OcrError (limits, damage, time)."""
    _check_count(len(numbers), name)
    import pypdfium2 as pdfium

    deadline = time.monotonic() + MAX_SECONDS
    try:
        document = pdfium.PdfDocument(data)
    except Exception as exc:  # noqa: BLE001 - any failure inside pdfium on an untrusted file
        raise OcrError(f"Tệp {name}: không dựng được ảnh các trang quét để nhận dạng chữ.") from exc

    def images():
        # pdfium is not thread-safe: pages are rendered here, one at a time, and read in parallel.
        try:
            for number in numbers:
                page = document[number - 1]
                width, height = page.get_size()
                scale = DPI / 72
                if width * height * scale * scale > _MAX_PIXELS:
                    scale = (_MAX_PIXELS / (width * height)) ** 0.5
                yield number, page.render(scale=scale, grayscale=True).to_pil()
        except OcrError:
            raise
        except Exception as exc:  # noqa: BLE001 - as above
            raise OcrError(f"Tệp {name}: không dựng được ảnh trang quét để nhận dạng chữ.") from exc

    try:
        return _read_all(images(), name, deadline)
    finally:
        document.close()


def ocr_image(data: bytes, name: str) -> list[OcrPage]:
    """Read an image file (every frame of a multi-page TIFF); raises OcrError."""
    from PIL import Image, ImageSequence

    deadline = time.monotonic() + MAX_SECONDS
    try:
        Image.MAX_IMAGE_PIXELS = _MAX_PIXELS
        picture = Image.open(io.BytesIO(data))
        frames = [frame.convert("L") for frame in ImageSequence.Iterator(picture)]
    except Exception as exc:  # noqa: BLE001 - any failure inside Pillow on an untrusted file (bombs included)
        raise OcrError(f"Tệp {name} là ảnh hỏng hoặc quá lớn, không đọc được.") from exc
    _check_count(len(frames), name)
    return _read_all(((n, frame) for n, frame in enumerate(frames, 1)), name, deadline)


def _check_count(count: int, name: str) -> None:
    if count > MAX_OCR_PAGES:
        raise OcrError(
            f"Tệp {name} có {count} trang quét, vượt giới hạn nhận dạng chữ {MAX_OCR_PAGES} trang mỗi văn bản; "
            "hãy tách văn bản hoặc gửi bản có lớp chữ."
        )


_ENV_LOCK = threading.Lock()
_ENV_USERS = 0


@contextmanager
def _one_thread_per_tesseract(workers: int) -> Iterator[None]:
    """OMP_THREAD_LIMIT=1 in the environment Tesseract inherits while several pages are read at once (unless
    the user set it); restored when the last reader is done. The OpenMP runtime of this process (torch) reads
    it only when it starts, which is before (bot) or after (CLI, once restored) any OCR."""
    global _ENV_USERS
    with _ENV_LOCK:
        ours = workers > 1 and (_ENV_USERS > 0 or "OMP_THREAD_LIMIT" not in os.environ)
        if ours:
            _ENV_USERS += 1
            os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        yield
    finally:
        if ours:
            with _ENV_LOCK:
                _ENV_USERS -= 1
                if _ENV_USERS == 0:
                    os.environ.pop("OMP_THREAD_LIMIT", None)


def _read_all(images, name: str, deadline: float) -> list[OcrPage]:
    """Read (number, image) pairs with WORKERS threads, each running one Tesseract process."""
    pages: list[OcrPage] = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool, _one_thread_per_tesseract(WORKERS):
        futures = []
        try:
            for number, image in images:
                if time.monotonic() >= deadline:
                    raise _too_slow(name)
                futures.append(pool.submit(_read_page, number, image, deadline))
            done, pending = wait(futures, timeout=max(0.0, deadline - time.monotonic()))
            if pending:
                raise _too_slow(name)
            for future in futures:
                try:
                    pages.append(future.result())
                except OcrError as exc:
                    raise OcrError(f"Tệp {name}, {exc}") from exc
                except RuntimeError as exc:  # the deadline passed before the page started
                    raise _too_slow(name) from exc
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return sorted(pages, key=lambda p: p.number)


def _too_slow(name: str) -> OcrError:
    return OcrError(
        f"Tệp {name}: nhận dạng chữ các trang quét quá {MAX_SECONDS:.0f} giây nên đã dừng; "
        "hãy gửi bản có lớp chữ hoặc tách văn bản thành các tệp nhỏ hơn."
    )


def _read_page(number: int, image, deadline: float) -> OcrPage:
    """One page through Tesseract: lines rebuilt from its word boxes, mean word confidence."""
    import pytesseract

    pytesseract.pytesseract.tesseract_cmd = tesseract_command()
    if DESKEW:
        image = deskew(image)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise RuntimeError("deadline")
    try:
        data = pytesseract.image_to_data(
            image, lang=LANG, config="--psm 3 -c preserve_interword_spaces=0",
            output_type=pytesseract.Output.DICT, timeout=remaining,
        )
    except RuntimeError as exc:  # pytesseract raises RuntimeError on its timeout
        raise OcrError(f"trang {number}: nhận dạng chữ quá thời gian cho phép") from exc
    except pytesseract.TesseractError as exc:
        raise OcrError(f"trang {number}: Tesseract báo lỗi ({exc.message.strip()[:200]})") from exc
    lines: dict[tuple[int, int, int], list[str]] = {}
    confidences: list[float] = []
    for i, word in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if conf < 0 or not word.strip():
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        lines.setdefault(key, []).append(word.strip())
        confidences.append(conf)
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return OcrPage(number, tuple(" ".join(words) for words in lines.values()), round(mean, 1))
