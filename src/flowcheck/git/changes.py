"""Parse the change set: `git status --porcelain=v2 -z` and `git diff --numstat -z` output.

Both parsers work on bytes: paths are arbitrary bytes in git, and decoding a 100k-line
listing as text first would cost time for nothing. Paths come back as `os.fsdecode` strings.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

# Larger untracked files count as changed files without lines, like binary files: reading
# them would make one call as slow as the whole rest of the metrics.
MAX_UNTRACKED_TEXT_BYTES = 8 << 20
_BINARY_PROBE_BYTES = 8000  # git's own heuristic: a NUL in the first 8000 bytes means binary
_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class ChangedPath:
    """One path `git status` reports as not committed."""

    path: str
    staged: bool
    untracked: bool
    submodule: bool


@dataclass
class StatusSnapshot:
    """Parsed `git status --porcelain=v2 --branch` output."""

    head_oid: str | None = None  # None before the first commit
    branch: str | None = None  # None when HEAD is detached
    paths: list[ChangedPath] = field(default_factory=list)


@dataclass(frozen=True)
class NumstatEntry:
    path: str
    added: int
    deleted: int
    binary: bool


def parse_status(output: bytes) -> StatusSnapshot:
    """Parse porcelain v2: headers, ordinary (1), renamed (2), unmerged (u), untracked (?)."""
    snapshot = StatusSnapshot()
    records = iter(output.split(b"\0"))
    for record in records:
        kind = record[:2]
        if kind == b"# ":
            _read_header(record, snapshot)
        elif kind == b"1 ":
            snapshot.paths.append(_tracked(record.split(b" ", 8)))
        elif kind == b"2 ":
            snapshot.paths.append(_tracked(record.split(b" ", 9)))
            next(records, None)  # the rename source path; the destination is what changed
        elif kind == b"u ":
            fields = record.split(b" ", 10)
            snapshot.paths.append(ChangedPath(os.fsdecode(fields[-1]), False, False, False))
        elif kind == b"? ":
            snapshot.paths.append(ChangedPath(os.fsdecode(record[2:]), False, True, False))
    return snapshot


def _read_header(record: bytes, snapshot: StatusSnapshot) -> None:
    name, _, value = record[2:].partition(b" ")
    if name == b"branch.oid" and value != b"(initial)":
        snapshot.head_oid = value.decode("ascii")
    elif name == b"branch.head" and value != b"(detached)":
        # Reported to the caller, so never a lone surrogate (JSON cannot carry one).
        snapshot.branch = value.decode("utf-8", "backslashreplace")


def _tracked(fields: list[bytes]) -> ChangedPath:
    index_state = fields[1][:1]
    return ChangedPath(
        path=os.fsdecode(fields[-1]),
        staged=index_state != b".",
        untracked=False,
        submodule=fields[2].startswith(b"S"),
    )


def parse_numstat(output: bytes) -> list[NumstatEntry]:
    """Parse `--numstat -z`; a rename record (empty path) is followed by source and destination."""
    entries: list[NumstatEntry] = []
    records = iter(output.split(b"\0"))
    for record in records:
        if not record:
            continue
        added, deleted, path = record.split(b"\t", 2)
        if not path:
            next(records, None)
            path = next(records, b"")
        binary = added == b"-"
        entries.append(
            NumstatEntry(
                path=os.fsdecode(path),
                added=0 if binary else int(added),
                deleted=0 if binary else int(deleted),
                binary=binary,
            )
        )
    return entries


def count_untracked_lines(path: Path) -> int:
    """Lines a new file adds: text lines (a last line without newline counts), symlink = 1.

    Binary files (a NUL in the first 8000 bytes), files over the size cap, special files and
    files that vanish meanwhile count 0 lines. Symlinks are never followed.
    """
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            return 1  # git diffs a symlink as one line holding its target
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_UNTRACKED_TEXT_BYTES:
            return 0
        return _count_text_lines(path)
    except OSError:
        return 0


def _count_text_lines(path: Path) -> int:
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        chunk = handle.read(_CHUNK_BYTES)
        if b"\0" in chunk[:_BINARY_PROBE_BYTES]:
            return 0
        lines = 0
        last = b"\n"
        while chunk:
            lines += chunk.count(b"\n")
            last = chunk[-1:]
            chunk = handle.read(_CHUNK_BYTES)
    return lines if last == b"\n" else lines + 1
