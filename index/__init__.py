"""The decisions made searchable: reading them, indexing them, answering from them.

Public API (modules; import the one you need, so light paths stay light)::

    sotay.index.answer.answer_question(index, question)   # the quoted, cited answer or an abstention
    sotay.index.search.hybrid.open_index(corpus, data_dir) # the live hybrid index (built if stale)
    sotay.index.corpus_admin.add_decisions / remove_decision / list_decisions
    sotay.index.duties.records.all_duties / duties_for; sotay.index.duties.questions.read_duty_question
    sotay.index.ingest.formats.extract_decision(path)     # a .docx/.pdf/.txt/.md file -> decision text

``documents`` (the corpus folder), ``parse`` (cited passages), ``vietnamese`` (abbreviations,
tones, syllables) and ``provinces`` are shared by the sub-packages ``ingest/``, ``search/``,
``duties/`` and ``model/``. Nothing here imports torch, faiss or underthesea at import time.
"""

__all__ = ["answer", "corpus_admin", "documents", "duties", "ingest", "model", "parse", "provinces", "search",
           "vietnamese"]
