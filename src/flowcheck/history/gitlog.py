"""Read commits for the index: the branch tips, the commits they reach, and their details in one
`git log`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flowcheck.errors import GitError
from flowcheck.git.runner import GitExitError, run_git

# %B is the raw message; NUL can never occur in it, in a name or in a path, so NUL separates fields.
_FORMAT = "--format=%H%x00%an%x00%at%x00%B"
_HASH = re.compile(rb"[0-9a-f]{40}|[0-9a-f]{64}")  # SHA-1 and SHA-256 repositories
_NO_REFS = 1  # `show-ref` exit status when there is no branch and HEAD has no commit yet
_SECONDS_PER_COMMIT = 0.02  # git log time budget grows with the batch; diffs dominate


@dataclass(frozen=True)
class Commit:
    hash: str  # full object id
    author: str
    authored_at: int  # epoch seconds
    message: str
    paths: tuple[str, ...]  # every changed path, in git's order
    insertions: int
    deletions: int


def branch_tips(repo: Path) -> tuple[str | None, tuple[str, ...]]:
    """HEAD's full id (None before the first commit) and the sorted ids of HEAD and every local
    branch: what the index covers. One `git show-ref`."""
    try:
        output = run_git(repo, "show-ref", "--head", "--heads")
    except GitExitError as error:
        if error.status == _NO_REFS:
            return None, ()
        raise
    head: str | None = None
    tips: set[str] = set()
    for line in output.decode("utf-8", errors="replace").splitlines():
        object_id, _, name = line.partition(" ")
        tips.add(object_id)
        if name == "HEAD":
            head = object_id
    return head, tuple(sorted(tips))


def reachable(
    repo: Path, tips: Sequence[str], exclude: Sequence[str] = (), limit: int | None = None
) -> list[str]:
    """Ids of the non-merge commits reachable from `tips` and not from `exclude`, newest first,
    at most `limit` (all when None). Merges are left out: their changes are their parents', and
    "Merge branch ..." messages took two of every ten result slots. Raises GitExitError when an
    excluded id no longer exists (rewritten and garbage-collected)."""
    count = [] if limit is None else [f"--max-count={limit}"]
    revisions = [*tips, *(f"^{object_id}" for object_id in exclude)]
    output = run_git(
        repo, "rev-list", "--no-merges", *count, "--stdin", input="\n".join(revisions).encode()
    )
    return output.decode("ascii").split()


def read_commits(repo: Path, hashes: Sequence[str]) -> list[Commit]:
    """Details of exactly these commits, in this order, from a single `git log` call."""
    if not hashes:
        return []
    output = run_git(
        repo,
        "log",
        "--no-walk=unsorted",
        "--stdin",
        "-z",
        "--numstat",
        "--no-renames",  # a rename counts as delete + add: both paths stay searchable
        "--diff-merges=off",
        "--encoding=UTF-8",
        _FORMAT,
        input="\n".join(hashes).encode("ascii") + b"\n",
        timeout=30.0 + _SECONDS_PER_COMMIT * len(hashes),
    )
    return parse_log(output)


def parse_log(output: bytes) -> list[Commit]:
    """Parse `git log -z --numstat` output written with `_FORMAT`.

    After a commit's four fields come its numstat entries, "added TAB deleted TAB path", the
    first one after a newline. An entry is the only field there that can hold a tab: the next
    commit starts with its id.
    """
    fields = output.split(b"\0")
    commits: list[Commit] = []
    position = 0
    while position + 3 < len(fields):
        object_id, author, seconds, message = fields[position : position + 4]
        if not _HASH.fullmatch(object_id) or not seconds.isdigit():
            raise GitError(f"unexpected git log output near commit {_text(object_id)[:64]!r}")
        position += 4
        end = position
        while end < len(fields) and b"\t" in fields[end]:
            end += 1
        changes = [field.lstrip(b"\n").split(b"\t", 2) for field in fields[position:end]]
        position = end
        commits.append(
            Commit(
                hash=object_id.decode("ascii"),
                author=_text(author),
                authored_at=int(seconds),
                message=_text(message).strip(),
                paths=tuple(_text(path) for _, _, path in changes),
                # Binary files show "-" for both counts: they add no lines.
                insertions=sum(int(added) for added, _, _ in changes if added != b"-"),
                deletions=sum(int(deleted) for _, deleted, _ in changes if deleted != b"-"),
            )
        )
    return commits


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")
