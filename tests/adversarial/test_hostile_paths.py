"""Hostile repo_path arguments and rule values: every repository tool gives a clear error that
reveals nothing outside the allowed roots, and bad values never disable the tools."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.adversarial.hostile_repository_support import (
    FLOWCHECK,
    TOOL_ARGUMENTS,
    answer,
    outside_the_roots,
    repository_tools,
)
from tests.conftest import git

MakeRepo = Callable[..., Path]
TOOLS = sorted(TOOL_ARGUMENTS)


@pytest.fixture
def jail(tmp_path: Path) -> Path:
    root = tmp_path / "jail"
    root.mkdir()
    return root


def ask(tool: str, repo_path: str, root: Path) -> str:
    tools = repository_tools([root], root / "storage")
    return answer(tools[tool], **TOOL_ARGUMENTS[tool], repo_path=repo_path)


@pytest.mark.parametrize("tool", TOOLS)
def test_outside_paths_answer_alike_whether_they_exist_or_not(
    tool: str, jail: Path, tmp_path: Path
) -> None:
    """Path-existence oracle: for a path outside the allowed roots, every repository tool
    answers the same whether the path exists, is a repository, or is missing.

    Issue 8 (low): "does not exist" for missing paths told a caller which outside paths exist.
    """
    existing = tmp_path / "elsewhere"
    existing.mkdir()
    git(existing, "init", "-q")
    answers = {
        path: ask(tool, str(path), jail)
        for path in (existing, tmp_path / "missing", Path("/etc/passwd"), Path("/nonexistent"))
    }
    assert answers == {
        path: outside_the_roots(f"repository path {path}", jail) for path in answers
    }


@pytest.mark.parametrize("tool", TOOLS)
def test_links_in_the_root_answer_alike_whether_their_target_exists(
    tool: str, jail: Path, tmp_path: Path
) -> None:
    """Path-existence oracle through links: a link inside the roots to an outside path gets
    the same answer whether its target exists or not."""
    (jail / "to-existing").symlink_to(tmp_path)
    (jail / "to-missing").symlink_to(tmp_path / "missing" / "deeper")
    answers = [ask(tool, str(jail / name), jail) for name in ("to-existing", "to-missing")]
    assert answers == [
        outside_the_roots(f"repository path {jail / name}", jail)
        for name in ("to-existing", "to-missing")
    ]


def test_the_cli_answers_outside_paths_alike(jail: Path, tmp_path: Path) -> None:
    """Path-existence oracle in the CLI: `flowcheck check` with FLOWCHECK_ALLOWED_ROOTS prints
    the same refusal for an existing and a missing outside path."""
    environment = {**os.environ, "FLOWCHECK_ALLOWED_ROOTS": str(jail)}
    errors = {}
    for path in (tmp_path, tmp_path / "missing"):
        done = subprocess.run(
            [str(FLOWCHECK), "check", str(path)],
            env=environment, capture_output=True, text=True, check=False,
        )
        errors[path] = (done.returncode, done.stderr)
    assert errors == {
        path: (3, "flowcheck: " + outside_the_roots(f"repository path {path}", jail)[7:] + "\n")
        for path in errors
    }


@pytest.mark.parametrize("tool", TOOLS)
def test_a_nul_byte_in_repo_path_is_a_clear_error(tool: str, jail: Path) -> None:
    """NUL bytes in paths: a repo_path holding a NUL byte is refused with a clear error, never
    an internal error, by every repository tool."""
    path = f"{jail}/repo\0/etc"
    assert ask(tool, path, jail) == (
        f"error: repository path {path!r} contains a NUL byte, which no file name can hold; "
        "pass the repository's directory"
    )


@pytest.mark.parametrize("tool", TOOLS)
def test_a_repo_path_too_long_for_the_file_system_is_a_clear_error(
    tool: str, jail: Path
) -> None:
    """Overlong paths: a repo_path with a name longer than the file system allows is a missing
    directory, never an internal error, for every repository tool."""
    path = f"{jail}/{'y' * 300}"
    assert ask(tool, path, jail) == (
        f"error: repository path {path} does not exist; pass an existing directory"
    )


@pytest.mark.parametrize("tool", TOOLS)
def test_option_looking_and_newline_repo_paths_are_plain_paths(
    tool: str, jail: Path, make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Option-looking paths: a repo_path such as `--output=...` or one holding a newline is a
    path, never a git option, and no file it names is written."""
    monkeypatch.chdir(jail)
    for path in ("--output=pwned.txt", "-C", f"{jail}/a\nb"):
        assert ask(tool, path, jail) == (
            f"error: repository path {path} does not exist; pass an existing directory"
        )
    assert sorted(p.name for p in jail.iterdir() if p.name != "storage") == []


@pytest.mark.parametrize("value", [10**400, 2**1024, 10**20], ids=["1e400", "2^1024", "1e20"])
def test_thresholds_beyond_float_range_are_refused_and_tools_keep_working(
    jail: Path, make_repo: MakeRepo, tmp_path: Path, value: object
) -> None:
    """Out-of-range rule values: set_rules refuses a threshold beyond its documented maximum
    (an integer beyond float range included), and every flow tool keeps answering.

    Issue 8 (low): such an integer was accepted and every flow tool then failed.
    """
    repo = tmp_path / "jail" / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "initial")
    (repo / "a.txt").write_text("x\n")
    tools = repository_tools([jail], jail / "storage")
    for scope in ("global", "repo"):
        refused = answer(
            tools["set_rules"],
            rules={"max_lines_uncommitted": value, "danger_factor": 1e308},
            scope=scope,
            repo_path=str(repo),
        )
        assert refused == (
            "error: rule 'max_lines_uncommitted': Input should be less than or equal to "
            f"10000000 (got {type(value).__name__}); rule 'danger_factor': Input should be "
            "less than or equal to 1000 (got float)"
        )
    answers = [answer(tools[name], repo_path=str(repo)) for name in ("get_flow_state",
                                                                     "get_recommendations")]
    assert answers == ["FlowState", "Recommendations"]
