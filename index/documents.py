"""The corpus: decision files and their metadata sidecars.

A decision is a text file (``.txt`` or ``.md``) in the corpus folder, with an
optional YAML sidecar of the same stem giving its metadata (see
``corpus/*.yaml``). Adding a decision is dropping the two files in; nothing in
the code knows any document by name. Missing metadata fields are read off the
text where the decision states them ("Số: ...", "<Tỉnh>, ngày ... tháng ...").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from sotay.index.ingest.stated_meta import stated_metadata
from sotay.text import nfc

TEXT_SUFFIXES = (".txt", ".md")
FOREIGN_SUFFIXES = (".pdf", ".docx", ".doc", ".odt", ".rtf")  # decisions that must go through `sotay corpus add`

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is ~10x faster at 1,000s of sidecars


class CorpusError(ValueError):
    """A corpus file or sidecar that cannot be used; the message is Vietnamese."""


@dataclass(frozen=True)
class DocumentMeta:
    """What a decision is: the fields a citation needs."""

    id: str
    title: str
    province: str = ""
    issuer: str = ""
    type: str = "Quyết định"
    number: str = ""
    date: str = ""
    date_text: str = ""
    short_name: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def label(self) -> str:
        """How answers name the decision, e.g. "QĐ …/2022 Ninh Thuận"."""
        if self.short_name:
            return self.short_name
        number = self.number or "(chưa rõ số)"
        return f"{self.type} {number} {self.province}".strip()


@dataclass(frozen=True)
class Document:
    """A decision's metadata and its full text (NFC)."""

    meta: DocumentMeta
    text: str
    path: Path

    @property
    def digest(self) -> str:
        """SHA-256 of the text and metadata: changes whenever either changes."""
        h = hashlib.sha256(self.text.encode("utf-8"))
        h.update(repr(sorted(vars(self.meta).items())).encode("utf-8"))
        return h.hexdigest()


def load_document(path: Path) -> Document:
    """Read one decision and its sidecar; raises CorpusError when unusable."""
    try:
        text = nfc(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise CorpusError(f"Tệp {path.name} không phải văn bản UTF-8.") from exc
    if not text.strip():
        raise CorpusError(f"Tệp {path.name} rỗng.")
    sidecar = path.with_suffix(".yaml")
    meta: dict = stated_metadata(text)
    if sidecar.exists():
        try:
            loaded = yaml.load(sidecar.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
        except yaml.YAMLError as exc:
            raise CorpusError(f"Tệp siêu dữ liệu {sidecar.name} sai cú pháp YAML.") from exc
        if not isinstance(loaded, dict):
            raise CorpusError(f"Tệp siêu dữ liệu {sidecar.name} phải là một bảng khóa: giá trị.")
        meta.update({k: nfc(str(v)) if isinstance(v, str) else v for k, v in loaded.items()})
    meta.setdefault("id", path.stem)
    meta.setdefault("title", path.stem)
    known = {f for f in DocumentMeta.__dataclass_fields__ if f != "extra"}
    fields = {k: str(v) for k, v in meta.items() if k in known}
    extra = {k: v for k, v in meta.items() if k not in known}
    return Document(meta=DocumentMeta(**fields, extra=extra), text=text, path=path)


def corpus_files(folder: Path) -> list[Path]:
    """The decision files in ``folder``, in a stable order."""
    if not folder.is_dir():
        raise CorpusError(f"Không tìm thấy thư mục văn bản: {folder}")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in TEXT_SUFFIXES and p.is_file())


def load_corpus(folder: Path) -> list[Document]:
    """Every decision in ``folder``; ids must be unique."""
    docs = [load_document(p) for p in corpus_files(folder)]
    seen: dict[str, Path] = {}
    for doc in docs:
        if doc.meta.id in seen:
            raise CorpusError(f"Hai văn bản trùng mã '{doc.meta.id}': {seen[doc.meta.id].name}, {doc.path.name}")
        seen[doc.meta.id] = doc.path
    return docs


def stray_files(corpus: Path) -> list[Path]:
    """Files in ``corpus`` that look like decisions but are not indexed (.pdf, .docx … dropped by hand)."""
    if not corpus.is_dir():
        return []
    return sorted(p for p in corpus.iterdir()
                  if p.is_file() and p.suffix.lower() in FOREIGN_SUFFIXES and p.suffix.lower() not in TEXT_SUFFIXES)


def stray_warning(corpus: Path) -> str | None:
    """A Vietnamese warning naming the stray files, or None."""
    strays = stray_files(corpus)
    if not strays:
        return None
    names = ", ".join(p.name for p in strays[:5]) + (" …" if len(strays) > 5 else "")
    return (f"Cảnh báo: {len(strays)} tệp trong thư mục văn bản không được đọc ({names}). "
            f"Hãy thêm bằng lệnh: sotay corpus add <tệp> (tệp sẽ được chuyển thành văn bản và lập chỉ mục).")
