"""The commit index in SQLite: one row per repository, one FTS5 table per repository.

A separate full-text table per repository keeps BM25's document frequencies and average length
per repository, so one repository's vocabulary never weighs another's terms (0.4 defect B2.6).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from flowcheck.errors import StorageError
from flowcheck.history.gitlog import Commit
from flowcheck.storage import ensure_storage

SCHEMA_VERSION = 2  # 2: tips and complete (whole history by default, built in batches)
SHOWN_FILES = 20
INDEXED_PATHS = 1_000  # a vendoring commit may touch 100k files; its first 1,000 are enough
INDEXED_MESSAGE_CHARS = 8_000
_BUSY_TIMEOUT_MS = 15_000
TOKENIZER = "porter unicode61"  # word forms share a stem; letters and digits make words
_SQL_VARIABLES = 900  # below SQLite's oldest limit of 999 bound parameters per statement
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS history_repositories (
    id INTEGER PRIMARY KEY,
    top_level BLOB NOT NULL UNIQUE,  -- os.fsencode of the real top-level path
    head TEXT,                       -- full id of HEAD when indexed; NULL before the first commit
    tips TEXT NOT NULL DEFAULT '[]', -- JSON: sorted ids of HEAD and the local branches covered
    complete INTEGER NOT NULL DEFAULT 0,  -- 1 once every commit the tips reach is indexed
    depth INTEGER                    -- newest commits kept; NULL means all of them
)""",
    """CREATE TABLE IF NOT EXISTS history_commits (
    id INTEGER PRIMARY KEY,          -- also the rowid of the repository's full-text row
    repository_id INTEGER NOT NULL REFERENCES history_repositories (id),
    hash TEXT NOT NULL,
    author TEXT NOT NULL,
    authored_at INTEGER NOT NULL,
    files TEXT NOT NULL,             -- JSON list of the first SHOWN_FILES paths
    insertions INTEGER NOT NULL,
    deletions INTEGER NOT NULL,
    UNIQUE (repository_id, hash)
)""",
)


@dataclass(frozen=True)
class IndexState:
    repository_id: int
    head: str | None
    depth: int | None
    tips: tuple[str, ...] = ()
    complete: bool = False  # False while older commits are still to be added (backfill)


@contextmanager
def open_index(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the index, schema in place; any SQLite failure becomes a StorageError."""
    try:
        _create_file(db_path)
        with closing(sqlite3.connect(db_path, timeout=_BUSY_TIMEOUT_MS / 1000)) as connection:
            connection.isolation_level = None  # transactions are explicit: see `write`
            _prepare(connection, db_path)
            yield connection
    except sqlite3.Error as exc:
        raise StorageError(
            f"the search index {db_path} cannot be used ({exc}): delete the file and search "
            "again (it is rebuilt from git history), or fix FLOWCHECK_SEMANTIC_INDEX_PATH"
        ) from None


@contextmanager
def write(connection: sqlite3.Connection) -> Iterator[None]:
    """One write transaction; taken up front so concurrent indexers queue instead of racing."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def read_state(connection: sqlite3.Connection, top_level: Path) -> IndexState | None:
    row = connection.execute(
        "SELECT id, head, depth, tips, complete FROM history_repositories WHERE top_level = ?",
        (os.fsencode(top_level),),
    ).fetchone()
    if row is None:
        return None
    repository_id, head, depth, tips, complete = row
    return IndexState(repository_id, head, depth, tuple(json.loads(tips)), bool(complete))


def create_state(connection: sqlite3.Connection, top_level: Path) -> IndexState:
    cursor = connection.execute(
        "INSERT INTO history_repositories (top_level, depth) VALUES (?, 0)",
        (os.fsencode(top_level),),
    )
    state = IndexState(_rowid(cursor), None, 0)
    connection.execute(
        f"CREATE VIRTUAL TABLE {fts_table(state)} "
        f"USING fts5(message, paths, tokenize = '{TOKENIZER}')"
    )
    return state


def save_state(connection: sqlite3.Connection, state: IndexState) -> None:
    connection.execute(
        "UPDATE history_repositories SET head = ?, depth = ?, tips = ?, complete = ? WHERE id = ?",
        (
            state.head,
            state.depth,
            json.dumps(state.tips),
            int(state.complete),
            state.repository_id,
        ),
    )


def fts_table(state: IndexState) -> str:
    """Name of the repository's full-text table (an integer id, so safe to put in SQL)."""
    return f"history_fts_{state.repository_id:d}"


def indexed_hashes(connection: sqlite3.Connection, state: IndexState) -> set[str]:
    rows = connection.execute(
        "SELECT hash FROM history_commits WHERE repository_id = ?", (state.repository_id,)
    )
    return {object_id for (object_id,) in rows}


def indexed_among(connection: sqlite3.Connection, state: IndexState, hashes: list[str]) -> set[str]:
    """Which of these commits are in the index."""
    present: set[str] = set()
    for start in range(0, len(hashes), _SQL_VARIABLES):
        chunk = hashes[start : start + _SQL_VARIABLES]
        rows = connection.execute(
            "SELECT hash FROM history_commits WHERE repository_id = ? "  # noqa: S608
            f"AND hash IN ({', '.join('?' * len(chunk))})",
            (state.repository_id, *chunk),
        )
        present.update(object_id for (object_id,) in rows)
    return present


def remove_commits(connection: sqlite3.Connection, state: IndexState, hashes: set[str]) -> None:
    key = [(state.repository_id, object_id) for object_id in hashes]
    connection.executemany(
        f"DELETE FROM {fts_table(state)} WHERE rowid = "  # noqa: S608 - integer table id
        "(SELECT id FROM history_commits WHERE repository_id = ? AND hash = ?)",
        key,
    )
    connection.executemany("DELETE FROM history_commits WHERE repository_id = ? AND hash = ?", key)


def add_commits(connection: sqlite3.Connection, state: IndexState, commits: list[Commit]) -> None:
    """Add the commits not indexed yet (another process may have added some meanwhile)."""
    present = indexed_among(connection, state, [commit.hash for commit in commits])
    commits = [commit for commit in commits if commit.hash not in present]
    # Ids are assigned here so both tables take one executemany; the write lock makes it safe.
    (last,) = connection.execute("SELECT coalesce(max(id), 0) FROM history_commits").fetchone()
    ids = range(last + 1, last + 1 + len(commits))
    connection.executemany(
        "INSERT INTO history_commits (id, repository_id, hash, author, authored_at, files, "
        "insertions, deletions) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                row_id,
                state.repository_id,
                commit.hash,
                commit.author,
                commit.authored_at,
                json.dumps(commit.paths[:SHOWN_FILES]),
                commit.insertions,
                commit.deletions,
            )
            for row_id, commit in zip(ids, commits, strict=True)
        ],
    )
    connection.executemany(
        f"INSERT INTO {fts_table(state)} (rowid, message, paths) VALUES (?, ?, ?)",  # noqa: S608
        [
            (
                row_id,
                commit.message[:INDEXED_MESSAGE_CHARS],
                "\n".join(commit.paths[:INDEXED_PATHS]),
            )
            for row_id, commit in zip(ids, commits, strict=True)
        ],
    )


def count_commits(connection: sqlite3.Connection, state: IndexState) -> int:
    (count,) = connection.execute(
        "SELECT count(*) FROM history_commits WHERE repository_id = ?", (state.repository_id,)
    ).fetchone()
    return int(count)


def _rowid(cursor: sqlite3.Cursor) -> int:
    if cursor.lastrowid is None:
        raise sqlite3.DatabaseError("insert returned no row id")
    return cursor.lastrowid


def _create_file(db_path: Path) -> None:
    """Create the file owner-only (SQLite creates its -wal and -shm files with the same mode)."""
    if db_path.exists():
        return
    ensure_storage(db_path.parent)
    try:
        os.close(os.open(db_path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise StorageError(
            f"cannot create the search index {db_path} ({exc.strerror}): "
            "fix FLOWCHECK_SEMANTIC_INDEX_PATH or the directory's permissions"
        ) from None


def _prepare(connection: sqlite3.Connection, db_path: Path) -> None:
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"the search index {db_path} was written by a newer FlowCheck (schema {version}, "
            f"this one reads {SCHEMA_VERSION}): upgrade FlowCheck or delete the file"
        )
    _require_fts5(connection)
    connection.execute("PRAGMA journal_mode = WAL")  # searches read while an indexer writes
    if version < SCHEMA_VERSION:
        with write(connection):
            _drop_old_index(connection)
            for statement in _SCHEMA:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")


def _drop_old_index(connection: sqlite3.Connection) -> None:
    """Drop an older schema's history tables: the index is a cache of git history, rebuilt on
    the next search. 0.4's own tables in the same file are not ours and stay."""
    tables = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND (name GLOB 'history_fts_*' "
        "OR name IN ('history_commits', 'history_repositories'))"
    ).fetchall()
    for (name,) in tables:
        if name.startswith("history_fts_") and not name[len("history_fts_") :].isdigit():
            continue  # FTS5's shadow tables go with their table
        connection.execute(f'DROP TABLE IF EXISTS "{name}"')


def _require_fts5(connection: sqlite3.Connection) -> None:
    options = {option for (option,) in connection.execute("PRAGMA compile_options")}
    if "ENABLE_FTS5" not in options:
        raise StorageError(
            f"this Python's SQLite {sqlite3.sqlite_version} lacks FTS5, which search_history "
            "needs: use a Python linked against an SQLite built with FTS5 (Debian and nixpkgs are)"
        )
