"""Real repositories with dated commits, and an index file in the test's own directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import git

DAY = 86_400
EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z: commit n of a test is dated n days later


def commit(repo: Path, message: str, files: dict[str, str] | None = None, day: int = 0) -> str:
    """Write `files`, commit them with `message` dated `day` days after EPOCH; the full id."""
    for name, text in (files or {}).items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    date = f"@{EPOCH + day * DAY} +0000"
    git(
        repo,
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        message,
        env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date},
    )
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def new_repo(tmp_path: Path) -> Callable[[str], Path]:
    """An empty repository (no commits) on branch main."""

    def make(name: str = "repo") -> Path:
        repo = tmp_path / name
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        return repo

    return make


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "semantic_index.db"
