"""Audit tampering and bricking: oversized or hostile texts, damaged ends, lost writes, removed
files, concurrent and killed writers. The trail keeps working and every break is reported."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from flowcheck.audit import MAX_FIELD_CHARS, AuditLog
from flowcheck.audit_chain import GENESIS, anchor_path, chain_files, entry_hash, verify
from flowcheck.errors import StorageError
from flowcheck.guardian.rules import default_rules
from flowcheck.server import audited
from flowcheck.sessions import SessionRegistry
from flowcheck.settings_sources import load_settings
from flowcheck.tools import flow
from tests.adversarial.settings_audit_support import AWS_KEY, operator_env, stdio_session

MB = 1024 * 1024
# An entry holds at most this much: ~15 fields, each string cut at 1,000 characters.
ENTRY_CEILING = 24 * 1024


def audit_of(home: Path) -> Path:
    return home / ".flowcheck" / "audit.log"


def entries(path: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line) for file in chain_files(path) for line in file.read_text().splitlines()
    ]


def write(path: Path, count: int, max_bytes: int = 10 * MB) -> AuditLog:
    log = AuditLog(path, max_bytes)
    for number in range(count):
        log.record(action=f"tool:t{number}", status="ok")
    return log


def recovered(path: Path, line: int, reason: str) -> str:
    return f"{path}:{line}: recovered: {reason}"


def missing(log: Path, holds: int) -> str:
    """The break verify names when the log holds fewer lines than its anchor recorded."""
    anchor = json.loads(anchor_path(log).read_text())
    return (
        f"{anchor['count'] - holds} entries missing at the end (the anchor recorded "
        f"{anchor['count']} entries ending in {anchor['hash'][:16]}, the log holds {holds})"
    )


# --- oversized and hostile texts -------------------------------------------------------------


def test_a_70000_character_rule_key_does_not_brick_the_trail_across_restarts(
    isolated_environment: Path, make_repo: Any
) -> None:
    """Oversized audit field, set_rules key: a 70,000-character rule key fails that call only; every
    later call, after a restart too, is served and recorded.
    """
    repo = make_repo()
    env = operator_env(isolated_environment)
    first, _ = stdio_session(
        repo,
        env,
        [("set_rules", {"rules": {"k" * 70_000: 1}}), ("get_flow_state", {"repo_path": str(repo)})],
    )
    second, _ = stdio_session(repo, env, [("get_flow_state", {"repo_path": str(repo)})])
    assert [reply["result"]["isError"] for reply in (first[1], first[2], second[1])] == [
        True,
        False,
        False,
    ]
    log = audit_of(isolated_environment)
    assert [(e["action"], e["status"]) for e in entries(log)] == [
        ("tool:set_rules", "started"),
        ("tool:set_rules", "error"),
        ("tool:get_flow_state", "ok"),
        ("tool:get_flow_state", "ok"),
    ]
    assert max(len(line) for line in log.read_bytes().splitlines()) < ENTRY_CEILING
    assert verify(log) == []


def test_a_100_kb_repository_path_does_not_brick_the_trail_across_restarts(
    isolated_environment: Path, make_repo: Any, tmp_path: Path
) -> None:
    """Oversized audit field, error text: a 100 KB repo_path whose error repeats it is recorded
    bounded; the next call, after a restart too, works.
    """
    repo = make_repo()
    missing = tmp_path / "missing"
    long_path = str(missing) + "/sub/.." * 15_000  # 105 KB; resolves to `missing`
    env = operator_env(isolated_environment)
    first, _ = stdio_session(repo, env, [("get_flow_state", {"repo_path": long_path})])
    second, _ = stdio_session(repo, env, [("get_flow_state", {"repo_path": str(repo)})])
    assert (first[1]["result"]["isError"], second[1]["result"]["isError"]) == (True, False)
    log = audit_of(isolated_environment)
    error = entries(log)[0]["error"]
    assert error.startswith(f"repository path {missing}/sub/../sub/..")
    assert len(error) < MAX_FIELD_CHARS + 40 and error.endswith("more characters]")
    assert verify(log) == []


def test_a_rule_key_that_is_a_secret_is_echoed_neither_to_the_agent_nor_into_the_trail(
    isolated_environment: Path, make_repo: Any
) -> None:
    """Secret echo, set_rules key: a key that is itself a secret appears in no answer and no audit
    entry.
    """
    repo = make_repo()
    replies, stderr = stdio_session(
        repo, operator_env(isolated_environment), [("set_rules", {"rules": {AWS_KEY: 1}})]
    )
    text = replies[1]["result"]["content"][0]["text"]
    assert text.startswith(
        "Error executing tool set_rules: unknown rule <a key of 20 characters that is not a rule "
        "name; not shown>"
    )
    assert AWS_KEY not in audit_of(isolated_environment).read_text()
    assert AWS_KEY not in stderr


def test_secrets_in_error_texts_and_arguments_are_redacted_in_the_trail(
    isolated_environment: Path, make_repo: Any, tmp_path: Path
) -> None:
    """Secret echo, error text: a secret inside a path argument and its error is redacted in the
    audit entry.
    """
    repo = make_repo()
    missing = tmp_path / f"deploy-{AWS_KEY}" / "repo"
    stdio_session(
        repo, operator_env(isolated_environment), [("get_flow_state", {"repo_path": str(missing)})]
    )
    (entry,) = entries(audit_of(isolated_environment))
    assert AWS_KEY not in json.dumps(entry)
    assert entry["repo_path"] == str(tmp_path / "deploy-[REDACTED_AWS_KEY_1]" / "repo")
    assert entry["error"] == (
        f"repository path {tmp_path}/deploy-[REDACTED_AWS_KEY_1]/repo does not exist; "
        "pass an existing directory"
    )


def test_a_non_utf8_file_name_in_an_error_text_is_still_recorded(tmp_path: Path) -> None:
    """Unencodable audit text: an error naming a non-UTF-8 file (a surrogate escape) is recorded as
    valid UTF-8; the call is not lost.
    """
    log = tmp_path / "audit.log"
    name = os.fsdecode(b"secret-\xff.txt")  # what os.listdir gives for that name
    AuditLog(log, MB).record(action="tool:scan_changes", status="error", error=f"{name}: bad")
    assert [e["error"] for e in entries(log)] == ["secret-?.txt: bad"]
    assert verify(log) == []


async def test_set_rules_changes_nothing_when_its_audit_entry_cannot_be_written(
    isolated_environment: Path, tmp_path: Path
) -> None:
    """Unrecorded change, set_rules: when the audit log cannot be written, the rules file is not
    written either.
    """
    settings = load_settings()
    rules_file = settings.storage_path / "config.toml"
    rules_file.parent.mkdir(parents=True)
    rules_file.write_text("max_lines_uncommitted = 500\n")
    blocked = tmp_path / "blocked"
    blocked.write_text("")  # a file where the log's directory should be
    (spec,) = [s for s in flow.tools(settings, default_rules()) if s.fn.__name__ == "set_rules"]
    tool = audited(
        spec,
        AuditLog(blocked / "audit.log", MB),
        SessionRegistry(60),
        "a",
        default_rules(),
        settings.tool_timeout,
    )
    with pytest.raises(StorageError):
        await tool.fn(rules={"max_lines_uncommitted": 5})
    assert rules_file.read_text() == "max_lines_uncommitted = 500\n"


# --- damaged ends ----------------------------------------------------------------------------


def test_a_cut_short_last_line_is_recorded_and_reported_never_fatal(tmp_path: Path) -> None:
    """Damaged audit end, truncated mid-line: the next write succeeds and records a recovered entry;
    verify reports the fragment and the recovery.
    """
    log = tmp_path / "audit.log"
    write(log, 3)
    log.write_bytes(log.read_bytes()[:-40])
    anchored = json.loads(anchor_path(log).read_text())["hash"][:16]
    assert verify(log) == [
        f"{log}:3: not an audit entry",
        f"{log}: the last entry is not the anchored head (3 entries ending in {anchored}; "
        "the log holds 3): its end was replaced",
    ]
    write(log, 1)
    assert verify(log) == [
        f"{log}:3: not an audit entry",
        recovered(log, 4, f"the last line of {log} is cut short"),
    ]
    assert entries_after_garbage(log) == ["audit:recovered", "tool:t0"]


def test_a_blank_last_line_is_recorded_and_reported_never_fatal(tmp_path: Path) -> None:
    """Damaged audit end, blank last line: the next write succeeds; verify reports the blank line
    and the recovery.
    """
    log = tmp_path / "audit.log"
    write(log, 2)
    with log.open("ab") as handle:
        handle.write(b"\n")
    write(log, 1)
    assert verify(log) == [
        f"{log}:3: not an audit entry",
        recovered(log, 4, f"the last line of {log} is not an audit entry"),
    ]


def test_garbage_appended_to_the_log_is_recorded_and_reported_never_fatal(tmp_path: Path) -> None:
    """Damaged audit end, garbage tail: 100 KB of garbage without a newline neither stops the writer
    nor swallows the next entry.
    """
    log = tmp_path / "audit.log"
    write(log, 2)
    with log.open("ab") as handle:
        handle.write(b"\x00\xff garbage " * 10_000)
    write(log, 1)
    assert verify(log) == [
        f"{log}:3: not an audit entry",
        recovered(log, 4, f"the last line of {log} is cut short"),
    ]
    assert entries_after_garbage(log) == ["audit:recovered", "tool:t0"]


def entries_after_garbage(log: Path) -> list[str]:
    return [json.loads(line)["action"] for line in log.read_bytes().splitlines()[3:]]


def test_a_legacy_log_ending_in_an_entry_above_64_kib_is_continued(tmp_path: Path) -> None:
    """Bricked audit log, 0.5 format: a log whose last entry is larger than the old 64 KiB tail read
    is continued, not refused.
    """
    log = tmp_path / "audit.log"
    # 0.5 wrote no anchor and no `seq`
    first = {"timestamp": "2026-01-01T00:00:00.000Z", "action": "tool:t0", "prev_hash": GENESIS}
    first_hash = entry_hash(GENESIS, first)
    huge = {**first, "error": "x" * 100_000, "prev_hash": first_hash}
    log.write_text(
        json.dumps({**first, "hash": first_hash})
        + "\n"
        + json.dumps({**huge, "hash": entry_hash(first_hash, huge)})
        + "\n"
    )
    write(log, 1)
    assert verify(log) == []
    assert len(entries(log)) == 3


# --- removed or edited entries and files ------------------------------------------------------


def test_entries_cut_from_the_end_are_counted_as_missing(tmp_path: Path) -> None:
    """Truncated audit log: removing whole entries from the end is reported as 'N entries missing at
    the end', also after the next write.
    """
    log = tmp_path / "audit.log"
    write(log, 5)
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:3]))
    reason = missing(log, holds=3)
    assert verify(log) == [f"{log}: {reason}"]
    write(log, 1)
    assert verify(log) == [recovered(log, 4, reason)]


def test_an_emptied_log_is_detected(tmp_path: Path) -> None:
    """Emptied audit log: truncating the file to zero is reported, and the next write records the
    loss.
    """
    log = tmp_path / "audit.log"
    write(log, 4)
    log.write_bytes(b"")
    reason = missing(log, holds=0)
    assert verify(log) == [f"{log}: {reason}"]
    write(log, 1)
    assert verify(log) == [recovered(log, 1, reason)]


def test_a_deleted_log_is_detected(tmp_path: Path) -> None:
    """Deleted audit log: removing the file is reported by verify and recorded by the next write."""
    log = tmp_path / "audit.log"
    write(log, 3)
    log.unlink()
    reason = missing(log, holds=0)
    assert verify(log) == [f"{log}: {reason}"]
    write(log, 1)
    assert verify(log) == [recovered(log, 1, reason)]


def test_a_removed_middle_entry_breaks_the_chain(tmp_path: Path) -> None:
    """Edited audit log, removed entry: deleting an entry in the middle is reported at the entry
    after it.
    """
    log = tmp_path / "audit.log"
    write(log, 4)
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join([lines[0], *lines[2:]]))
    assert verify(log) == [f"{log}:2: chain broken (an entry before it was removed or edited)"]


def test_an_edited_entry_is_reported(tmp_path: Path) -> None:
    """Edited audit log, changed field: rewriting an entry's status is reported as modified."""
    log = tmp_path / "audit.log"
    write(log, 3)
    lines = log.read_text().splitlines()
    entry = json.loads(lines[1]) | {"status": "error"}
    lines[1] = json.dumps(entry)
    log.write_text("\n".join(lines) + "\n")
    assert verify(log) == [f"{log}:2: entry was modified"]


def test_a_removed_rotated_file_is_reported(tmp_path: Path) -> None:
    """Rotated audit file removed: deleting the oldest rotated file breaks the chain at the next
    file's first entry; the anchor spans the rotation.
    """
    log = tmp_path / "audit.log"
    write(log, 12, max_bytes=1_000)
    files = chain_files(log)
    assert len(files) >= 3 and verify(log) == []
    assert json.loads(anchor_path(log).read_text())["count"] == 12
    files[0].unlink()
    assert verify(log) == [f"{files[1]}:1: chain broken (an entry before it was removed or edited)"]


def test_a_deleted_anchor_is_reported(tmp_path: Path) -> None:
    """Audit anchor removed: verify says the end of the log can no longer be checked."""
    log = tmp_path / "audit.log"
    write(log, 2)
    anchor_path(log).unlink()
    assert verify(log) == [f"{anchor_path(log)}: missing; the end of the log cannot be checked"]


def test_a_garbage_anchor_is_recorded_and_replaced(tmp_path: Path) -> None:
    """Audit anchor overwritten: an unreadable anchor never stops the writer; the recovery is
    recorded and reported.
    """
    log = tmp_path / "audit.log"
    write(log, 2)
    anchor_path(log).write_text("{not json")
    write(log, 1)
    assert verify(log) == [recovered(log, 3, f"the anchor beside {log} is unreadable")]


def test_a_writer_stopped_between_entry_and_anchor_is_not_a_break(tmp_path: Path) -> None:
    """Interrupted audit write, anchor one behind: an entry written whose anchor update was lost
    verifies clean and is continued without a recovery.
    """
    log = tmp_path / "audit.log"
    write(log, 2)
    previous = anchor_path(log).read_bytes()
    write(log, 1)
    anchor_path(log).write_bytes(previous)  # as if killed before the anchor's rename
    assert verify(log) == []
    write(log, 1)
    assert verify(log) == []
    assert [e["action"] for e in entries(log)] == ["tool:t0", "tool:t1", "tool:t0", "tool:t0"]


# --- lost writes, killed and concurrent writers ----------------------------------------------

WRITER = """
import sys
from pathlib import Path
from flowcheck.audit import AuditLog
log = AuditLog(Path(sys.argv[1]), 10 * 1024 * 1024)
count = int(sys.argv[2])
number = 0
while count < 0 or number < count:
    log.record(action="tool:writer", status="ok", writer=sys.argv[3], pad="p" * 100)
    number += 1
"""


def run_writer(log: Path, count: int, name: str, **options: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(log), str(count), name],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **options,
    )


def test_a_full_disk_fails_the_call_and_the_next_start_records_it(tmp_path: Path) -> None:
    """Audit write cut short, disk full (RLIMIT_FSIZE): the write that does not fit fails its call;
    the next writer records the break.
    """
    import resource

    log = tmp_path / "audit.log"
    probe = tmp_path / "probe.log"
    AuditLog(probe, MB).record(action="tool:writer", status="ok", writer="w", pad="p" * 100)
    size = probe.stat().st_size  # every entry of the writer below has this size
    limit = 3 * size + size // 2

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    writer = run_writer(log, 10, "w", preexec_fn=limited)
    _, stderr = writer.communicate(timeout=60)
    assert writer.returncode != 0
    assert "StorageError: FLOWCHECK_AUDIT_LOG_PATH=" in stderr
    assert f"(short write, {size // 2} of {size} bytes; the disk may be full)" in stderr
    assert log.stat().st_size == limit
    write(log, 1)
    assert verify(log) == [
        f"{log}:4: not an audit entry",
        recovered(log, 5, f"the last line of {log} is cut short"),
    ]


def test_a_short_write_fails_the_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Audit write cut short, short count from os.write: the call fails with StorageError instead of
    going on unrecorded.
    """
    log = tmp_path / "audit.log"
    write(log, 1)
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, data[: len(data) // 2]))
    with pytest.raises(StorageError) as caught:
        write(log, 1)
    assert "cannot write the audit log (short write," in str(caught.value)
    monkeypatch.undo()
    write(log, 1)
    assert verify(log) == [
        f"{log}:2: not an audit entry",
        recovered(log, 3, f"the last line of {log} is cut short"),
    ]


def test_writers_killed_with_sigkill_leave_a_trail_that_verifies_and_continues(
    tmp_path: Path,
) -> None:
    """kill -9 during audit writes: a writer killed at any moment leaves a chain that verifies, and
    the next write continues it.
    """
    log = tmp_path / "audit.log"
    for round_number in range(3):
        writer = run_writer(log, -1, f"killed-{round_number}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (
            not log.exists() or len(log.read_bytes().splitlines()) < 20 * (round_number + 1)
        ):
            time.sleep(0.01)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        write(log, 1)
        assert verify(log) == []
    count = sum(len(file.read_bytes().splitlines()) for file in chain_files(log))
    assert json.loads(anchor_path(log).read_text())["count"] == count


def test_two_writer_processes_keep_one_chain(tmp_path: Path) -> None:
    """Concurrent audit writers: two processes appending 150 entries each leave one intact chain of
    300.
    """
    log = tmp_path / "audit.log"
    writers = [run_writer(log, 150, name) for name in ("one", "two")]
    for writer in writers:
        assert writer.wait(timeout=120) == 0, writer.communicate()[1]
    assert verify(log) == []
    assert sorted(e["writer"] for e in entries(log)) == ["one"] * 150 + ["two"] * 150
    assert json.loads(anchor_path(log).read_text())["count"] == 300
