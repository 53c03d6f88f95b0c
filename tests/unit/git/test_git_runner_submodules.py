"""run_git never starts a git inside a submodule, whose own config no override reaches."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flowcheck.errors import GitError
from flowcheck.git.runner import run_git
from tests.conftest import git

MakeRepo = Callable[..., Path]


@pytest.fixture
def superproject(make_repo: MakeRepo, tmp_path: Path) -> tuple[Path, Path]:
    """A superproject asking for full submodule diffs, whose submodule `sub` moved to another
    commit (committed, staged and in the working tree) and names a spy as its external diff."""
    markers = tmp_path / "markers"
    spy = tmp_path / "spy.sh"
    spy.write_text(f'#!/bin/sh\necho "$@" >> "{markers}"\n')
    spy.chmod(0o755)
    sub = make_repo("sub-origin", files={"f.txt": "one\n"})
    for text in ("two\n", "three\n"):
        (sub / "f.txt").write_text(text)
        git(sub, "commit", "-q", "-am", text)
    top = make_repo("super")
    git(top, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "sub")
    git(top, "commit", "-q", "-m", "add submodule")
    git(top / "sub", "checkout", "-q", "HEAD~1")
    git(top, "commit", "-q", "-am", "move submodule")
    git(top / "sub", "checkout", "-q", "HEAD~1")
    git(top, "add", "sub")
    git(top / "sub", "checkout", "-q", "main")
    git(top, "config", "diff.submodule", "diff")
    git(top, "config", "status.submoduleSummary", "true")
    git(top, "config", "--file", ".git/modules/sub/config", "diff.external", str(spy))
    return top, markers


def test_plain_git_runs_the_submodules_external_diff(superproject: tuple[Path, Path]) -> None:
    """The trap is real: without the runner, `git diff` runs the submodule's program."""
    top, markers = superproject
    git(top, "diff", "--cached")
    assert markers.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("diff", "--cached"),
        ("diff",),
        ("diff", "HEAD"),
        ("diff", "--numstat", "HEAD"),
        ("log", "-p", "-2"),
        ("show", "HEAD"),
        ("status", "--long"),
        ("status", "--porcelain=v2"),
    ],
    ids=" ".join,
)
def test_no_submodule_program_runs(superproject: tuple[Path, Path], args: tuple[str, ...]) -> None:
    """Issue 8 critical #1: `diff.submodule=diff` made `git diff` start `git diff` inside the
    submodule, which obeys the submodule's diff.external; every diff-like command now shows a
    moved submodule as its commit ids only."""
    top, markers = superproject
    output = run_git(top, *args)
    assert not markers.exists(), markers.read_text()
    if args[0] != "status":
        assert b"Subproject commit" in output or b"\tsub" in output


@pytest.mark.parametrize("subcommand", ["ls-files", "grep", "status"])
def test_recursing_into_submodules_is_refused(
    superproject: tuple[Path, Path], subcommand: str
) -> None:
    top, _ = superproject
    with pytest.raises(GitError) as raised:
        run_git(top, subcommand, "--recurse-submodules", "-z")
    assert str(raised.value) == (
        "run_git never recurses into submodules: their config runs programs"
    )
