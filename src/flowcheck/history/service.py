"""Index a repository's commits and search them; every search first brings the index up to date.

The index covers every non-merge commit reachable from HEAD and the local branches (their
"tips"), or only the newest `limit` of them. A first search indexes the newest FIRST_BATCH
and answers; a background thread (`backfill`) adds the rest, newest first, in batches that are
searchable as soon as each is written.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

from flowcheck.git.repo import resolve_repository
from flowcheck.git.runner import GitExitError
from flowcheck.history import backfill, gitlog, store
from flowcheck.history.models import IndexStats, SearchResult
from flowcheck.history.query import QueryError, parse_query
from flowcheck.history.ranking import SHOWN_HASH_CHARS, rank

FIRST_BATCH = 1_000  # commits a search indexes before it answers; the rest come in the background
BATCH = 5_000  # commits per write transaction after the first: one `git log` each
MAX_TOP_K = 50


@dataclass
class _Progress:
    stats: IndexStats
    tips: tuple[str, ...]  # what the index is being built for
    pending: list[str]  # commits those tips reach that are still to add, newest first
    complete: bool  # everything the tips reach is indexed (else pending, or not yet listed)


def index_repository(repo: Path, db_path: Path, limit: int | None = None) -> IndexStats:
    """Bring the repository's index up to date, keeping the newest `limit` commits (None: all).

    Only commits not yet indexed are read from git, BATCH at a time; commits no longer
    reachable (rewritten by amend, rebase or reset, or a deleted branch) or beyond `limit` are
    dropped. An index built deeper than `limit` stays that deep.
    """
    top_level = _top_level(repo)
    with store.open_index(db_path) as connection:
        progress = _refresh(connection, top_level, limit, BATCH)
        added, removed = progress.stats.added, progress.stats.removed
        while not progress.complete:
            # None from _continue: another process rebuilt for other tips meanwhile, so start
            # over from what is there.
            progress = (progress.pending and _continue(connection, top_level, progress)) or (
                _refresh(connection, top_level, limit, BATCH)
            )
            added, removed = added + progress.stats.added, removed + progress.stats.removed
        return progress.stats.model_copy(update={"added": added, "removed": removed})


def search(
    repo: Path, db_path: Path, query: str, top_k: int = 5, limit: int | None = None
) -> SearchResult:
    """The `top_k` commits that best match `query`, from an index brought up to date first
    (the newest FIRST_BATCH commits at once, the rest in the background)."""
    terms = parse_query(query)
    if not 1 <= top_k <= MAX_TOP_K:
        raise QueryError(f"top_k is {top_k}; pass a number from 1 to {MAX_TOP_K}")
    top_level = _top_level(repo)
    with store.open_index(db_path) as connection:
        running = backfill.running(db_path, top_level)
        progress = _refresh(connection, top_level, limit, FIRST_BATCH, backfilling=running)
        if not progress.complete and not running:
            backfill.start(db_path, top_level, lambda: index_repository(top_level, db_path, limit))
        state = store.read_state(connection, top_level)
        results = [] if state is None else rank(connection, state, terms, top_k)
    return SearchResult(
        query=query,
        count=len(results),
        indexed_commits=progress.stats.commits,
        indexing=not progress.complete,
        results=results,
    )


def index_command(
    path: str | None, db_path: Path, full: bool, out: TextIO | None = None, limit: int | None = None
) -> int:
    """`flowcheck index [PATH] [--full]`: index (the newest `limit` commits, all with `full`),
    print one line of stats (to stdout unless `out` is given), return exit status 0. Failures
    raise FlowcheckError subclasses."""
    stats = index_repository(Path(path or "."), db_path, None if full else limit)
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


def _refresh(
    connection: sqlite3.Connection,
    top_level: Path,
    limit: int | None,
    budget: int,
    backfilling: bool = False,
) -> _Progress:
    """Drop what is stale and add up to `budget` of the newest missing commits."""
    head, tips = gitlog.branch_tips(top_level)
    state = store.read_state(connection, top_level)
    unchanged = state is not None and state.tips == tips and _covers(state.depth, limit)
    if state is not None and unchanged and (state.complete or backfilling):
        # Nothing changed, or a thread of this process is adding the rest.
        stats = _stats(connection, top_level, state, added=0, removed=0)
        return _Progress(stats, tips, [], state.complete)
    with store.write(connection):
        # Read again under the write lock: another process may have indexed meanwhile.
        state = store.read_state(connection, top_level) or store.create_state(connection, top_level)
        depth = None if state.depth is None or limit is None else max(state.depth, limit)
        new, stale, listed_all = _changes(connection, top_level, state, tips, depth, budget)
        store.remove_commits(connection, state, stale)
        store.add_commits(connection, state, gitlog.read_commits(top_level, new[:budget]))
        complete = listed_all and len(new) <= budget
        state = store.IndexState(state.repository_id, head, depth, tips, complete)
        store.save_state(connection, state)
        added = min(budget, len(new))
        stats = _stats(connection, top_level, state, added=added, removed=len(stale))
        return _Progress(stats, tips, new[budget:] if listed_all else [], complete)


def _continue(
    connection: sqlite3.Connection, top_level: Path, progress: _Progress
) -> _Progress | None:
    """Add the next BATCH of the pending commits; None when the index now stands for other
    tips than those they were listed for."""
    with store.write(connection):
        state = store.read_state(connection, top_level)
        if state is None or state.tips != progress.tips:
            return None
        batch, rest = progress.pending[:BATCH], progress.pending[BATCH:]
        store.add_commits(connection, state, gitlog.read_commits(top_level, batch))
        state = replace(state, complete=not rest)
        store.save_state(connection, state)
        stats = _stats(connection, top_level, state, added=len(batch), removed=0)
        return _Progress(stats, progress.tips, rest, not rest)


def _changes(
    connection: sqlite3.Connection,
    top_level: Path,
    state: store.IndexState,
    tips: tuple[str, ...],
    depth: int | None,
    budget: int,
) -> tuple[list[str], set[str], bool]:
    """Commits to add (newest first) and to drop so the index holds what `tips` and `depth`
    ask, and whether that list of commits to add is whole.

    A complete index of the whole history holds exactly the commits its tips reach, so the
    commits to add are those the new tips reach and the old ones do not, and the stale ones
    the reverse: two walks of what changed, none of all history. Otherwise (first build, a
    backfill under way, a depth limit, an old tip garbage-collected) the full lists compare;
    for an empty index only the newest `budget` are listed, so a first search on a long
    history does not wait for a walk of all of it.
    """
    if not tips:
        return [], store.indexed_hashes(connection, state), True
    if state.complete and state.tips and state.depth is None and depth is None:
        try:
            stale = gitlog.reachable(top_level, state.tips, exclude=tips)
            return gitlog.reachable(top_level, tips, exclude=state.tips), set(stale), True
        except GitExitError:
            pass  # an old tip no longer exists
    indexed = store.indexed_hashes(connection, state)
    listed = depth if indexed else min(depth or budget + 1, budget + 1)
    wanted = gitlog.reachable(top_level, tips, limit=listed)
    new = [object_id for object_id in wanted if object_id not in indexed]
    listed_all = listed is None or listed == depth or len(wanted) < listed
    return new, indexed.difference(wanted), listed_all


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
