"""Corpus changes are transactions: a kill -9 at any point leaves a corpus and index that agree, the next
``sotay ask`` answers at once from the live index (no inline re-indexing), and readers opening the index
while builds are switched and removed never fail."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cli_runner import run_sotay
from corpus_workspace import REWARD_QUESTION, fourth_decision, make_workspace, seed_cache, tree_digest

from sotay.index.model.encoder import Encoder
from sotay.index.search import journal
from sotay.index.search.hybrid import HybridIndex, open_index
from sotay.index.search.store import IndexPaths, build_index, hold_live, tidy

NEW_ID = "binh-thuan-21-2023-qd-ubnd"

# An add killed (SIGKILL, no clean-up) at a chosen step: before the commit (while the new build is being
# written) or inside it (journal written, files renamed, CURRENT not yet switched).
_KILLED_ADD = """
import os, signal, sys
from pathlib import Path
from sotay.index import corpus_admin
from sotay.index.search import journal, lexical, store

def die(*args, **kwargs):
    print("KILLED", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

if sys.argv[4] == "before-commit":
    lexical.Terms.save = die
else:
    journal.store.switch = die
corpus_admin.add_decisions([Path(sys.argv[1])], Path(sys.argv[2]), Path(sys.argv[3]))
"""


@pytest.fixture()
def workspace(tmp_path: Path, session_data_dir: Path, fourth_decision_cache: Path) -> tuple[Path, Path, dict[str, str]]:
    """A corpus copy and its data dir (index built), whose per-document cache holds the fourth decision
    too: a writer adding it embeds nothing (the transaction is the subject here, not the embedding)."""
    corpus, data = make_workspace(tmp_path, session_data_dir)
    open_index(corpus, data, progress=False).close()
    seed_cache(data, fourth_decision_cache)
    return corpus, data, {**os.environ, "SOTAY_CORPUS": str(corpus), "SOTAY_DATA": str(data)}


def killed_add(new: Path, corpus: Path, data: Path, env: dict[str, str], step: str) -> None:
    result = subprocess.run([sys.executable, "-c", _KILLED_ADD, str(new), str(corpus), str(data), step],
                            capture_output=True, env=env, timeout=600)
    assert result.returncode == -signal.SIGKILL and result.stdout.decode().strip() == "KILLED", result.stderr.decode()


def ask(env: dict[str, str], question: str, real: bool = False) -> dict:
    """``sotay ask --json`` in this process, or with ``real`` as a process of its own."""
    result = run_sotay("ask", "--json", question, env=env, real=real)
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)


def corpus_files(corpus: Path) -> dict[str, str]:
    """The corpus's files (name → sha256), without a killed writer's staging folder beside them."""
    return {name: digest for name, digest in tree_digest(corpus).items() if "/.staging-" not in name}


def builds(data: Path) -> set[str]:
    return {b.name for b in IndexPaths(data).root.glob("build-*") if (b / "manifest.json").exists()}


def test_killed_before_the_commit_nothing_changed_and_ask_does_not_reindex(workspace, tmp_path: Path) -> None:
    corpus, data, env = workspace
    paths = IndexPaths(data)
    live, before = paths.live_build(), corpus_files(corpus)
    killed_add(fourth_decision(tmp_path), corpus, data, env, "before-commit")

    assert corpus_files(corpus) == before  # the staged files are beside the decisions, not among them
    asked = ask(env, REWARD_QUESTION)
    assert paths.live_build() == live and builds(data) == {live.name}  # answered from it, nothing rebuilt
    assert NEW_ID not in json.dumps(asked, ensure_ascii=False)

    result = run_sotay("corpus", "add", "--json", str(fourth_decision(tmp_path)), env=env)  # the next writer cleans up
    assert result.returncode == 0, result.stderr.decode()
    assert not list(corpus.glob(".staging-*")) and builds(data) == {paths.live_build().name}


def test_killed_inside_the_commit_the_next_ask_completes_it_without_reindexing(workspace, tmp_path: Path) -> None:
    corpus, data, env = workspace
    paths = IndexPaths(data)
    live = paths.live_build()
    killed_add(fourth_decision(tmp_path), corpus, data, env, "inside-commit")

    assert journal.pending(data) and paths.live_build() == live
    [staged] = builds(data) - {live.name}
    asked = ask(env, REWARD_QUESTION, real=True)  # completes the journal: renames and the switch, no embedding
    assert asked["answered"] and asked["sources"][0]["citation"] == "Quy định kèm theo, Điều 10"
    assert paths.live_build().name == staged and not journal.pending(data)
    assert (corpus / f"{NEW_ID}.txt").exists() and not list(corpus.glob(".staging-*"))
    [record] = (paths.root / journal.OUTCOMES).glob("*.json")
    assert journal.outcome(data, record.stem)["committed"]  # what a restarted bot reports to the admin


def test_readers_never_fail_while_builds_are_switched_and_removed(workspace, tmp_path: Path,
                                                                   session_data_dir: Path) -> None:
    """One writer switches between two corpus states (spliced from the per-document cache, nothing
    embedded) while readers open the live build over and over: no open fails, and every build a
    reader held stays whole until released."""
    corpus, data, _ = workspace
    seeds = IndexPaths(session_data_dir).docs  # a switch drops the cache of a removed decision: put back
    smaller = tmp_path / "smaller"
    smaller.mkdir()
    for path in corpus.iterdir():
        if path.is_file() and not path.name.startswith("son-la"):
            (smaller / path.name).write_bytes(path.read_bytes())
    encoder = Encoder()
    done = threading.Event()
    failures: list[BaseException] = []
    opened = [0]

    def read() -> None:
        while not done.is_set():
            try:
                held = hold_live(data)
                index = HybridIndex(held.build, encoder, held)
                assert len(index.passages) == index.manifest["passages"]
                index.close()
                opened[0] += 1
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                failures.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for _ in range(3):
            for state in (smaller, corpus):
                seed_cache(data, seeds)
                build_index(state, data, encoder, progress=False)
    finally:
        done.set()
        for reader in readers:
            reader.join(60)
    assert failures == [] and opened[0] > 10, (failures[:3], opened[0])
    tidy(data)  # the last switch may have found a build still held: removed once released
    assert builds(data) == {IndexPaths(data).live_build().name}
