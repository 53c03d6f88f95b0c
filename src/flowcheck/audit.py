"""The audit trail: one JSON line per tool call, hash-chained so that edits are detectable.

Each entry carries `prev_hash` (the previous entry's `hash`, or 64 zeros for the first) and
`hash` = SHA-256 of `prev_hash` followed by the entry's canonical JSON without `hash`. Rotation
renames the file to `<name>.<n>` (n increasing) and the chain continues into the new file;
rotated files are never deleted, so pruning is the operator's explicit act.
Files are created with mode 0600. A failed or short write raises StorageError: no call goes
unrecorded. Every field is bounded (strings to 1,000 characters), so no entry can grow past
what the head reader reads. A damaged end (a cut-short or garbage last line, a log truncated,
emptied or deleted) never stops the writer: it appends a `recovered` entry that names the
break, which `flowcheck audit verify` reports (see flowcheck.audit_chain for the anchor).
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import Any

from flowcheck.audit_chain import (
    GENESIS,
    RECOVERED,
    Head,
    Tail,
    chain_files,
    entry_hash,
    next_index,
    open_regular,
    read_anchor,
    read_tail,
    scan,
    tail_break,
    verify,
    write_all,
    write_anchor,
)
from flowcheck.errors import StorageError

__all__ = ["GENESIS", "AuditLog", "bounded", "chain_files", "entry_hash", "verify"]

MAX_FIELD_CHARS = 1_000
MAX_ITEMS = 20


def bounded(value: Any) -> Any:
    """`value` cut to size: strings to MAX_FIELD_CHARS (valid UTF-8), containers to MAX_ITEMS."""
    if isinstance(value, str):
        text = value.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become '?'
        if len(text) <= MAX_FIELD_CHARS:
            return text
        return f"{text[:MAX_FIELD_CHARS]}...[{len(text) - MAX_FIELD_CHARS} more characters]"
    if isinstance(value, dict):
        items = list(value.items())[:MAX_ITEMS]
        return {bounded(str(key)): bounded(item) for key, item in items}
    if isinstance(value, list | tuple):
        return [bounded(item) for item in value[:MAX_ITEMS]]
    return value


class AuditLog:
    def __init__(self, path: Path, max_bytes: int) -> None:
        self.path, self.max_bytes = path, max_bytes

    def record(self, **fields: Any) -> None:
        try:
            self._append(bounded(fields))
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
        lock = open_regular(self.path.with_name(f".{self.path.name}.lock"), os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            head = self._head()
            if self.path.exists() and self.path.stat().st_size >= self.max_bytes:
                self.path.rename(self.path.with_name(f"{self.path.name}.{next_index(self.path)}"))
            self._write(head, fields)
        finally:
            os.close(lock)

    def _head(self) -> Head:
        """The head to chain from; a damaged end is recorded first, never a reason to stop."""
        tail = read_tail(self.path)
        try:
            anchor = read_anchor(self.path)
        except (OSError, ValueError):
            return self._recover(f"the anchor beside {self.path} is unreadable", tail)
        if not tail.terminated or (tail.file is not None and tail.hash is None):
            reason = "is cut short" if not tail.terminated else "is not an audit entry"
            return self._recover(f"the last line of {tail.file} {reason}", tail)
        if anchor is None and tail.sequenced:  # the anchor was removed, perhaps to hide a cut
            missing = (
                f"the anchor beside {self.path} is missing: the end of the trail cannot be checked"
            )
            return self._recover(missing, tail)
        if anchor is None:
            return scan(self.path)  # a new log, or one of 0.5, written before anchors existed
        if tail.hash == anchor.hash:
            return anchor
        if tail.hash is not None and tail.prev_hash == anchor.hash:
            return Head(tail.hash, anchor.count + 1)  # stopped between entry and anchor write
        mismatch = tail_break(scan(self.path), tail.prev_hash, anchor)
        return self._recover(mismatch or "the end of the log does not match its anchor", tail)

    def _recover(self, reason: str, tail: Tail) -> Head:
        if tail.file == self.path and not tail.terminated:
            self._append_line(b"\n")  # end the fragment, so it stays a line of its own
        fields = {"action": RECOVERED, "status": "recovered", "break": bounded(reason)}
        return self._write(scan(self.path), fields)

    def _write(self, head: Head, fields: dict[str, Any]) -> Head:
        body = {"timestamp": _now(), **fields, "seq": head.count + 1, "prev_hash": head.hash}
        new_hash = entry_hash(head.hash, body)
        line = json.dumps({**body, "hash": new_hash}, ensure_ascii=False) + "\n"
        self._append_line(line.encode())
        written = Head(new_hash, head.count + 1)
        write_anchor(self.path, written)
        return written

    def _append_line(self, data: bytes) -> None:
        fd = open_regular(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)


def _now() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"
