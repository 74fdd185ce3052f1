"""TEMPORARY stand-in for ``sotay.index.ingest`` (stream A) for .txt/.md only; deleted when it lands."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .documents import _stated_metadata
from .normalize import nfc


class IngestError(ValueError):
    """A file that cannot be taken in (Vietnamese message)."""


@dataclass(frozen=True)
class ExtractedDecision:
    text: str
    meta: dict[str, str]
    source_format: str
    pages: int | None


def extract_decision(path: Path) -> ExtractedDecision:
    if path.suffix.lower() not in (".txt", ".md"):
        raise IngestError(f"Tệp {path.name}: chưa hỗ trợ loại tệp này.")
    try:
        text = nfc(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise IngestError(f"Tệp {path.name} không phải văn bản UTF-8.") from exc
    if "\x00" in text or not text.strip():
        raise IngestError(f"Tệp {path.name} rỗng hoặc không phải văn bản.")
    if "Điều" not in text and "QUYẾT ĐỊNH" not in text and "KẾ HOẠCH" not in text:
        raise IngestError(f"Tệp {path.name} không giống một quyết định (không có Điều, khoản hay tiêu đề).")
    return ExtractedDecision(text, _stated_metadata(text), path.suffix.lower().lstrip("."), None)


def read_sidecar(path: Path) -> dict[str, str]:
    sidecar = path.with_suffix(".yaml")
    if not sidecar.exists():
        return {}
    try:
        data = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise IngestError(f"Tệp {sidecar.name} sai cú pháp YAML.") from exc
    if not isinstance(data, dict):
        raise IngestError(f"Tệp {sidecar.name} phải là một bảng khóa: giá trị.")
    return {str(k): str(v) for k, v in data.items()}
