"""Repositories owned by another uid: trusted under the allowed roots, refused elsewhere.

Guards issue 9 defect 2.1: in the compose stack the workspace belongs to the user (any uid)
while the server runs as uid 1000, so git refused every repository as "dubious ownership" and
every tool call failed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from flowcheck.errors import RepoAccessError
from flowcheck.git.runner import run_git, trusting
from tests.conftest import git

MakeRepo = Callable[..., Path]
OWNER_UID = 1234  # the workspace's owner; the tests run as root, a different uid
needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="giving a repository to another uid (chown) needs root"
)


@pytest.fixture
def foreign_workspace(tmp_path: Path) -> Path:
    """<workspace>/team/repo, every file owned by uid 1234, as a bind-mounted checkout is."""
    workspace = tmp_path / "workspace"
    repo = workspace / "team" / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("hello\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "initial")
    (repo / "src").mkdir()
    for path in [workspace, *workspace.rglob("*")]:
        os.chown(path, OWNER_UID, OWNER_UID, follow_symlinks=False)
    return workspace


@needs_root
def test_runner_reads_a_repository_of_another_uid_under_a_trusted_root(
    foreign_workspace: Path,
) -> None:
    repo = foreign_workspace / "team" / "repo"
    with trusting([foreign_workspace]):
        top = run_git(repo / "src", "rev-parse", "--show-toplevel")
        status = run_git(repo, "status", "--porcelain")
    assert (top, status) == (f"{repo}\n".encode(), b"")


@needs_root
def test_git_refuses_that_repository_outside_the_trust(foreign_workspace: Path) -> None:
    """The test above can fail: the same call without `trusting` is refused."""
    with pytest.raises(RepoAccessError, match="dubious ownership"):
        run_git(foreign_workspace / "team" / "repo", "status")


@needs_root
def test_flowcheck_check_reads_a_repository_of_another_uid_under_the_allowed_roots(
    foreign_workspace: Path, tmp_path: Path
) -> None:
    repo = foreign_workspace / "team" / "repo"
    env = {**os.environ, "FLOWCHECK_ALLOWED_ROOTS": str(foreign_workspace)}
    flowcheck = str(Path(sys.executable).with_name("flowcheck"))
    result = subprocess.run(
        [flowcheck, "check", "--json", str(repo)], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["repo_path"] == str(repo)


def test_repository_under_a_trusted_root_is_read_from_a_subdirectory(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(files={"pkg/module.py": "x = 1\n"})
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    with trusting([tmp_path]):
        top = run_git(repo / "pkg", "rev-parse", "--show-toplevel")
    assert top == f"{repo}\n".encode()


def test_repository_beside_a_trusted_root_with_the_same_prefix_is_refused(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Trust is per path component: /x/work trusts nothing in /x/work-other (and never `*`)."""
    root = tmp_path / "work"
    root.mkdir()
    repo = make_repo("work-other")
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    with trusting([root]), pytest.raises(RepoAccessError, match="dubious ownership"):
        run_git(repo, "status")


def test_trust_ends_with_the_block(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo()
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    with trusting([tmp_path]):
        run_git(repo, "status")
    with pytest.raises(RepoAccessError, match="dubious ownership"):
        run_git(repo, "status")


def test_trusted_root_reached_through_a_symlink_is_trusted(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git compares real paths; a root given through a symlink must still match."""
    repo = make_repo()
    link = tmp_path.parent / f"{tmp_path.name}-link"
    link.symlink_to(tmp_path)
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    with trusting([link]):
        assert run_git(link / repo.name, "rev-parse", "--show-toplevel") == f"{repo}\n".encode()
