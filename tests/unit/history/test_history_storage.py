"""The index file: owner-only, clear StorageErrors, FTS5 required, 0.4's tables left alone."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from flowcheck.errors import StorageError
from flowcheck.history import search
from tests.unit.history.conftest import commit


@pytest.fixture
def repo(new_repo: Callable[[str], Path]) -> Path:
    repo = new_repo("repo")
    commit(repo, "Add search", {"s.py": "s\n"})
    return repo


def test_python_sqlite_has_fts5() -> None:
    """The design decision: FTS5's bm25() ranks, no fallback scorer. Debian's and nixpkgs'
    SQLite are built with FTS5; this fails on a platform whose SQLite is not."""
    options = {row[0] for row in sqlite3.connect(":memory:").execute("PRAGMA compile_options")}
    assert "ENABLE_FTS5" in options


def test_index_file_and_directory_are_owner_only(repo: Path, db: Path) -> None:
    search(repo, db, "search")
    assert (stat.S_IMODE(db.parent.stat().st_mode), stat.S_IMODE(db.stat().st_mode)) == (
        0o700,
        0o600,
    )


def test_corrupt_file_is_a_clear_storage_error(repo: Path, db: Path) -> None:
    db.parent.mkdir()
    db.write_bytes(b"this is not an SQLite database\n" * 200)
    with pytest.raises(StorageError) as raised:
        search(repo, db, "search")
    assert str(raised.value) == (
        f"the search index {db} cannot be used (file is not a database): delete the file and "
        "search again (it is rebuilt from git history), or fix FLOWCHECK_SEMANTIC_INDEX_PATH"
    )


def test_index_from_a_newer_flowcheck_is_refused(repo: Path, db: Path) -> None:
    db.parent.mkdir()
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA user_version = 7")
    with pytest.raises(StorageError) as raised:
        search(repo, db, "search")
    assert str(raised.value) == (
        f"the search index {db} was written by a newer FlowCheck (schema 7, this one reads 2): "
        "upgrade FlowCheck or delete the file"
    )


def test_unwritable_location_is_a_storage_error(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file where the directory should be\n")
    with pytest.raises(StorageError, match=r"^FLOWCHECK_STORAGE_PATH=.*blocker is not writable"):
        search(repo, tmp_path / "blocker" / "semantic_index.db", "search")


def test_a_04_index_in_the_same_file_is_left_alone(repo: Path, db: Path) -> None:
    """0.4 kept its own tables in ~/.flowcheck/semantic_index.db, the same default path."""
    db.parent.mkdir()
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE commits (hash TEXT PRIMARY KEY, repo_path TEXT)")
        connection.execute("INSERT INTO commits VALUES ('abcdef012345', '.')")
    assert search(repo, db, "search").count == 1
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT * FROM commits").fetchall() == [("abcdef012345", ".")]
