"""The audit trail: one JSON line per tool call, hash-chained so that edits are detectable.

Each entry carries `prev_hash` (the previous entry's `hash`, or 64 zeros for the first) and
`hash` = SHA-256 of `prev_hash` followed by the entry's canonical JSON without `hash`. Rotation
renames the file to `<name>.<n>` (n increasing) and the chain continues into the new file;
rotated files are never deleted, so pruning is the operator's explicit act.
Files are created with mode 0600. A failed write raises StorageError: no call goes unrecorded.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from flowcheck.errors import StorageError

GENESIS = "0" * 64


def entry_hash(prev_hash: str, body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


class AuditLog:
    def __init__(self, path: Path, max_bytes: int) -> None:
        self.path, self.max_bytes = path, max_bytes

    def record(self, **fields: Any) -> None:
        try:
            self._append(fields)
        except OSError as exc:
            raise StorageError(
                f"FLOWCHECK_AUDIT_LOG_PATH={self.path}: cannot write the audit log "
                f"({exc.strerror}); free space or fix the directory's permissions"
            ) from None

    def _append(self, fields: dict[str, Any]) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Other processes (the hooks' `flowcheck audit bypass`, a second server) append to the
        # same trail: the lock serialises writers (threads too: each opens its own
        # descriptor), and the chain is re-read under it.
        lock = os.open(
            self.path.with_name(f".{self.path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600
        )
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            previous = last_hash(self.path)
            if self.path.exists() and self.path.stat().st_size >= self.max_bytes:
                self.path.rename(self.path.with_name(f"{self.path.name}.{_next_index(self.path)}"))
            body = {"timestamp": _now(), **fields, "prev_hash": previous}
            line = json.dumps({**body, "hash": entry_hash(previous, body)}, ensure_ascii=False)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode())
            finally:
                os.close(fd)
        finally:
            os.close(lock)


def _now() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


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


def _next_index(path: Path) -> int:
    return max((index for index, _ in _rotated(path)), default=0) + 1


_TAIL_BYTES = 64 * 1024  # far more than one entry; only the tail is read on every append


def last_hash(path: Path) -> str:
    for file in reversed(chain_files(path)):
        with file.open("rb") as handle:
            handle.seek(max(0, handle.seek(0, os.SEEK_END) - _TAIL_BYTES))
            lines = handle.read().splitlines()
        if lines:
            return str(json.loads(lines[-1])["hash"])
    return GENESIS


def verify(path: Path) -> list[str]:
    """Every break in the chain, as 'file:line: problem'; empty when the trail is intact."""
    problems: list[str] = []
    expected = GENESIS
    for file in chain_files(path):
        for number, raw in enumerate(file.read_bytes().splitlines(), start=1):
            where = f"{file}:{number}"
            try:
                entry = json.loads(raw)
                stored = entry.pop("hash")
            except (ValueError, KeyError, AttributeError):
                problems.append(f"{where}: not an audit entry")
                continue
            if entry.get("prev_hash") != expected:
                problems.append(f"{where}: chain broken (an entry before it was removed or edited)")
            if entry_hash(str(entry.get("prev_hash")), entry) != stored:
                problems.append(f"{where}: entry was modified")
            expected = stored
    return problems
