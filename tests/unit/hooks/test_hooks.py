"""The pre-commit hook under dash and bash, in real repositories: control flow with a fake
recorded interpreter, chaining, core.hooksPath, linked worktrees, bypass and fail-closed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from flowcheck import hooks
from tests.conftest import git

SHELLS = ["dash", "bash"]
# Stands in for the recorded interpreter: checks the launch line, logs the flowcheck arguments.
FAKE = """#!/bin/sh
[ "$1 $2 $3" = "-P -m flowcheck" ] || { echo "unexpected launch: $*" >&2; exit 99; }
shift 3
echo "$@" >> "$FAKE_LOG"
exit "${FAKE_EXIT:-0}"
"""
PACKAGE_ROOT = hooks.current_launcher().package_root


@pytest.fixture
def repo(make_repo: Any) -> Path:
    return make_repo()  # type: ignore[no-any-return]


@pytest.fixture
def fake(tmp_path: Path) -> hooks.Launcher:
    python = tmp_path / "bin" / "python"
    python.parent.mkdir()
    python.write_text(FAKE)
    python.chmod(0o755)
    return hooks.Launcher(str(python), PACKAGE_ROOT)


def run_hook(repo: Path, shell: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The hook with only git and coreutils on PATH: FlowCheck is found through the record."""
    system_path = os.pathsep.join(
        str(Path(shutil.which(t) or t).parent) for t in ("git", "dirname", "date")
    )
    environment = {
        **os.environ,
        "PATH": system_path,
        "FAKE_LOG": str(repo.parent / "fake.log"),
        **env,
    }
    hook = hooks.hooks_dir(repo) / "pre-commit"
    return subprocess.run(
        [shell, str(hook)], cwd=repo, env=environment, capture_output=True, text=True, check=False
    )


def fake_calls(repo: Path) -> list[str]:
    log = repo.parent / "fake.log"
    return log.read_text().splitlines() if log.exists() else []


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(("scan_exit", "hook_exit"), [("0", 0), ("2", 1), ("3", 1)])
def test_hook_runs_staged_scan_and_maps_exit(
    repo: Path, fake: hooks.Launcher, shell: str, scan_exit: str, hook_exit: int
) -> None:
    """0.4 defect B1.2/B1.7: under dash the hook always passed, and exit 3 let commits through."""
    hooks.install(repo, fake)
    assert run_hook(repo, shell, FAKE_EXIT=scan_exit).returncode == hook_exit
    assert fake_calls(repo) == ["scan --staged"]


@pytest.mark.parametrize("shell", SHELLS)
def test_fail_closed_without_flowcheck_unless_fail_open(
    repo: Path, tmp_path: Path, shell: str
) -> None:
    """0.4 defect B1.7: the hook exited 0 when the CLI was missing."""
    gone = tmp_path / "deleted-venv" / "bin" / "python"
    hooks.install(repo, hooks.Launcher(str(gone), PACKAGE_ROOT))
    closed = run_hook(repo, shell)
    assert (closed.returncode, closed.stderr) == (
        1,
        f"flowcheck: FlowCheck is no longer installed at {gone} ({PACKAGE_ROOT}); run "
        "'flowcheck hooks install' again; commit refused "
        "(set FLOWCHECK_HOOK_FAIL_OPEN=1 to allow)\n",
    )
    assert run_hook(repo, shell, FLOWCHECK_HOOK_FAIL_OPEN="1").returncode == 0


@pytest.mark.parametrize("shell", SHELLS)
def test_scan_error_fails_open_only_when_configured(
    repo: Path, fake: hooks.Launcher, shell: str
) -> None:
    hooks.install(repo, fake)
    result = run_hook(repo, shell, FAKE_EXIT="3", FLOWCHECK_HOOK_FAIL_OPEN="1")
    assert result.returncode == 0


@pytest.mark.parametrize("shell", SHELLS)
def test_bypass_is_allowed_and_recorded_in_the_audit_trail(
    repo: Path, fake: hooks.Launcher, shell: str
) -> None:
    """0.4 defect B1.7: the bypass was logged as an ordinary check."""
    hooks.install(repo, fake)
    result = run_hook(repo, shell, FLOWCHECK_BYPASS="1")
    assert result.returncode == 0
    assert fake_calls(repo) == [f"audit bypass --hook pre-commit {repo.resolve()}"]


@pytest.mark.parametrize("shell", SHELLS)
def test_bypass_without_flowcheck_is_recorded_in_the_bypass_log(
    repo: Path, tmp_path: Path, shell: str
) -> None:
    gone = tmp_path / "deleted-venv" / "bin" / "python"
    hooks.install(repo, hooks.Launcher(str(gone), PACKAGE_ROOT))
    storage = tmp_path / "storage"
    result = run_hook(repo, shell, FLOWCHECK_BYPASS="1", FLOWCHECK_STORAGE_PATH=str(storage))
    assert result.returncode == 0
    fields = (storage / "bypass.log").read_text().rstrip("\n").split("\t")
    assert fields[1:3] == ["pre-commit", "bypass"]
    assert fields[4] == str(repo.resolve())


@pytest.mark.parametrize("shell", SHELLS)
def test_existing_hook_is_chained_and_restored(
    repo: Path, fake: hooks.Launcher, shell: str
) -> None:
    """0.4 defect B2.9: uninstall restored only `.backup`."""
    folder = repo / ".git" / "hooks"
    original = '#!/bin/sh\necho chained >> "$FAKE_LOG"\nexit "${CHAINED_EXIT:-0}"\n'
    (folder / "pre-commit").write_text(original)
    (folder / "pre-commit").chmod(0o755)
    (folder / "pre-commit.backup").write_text("older backup\n")
    hooks.install(repo, fake)
    hooks.install(repo, fake)  # idempotent: no second backup
    assert sorted(p.name for p in folder.glob("pre-commit*") if p.suffix != ".sample") == [
        "pre-commit",
        "pre-commit.backup",
        "pre-commit.backup.1",
    ]
    assert run_hook(repo, shell).returncode == 0
    assert fake_calls(repo) == ["chained", "scan --staged"]
    assert run_hook(repo, shell, CHAINED_EXIT="5").returncode == 5
    assert fake_calls(repo) == ["chained", "scan --staged", "chained"]
    assert hooks.uninstall(repo) == [folder / "pre-commit", folder / "post-commit"]
    assert (folder / "pre-commit").read_text() == original
    assert (folder / "pre-commit.backup").read_text() == "older backup\n"


def test_core_hooks_path_is_respected(repo: Path) -> None:
    """0.4 defect B2.9: the installer ignored core.hooksPath (husky)."""
    git(repo, "config", "core.hooksPath", ".husky")
    assert hooks.install(repo) == [
        (repo / ".husky" / name).resolve() for name in ("pre-commit", "post-commit")
    ]
    assert os.access(repo / ".husky" / "pre-commit", os.X_OK)


def test_linked_worktree_uses_the_common_hooks_directory(repo: Path, tmp_path: Path) -> None:
    worktree = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", str(worktree))
    assert hooks.install(worktree) == [
        (repo / ".git" / "hooks" / name).resolve() for name in ("pre-commit", "post-commit")
    ]


def test_git_commit_is_blocked_by_findings(repo: Path, fake: hooks.Launcher) -> None:
    hooks.install(repo, fake)
    (repo / "new.txt").write_text("x\n")
    git(repo, "add", "new.txt")
    env = {"FAKE_LOG": str(repo.parent / "fake.log"), "FAKE_EXIT": "2"}
    with pytest.raises(subprocess.CalledProcessError):
        git(repo, "commit", "-q", "-m", "blocked", env=env)
    git(repo, "commit", "-q", "-m", "passes", env={**env, "FAKE_EXIT": "0"})
    scans = [call for call in fake_calls(repo) if call != "index"]
    assert scans == ["scan --staged", "scan --staged"]


def test_post_commit_refreshes_the_search_index_in_the_background(
    repo: Path, fake: hooks.Launcher
) -> None:
    import time

    hooks.install(repo, fake)
    (repo / "new.txt").write_text("x\n")
    git(repo, "add", "new.txt")
    env = {"FAKE_LOG": str(repo.parent / "fake.log"), "FAKE_EXIT": "0"}
    git(repo, "commit", "-q", "-m", "indexed", env=env)
    deadline = time.monotonic() + 10
    while "index" not in fake_calls(repo) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake_calls(repo) == ["scan --staged", "index"]


@pytest.mark.parametrize("shell", SHELLS)
def test_staged_secret_blocks_commit_end_to_end(repo: Path, shell: str) -> None:
    """0.4 defect B1.1: the hook let a staged AWS key through. Issue 9 §3.1: the hook looked
    for `flowcheck` on PATH, so a commit from a shell without the venv on PATH never scanned;
    run_hook's PATH holds only git and coreutils."""
    hooks.install(repo)
    (repo / "clean.txt").write_text("nothing to see\n")
    git(repo, "add", "clean.txt")
    assert run_hook(repo, shell).returncode == 0
    (repo / "clean.txt").write_text("AKIAQ3EGZ7N2LQWX5T4M\n")  # unstaged: not what is committed
    assert run_hook(repo, shell).returncode == 0
    git(repo, "add", "clean.txt")
    blocked = run_hook(repo, shell)
    assert blocked.returncode == 1
    assert blocked.stdout == (
        "clean.txt:1:1: critical secret aws-access-key-id (staged): [REDACTED_AWS_KEY_1]\n"
    )


@pytest.mark.parametrize("shell", SHELLS)
def test_a_flowcheck_package_in_the_repository_is_never_imported(
    repo: Path, tmp_path: Path, shell: str
) -> None:
    """The hook runs `python -P -m flowcheck` at the repository's top level: without -P the
    repository's own flowcheck/__main__.py would run instead of the installed FlowCheck."""
    marker = tmp_path / "imported"
    (repo / "flowcheck").mkdir()
    (repo / "flowcheck" / "__init__.py").write_text("")
    (repo / "flowcheck" / "__main__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    hooks.install(repo)
    (repo / "key.txt").write_text("AKIAQ3EGZ7N2LQWX5T4M\n")
    git(repo, "add", "key.txt")
    assert run_hook(repo, shell).returncode == 1
    assert not marker.exists()
