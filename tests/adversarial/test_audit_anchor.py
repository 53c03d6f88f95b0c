"""Audit anchor attacks: a hostile anchor side file (wrong JSON, FIFO, symlinked temporary file),
a log replaced by a FIFO, and a tail cut off together with the anchor. The trail keeps working,
never hangs, and every break is reported."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from flowcheck.audit import AuditLog
from flowcheck.audit_chain import anchor_path, chain_files, verify
from flowcheck.cli_output import EXIT_ERROR, EXIT_WARN
from flowcheck.errors import StorageError
from tests.adversarial.settings_audit_support import FLOWCHECK, operator_env

MB = 1024 * 1024


def write(path: Path, count: int, max_bytes: int = 10 * MB) -> None:
    log = AuditLog(path, max_bytes)
    for number in range(count):
        log.record(action=f"tool:t{number}", status="ok")


def recovered(path: Path, line: int, reason: str) -> str:
    return f"{path}:{line}: recovered: {reason}"


def cli(home: Path, log: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The real CLI as a hook runs it; a hang fails the case instead of stalling the suite."""
    return subprocess.run(
        [FLOWCHECK, "audit", *arguments],
        env=operator_env(home, FLOWCHECK_AUDIT_LOG_PATH=str(log)),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize(
    "content",
    [
        b"[]",
        b"null",
        b'"head"',
        b"7",
        b"[" * 4_000,
        b'{"hash": "' + b"a" * 64 + b'", "count": true}',
    ],
    ids=["list", "null", "string", "number", "deeply-nested", "boolean-count"],
)
def test_an_anchor_holding_json_that_is_no_anchor_is_recorded_never_fatal(
    tmp_path: Path, content: bytes
) -> None:
    """Audit anchor overwritten, valid JSON of the wrong shape: `[]`, `null`, a string, a number,
    4,000 nested brackets or a boolean count neither crash a write nor `audit verify`; the next
    write records the recovery.
    """
    log = tmp_path / "audit.log"
    write(log, 2)
    anchor_path(log).write_bytes(content)
    assert verify(log) == [f"{anchor_path(log)}: unreadable; the end of the log cannot be checked"]
    write(log, 1)
    assert verify(log) == [recovered(log, 3, f"the anchor beside {log} is unreadable")]


def test_an_oversized_anchor_is_not_read_whole(tmp_path: Path) -> None:
    """Audit anchor overwritten, oversized: an anchor padded to 64 MiB is refused after 4 KiB as
    unreadable, recorded and replaced, never loaded into memory.
    """
    log = tmp_path / "audit.log"
    write(log, 2)
    anchor = json.loads(anchor_path(log).read_bytes())
    anchor_path(log).write_bytes(json.dumps(anchor).encode() + b" " * (64 * MB))
    write(log, 1)
    assert verify(log) == [recovered(log, 3, f"the anchor beside {log} is unreadable")]
    assert anchor_path(log).stat().st_size < 200


def test_a_fifo_as_the_anchor_never_hangs_a_hook_or_verify(
    isolated_environment: Path, tmp_path: Path
) -> None:
    """Audit anchor replaced by a FIFO: `flowcheck audit bypass` (the hooks) and `audit verify`
    return at once; the write records the recovery and replaces the FIFO with a regular anchor.
    """
    log = tmp_path / "audit.log"
    write(log, 1)
    anchor_path(log).unlink()
    os.mkfifo(anchor_path(log))
    verified = cli(isolated_environment, log, "verify")
    assert (verified.returncode, verified.stdout) == (
        EXIT_WARN,
        f"{anchor_path(log)}: unreadable; the end of the log cannot be checked\n",
    )
    assert (
        cli(isolated_environment, log, "bypass", "--hook", "pre-commit", str(tmp_path)).returncode
        == 0
    )
    assert verify(log) == [recovered(log, 2, f"the anchor beside {log} is unreadable")]
    assert [json.loads(line)["action"] for line in log.read_text().splitlines()] == [
        "tool:t0",
        "audit:recovered",
        "hook:pre-commit",
    ]


def test_a_fifo_as_the_log_never_hangs_a_hook_or_verify(
    isolated_environment: Path, tmp_path: Path
) -> None:
    """Audit log replaced by a FIFO: the hook's write fails at once with an error naming the file
    and the fix, and `audit verify` reports the FIFO instead of waiting on it.
    """
    log = tmp_path / "audit.log"
    write(log, 3)
    log.unlink()
    os.mkfifo(log)
    bypass = cli(isolated_environment, log, "bypass", "--hook", "pre-push", str(tmp_path))
    assert bypass.returncode == EXIT_ERROR
    assert f"{log} is not a regular file; remove it" in bypass.stderr
    verified = cli(isolated_environment, log, "verify")
    anchored = json.loads(anchor_path(log).read_text())["hash"][:16]
    assert (verified.returncode, verified.stdout.splitlines()) == (
        EXIT_WARN,
        [
            f"{log}: not a regular file; it cannot be checked",
            f"{log}: 3 entries missing at the end (the anchor recorded 3 entries ending in "
            f"{anchored}, the log holds 0)",
        ],
    )


def test_a_symlink_planted_as_the_anchors_temporary_file_is_never_written_through(
    tmp_path: Path,
) -> None:
    """Audit anchor temporary file planted as a symlink: the writer removes it and creates its own;
    the file it points to is left untouched.
    """
    log = tmp_path / "audit.log"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    write(log, 1)
    temporary = anchor_path(log).with_name(anchor_path(log).name + ".tmp")
    temporary.symlink_to(victim)
    write(log, 1)
    assert victim.read_text() == "precious\n"
    assert not os.path.lexists(temporary)
    assert verify(log) == []


def test_a_symlinked_anchor_is_never_read_through(tmp_path: Path) -> None:
    """Audit anchor replaced by a symlink: it is treated as unreadable, recorded and replaced by a
    regular file; the file it points to is left untouched.
    """
    log = tmp_path / "audit.log"
    write(log, 2)
    elsewhere = tmp_path / "elsewhere.head"
    elsewhere.write_bytes(anchor_path(log).read_bytes())
    anchor_path(log).unlink()
    anchor_path(log).symlink_to(elsewhere)
    write(log, 1)
    assert verify(log) == [recovered(log, 3, f"the anchor beside {log} is unreadable")]
    assert not anchor_path(log).is_symlink()
    assert json.loads(elsewhere.read_text())["count"] == 2


def test_entries_cut_from_the_end_with_the_anchor_deleted_are_recorded_as_a_break(
    tmp_path: Path,
) -> None:
    """Truncated audit log, anchor deleted too: cutting the last 3 entries and deleting the anchor
    is recorded by the next write and reported by verify, not silently re-anchored.
    """
    log = tmp_path / "audit.log"
    write(log, 5)
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:2]))
    anchor_path(log).unlink()
    write(log, 1)
    reason = f"the anchor beside {log} is missing: the end of the trail cannot be checked"
    assert verify(log) == [recovered(log, 3, reason)]
    assert [json.loads(line)["seq"] for line in log.read_text().splitlines()] == [1, 2, 3, 4]


def test_a_rotated_trail_with_the_live_log_and_anchor_deleted_is_recorded_as_a_break(
    tmp_path: Path,
) -> None:
    """Deleted audit log and anchor, rotated files kept: the next write records that the end can no
    longer be checked; `seq` keeps counting across the rotation.
    """
    log = tmp_path / "audit.log"
    write(log, 12, max_bytes=1_000)
    rotated = chain_files(log)[:-1]
    kept = sum(len(file.read_bytes().splitlines()) for file in rotated)
    log.unlink()
    anchor_path(log).unlink()
    write(log, 1)
    reason = f"the anchor beside {log} is missing: the end of the trail cannot be checked"
    assert verify(log) == [recovered(log, 1, reason)]
    assert json.loads(log.read_text().splitlines()[0])["seq"] == kept + 1


def test_a_deeply_nested_last_line_is_recorded_never_fatal(tmp_path: Path) -> None:
    """Damaged audit end, 100,000 nested brackets: neither the writer nor verify crash on the
    parser's recursion limit; the line is reported and the recovery recorded.
    """
    log = tmp_path / "audit.log"
    write(log, 2)
    with log.open("ab") as handle:
        handle.write(b"[" * 100_000 + b"\n")
    write(log, 1)
    assert verify(log) == [
        f"{log}:3: not an audit entry",
        recovered(log, 4, f"the last line of {log} is not an audit entry"),
    ]


def test_a_symlink_planted_as_the_writers_lock_creates_no_file_elsewhere(tmp_path: Path) -> None:
    """Audit lock file planted as a symlink: the write fails with an error naming the lock and the
    fix; no file is created where the symlink points.
    """
    log = tmp_path / "audit.log"
    target = tmp_path / "elsewhere" / "created-by-flowcheck"
    target.parent.mkdir()
    (tmp_path / ".audit.log.lock").symlink_to(target)
    with pytest.raises(StorageError) as caught:
        write(log, 1)
    assert f"({tmp_path / '.audit.log.lock'} is not a regular file; remove it)" in str(caught.value)
    assert list(target.parent.iterdir()) == []
