"""Whole history by default (issue 11): the newest commits answer at once, the rest is indexed
in the background, and an index left half-built is completed by the next search."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from flowcheck.history import backfill, index_repository, search, service
from tests.conftest import git
from tests.unit.history.conftest import commit


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "FIRST_BATCH", 2)
    monkeypatch.setattr(service, "BATCH", 2)


def ids_found(repo: Path, db: Path, query: str) -> list[str]:
    return [hit.commit_hash for hit in search(repo, db, query, top_k=50).results]


@pytest.mark.usefixtures("small_batches")
def test_first_search_answers_from_the_newest_then_finds_all(
    new_repo: Callable[[str], Path], db: Path
) -> None:
    repo = new_repo("repo")
    ids = [commit(repo, f"Tune cache {day}", {"c.txt": f"{day}\n"}, day)[:12] for day in range(5)]
    first = search(repo, db, "cache", top_k=50)
    assert (first.indexed_commits, first.indexing) == (2, True)
    assert {hit.commit_hash for hit in first.results} >= {ids[4], ids[3]}
    backfill.wait(timeout=30)
    done = search(repo, db, "cache", top_k=50)
    assert (done.indexed_commits, done.indexing) == (5, False)
    assert [hit.commit_hash for hit in done.results] == ids[::-1]


@pytest.mark.usefixtures("small_batches")
def test_an_index_left_half_built_is_completed_after_a_restart(
    new_repo: Callable[[str], Path], db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process stops before its background thread runs: nothing is lost or duplicated."""
    repo = new_repo("repo")
    ids = [commit(repo, f"Tune cache {day}", {"c.txt": f"{day}\n"}, day)[:12] for day in range(5)]
    started: list[Path] = []
    with monkeypatch.context() as patch:
        patch.setattr(backfill, "start", lambda db_path, top_level, job: started.append(top_level))
        assert ids_found(repo, db, "cache") == [ids[4], ids[3]]
    assert started == [repo]
    assert ids_found(repo, db, "cache")[:4] == ids[:0:-1]  # a new process adds a batch at once
    backfill.wait(timeout=30)
    assert ids_found(repo, db, "cache") == ids[::-1]
    stats = index_repository(repo, db)
    assert (stats.commits, stats.added, stats.removed) == (5, 0, 0)


def test_rewritten_history_whose_old_commits_are_gone(
    new_repo: Callable[[str], Path], db: Path
) -> None:
    """An amended commit garbage-collected: the old tip cannot be walked, so the index is
    compared in full instead of walking what changed."""
    repo = new_repo("repo")
    commit(repo, "initial", {"a.txt": "a\n"})
    old = commit(repo, "Fix typo in redme", {"README": "x\n"}, day=1)
    assert ids_found(repo, db, "redme") == [old[:12]]
    git(repo, "commit", "-q", "--amend", "-m", "Fix typo in readme")
    git(repo, "reflog", "expire", "--expire=now", "--all")
    git(repo, "gc", "-q", "--prune=now")
    assert subprocess.run(["git", "-C", str(repo), "cat-file", "-e", old]).returncode != 0
    new = git(repo, "rev-parse", "HEAD").strip()
    stats = index_repository(repo, db)
    assert (stats.commits, stats.added, stats.removed) == (2, 1, 1)
    assert (ids_found(repo, db, "redme"), ids_found(repo, db, "readme")) == ([], [new[:12]])


def test_an_index_of_the_previous_schema_is_rebuilt(
    new_repo: Callable[[str], Path], db: Path
) -> None:
    """Schema 1 indexed the newest 1,000 commits of HEAD; its tables are dropped and rebuilt,
    0.4's own table in the same file stays."""
    repo = new_repo("repo")
    wanted = commit(repo, "Add search", {"s.py": "s\n"})
    db.parent.mkdir()
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE commits (hash TEXT PRIMARY KEY, repo_path TEXT)")
        connection.execute(
            "CREATE TABLE history_repositories (id INTEGER PRIMARY KEY, top_level BLOB, "
            "head TEXT, depth INTEGER)"
        )
        connection.execute("CREATE VIRTUAL TABLE history_fts_1 USING fts5(message, paths)")
        connection.execute("PRAGMA user_version = 1")
    assert ids_found(repo, db, "search") == [wanted[:12]]
    with sqlite3.connect(db) as connection:
        names = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
    assert "commits" in names
