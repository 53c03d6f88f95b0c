"""What gets scanned: added lines of the staged and unstaged diffs (mapped to new-file line
numbers), untracked text files, and commit ranges."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flowcheck.git.runner import reject_option_like, run_git
from flowcheck.guardian.models import Source
from flowcheck.ignore import IgnoreMatcher

UNTRACKED_MAX_BYTES = 1 << 20  # larger untracked files are reported as skipped, not scanned
_BINARY_PROBE = 8192
_HUNK = re.compile(rb"^@@ -\d{1,10}(?:,\d{1,10})? \+(\d{1,10})(?:,\d{1,10})? @@")
# Shorter than FLOWCHECK_TOOL_TIMEOUT's default (120 s): the git of a call abandoned at its
# deadline ends soon after, instead of holding a thread and a process for as long again.
_GIT_TIMEOUT = 90.0


@dataclass(frozen=True, slots=True)
class Segment:
    """Consecutive lines of one file, starting at ``first_line`` of that file."""

    path: str
    first_line: int
    text: str
    source: Source


@dataclass
class Collected:
    segments: list[Segment]
    skipped: list[str]
    files: int


def staged(top: Path, ignore: IgnoreMatcher, index_file: Path | None = None) -> Collected:
    """Exactly what the next commit would add: the index against HEAD (or the empty tree)."""
    return _diff(top, ignore, "staged", "--cached", index_file=index_file)


def unstaged(top: Path, ignore: IgnoreMatcher) -> Collected:
    return _diff(top, ignore, "unstaged")


def commit_range(top: Path, ignore: IgnoreMatcher, base: str, head: str) -> Collected:
    return _diff(top, ignore, "commit", reject_option_like(base), reject_option_like(head))


def untracked(top: Path, ignore: IgnoreMatcher) -> Collected:
    listing = run_git(top, "ls-files", "--others", "--exclude-standard", "-z", timeout=_GIT_TIMEOUT)
    collected = Collected([], [], 0)
    for raw in filter(None, listing.split(b"\0")):
        path = display_path(raw)
        data, reason = _read_untracked(top / os.fsdecode(raw), ignore, path)
        if data is None:
            collected.skipped.append(f"{path}: {reason}")
            continue
        collected.files += 1
        collected.segments.append(Segment(path, 1, data.decode("utf-8", "replace"), "untracked"))
    return collected


def display_path(raw: bytes) -> str:
    """A file name as reported: bytes that are not UTF-8 become `\\xff` escapes. (A lone
    surrogate, which os.fsdecode would give, cannot be sent as JSON, so one such file name
    made every tool fail.)"""
    return raw.decode("utf-8", "backslashreplace")


def _read_untracked(file: Path, ignore: IgnoreMatcher, path: str) -> tuple[bytes | None, str]:
    """The file's bytes, or None and why not. Checks and reads one open descriptor, so a file
    swapped for a symlink or a FIFO in between is never followed or waited on."""
    if ignore.ignored(path):
        return None, "ignored by .flowcheckignore"
    try:
        descriptor = os.open(file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None, "not a regular file"
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None, "not a regular file"
        data = handle.read(UNTRACKED_MAX_BYTES + 1)
    if len(data) > UNTRACKED_MAX_BYTES:
        return None, f"larger than {UNTRACKED_MAX_BYTES} bytes"
    if b"\0" in data[:_BINARY_PROBE]:
        return None, "binary"
    return data, ""


def _diff(
    top: Path,
    ignore: IgnoreMatcher,
    source: Source,
    *selector: str,
    index_file: Path | None = None,
) -> Collected:
    output = run_git(
        top,
        "diff",
        "-U0",
        "--no-color",
        "--no-renames",
        "--diff-filter=d",
        # A `-diff` or `binary` attribute must not hide a file from the scan.
        "--text",
        *selector,
        "--",
        timeout=_GIT_TIMEOUT,
        index_file=index_file,
    )
    collected = Collected([], [], 0)
    skipped: set[str] = set()  # a file's runs each come here; list it once, in linear time
    for path, first_line, lines in _added_runs(output):
        reason = "ignored by .flowcheckignore" if ignore.ignored(path) else None
        if reason is None and any("\0" in line for line in lines):
            reason = "binary content"
        if reason is not None:
            if path not in skipped:
                skipped.add(path)
                collected.skipped.append(f"{path}: {reason}")
            continue
        collected.segments.append(Segment(path, first_line, "\n".join(lines), source))
    collected.files = len({s.path for s in collected.segments})
    return collected


def _added_runs(diff: bytes) -> Iterator[tuple[str, int, list[str]]]:
    """(path, first new-file line, lines) for each run of consecutive added lines."""
    path: str | None = None
    next_line = 0
    run: list[str] = []
    run_start = 0
    in_header = False
    for raw in diff.split(b"\n"):
        if raw.startswith(b"diff --git "):
            if run and path is not None:  # the last run of the previous file
                yield path, run_start, run
            run, path = [], None
            in_header = True
        elif in_header and raw.startswith(b"+++ "):
            path = _diff_path(raw[4:])
        elif (hunk := _HUNK.match(raw)) is not None:
            in_header = False
            if run and path is not None:
                yield path, run_start, run
            run, next_line = [], int(hunk.group(1))
            run_start = next_line
        elif not in_header and raw.startswith(b"+") and path is not None:
            run.append(raw[1:].decode("utf-8", "replace"))
            next_line += 1
    if run and path is not None:
        yield path, run_start, run


def _diff_path(raw: bytes) -> str | None:
    # git ends the name with a tab when it contains a space, and C-quotes unusual names
    raw = raw.removesuffix(b"\t")
    if raw.startswith(b'"') and raw.endswith(b'"'):
        raw = raw[1:-1].decode("unicode_escape").encode("latin-1", "replace")
    text = display_path(raw)
    return None if text == "/dev/null" else text.removeprefix("b/")
