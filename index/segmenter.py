"""underthesea, loaded for what sotay uses: word segmentation and tone normalisation.

``import underthesea`` also imports its optional pipelines (translation, classification,
sentiment, dependency parsing …) whenever their libraries are installed — and in this
project they are (sentence-transformers brings torch and transformers), so a plain import
costs 4–12 s and hundreds of MiB for nothing we call. The package itself skips a pipeline
whose import fails (``get_optional_import`` returns None), so ``load`` makes exactly those
imports fail while underthesea initialises; ``word_tokenize`` and ``text_normalize`` are the
same functions, giving the same tokens (tests/index/test_segmenter.py).
"""

from __future__ import annotations

import importlib.abc
import sys
from functools import lru_cache
from types import ModuleType

_SKIPPED = ("underthesea.pipeline.classification", "underthesea.pipeline.sentiment",
            "underthesea.pipeline.lang_detect", "underthesea.pipeline.dependency_parse",
            "underthesea.pipeline.translate", "underthesea.agent", "underthesea.address")


class _SkipOptionalPipelines(importlib.abc.MetaPathFinder):
    """Makes the import of underthesea's optional pipelines fail (underthesea then leaves them out)."""

    def find_spec(self, fullname, path, target=None):  # noqa: ANN001, ANN201 (the finder protocol)
        if fullname.startswith(_SKIPPED):
            raise ImportError(f"{fullname} is not used by sotay")
        return None


@lru_cache(maxsize=1)
def load() -> ModuleType:
    """The underthesea package without its optional pipelines (imported once, on first use)."""
    if "underthesea" in sys.modules:
        return sys.modules["underthesea"]
    blocker = _SkipOptionalPipelines()
    sys.meta_path.insert(0, blocker)
    try:
        import underthesea
    finally:
        sys.meta_path.remove(blocker)
    return underthesea
