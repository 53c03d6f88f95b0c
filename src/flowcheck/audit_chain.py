"""Reading the audit chain: its files, its head, the anchor beside it, and verification.

The anchor `.<log name>.head` holds the head's hash and the number of lines in the whole chain
(rotated files included). It is replaced atomically after every append, so a log truncated,
emptied or deleted behind the writer's back no longer matches it: the writer records a
`recovered` entry naming the break, and `verify` reports it. Each entry carries `seq`, its line
number in the chain; a log whose last entry has one was written beside an anchor, so a missing
anchor there is recorded as a break too (a tail cut off with the anchor deleted). Logs of 0.5 have
no `seq` and are continued as they are. Removing the anchor together with every chain file is not
detectable locally.

Every chain file, the anchor and the lock are opened without following a symlink or waiting on a
FIFO (a reader would block while holding the writers' lock): anything but a regular file is no
part of the trail, and `verify` names it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

GENESIS = "0" * 64
RECOVERED = "audit:recovered"
_CHUNK = 64 * 1024
_MAX_LINE_BYTES = 16 * 1024 * 1024  # a longer last line is treated as garbage, never parsed
_MAX_ANCHOR_BYTES = 4096  # a real anchor is under 100 bytes
_HASH = re.compile(r"[0-9a-f]{64}")


class NotRegularFile(OSError):
    """A chain file or anchor that is a symlink, FIFO, device or directory."""


@dataclass(frozen=True)
class Head:
    """The chain's last entry hash and how many lines the chain holds."""

    hash: str
    count: int


@dataclass(frozen=True)
class Tail:
    """The chain's last line: its entry's hash and prev_hash when it is a sound entry."""

    file: Path | None
    hash: str | None
    prev_hash: str | None
    terminated: bool  # False: the file ends in a fragment without a newline
    sequenced: bool = False  # the last entry carries `seq`: it was written beside an anchor


def entry_hash(prev_hash: str, body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def anchor_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.head")


def chain_files(path: Path) -> list[Path]:
    """Rotated files oldest first, then the live file."""
    rotated = sorted(_rotated(path), key=lambda item: item[0])
    return [file for _, file in rotated] + ([path] if os.path.lexists(path) else [])


def _rotated(path: Path) -> list[tuple[int, Path]]:
    pattern = re.compile(re.escape(path.name) + r"\.(\d+)$")
    if not path.parent.is_dir():
        return []
    return [
        (int(match.group(1)), file)
        for file in path.parent.iterdir()
        if (match := pattern.match(file.name))
    ]


def next_index(path: Path) -> int:
    return max((index for index, _ in _rotated(path)), default=0) + 1


def open_regular(path: Path, flags: int) -> int:
    """A descriptor on `path`, which must be a regular file; NotRegularFile otherwise."""
    refusal = NotRegularFile(errno.EINVAL, f"{path} is not a regular file; remove it")
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENXIO):  # a symlink; a FIFO opened to write
            raise refusal from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise refusal
    return fd


def _readable(file: Path) -> BinaryIO | None:
    """`file` open for reading; None when it is not a regular file (it is no part of the chain)."""
    try:
        return os.fdopen(open_regular(file, os.O_RDONLY), "rb")
    except NotRegularFile:
        return None


def irregular_files(path: Path) -> list[Path]:
    """Chain file names that are not regular files: `verify` reports them, readers skip them."""
    return [file for file in chain_files(path) if not stat.S_ISREG(file.lstat().st_mode)]


def parse_entry(raw: bytes) -> tuple[str, str, bool] | None:
    """(hash, prev_hash, has seq) of a line whose stored hash matches its content, else None."""
    try:
        entry = json.loads(raw)
        stored = entry.pop("hash")
        prev = entry["prev_hash"]
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    if not isinstance(stored, str) or not isinstance(prev, str):
        return None
    return (stored, prev, "seq" in entry) if entry_hash(prev, entry) == stored else None


def read_tail(path: Path) -> Tail:
    """The last line of the newest non-empty chain file, read backwards to its start."""
    for file in reversed(chain_files(path)):
        handle = _readable(file)
        if handle is None:
            continue
        with handle:
            end = handle.seek(0, os.SEEK_END)
            if end == 0:
                continue
            raw, terminated = _last_line(handle, end)
        parsed = parse_entry(raw) if raw is not None else None
        hash_, prev, sequenced = parsed if parsed else (None, None, False)
        return Tail(file, hash_, prev, terminated, sequenced)
    return Tail(None, None, None, True)


def _last_line(handle: Any, end: int) -> tuple[bytes | None, bool]:
    handle.seek(end - 1)
    terminated = handle.read(1) == b"\n"
    stop = end - 1 if terminated else end
    collected = b""
    position = stop
    while position > 0 and b"\n" not in collected:
        if stop - position >= _MAX_LINE_BYTES:
            return None, terminated
        start = max(0, position - _CHUNK)
        handle.seek(start)
        collected = handle.read(position - start) + collected
        position = start
    return collected.rsplit(b"\n", 1)[-1], terminated


def read_anchor(path: Path) -> Head | None:
    """The anchored head; None when there is no anchor. ValueError when it is unreadable."""
    try:
        fd = open_regular(anchor_path(path), os.O_RDONLY)
    except FileNotFoundError:
        return None
    except NotRegularFile as exc:
        raise ValueError(exc.strerror) from None
    with os.fdopen(fd, "rb") as handle:
        raw = handle.read(_MAX_ANCHOR_BYTES + 1)
    try:
        data = json.loads(raw) if len(raw) <= _MAX_ANCHOR_BYTES else None
    except RecursionError:  # deeply nested brackets; a ValueError propagates as it is
        data = None
    if not isinstance(data, dict):
        raise ValueError("not an anchor")
    hash_, count = data.get("hash"), data.get("count")
    if not (
        isinstance(hash_, str) and _HASH.fullmatch(hash_) and type(count) is int and count >= 0
    ):
        raise ValueError("not an anchor")  # `type` is no bool: `true` is no count
    return Head(hash_, count)


def write_anchor(path: Path, head: Head) -> None:
    """Replace the anchor in one step: temporary file, fsync, rename, directory fsync."""
    anchor = anchor_path(path)
    temporary = anchor.with_name(anchor.name + ".tmp")
    data = json.dumps({"hash": head.hash, "count": head.count}).encode()
    # A stale or planted temporary file (a symlink too) is removed, never written through.
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    fd = os.open(
        temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600
    )
    try:
        write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    temporary.replace(anchor)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def write_all(fd: int, data: bytes) -> None:
    """One write; a short one (disk full, file size limit) is an error, never ignored."""
    written = os.write(fd, data)
    if written != len(data):
        raise OSError(0, f"short write, {written} of {len(data)} bytes; the disk may be full")


def lines(path: Path) -> Iterator[tuple[Path, int, bytes]]:
    """Every line of the chain, streamed: (file, line number, raw line without newline)."""
    for file in chain_files(path):
        handle = _readable(file)
        if handle is None:
            continue
        with handle:
            for number, raw in enumerate(handle, start=1):
                yield file, number, raw.rstrip(b"\n")


def scan(path: Path) -> Head:
    """The whole chain read once: its line count and its last sound entry's hash."""
    head = Head(GENESIS, 0)
    for _, _, raw in lines(path):
        parsed = parse_entry(raw)
        head = Head(parsed[0] if parsed else head.hash, head.count + 1)
    return head


def verify(path: Path) -> list[str]:
    """Every break in the chain, as 'file:line: problem'; empty when the trail is intact."""
    problems = [
        f"{file}: not a regular file; it cannot be checked" for file in irregular_files(path)
    ]
    expected, count, last_prev = GENESIS, 0, None
    for file, number, raw in lines(path):
        count += 1
        where = f"{file}:{number}"
        try:
            entry = json.loads(raw)
            stored = entry.pop("hash")
        except (ValueError, KeyError, AttributeError, TypeError, RecursionError):
            problems.append(f"{where}: not an audit entry")
            continue
        if entry.get("prev_hash") != expected:
            problems.append(f"{where}: chain broken (an entry before it was removed or edited)")
        if entry_hash(str(entry.get("prev_hash")), entry) != stored:
            problems.append(f"{where}: entry was modified")
        if entry.get("action") == RECOVERED:
            problems.append(f"{where}: recovered: {entry.get('break')}")
        expected, last_prev = str(stored), entry.get("prev_hash")
    return problems + _anchor_problems(path, Head(expected, count), last_prev)


def _anchor_problems(path: Path, found: Head, last_prev: object) -> list[str]:
    try:
        anchor = read_anchor(path)
    except (OSError, ValueError):
        return [f"{anchor_path(path)}: unreadable; the end of the log cannot be checked"]
    if anchor is None:
        if found.count == 0:
            return []
        return [f"{anchor_path(path)}: missing; the end of the log cannot be checked"]
    return (
        [] if (problem := tail_break(found, last_prev, anchor)) is None else [f"{path}: {problem}"]
    )


def tail_break(found: Head, last_prev: object, anchor: Head) -> str | None:
    """Why the chain's end does not match the anchor, or None when it does.

    One entry beyond the anchor is sound: the writer was stopped between its two writes.
    """
    if found.hash == anchor.hash:
        return None
    if last_prev == anchor.hash and found.count == anchor.count + 1:
        return None
    if found.count < anchor.count:
        return (
            f"{anchor.count - found.count} entries missing at the end (the anchor recorded "
            f"{anchor.count} entries ending in {anchor.hash[:16]}, the log holds {found.count})"
        )
    return (
        f"the last entry is not the anchored head ({anchor.count} entries ending in "
        f"{anchor.hash[:16]}; the log holds {found.count}): its end was replaced"
    )
