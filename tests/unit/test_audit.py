"""The hash-chained audit trail: intact chains verify, any edit or removal is reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowcheck.audit import AuditLog, chain_files, verify
from flowcheck.cli import main
from flowcheck.errors import StorageError


def write_entries(path: Path, count: int, max_bytes: int = 10_000_000) -> AuditLog:
    log = AuditLog(path, max_bytes)
    for index in range(count):
        log.record(action=f"tool:t{index}", status="ok")
    return log


def test_intact_trail_verifies(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    write_entries(path, 3)
    assert verify(path) == []
    assert path.stat().st_mode & 0o777 == 0o600


def test_edited_entry_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    write_entries(path, 3)
    lines = path.read_text().splitlines()
    entry = json.loads(lines[1])
    entry["status"] = "error"
    lines[1] = json.dumps(entry)
    path.write_text("\n".join(lines) + "\n")
    assert verify(path) == [f"{path}:2: entry was modified"]


def test_removed_entry_breaks_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    write_entries(path, 3)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[2]]) + "\n")
    assert verify(path) == [f"{path}:2: chain broken (an entry before it was removed or edited)"]


def test_rotation_keeps_every_file_and_the_chain(tmp_path: Path) -> None:
    """0.4 defect B1.12: rotation deleted the oldest entries of a log called immutable."""
    path = tmp_path / "audit.log"
    write_entries(path, 30, max_bytes=1000)
    rotated = chain_files(path)[:-1]
    assert len(rotated) >= 5
    total = sum(len(p.read_text().splitlines()) for p in chain_files(path))
    assert total == 30
    assert verify(path) == []


def test_a_new_process_continues_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    write_entries(path, 2)
    write_entries(path, 2)
    assert verify(path) == []


def test_unwritable_log_raises_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StorageError) as caught:
        write_entries(blocker / "audit.log", 1)
    assert str(caught.value).startswith(
        f"FLOWCHECK_AUDIT_LOG_PATH={blocker / 'audit.log'}: cannot write the audit log"
    )


def test_audit_verify_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "audit.log"
    monkeypatch.setenv("FLOWCHECK_AUDIT_LOG_PATH", str(path))
    write_entries(path, 2)
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out == f"{path}: 2 entries, chain intact\n"
    path.write_text(path.read_text().replace('"ok"', '"no"', 1))
    assert main(["audit", "verify"]) == 1
    assert capsys.readouterr().out == f"{path}:1: entry was modified\n"


def test_two_writers_on_one_trail_keep_one_chain(tmp_path: Path) -> None:
    """Found in review: each writer cached the last hash, so a second process (the hook's
    `flowcheck audit bypass` beside a server) made verify report a broken chain."""
    path = tmp_path / "audit.log"
    server, hook = AuditLog(path, 10_000_000), AuditLog(path, 10_000_000)
    server.record(action="tool:a", status="ok")
    hook.record(action="hook:pre-commit", status="bypass")
    server.record(action="tool:b", status="ok")
    assert verify(path) == []
    assert len(path.read_text().splitlines()) == 3


def test_concurrent_threads_keep_one_chain(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "audit.log"
    log = AuditLog(path, 10_000_000)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: log.record(action=f"tool:t{n}", status="ok"), range(64)))
    assert verify(path) == []
    assert len(path.read_text().splitlines()) == 64


def test_audit_verify_command_reports_entries_missing_at_the_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 8 #5: emptying the log went unnoticed; the anchor beside it now counts the loss."""
    path = tmp_path / "audit.log"
    monkeypatch.setenv("FLOWCHECK_AUDIT_LOG_PATH", str(path))
    write_entries(path, 3)
    head = json.loads(path.with_name(".audit.log.head").read_text())
    assert head["count"] == 3
    path.write_bytes(b"")
    assert main(["audit", "verify"]) == 1
    assert capsys.readouterr().out == (
        f"{path}: 3 entries missing at the end (the anchor recorded 3 entries ending in "
        f"{head['hash'][:16]}, the log holds 0)\n"
    )
