"""Index a repository's commits and search them; every search first brings the index up to HEAD."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TextIO

from flowcheck.git.repo import resolve_repository
from flowcheck.history import gitlog, store
from flowcheck.history.models import IndexStats, SearchResult
from flowcheck.history.query import QueryError, parse_query
from flowcheck.history.ranking import SHOWN_HASH_CHARS, rank

DEFAULT_INDEX_LIMIT = 1_000  # commits from HEAD the first search indexes; `--full` takes all
MAX_TOP_K = 50


def index_repository(
    repo: Path, db_path: Path, limit: int | None = DEFAULT_INDEX_LIMIT
) -> IndexStats:
    """Bring the repository's index up to HEAD, keeping at least `limit` commits (None: all).

    Only commits not yet indexed are read from git; commits no longer among the newest
    `limit` from HEAD (rewritten by amend, rebase or reset, or on another branch) are dropped.
    An index built deeper than `limit` stays that deep.
    """
    top_level = _top_level(repo)
    with store.open_index(db_path) as connection:
        return _refresh(connection, top_level, limit)


def search(repo: Path, db_path: Path, query: str, top_k: int = 5) -> SearchResult:
    """The `top_k` commits that best match `query`, from an index refreshed to HEAD first."""
    terms = parse_query(query)
    if not 1 <= top_k <= MAX_TOP_K:
        raise QueryError(f"top_k is {top_k}; pass a number from 1 to {MAX_TOP_K}")
    top_level = _top_level(repo)
    with store.open_index(db_path) as connection:
        stats = _refresh(connection, top_level, DEFAULT_INDEX_LIMIT)
        state = store.read_state(connection, top_level)
        results = [] if state is None else rank(connection, state, terms, top_k)
    return SearchResult(
        query=query, count=len(results), indexed_commits=stats.commits, results=results
    )


def index_command(path: str | None, db_path: Path, full: bool, out: TextIO | None = None) -> int:
    """`flowcheck index [PATH] [--full]`: index, print one line of stats (to stdout unless
    `out` is given), return exit status 0. Failures raise FlowcheckError subclasses."""
    stats = index_repository(Path(path or "."), db_path, None if full else DEFAULT_INDEX_LIMIT)
    head = f"HEAD {stats.head[:SHOWN_HASH_CHARS]}" if stats.head else "no commits yet"
    depth = "all commits" if stats.depth is None else f"newest {stats.depth} commits"
    print(
        f"{stats.repository}: {stats.commits} commits indexed ({depth}), {head}; "
        f"{stats.added} added, {stats.removed} removed",
        file=out,
    )
    return 0


def _top_level(repo: Path) -> Path:
    """The real top-level path: every spelling of one repository shares one index."""
    return resolve_repository(str(repo), allowed_roots=(), default=None)


def _refresh(connection: sqlite3.Connection, top_level: Path, limit: int | None) -> IndexStats:
    head = gitlog.head_commit(top_level)
    state = store.read_state(connection, top_level)
    if state is not None and state.head == head and _covers(state.depth, limit):
        return _stats(connection, top_level, state, added=0, removed=0)
    with store.write(connection):
        # Read again under the write lock: another process may have indexed meanwhile.
        state = store.read_state(connection, top_level) or store.create_state(connection, top_level)
        depth = None if state.depth is None or limit is None else max(state.depth, limit)
        new, stale = _changes(connection, top_level, state, head, depth)
        store.remove_commits(connection, state, stale)
        store.add_commits(connection, state, gitlog.read_commits(top_level, new))
        state = store.IndexState(state.repository_id, head, depth)
        store.save_state(connection, state)
        return _stats(connection, top_level, state, added=len(new), removed=len(stale))


def _changes(
    connection: sqlite3.Connection,
    top_level: Path,
    state: store.IndexState,
    head: str | None,
    depth: int | None,
) -> tuple[list[str], set[str]]:
    """Commits to add (newest first) and to drop so the index holds what `depth` asks for.

    The index always holds exactly the commits reachable from its head, within its depth. So
    when it already holds the whole history and HEAD only moved forward, the new commits are
    those not reachable from the indexed head, and none is dropped: no walk of all history.
    """
    if head is None:
        return [], store.indexed_hashes(connection, state)
    kept_all = state.depth is None  # already the whole history, not only now asked for
    if kept_all and state.head and gitlog.is_ancestor(top_level, state.head, head):
        return gitlog.newest_commits(top_level, head, None, exclude=state.head), set()
    wanted = gitlog.newest_commits(top_level, head, depth)
    indexed = store.indexed_hashes(connection, state)
    new = [object_id for object_id in wanted if object_id not in indexed]
    return new, indexed.difference(wanted)


def _covers(depth: int | None, limit: int | None) -> bool:
    return depth is None or (limit is not None and depth >= limit)


def _stats(
    connection: sqlite3.Connection,
    top_level: Path,
    state: store.IndexState,
    *,
    added: int,
    removed: int,
) -> IndexStats:
    return IndexStats(
        repository=str(top_level),
        head=state.head,
        commits=store.count_commits(connection, state),
        added=added,
        removed=removed,
        depth=state.depth,
    )
