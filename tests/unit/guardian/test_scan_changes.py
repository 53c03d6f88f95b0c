"""Staged, unstaged, untracked and committed content in real repositories: right file and line."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from flowcheck.errors import ScanError
from flowcheck.guardian.rules import default_rules
from flowcheck.guardian.service import sanitize, scan_changes, scan_commits
from tests.conftest import git

RULES = default_rules()
KEY = "AKIAQ3EGZ7N2LQWX5T4M"
BASE = "".join(f"line {n}\n" for n in range(1, 11))


def located(report: Any) -> list[tuple[str, str | None, int, int, str]]:
    return [(f.rule_id, f.path, f.line, f.column, f.source) for f in report.findings]


@pytest.fixture
def repo(make_repo: Any) -> Path:
    return make_repo(files={"app.py": BASE, "ok.txt": "fine\n"})  # type: ignore[no-any-return]


def test_staged_only_secret(repo: Path) -> None:
    """0.4 defect B1.1: only the unstaged diff was scanned, so a staged key went through."""
    (repo / "app.py").write_text(BASE.replace("line 7\n", f"key = '{KEY}'\n"))
    git(repo, "add", "app.py")
    expected = [("aws-access-key-id", "app.py", 7, 8, "staged")]
    assert located(scan_changes(repo, "staged", RULES)) == expected
    assert located(scan_changes(repo, "all", RULES)) == expected
    assert located(scan_changes(repo, "unstaged", RULES)) == []


def test_unstaged_only_secret(repo: Path) -> None:
    (repo / "app.py").write_text(BASE + f"\n\naws = {KEY}\n")
    assert located(scan_changes(repo, "unstaged", RULES)) == [
        ("aws-access-key-id", "app.py", 13, 7, "unstaged")
    ]
    assert located(scan_changes(repo, "staged", RULES)) == []


def test_untracked_only_secret_with_binary_and_size_skips(repo: Path) -> None:
    (repo / "new.env").write_text(f"A=1\nB={KEY}\n")
    (repo / "blob.bin").write_bytes(b"\0" + KEY.encode())
    (repo / "big.txt").write_text("x" * (1 << 20) + KEY)
    report = scan_changes(repo, "untracked", RULES)
    assert located(report) == [("aws-access-key-id", "new.env", 2, 3, "untracked")]
    assert report.skipped == ["big.txt: larger than 1048576 bytes", "blob.bin: binary"]
    assert report.highest_severity == "critical"


def test_commit_range(repo: Path) -> None:
    (repo / "app.py").write_text(BASE + f"k={KEY}\n")
    git(repo, "commit", "-qam", "add key")
    report = scan_commits(repo, "HEAD~1", "HEAD", RULES)
    assert located(report) == [("aws-access-key-id", "app.py", 11, 3, "commit")]


def test_option_like_ref_is_a_scan_error(repo: Path) -> None:
    with pytest.raises(ScanError):
        scan_commits(repo, "--output=/tmp/x", "HEAD", RULES)


def test_not_a_repository_is_a_scan_error_not_a_clean_scan(tmp_path: Path) -> None:
    """0.4 defect B1.7: a crashed scan reported "no flags"."""
    with pytest.raises(ScanError):
        scan_changes(tmp_path, "all", RULES)


def test_excerpt_is_redacted(repo: Path) -> None:
    (repo / "app.py").write_text(f"token = '{KEY}'  # and mail a@x.io\n")
    excerpts = [f.excerpt for f in scan_changes(repo, "unstaged", RULES).findings]
    assert excerpts == ["token = '[REDACTED_AWS_KEY_1]'  # and mail [REDACTED_EMAIL_1]"] * 2


def test_no_secret_value_in_any_log_line_or_repr(
    repo: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_text = f"key {KEY} mail jane.doe@example.org pw: password='Tr0ub4dor&3x'"
    (repo / "new.txt").write_text(secret_text)
    report = scan_changes(repo, "all", RULES)
    result = sanitize(secret_text, RULES)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert len(caplog.records) == 2
    for value in (KEY, "jane.doe@example.org", "Tr0ub4dor&3x"):
        assert value not in logged
        assert value not in repr(report)
        assert value not in report.model_dump_json()
        assert value not in result.model_dump_json()


def test_first_commit_and_quoted_paths_are_located(tmp_path: Path) -> None:
    repo = tmp_path / "fresh"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "dir with space").mkdir()
    (repo / "dir with space" / "café.env").write_text(f"X=1\nK={KEY}\n")
    git(repo, "add", "-A")
    assert located(scan_changes(repo, "staged", RULES)) == [
        ("aws-access-key-id", "dir with space/café.env", 2, 3, "staged")
    ]


def test_last_added_run_of_a_file_stays_with_that_file(repo: Path) -> None:
    """Found in review: a file's last run was reported under the next file's path, and
    dropped when that file was ignored."""
    (repo / ".flowcheckignore").write_text("*.log\n")
    (repo / "app.py").write_text(BASE + f"key = '{KEY}'\n")
    (repo / "zz.log").write_text("noise\n")
    git(repo, "add", "app.py", "zz.log", ".flowcheckignore")
    assert located(scan_changes(repo, "staged", RULES)) == [
        ("aws-access-key-id", "app.py", 11, 8, "staged")
    ]


def test_a_minus_diff_attribute_does_not_hide_a_file(repo: Path) -> None:
    """Found in review: `-diff` made git print "Binary files differ", so nothing was scanned."""
    (repo / ".gitattributes").write_text("app.py -diff\n")
    (repo / "app.py").write_text(BASE.replace("line 3\n", f"key = '{KEY}'\n"))
    git(repo, "add", "app.py", ".gitattributes")
    assert located(scan_changes(repo, "staged", RULES)) == [
        ("aws-access-key-id", "app.py", 3, 8, "staged")
    ]


def test_untracked_fifo_and_symlink_are_skipped_not_read(repo: Path, tmp_path: Path) -> None:
    """Found in review: the untracked check and the read were separate steps; a FIFO or a
    symlink swapped in could hang the scan or read outside the repository."""
    import os

    outside = tmp_path / "outside.txt"
    outside.write_text(f"key = '{KEY}'\n")
    os.mkfifo(repo / "pipe")
    (repo / "link.txt").symlink_to(outside)
    report = scan_changes(repo, "untracked", RULES)
    assert report.findings == []
    assert report.skipped == ["link.txt: not a regular file"]  # git never lists a FIFO


def test_a_scan_error_never_echoes_a_secret_it_names(repo: Path) -> None:
    """Error texts name refs and files a repository chose; they reach answers and the audit."""
    with pytest.raises(ScanError) as raised:
        scan_commits(repo, f"--{KEY}", "HEAD", RULES)
    assert KEY not in str(raised.value)
    assert "[REDACTED_AWS_KEY_1]" in str(raised.value)
