"""Every test runs with its own HOME and without any FLOWCHECK_*, OTEL_* or aliased variable."""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ALIASED = (
    "MCP_TRANSPORT",
    "MCP_HOST",
    "MCP_PORT",
    "ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
    "GITHUB_TOKEN",
)
# Test-run switches, not server settings: they must survive the isolation.
KEEP = ("FLOWCHECK_REQUIRE_CONTAINERS", "FLOWCHECK_REQUIRE_NIX")

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.test",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.test",
}


@pytest.fixture(autouse=True)
def isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name in list(os.environ):
        flowcheck = name.startswith("FLOWCHECK_") and name not in KEEP
        # OTEL_*: the telemetry settings, and the variables the SDK reads by itself.
        if flowcheck or name in ALIASED or name.startswith("OTEL_"):
            monkeypatch.delenv(name)
        if name.endswith("_FILE") and name.removesuffix("_FILE") in ALIASED:
            monkeypatch.delenv(name)
    for name, value in GIT_IDENTITY.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    yield home


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run git in a test repository; fails the test on error."""
    result = subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    return result.stdout


@pytest.fixture
def make_repo(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Factory for a real repository with one commit on main."""

    def _make(name: str = "repo", files: dict[str, str] | None = None) -> Path:
        repo = tmp_path / name
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        for rel, text in (files or {"README.md": "hello\n"}).items():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            (repo / rel).write_text(text)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "initial")
        return repo

    return _make


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The CLI's main() configures the root logger; leave it as the next test expects it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level
