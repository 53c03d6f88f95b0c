"""run_git: fixed argv, no repository-configured programs, clear failures."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from flowcheck.errors import GitError, RepoAccessError
from flowcheck.git.metrics import collect_metrics
from flowcheck.git.runner import GitExitError, reject_option_like, run_git
from flowcheck.ignore import IgnoreMatcher
from tests.conftest import git

MakeRepo = Callable[..., Path]


def spy_script(tmp_path: Path) -> tuple[Path, Path]:
    markers = tmp_path / "markers"
    markers.mkdir()
    spy = tmp_path / "spy.sh"
    spy.write_text(f'#!/bin/sh\ntouch "{markers}/$1"\ncat\n')
    spy.chmod(0o755)
    return spy, markers


def booby_trapped_repo(
    make_repo: MakeRepo, tmp_path: Path, *, process_filter: bool = True
) -> tuple[Path, Path]:
    """A repo whose config runs a spy script for every program-valued setting."""
    repo = make_repo(files={"data.txt": "one\ntwo\n"})
    spy, markers = spy_script(tmp_path)
    (repo / ".gitattributes").write_text("* filter=spy diff=spy\n")
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-q", "-m", "attributes")
    for key, mechanism in (
        ("core.fsmonitor", "fsmonitor"),
        ("filter.spy.clean", "clean"),
        ("filter.spy.smudge", "smudge"),
        ("diff.spy.textconv", "textconv"),
        ("diff.external", "external"),
        ("diff.spy.command", "command"),
        *([("filter.spy.process", "process")] if process_filter else []),
    ):
        git(repo, "config", key, f"sh {spy} {mechanism}")
    git(repo, "config", "filter.spy.required", "true")
    (repo / "data.txt").write_text("one\nthree\nfour\n")
    return repo, markers


def test_plain_git_runs_the_trap_so_the_guard_test_below_can_fail(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo, markers = booby_trapped_repo(make_repo, tmp_path, process_filter=False)
    git(repo, "status", "--porcelain")
    git(repo, "diff", "HEAD")
    git(repo, "diff", "--no-ext-diff", "HEAD")
    assert sorted(path.name for path in markers.iterdir()) == [
        "clean",
        "command",
        "fsmonitor",
        "smudge",
        "textconv",
    ]


def test_plain_git_runs_a_process_filter(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo, markers = booby_trapped_repo(make_repo, tmp_path)
    subprocess.run(
        ["git", "-C", str(repo), "-c", "core.fsmonitor=false", "diff", "HEAD"],
        capture_output=True,
        check=False,
    )
    assert [path.name for path in markers.iterdir()] == ["process"]


def test_repository_configured_programs_never_run(make_repo: MakeRepo, tmp_path: Path) -> None:
    """0.4 defect B1.8: git on an untrusted working copy ran its fsmonitor and drivers."""
    repo, markers = booby_trapped_repo(make_repo, tmp_path)
    metrics = collect_metrics(repo, IgnoreMatcher([]))
    run_git(repo, "diff", "HEAD")
    run_git(repo, "log", "-p")
    run_git(repo, "show", "HEAD")
    run_git(repo, "diff", "--cached", "HEAD")
    assert (metrics.uncommitted_files, metrics.uncommitted_lines) == (1, 3)
    assert list(markers.iterdir()) == []


def test_dubious_ownership_explains_safe_directory(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo()
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    with pytest.raises(RepoAccessError) as raised:
        run_git(repo, "status")
    assert str(raised.value) == (
        f"git refuses {repo}: the repository is owned by another user (dubious ownership). "
        "List a directory holding it in FLOWCHECK_ALLOWED_ROOTS, which FlowCheck trusts "
        "whoever owns it, or run FlowCheck as the repository's owner (for a container: "
        "`docker run --user $(id -u):$(id -g)`), or mark the path as trusted with "
        f"`git config --global --add safe.directory {repo}`, or without a config file: "
        f"GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=safe.directory GIT_CONFIG_VALUE_0={repo}"
    )


def test_safe_directory_from_environment_is_honoured(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo()
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "safe.directory")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", str(repo))
    assert run_git(repo, "rev-parse", "--show-toplevel") == f"{repo}\n".encode()


def test_inherited_repository_variables_are_dropped(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hook's GIT_DIR / GIT_INDEX_FILE must not redirect git to another repository."""
    repo = make_repo("repo")
    other = make_repo("other")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / ".git" / "index"))
    assert run_git(repo, "rev-parse", "--show-toplevel") == f"{repo}\n".encode()


def test_failure_carries_status_and_trimmed_stderr(make_repo: MakeRepo) -> None:
    repo = make_repo()
    with pytest.raises(GitExitError) as raised:
        run_git(repo, "rev-parse", "--verify", "no-such-ref")
    assert (raised.value.status, str(raised.value)) == (
        128,
        f"git rev-parse --verify no-such-ref failed with exit status 128 in {repo}: "
        "fatal: Needed a single revision",
    )


def test_timeout_is_a_git_error(make_repo: MakeRepo) -> None:
    repo = make_repo()
    git(repo, "config", "alias.nap", "!sleep 2")
    with pytest.raises(GitError) as raised:
        run_git(repo, "nap", timeout=0.2)
    assert str(raised.value) == (
        f"git nap timed out after 0.2 s in {repo}; "
        "retry, or check for a very large or slow file system"
    )


def test_input_is_fed_to_stdin(make_repo: MakeRepo) -> None:
    repo = make_repo()
    expected = subprocess.run(
        ["git", "hash-object", "--stdin"], input=b"abc", capture_output=True, check=True
    ).stdout
    assert run_git(repo, "hash-object", "--stdin", input=b"abc") == expected


def test_option_like_refs_are_refused() -> None:
    assert reject_option_like("main") == "main"
    with pytest.raises(GitError) as raised:
        reject_option_like("--output=/tmp/x")
    assert str(raised.value) == (
        "refusing ref '--output=/tmp/x': it starts with '-'; pass a branch or commit name"
    )


def test_filter_driver_named_with_an_equals_sign_never_runs(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """Found in review: `-c filter.a=b.clean=` is split at the first '=', so the driver ran."""
    spy, markers = spy_script(tmp_path)
    repo = make_repo(files={"data.txt": "one\n", ".gitattributes": "* filter=a=b\n"})
    git(repo, "config", "filter.a=b.clean", f"{spy} clean")
    (repo / "data.txt").write_text("two\n")
    git(repo, "status", "--porcelain")
    assert [path.name for path in markers.iterdir()] == ["clean"]
    (markers / "clean").unlink()
    run_git(repo, "status", "--porcelain")
    run_git(repo, "diff", "HEAD")
    assert list(markers.iterdir()) == []


def test_a_submodules_own_filter_never_runs(make_repo: MakeRepo, tmp_path: Path) -> None:
    """Found in review: status/diff entered submodules, whose config no override reached."""
    spy, markers = spy_script(tmp_path)
    inner = make_repo("inner", files={"lib.txt": "x\n", ".gitattributes": "* filter=spy\n"})
    repo = make_repo("outer")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(inner), "sub")
    git(repo, "commit", "-q", "-m", "submodule")
    git(repo / "sub", "config", "filter.spy.clean", f"{spy} clean")
    (repo / "sub" / "lib.txt").write_text("changed\n")
    git(repo, "status", "--porcelain")
    assert [path.name for path in markers.iterdir()] == ["clean"]
    (markers / "clean").unlink()
    run_git(repo, "status", "--porcelain")
    run_git(repo, "diff", "HEAD")
    assert list(markers.iterdir()) == []


def test_operator_git_config_from_the_environment_is_kept(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo()
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "flowcheck.test")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "kept")
    assert run_git(repo, "config", "flowcheck.test") == b"kept\n"
    assert run_git(repo, "status", "--porcelain") == b""
