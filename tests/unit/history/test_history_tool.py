"""The search_history MCP tool and the `flowcheck index` command function."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp.shared.memory import create_connected_server_and_client_session
from mcp.types import TextContent

from flowcheck import mcp_compat
from flowcheck.errors import RepoAccessError
from flowcheck.guardian.rules import default_rules
from flowcheck.history import index_command
from flowcheck.settings import Settings
from flowcheck.tools.history import tools
from tests.conftest import git
from tests.unit.history.conftest import commit


def search_history(settings: Settings) -> Any:
    (spec,) = tools(settings, default_rules())
    assert (spec.fn.__name__, spec.read_only, spec.idempotent) == ("search_history", True, True)
    return spec.fn


async def test_tool_searches_the_default_repository_into_the_storage_index(
    new_repo: Callable[[str], Path], tmp_path: Path
) -> None:
    repo = new_repo("repo")
    wanted = commit(repo, "Rate limit the webhook endpoint", {"hooks.py": "limit\n"})
    settings = Settings(storage_path=tmp_path / "state", git_repo_path=repo)
    result = await search_history(settings)("webhook rate limits", top_k=3)
    assert [(hit.commit_hash, hit.matched_terms) for hit in result.results] == [
        (wanted[:12], ["webhook", "rate", "limits"])
    ]
    assert (tmp_path / "state" / "semantic_index.db").is_file()


async def test_tool_refuses_a_repository_outside_the_allowed_roots(
    new_repo: Callable[[str], Path], tmp_path: Path
) -> None:
    """0.4 defect B1.8: search_history copied any repository's metadata into its index."""
    repo = new_repo("repo")
    commit(repo, "secret project", {"a.txt": "a\n"})
    jail = tmp_path / "jail"
    jail.mkdir()
    settings = Settings(storage_path=tmp_path / "state", allowed_roots=[jail])
    with pytest.raises(RepoAccessError, match="outside the allowed roots"):
        await search_history(settings)("secret", repo_path=str(repo))
    assert not (tmp_path / "state").exists()


async def test_secrets_in_commit_messages_come_back_redacted(
    new_repo: Callable[[str], Path], tmp_path: Path
) -> None:
    repo = new_repo("repo")
    commit(repo, "Rotate the deploy key AKIAZ7Q4M2W3R5T6Y3U6 for staging", {"k.txt": "k\n"})
    settings = Settings(storage_path=tmp_path / "state", git_repo_path=repo)
    result = await search_history(settings)("rotate deploy key")
    assert [hit.message for hit in result.results] == [
        "Rotate the deploy key [REDACTED_AWS_KEY_1] for staging"
    ]


def test_index_command_prints_one_line_of_stats(
    new_repo: Callable[[str], Path], tmp_path: Path
) -> None:
    repo = new_repo("repo")
    ids = [commit(repo, f"change {day}", {"f.txt": f"{day}\n"}, day) for day in range(2)]
    db = tmp_path / "index.db"
    out = io.StringIO()
    assert index_command(str(repo / "."), db, False, out) == 0
    assert index_command(str(repo), db, True, out) == 0
    assert out.getvalue().splitlines() == [
        f"{repo}: 2 commits indexed (all commits), HEAD {ids[1][:12]}; 2 added, 0 removed",
        f"{repo}: 2 commits indexed (all commits), HEAD {ids[1][:12]}; 0 added, 0 removed",
    ]


def test_index_command_on_an_empty_repository(
    new_repo: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = new_repo("repo")
    monkeypatch.chdir(repo)
    out = io.StringIO()
    assert index_command(None, tmp_path / "index.db", False, out) == 0
    assert out.getvalue() == (
        f"{repo}: 0 commits indexed (all commits), no commits yet; 0 added, 0 removed\n"
    )


async def test_through_the_mcp_sdk_schema_result_and_tool_error(
    new_repo: Callable[[str], Path], tmp_path: Path
) -> None:
    """0.4 defect B3.1: a failed search answered {"error": ..., "results": []}, not isError."""
    repo = new_repo("repo")
    wanted = commit(repo, "Retry flaky uploads", {"up.py": "retry\n"})
    server = mcp_compat.build_server("FlowCheck", "test", "instructions")
    (spec,) = tools(Settings(storage_path=tmp_path / "state", git_repo_path=repo), default_rules())
    mcp_compat.register_tool(server, spec)
    async with create_connected_server_and_client_session(server._mcp_server) as client:
        (listed,) = (await client.list_tools()).tools
        found = await client.call_tool("search_history", {"query": "uploads"})
        refused = await client.call_tool("search_history", {"query": "  "})
        too_many = await client.call_tool("search_history", {"query": "x", "top_k": 51})
    assert listed.annotations is not None
    assert (listed.inputSchema["required"], listed.annotations.readOnlyHint) == (["query"], True)
    assert found.structuredContent is not None
    hashes = [hit["commit_hash"] for hit in found.structuredContent["results"]]
    assert (found.isError, hashes) == (False, [wanted[:12]])
    (message,) = refused.content
    assert isinstance(message, TextContent)
    assert (refused.isError, message.text) == (
        True,
        "Error executing tool search_history: query has no words to search for, only spaces "
        "or punctuation; pass words from commit messages or file paths, e.g. 'fix login timeout'",
    )
    assert too_many.isError is True


async def test_a_secret_at_the_display_cut_is_never_shown_in_part(
    new_repo: Callable[[str], Path], tmp_path: Path
) -> None:
    """Found in review: messages were cut at 500 characters before redaction, so a key that
    crossed the cut leaked its first half."""
    repo = new_repo("repo")
    key = "AKIAZ7Q4M2W3R5T6Y3U6"
    padding = "word " * 94  # the key spans characters 484 to 504
    commit(repo, f"Rotate deploy {padding}{key} done", {"k.txt": "k\n"})
    settings = Settings(storage_path=tmp_path / "state", git_repo_path=repo)
    (hit,) = (await search_history(settings)("rotate deploy")).results
    assert key[:8] not in hit.message
    assert hit.message.endswith("word …")
    assert len(hit.message) <= 500


async def test_author_names_and_paths_come_back_redacted(
    new_repo: Callable[[str], Path], tmp_path: Path
) -> None:
    """Issue 8 (low): search_history returned author e-mails and names unredacted."""
    repo = new_repo("repo")
    (repo / "AKIAZ7Q4M2W3R5T6Y3U6.txt").write_text("k\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "Add the cache", env={"GIT_AUTHOR_NAME": "jane.doe@example.org"})
    settings = Settings(storage_path=tmp_path / "state", git_repo_path=repo)
    result = await search_history(settings)("cache")
    assert [(hit.author, hit.files_changed) for hit in result.results] == [
        ("[REDACTED_EMAIL_1]", ["[REDACTED_AWS_KEY_1].txt"])
    ]
    dumped = result.model_dump_json()
    assert "jane.doe@example.org" not in dumped and "AKIAZ7Q4M2W3R5T6Y3U6" not in dumped
