"""Reading the audit chain: its files, its head, the anchor beside it, and verification.

The anchor `.<log name>.head` holds the head's hash and the number of lines in the whole chain
(rotated files included). It is replaced atomically after every append, so a log truncated,
emptied or deleted behind the writer's back no longer matches it: the writer records a
`recovered` entry naming the break, and `verify` reports it. Removing the anchor together with
the log is not detectable locally.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
RECOVERED = "audit:recovered"
_CHUNK = 64 * 1024
_MAX_LINE_BYTES = 16 * 1024 * 1024  # a longer last line is treated as garbage, never parsed


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


def entry_hash(prev_hash: str, body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def anchor_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.head")


def chain_files(path: Path) -> list[Path]:
    """Rotated files oldest first, then the live file."""
    rotated = sorted(_rotated(path), key=lambda item: item[0])
    return [file for _, file in rotated] + ([path] if path.exists() else [])


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


def parse_entry(raw: bytes) -> tuple[str, str] | None:
    """(hash, prev_hash) of a line whose stored hash matches its content, else None."""
    try:
        entry = json.loads(raw)
        stored = entry.pop("hash")
        prev = entry["prev_hash"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(stored, str) or not isinstance(prev, str):
        return None
    return (stored, prev) if entry_hash(prev, entry) == stored else None


def read_tail(path: Path) -> Tail:
    """The last line of the newest non-empty chain file, read backwards to its start."""
    for file in reversed(chain_files(path)):
        with file.open("rb") as handle:
            end = handle.seek(0, os.SEEK_END)
            if end == 0:
                continue
            raw, terminated = _last_line(handle, end)
        parsed = parse_entry(raw) if raw is not None else None
        hash_, prev = parsed if parsed else (None, None)
        return Tail(file, hash_, prev, terminated)
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
        data = json.loads(anchor_path(path).read_bytes())
    except FileNotFoundError:
        return None
    if not (isinstance(data.get("hash"), str) and isinstance(data.get("count"), int)):
        raise ValueError("not an anchor")
    return Head(data["hash"], data["count"])


def write_anchor(path: Path, head: Head) -> None:
    """Replace the anchor in one step: temporary file, fsync, rename, directory fsync."""
    anchor = anchor_path(path)
    temporary = anchor.with_name(anchor.name + ".tmp")
    data = json.dumps({"hash": head.hash, "count": head.count}).encode()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
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
        with file.open("rb") as handle:
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
    problems: list[str] = []
    expected, count, last_prev = GENESIS, 0, None
    for file, number, raw in lines(path):
        count += 1
        where = f"{file}:{number}"
        try:
            entry = json.loads(raw)
            stored = entry.pop("hash")
        except (ValueError, KeyError, AttributeError, TypeError):
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
