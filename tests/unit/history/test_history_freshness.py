"""Freshness: new commits are indexed incrementally, rewritten history is dropped (0.4 B2.6)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from flowcheck.git.runner import run_git
from flowcheck.history import IndexStats, gitlog, index_repository, search
from tests.conftest import git
from tests.unit.history.conftest import commit


def hashes(repo: Path, db: Path, query: str) -> list[str]:
    return [hit.commit_hash for hit in search(repo, db, query, top_k=50).results]


def counts(stats: IndexStats) -> tuple[int, int, int]:
    return stats.commits, stats.added, stats.removed


@pytest.fixture
def git_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Subcommands the indexer runs (the real git still runs)."""
    calls: list[str] = []

    def spy(repo: Path, *args: str, **kwargs: Any) -> bytes:
        calls.append(args[0])
        return run_git(repo, *args, **kwargs)

    monkeypatch.setattr(gitlog, "run_git", spy)
    yield calls


def test_new_commits_are_indexed_incrementally_with_one_git_log(
    new_repo: Callable[[str], Path], db: Path, git_calls: list[str]
) -> None:
    """0.4 defect B3.7: one `git diff --numstat` per commit; no staleness check (B2.6)."""
    repo = new_repo("repo")
    for day in range(3):
        commit(repo, f"chore {day}", {"f.txt": f"{day}\n"}, day)
    assert counts(index_repository(repo, db)) == (3, 3, 0)
    git_calls.clear()
    assert counts(index_repository(repo, db)) == (3, 0, 0)
    assert git_calls == ["show-ref"]  # no branch moved: nothing else runs
    new = commit(repo, "Add retry to the uploader", {"up.py": "retry\n"}, day=3)
    commit(repo, "chore 4", {"f.txt": "4\n"}, day=4)
    git_calls.clear()
    assert counts(index_repository(repo, db)) == (5, 2, 0)
    assert git_calls == ["show-ref", "rev-list", "rev-list", "log"]  # stale, new, details
    assert hashes(repo, db, "uploader") == [new[:12]]


def test_full_index_moving_forward_walks_only_the_new_commits(
    new_repo: Callable[[str], Path], db: Path, git_calls: list[str]
) -> None:
    repo = new_repo("repo")
    for day in range(4):
        commit(repo, f"chore {day}", {"f.txt": f"{day}\n"}, day)
    assert counts(index_repository(repo, db, limit=2)) == (2, 2, 0)
    assert counts(index_repository(repo, db, limit=None)) == (4, 2, 0)  # deepened to all
    commit(repo, "chore 4", {"f.txt": "4\n"}, day=4)
    git_calls.clear()
    assert counts(index_repository(repo, db, limit=None)) == (5, 1, 0)
    assert git_calls == ["show-ref", "rev-list", "rev-list", "log"]
    git(repo, "reset", "-q", "--hard", "HEAD~2")
    assert counts(index_repository(repo, db, limit=None)) == (3, 0, 2)


def test_search_sees_a_commit_made_after_the_first_search(
    new_repo: Callable[[str], Path], db: Path
) -> None:
    repo = new_repo("repo")
    commit(repo, "initial", {"a.txt": "a\n"})
    assert hashes(repo, db, "cache") == []
    new = commit(repo, "Cache parsed templates", {"t.py": "cache\n"}, day=1)
    assert hashes(repo, db, "cache") == [new[:12]]


def test_amended_commit_replaces_the_old_one(new_repo: Callable[[str], Path], db: Path) -> None:
    repo = new_repo("repo")
    commit(repo, "initial", {"a.txt": "a\n"})
    commit(repo, "Fix typo in redme", {"README": "x\n"}, day=1)
    assert len(hashes(repo, db, "redme")) == 1
    git(repo, "commit", "-q", "--amend", "-m", "Fix typo in readme")
    amended = git(repo, "rev-parse", "HEAD").strip()
    assert counts(index_repository(repo, db)) == (2, 1, 1)
    assert (hashes(repo, db, "redme"), hashes(repo, db, "readme")) == ([], [amended[:12]])


def test_reset_drops_commits_no_longer_reachable(new_repo: Callable[[str], Path], db: Path) -> None:
    repo = new_repo("repo")
    kept = commit(repo, "Add exporter", {"e.py": "e\n"})
    commit(repo, "Experimental importer", {"i.py": "i\n"}, day=1)
    assert len(hashes(repo, db, "importer")) == 1
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    assert counts(index_repository(repo, db)) == (1, 0, 1)
    assert (hashes(repo, db, "importer"), hashes(repo, db, "exporter")) == ([], [kept[:12]])


def test_every_local_branch_is_searched_until_it_is_deleted(
    new_repo: Callable[[str], Path], db: Path
) -> None:
    """Issue 11: the whole history reachable from local branches is indexed, not HEAD's only
    (this test asserted the opposite before: a branch's work vanished on checkout)."""
    repo = new_repo("repo")
    commit(repo, "base", {"a.txt": "a\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    feature = commit(repo, "Feature toggles", {"t.py": "t\n"}, day=1)
    assert hashes(repo, db, "toggles") == [feature[:12]]
    git(repo, "checkout", "-q", "main")
    assert hashes(repo, db, "toggles") == [feature[:12]]
    git(repo, "branch", "-q", "-D", "feature")
    assert hashes(repo, db, "toggles") == []


def test_depth_limit_slides_and_a_search_indexes_everything(
    new_repo: Callable[[str], Path], db: Path
) -> None:
    """Issue 11: a search indexes the whole history (it indexed the newest 1,000 before)."""
    repo = new_repo("repo")
    oldest = commit(repo, "Oldest change", {"f.txt": "0\n"})
    for day in range(1, 4):
        commit(repo, f"chore {day}", {"f.txt": f"{day}\n"}, day)
    assert counts(index_repository(repo, db, limit=2)) == (2, 2, 0)
    commit(repo, "chore 4", {"f.txt": "4\n"}, day=4)
    assert counts(index_repository(repo, db, limit=2)) == (2, 1, 1)  # the window slides
    assert hashes(repo, db, "oldest") == [oldest[:12]]
    assert index_repository(repo, db, limit=2).depth is None  # never shallower than before
    assert counts(index_repository(repo, db)) == (5, 0, 0)


def test_search_within_the_operators_limit(new_repo: Callable[[str], Path], db: Path) -> None:
    repo = new_repo("repo")
    commit(repo, "Oldest change", {"f.txt": "0\n"})
    newest = commit(repo, "Newest change", {"f.txt": "1\n"}, day=1)
    result = search(repo, db, "change", limit=1)
    assert ([hit.commit_hash for hit in result.results], result.indexed_commits) == (
        [newest[:12]],
        1,
    )


def test_empty_repository_gives_zero_results(new_repo: Callable[[str], Path], db: Path) -> None:
    repo = new_repo("repo")
    result = search(repo, db, "anything")
    assert (result.count, result.indexed_commits, result.results) == (0, 0, [])
    assert index_repository(repo, db).model_dump() == {
        "repository": str(repo),
        "head": None,
        "commits": 0,
        "added": 0,
        "removed": 0,
        "depth": None,
    }
    first = commit(repo, "First words", {"a.txt": "a\n"})
    assert hashes(repo, db, "words") == [first[:12]]


def test_concurrent_first_searches_index_once_and_agree(
    new_repo: Callable[[str], Path], db: Path
) -> None:
    """Server threads and the post-commit hook may refresh the same index at the same time."""
    repo = new_repo("repo")
    ids = [commit(repo, f"Tune cache {day}", {"c.txt": f"{day}\n"}, day) for day in range(20)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: hashes(repo, db, "cache"), range(6)))
    newest_first = [object_id[:12] for object_id in reversed(ids)]
    assert answers == [newest_first] * 6
    assert counts(index_repository(repo, db)) == (20, 0, 0)
