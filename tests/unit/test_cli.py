"""The command line: versions, `check` output and exit codes, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flowcheck.cli import main


def test_version_on_every_entry_point() -> None:
    """Issue 9 §3.4: `python -m flowcheck` failed (no __main__ module)."""
    bin_dir = Path(sys.executable).parent
    for argv in (
        [sys.executable, "-m", "flowcheck", "--version"],
        [sys.executable, "-m", "flowcheck.cli", "--version"],
        [str(bin_dir / "flowcheck"), "--version"],
        [str(bin_dir / "flowcheck-server"), "--version"],
    ):
        done = subprocess.run(argv, capture_output=True, text=True, check=True)
        assert done.stdout == "FlowCheck 0.5.0\n", argv


def test_no_command_prints_help_and_exits_64(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 64
    assert "usage: flowcheck" in capsys.readouterr().err


def test_check_clean_repository_exits_0(make_repo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo()
    assert main(["check", str(repo)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "status       OK"
    assert lines[2] == "branch       main (0 days old)"
    assert lines[4] == "uncommitted  0 lines in 0 files (0 staged, 0 untracked)"


def test_check_over_threshold_exits_1(
    make_repo: Any, isolated_environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo()
    (repo / "big.txt").write_text("x\n" * 600)
    assert main(["check", str(repo)]) == 1
    assert capsys.readouterr().out.splitlines()[0] == "status       WARNING"


def test_check_json_is_the_tool_output(make_repo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo()
    (repo / "a.txt").write_text("1\n2\n")
    assert main(["check", str(repo), "--json"]) == 0
    state = json.loads(capsys.readouterr().out)
    assert (state["uncommitted_lines"], state["untracked_files"], state["status"]) == (2, 1, "ok")


def test_check_on_a_non_repository_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(tmp_path)]) == 3
    assert str(tmp_path) in capsys.readouterr().err


def test_strict_check_fails_on_malformed_rules(
    make_repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo()
    (repo / ".flowcheck.json").write_text("{not json")
    assert main(["check", str(repo)]) == 0
    assert main(["check", str(repo), "--strict"]) == 3


def test_healthcheck_fails_when_nothing_listens(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["healthcheck", "--url", "http://127.0.0.1:9/healthz", "--timeout", "1"]) == 1
    assert "did not answer" in capsys.readouterr().err


AWS_KEY = "AKIAZ7Q4M2W3R5T6Y3U6"


def test_check_with_a_pending_secret_exits_2(
    make_repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo()
    (repo / "cfg.py").write_text(f'aws_access_key_id = "{AWS_KEY}"\n')
    assert main(["check", str(repo)]) == 2
    out = capsys.readouterr().out
    assert "critical aws-access-key-id at cfg.py:1" in out
    assert AWS_KEY not in out


def test_scan_staged_sees_only_what_is_staged(
    make_repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo()
    (repo / "cfg.py").write_text(f'aws_access_key_id = "{AWS_KEY}"\n')
    assert main(["scan", str(repo), "--staged"]) == 0
    assert main(["scan", str(repo)]) == 2
    capsys.readouterr()


def test_scan_rejects_malformed_custom_rules_with_exit_3(
    make_repo: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text("disable: [no-such-rule]\n")
    monkeypatch.setenv("FLOWCHECK_RULES_PATH", str(rules))
    assert main(["scan", str(make_repo())]) == 3
    assert "unknown rule id 'no-such-rule'" in capsys.readouterr().err


def test_hook_installed_by_the_cli_blocks_a_staged_secret_under_dash(make_repo: Any) -> None:
    """0.4 defects B1.1 and B1.2: the hook scanned unstaged changes and broke under dash."""
    import os
    import shutil

    repo = make_repo()
    assert main(["hooks", "install", str(repo)]) == 0
    hook = repo / ".git" / "hooks" / "pre-commit"
    assert hook.read_text().startswith("#!/bin/sh")
    (repo / "cfg.py").write_text(f'aws_access_key_id = "{AWS_KEY}"\n')
    subprocess.run(["git", "-C", str(repo), "add", "cfg.py"], check=True)
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    dash = shutil.which("dash")
    assert dash is not None, "dash is installed by the test command"
    blocked = subprocess.run(
        [dash, str(hook)], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    assert blocked.returncode != 0
    assert "cfg.py:1" in blocked.stdout + blocked.stderr
    committed = subprocess.run(
        ["git", "-C", str(repo), "commit", "-qm", "leak"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert committed.returncode != 0
    assert main(["hooks", "uninstall", str(repo)]) == 0
    assert not hook.exists()


def test_hook_bypass_lands_in_the_audit_trail(make_repo: Any, isolated_environment: Path) -> None:
    """0.4 defect B1.7: bypasses were not audited as such."""
    import json
    import os

    repo = make_repo()
    assert main(["hooks", "install", str(repo)]) == 0
    (repo / "cfg.py").write_text(f'aws_access_key_id = "{AWS_KEY}"\n')
    subprocess.run(["git", "-C", str(repo), "add", "cfg.py"], check=True)
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "FLOWCHECK_BYPASS": "1"}
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "bypassed"], env=env, check=True)
    audit = isolated_environment / ".flowcheck" / "audit.log"
    entries = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(e["action"], e["status"], e["repo_path"]) for e in entries] == [
        ("hook:pre-commit", "bypass", str(repo.resolve()))
    ]


def test_commit_all_is_scanned_through_the_hooks_temporary_index(make_repo: Any) -> None:
    """Found in review: `git commit -a` gives the hook a temporary index (GIT_INDEX_FILE);
    scanning .git/index instead let the key through."""
    import os

    repo = make_repo(files={"cfg.py": "DEBUG = False\n"})
    assert main(["hooks", "install", str(repo)]) == 0
    (repo / "cfg.py").write_text(f'aws_access_key_id = "{AWS_KEY}"\n')
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    committed = subprocess.run(
        ["git", "-C", str(repo), "commit", "-a", "-qm", "leak"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert committed.returncode != 0
    assert "cfg.py:1" in committed.stdout + committed.stderr


def test_an_index_file_outside_the_git_directory_is_refused(
    make_repo: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = make_repo()
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "elsewhere"))
    assert main(["scan", str(repo), "--staged"]) == 3
    assert "lies outside" in capsys.readouterr().err
