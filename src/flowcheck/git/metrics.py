"""Flow metrics of one repository, from a handful of git calls whatever its size.

Two calls read the whole change set: `git status` (which paths, staged or not, untracked,
submodules) and `git diff HEAD --numstat` (working tree against HEAD, so a line edited in
the index and again in the working tree counts once). Untracked files are read directly,
because git has no cheap line count for them. The rest are small commit-graph queries.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass
from pathlib import Path

from flowcheck.git.changes import (
    ChangedPath,
    NumstatEntry,
    StatusSnapshot,
    count_untracked_lines,
    parse_numstat,
    parse_status,
)
from flowcheck.git.history import History, read_history
from flowcheck.git.runner import run_git
from flowcheck.ignore import IgnoreMatcher

_SHORT_SHA = 12
# Submodules: their recorded commit counts as a change; edits inside a submodule do not,
# because inspecting them would run git in another repository with its own configuration.
_SUBMODULE_MODE = "--ignore-submodules=dirty"


@dataclass(frozen=True)
class FlowMetrics:
    """Git hygiene numbers of one working tree; `.flowcheckignore`d paths are left out.

    Before the first commit the HEAD fields, minutes and branch signals are None.
    Branch signals are also None when no default branch (origin/HEAD, main, master) exists;
    `branch_age_days` is None as well when HEAD shares no history with it.
    """

    branch_name: str  # short SHA when HEAD is detached
    head_commit: str | None
    head_commit_time: int | None  # committer time, epoch seconds
    minutes_since_last_commit: int | None
    uncommitted_files: int
    uncommitted_lines: int
    staged_files: int
    untracked_files: int
    default_branch: str | None
    branch_age_days: int | None  # days since the fork point; 0 on the default branch itself
    ahead_of_main: int | None
    behind_main_by_commits: int | None


@dataclass(frozen=True)
class _BranchSignals:
    default_branch: str | None = None
    branch_age_days: int | None = None
    ahead: int | None = None
    behind: int | None = None


def collect_metrics(repo: Path, ignore: IgnoreMatcher) -> FlowMetrics:
    """Measure the git top level `repo` (as returned by resolve_repository).

    status, diff and the commit-graph queries are independent, so they run concurrently:
    the call then takes about as long as the slowest of them instead of their sum. Each
    reads HEAD itself, so a commit landing mid-call can skew one result; the next call
    is consistent again.
    """
    now = time.time()
    with ThreadPoolExecutor(max_workers=3) as pool:
        # Each worker runs in a copy of this context: it carries the trusted roots (runner).
        pending_numstat = pool.submit(copy_context().run, _read_numstat, repo, "HEAD")
        pending_history = pool.submit(copy_context().run, read_history, repo)
        snapshot = _read_status(repo)
        if snapshot.head_oid is None:  # no commit yet: the other two failed on HEAD
            numstat, history = _read_numstat(repo, _empty_tree(repo)), None
        else:
            numstat, history = pending_numstat.result(), pending_history.result()
    changed = [entry for entry in snapshot.paths if not _ignored(entry, ignore)]
    head_time = None if history is None else history.head_time
    signals = _branch_signals(history, snapshot, now)
    return FlowMetrics(
        branch_name=_branch_name(snapshot),
        head_commit=snapshot.head_oid,
        head_commit_time=head_time,
        minutes_since_last_commit=None if head_time is None else _elapsed(now, head_time, 60),
        uncommitted_files=len(changed),
        uncommitted_lines=_tracked_lines(numstat, changed) + _untracked_lines(repo, changed),
        staged_files=sum(entry.staged for entry in changed),
        untracked_files=sum(entry.untracked for entry in changed),
        default_branch=signals.default_branch,
        branch_age_days=signals.branch_age_days,
        ahead_of_main=signals.ahead,
        behind_main_by_commits=signals.behind,
    )


def _read_status(repo: Path) -> StatusSnapshot:
    return parse_status(
        run_git(
            repo,
            "status",
            "--porcelain=v2",
            "-z",
            "--branch",
            "--no-ahead-behind",
            "--untracked-files=all",
            "--no-renames",
            _SUBMODULE_MODE,
        )
    )


def _read_numstat(repo: Path, base: str) -> list[NumstatEntry]:
    return parse_numstat(
        run_git(repo, "diff", "--numstat", "-z", "--no-renames", _SUBMODULE_MODE, base, "--")
    )


def _ignored(entry: ChangedPath, ignore: IgnoreMatcher) -> bool:
    # A submodule is a directory, so directory patterns ("vendor/") must match it too.
    return ignore.ignored(entry.path) or (entry.submodule and ignore.ignored(entry.path + "/"))


def _branch_name(snapshot: StatusSnapshot) -> str:
    if snapshot.branch is not None:
        return snapshot.branch
    return (snapshot.head_oid or "")[:_SHORT_SHA]


def _tracked_lines(numstat: list[NumstatEntry], changed: list[ChangedPath]) -> int:
    counted = {entry.path for entry in changed if not entry.untracked and not entry.submodule}
    return sum(entry.added + entry.deleted for entry in numstat if entry.path in counted)


def _empty_tree(repo: Path) -> str:
    """The empty tree's id (differs between SHA-1 and SHA-256 repositories)."""
    return run_git(repo, "hash-object", "-t", "tree", "--stdin", input=b"").decode().strip()


def _untracked_lines(repo: Path, changed: list[ChangedPath]) -> int:
    return sum(count_untracked_lines(repo / entry.path) for entry in changed if entry.untracked)


def _branch_signals(
    history: History | None, snapshot: StatusSnapshot, now: float
) -> _BranchSignals:
    if history is None or history.default_branch is None or history.divergence is None:
        return _BranchSignals()
    drift = history.divergence
    if snapshot.branch == history.default_branch.name:
        age: int | None = 0
    elif drift.fork_point_time is None:
        age = None
    else:
        age = _elapsed(now, drift.fork_point_time, 86400)
    return _BranchSignals(history.default_branch.name, age, drift.ahead, drift.behind)


def _elapsed(now: float, then: int, unit_seconds: int) -> int:
    """Whole units since `then`; a commit dated in the future counts as just now."""
    return max(0, int(now - then) // unit_seconds)
