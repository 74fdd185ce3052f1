"""Finding the passages that answer: the persisted hybrid index and its query path.

``store`` builds and updates the index on disk; ``hybrid.open_index`` loads it and
``HybridIndex.search`` ranks passages (BM25 over ``tokens`` fused with dense vectors;
``restore`` puts diacritics back on unaccented questions; ``docref`` finds the decision a
question names).
"""
