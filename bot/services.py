"""What the dialogue calls: question answering, responsibilities, recovery.

The heavy question-answering index (embedding model, faiss) is loaded on the
first question only; greetings, the responsibility look-up and recovery
calculations never wait for it. Every function returns Vietnamese text.

Adding decisions (``add_decisions``) runs in a worker process with limits
(``add_worker``) and never takes the search lock: questions are answered from
the live index meanwhile (which the add does not touch until its commit), and
the next question after the commit opens the new live index.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from sotay import config
from sotay.index import add_worker, corpus_admin
from sotay.index.answer import QuestionError, answer_question
from sotay.index.corpus_admin import AddedDecision, added_from_outcome
from sotay.index.duties import records as duty_records
from sotay.index.duties.questions import read_duty_question
from sotay.index.search import journal, store
from sotay.index.search.hybrid import open_index
from sotay.rules import InputError, compute, format_result


class Services:
    """Shared, thread-safe access to the corpus index, the duty records and the rules."""

    def __init__(self, corpus: Path | None = None, data_dir: Path | None = None, progress: bool = False,
                 width: int | None = None) -> None:
        self.corpus = corpus
        self.data_dir = data_dir
        self.width = width  # wrap reports at this many characters (None: chat apps wrap themselves)
        self.progress = progress  # show a progress bar on stderr if the index must be (re)built
        self._lock = threading.RLock()  # one search at a time (the encoder is not re-entrant)

    @cached_property
    def index(self):
        return open_index(self.corpus, self.data_dir, progress=self.progress)

    def reload(self) -> None:
        """Forget the loaded index, so the next question opens the live build on disk; the old
        build is released (and removed, unless a writer is at work or another process reads it).

        The duty records need no reload: they are cached per corpus state (file sizes and times).
        """
        with self._lock:
            old = self.__dict__.pop("index", None)  # how a cached_property is reset
            if old is not None:
                old.close()
        store.tidy(self._data_dir())

    def add_decisions(self, files: Sequence[Path], txn: str | None = None) -> list[AddedDecision]:
        """Add decision files to the corpus and the index in a worker process (``add_worker``), as
        transaction ``txn``; then reload. Questions keep being answered meanwhile.

        Raises ``IngestError`` (a Vietnamese message) for a file that is refused, a limit reached or
        an interrupted worker; the corpus and the index are then unchanged.
        """
        added = add_worker.add_in_worker(files, self._corpus(), self._data_dir(), txn=txn)
        self.reload()
        return added

    def complete_interrupted_change(self) -> None:
        """Complete a corpus change a killed process had committed to (renames only; at start)."""
        if corpus_admin.recover(self._data_dir()) is not None:
            self.reload()

    def add_outcome(self, txn: str) -> list[AddedDecision] | None:
        """What add ``txn`` added, if it was committed (also by a previous run); None if it was not."""
        done = journal.outcome(self._data_dir(), txn)
        return added_from_outcome(done) if done and done.get("committed") else None

    def forget_add(self, txn: str) -> None:
        """The outcome of add ``txn`` has been reported: drop its record."""
        journal.forget(self._data_dir(), txn)

    def _corpus(self) -> Path:
        return self.corpus or config.corpus_dir()

    def _data_dir(self) -> Path:
        return self.data_dir or config.data_dir()

    def warm_up(self) -> None:
        """Load the index now (e.g. at bot start) instead of on the first question."""
        with self._lock:
            self.index.search("khởi động", k=1)

    def ask(self, question: str) -> str:
        """The quoted, cited answer to ``question``, or the abstention text."""
        try:
            with self._lock:  # one search at a time: the encoder is not re-entrant
                return answer_question(self.index, question).answer
        except QuestionError as exc:
            return str(exc)

    def who_answer(self, question: str, force: bool = False) -> str | None:
        """The responsibility answer when ``question`` asks who does what, else None.

        With ``force`` (the /ai command) a bare agency name is enough.
        """
        asked = read_duty_question(question, duty_records.duty_book(self.corpus), force=force)
        if asked is None:
            return None
        if asked.elsewhere:
            return duty_records.no_decisions_of(asked.elsewhere)
        if asked.agency is not None:
            return duty_records.format_duties(asked.agency, list(asked.duties), width=self.width)
        ranked = asked.ranked()
        return duty_records.format_who_does(asked.topic, ranked, width=self.width) if ranked else None

    def recover(self, slots: dict, hint_damage: bool = False) -> str:
        """The Vietnamese recovery report for the collected ``slots``."""
        try:
            result = compute(
                slots["tier"], slots["amount"], _dt.date.fromisoformat(slots["end"]), damage=slots.get("damage"),
                force_majeure=bool(slots.get("force_majeure")), verified=bool(slots.get("verified")),
                in_kind=slots.get("in_kind"),
            )
        except InputError as exc:
            return f"Không tính được: {exc.message}"
        text = format_result(result, width=self.width)
        if hint_damage and not slots.get("damage") and not slots.get("force_majeure"):
            text += ("\n\nNếu dự án bị thiệt hại do thiên tai hoặc bất khả kháng, hãy nhắn thêm, ví dụ: "
                     "\"thiệt hại 20%, có biên bản\" cùng các thông tin trên, hoặc gõ /thuhoi để tính từng bước.")
        return text



