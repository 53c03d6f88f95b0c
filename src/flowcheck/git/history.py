"""Commit-graph facts: HEAD time, the default branch, the fork point, ahead/behind counts."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from flowcheck.git.runner import GitExitError, run_git

# Candidates for "main", best first; the remote's HEAD is what the team treats as default.
_DEFAULT_BRANCH_REFS = ("refs/remotes/origin/HEAD", "refs/heads/main", "refs/heads/master")
_NO_MERGE_BASE_STATUS = 1  # git merge-base's exit status when the histories are unrelated


@dataclass(frozen=True)
class DefaultBranch:
    ref: str  # full ref name, safe to pass to git (starts with "refs/")
    name: str  # the branch name as people say it, e.g. "main"


@dataclass(frozen=True)
class Divergence:
    """How HEAD relates to the default branch."""

    fork_point_time: int | None  # committer time (epoch s) of the merge base; None if unrelated
    ahead: int
    behind: int


@dataclass(frozen=True)
class History:
    head_time: int  # committer time of HEAD, epoch seconds
    default_branch: DefaultBranch | None
    divergence: Divergence | None  # None when there is no default branch


def read_history(repo: Path) -> History:
    """Commit-graph facts of HEAD; fails (GitExitError) before the first commit."""
    branch = default_branch(repo)
    if branch is None:
        return History(_commit_times(repo, "HEAD")[0][1], None, None)
    counts = run_git(repo, "rev-list", "--left-right", "--count", f"HEAD...{branch.ref}", "--")
    ahead, behind = (int(value) for value in counts.split())
    fork_point = _merge_base(repo, branch.ref)
    times = _commit_times(repo, "HEAD", *([fork_point] if fork_point else []))
    fork_time = dict(times)[fork_point] if fork_point else None
    return History(times[0][1], branch, Divergence(fork_time, ahead, behind))


def default_branch(repo: Path) -> DefaultBranch | None:
    """origin/HEAD (following its symref), else local main, else master; None if none exist."""
    output = run_git(repo, "for-each-ref", "--format=%(refname)%00%(symref)", *_DEFAULT_BRANCH_REFS)
    found: dict[str, str] = {}
    for line in os.fsdecode(output).splitlines():
        ref, _, target = line.partition("\0")
        found[ref] = target
    for ref in _DEFAULT_BRANCH_REFS:
        if ref in found:
            return DefaultBranch(ref=ref, name=_short_name(found[ref] or ref))
    return None


def _short_name(ref: str) -> str:
    for prefix in ("refs/remotes/origin/", "refs/heads/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return ref


def _merge_base(repo: Path, ref: str) -> str | None:
    try:
        return run_git(repo, "merge-base", "HEAD", ref).decode("ascii").strip()
    except GitExitError as error:
        if error.status == _NO_MERGE_BASE_STATUS and not error.stderr:
            return None
        raise


def _commit_times(repo: Path, *revisions: str) -> list[tuple[str, int]]:
    """(full id, committer time) per distinct commit, in the order given."""
    output = run_git(repo, "log", "--no-walk=unsorted", "--format=%H %ct", *revisions, "--")
    pairs = (line.partition(" ") for line in output.decode("ascii").splitlines())
    return [(commit, int(seconds)) for commit, _, seconds in pairs]
