"""MCP over stdio, spawned exactly as an agent host spawns it, with the SDK's own client."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.conftest import git

EXPECTED_TOOLS = [
    "end_session",
    "get_flow_state",
    "get_recommendations",
    "get_session_info",
    "sanitize_content",
    "scan_changes",
    "search_history",
    "set_rules",
    "verify_intent",
    "start_session",
]


def server_params(home: Path, **env: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "flowcheck.cli", "serve"],
        env={"HOME": str(home), "PATH": os.environ["PATH"], **env},
    )


async def call(home: Path, tool: str, arguments: dict[str, Any], **env: str) -> Any:
    async with (
        stdio_client(server_params(home, **env)) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        return await session.call_tool(tool, arguments)


async def test_server_identifies_itself_and_lists_its_tools(isolated_environment: Path) -> None:
    async with (
        stdio_client(server_params(isolated_environment)) as (read, write),
        ClientSession(read, write) as session,
    ):
        init = await session.initialize()
        listed = await session.list_tools()
    assert (init.serverInfo.name, init.serverInfo.version) == ("FlowCheck", "0.5.0")
    assert "get_flow_state" in (init.instructions or "")
    assert sorted(tool.name for tool in listed.tools) == sorted(EXPECTED_TOOLS)
    for tool in listed.tools:
        assert tool.outputSchema is not None, tool.name
        assert tool.description, tool.name


async def test_get_flow_state_reports_uncommitted_work(
    isolated_environment: Path, make_repo: Any
) -> None:
    repo = make_repo()
    (repo / "new.txt").write_text("one\ntwo\nthree\n")
    result = await call(isolated_environment, "get_flow_state", {"repo_path": str(repo)})
    assert result.isError is False
    state = result.structuredContent
    assert (state["branch_name"], state["uncommitted_lines"], state["uncommitted_files"]) == (
        "main",
        3,
        1,
    )
    assert state["status"] == "ok"


async def test_get_recommendations_answers(isolated_environment: Path, make_repo: Any) -> None:
    result = await call(
        isolated_environment, "get_recommendations", {"repo_path": str(make_repo())}
    )
    assert result.isError is False
    assert result.structuredContent["status"] == "ok"
    assert len(result.structuredContent["recommendations"]) == 1


async def test_set_rules_changes_the_status_thresholds(
    isolated_environment: Path, make_repo: Any
) -> None:
    repo = make_repo()
    (repo / "new.txt").write_text("a\nb\nc\n")
    result = await call(isolated_environment, "set_rules", {"rules": {"max_lines_uncommitted": 2}})
    assert result.isError is False
    state = await call(isolated_environment, "get_flow_state", {"repo_path": str(repo)})
    assert state.structuredContent["status"] == "warning"


async def test_a_path_that_is_not_a_repository_is_a_tool_error(
    isolated_environment: Path, tmp_path: Path
) -> None:
    """0.4 defect B3.1: failures came back as {"error": ...} with isError false."""
    plain = tmp_path / "plain"
    plain.mkdir()
    result = await call(isolated_environment, "get_flow_state", {"repo_path": str(plain)})
    assert result.isError is True
    assert result.structuredContent is None
    assert str(plain) in result.content[0].text


async def test_repository_outside_the_allowed_roots_is_refused(
    isolated_environment: Path, make_repo: Any, tmp_path: Path
) -> None:
    repo = make_repo()
    jail = tmp_path / "jail"
    jail.mkdir()
    result = await call(
        isolated_environment,
        "get_flow_state",
        {"repo_path": str(repo)},
        FLOWCHECK_ALLOWED_ROOTS=str(jail),
    )
    assert result.isError is True


async def test_default_repository_is_used_when_repo_path_is_omitted(
    isolated_environment: Path, make_repo: Any
) -> None:
    repo = make_repo()
    git(repo, "checkout", "-q", "-b", "feature/x")
    result = await call(
        isolated_environment, "get_flow_state", {}, FLOWCHECK_GIT_REPO_PATH=str(repo)
    )
    assert result.structuredContent["branch_name"] == "feature/x"


def test_stdout_carries_nothing_but_protocol(isolated_environment: Path) -> None:
    """0.4 defect B3.3: print() on stdout corrupted the JSON-RPC stream."""
    import subprocess

    request = (
        '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",'
        '"capabilities":{},"clientInfo":{"name":"t","version":"1"}}}\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "flowcheck.cli", "serve", "--transport", "stdio"],
        input=request,
        capture_output=True,
        text=True,
        timeout=30,
        env={
            "HOME": str(isolated_environment),
            "PATH": os.environ["PATH"],
            "FLOWCHECK_LOG_LEVEL": "DEBUG",
        },
        check=False,
    )
    lines = done.stdout.splitlines()
    assert done.returncode == 0
    assert len(lines) == 1 and lines[0].startswith('{"jsonrpc":"2.0","id":1,"result":')
    assert "serving MCP on stdio" in done.stderr


async def test_session_counts_calls_and_every_call_is_audited(
    isolated_environment: Path, make_repo: Any
) -> None:
    import json

    repo = make_repo()
    async with (
        stdio_client(server_params(isolated_environment, FLOWCHECK_AGENT_ID="ci")) as (
            read,
            write,
        ),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        started = await session.call_tool("start_session", {"agent_id": "claude"})
        await session.call_tool("get_flow_state", {"repo_path": str(repo)})
        await session.call_tool("get_flow_state", {"repo_path": "/nonexistent"})
        info = (await session.call_tool("get_session_info", {})).structuredContent
        ended = (await session.call_tool("end_session", {})).structuredContent
        after = (await session.call_tool("get_session_info", {})).structuredContent
    session_id = started.structuredContent["session_id"]
    assert (info["active"], info["agent_id"], info["tool_calls"]) == (True, "claude", 3)
    assert (ended["session_id"], ended["tool_calls"]) == (session_id, 4)
    assert after["active"] is False
    log = isolated_environment / ".flowcheck" / "audit.log"
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["action"], e["status"], e["session_id"], e["agent_id"]) for e in entries] == [
        ("tool:start_session", "ok", None, "ci"),
        ("tool:get_flow_state", "ok", session_id, "claude"),
        ("tool:get_flow_state", "error", session_id, "claude"),
        ("tool:get_session_info", "ok", session_id, "claude"),
        ("tool:end_session", "ok", session_id, "claude"),
        ("tool:get_session_info", "ok", None, "ci"),
    ]
    assert entries[1]["repo_path"] == str(repo)
    assert log.stat().st_mode & 0o777 == 0o600


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


AWS_KEY = "AKIAZ7Q4M2W3R5T6Y3U6"


async def test_staged_secret_becomes_a_security_flag_and_danger(
    isolated_environment: Path, make_repo: Any
) -> None:
    """0.4 defect B1.1: only unstaged changes were scanned, so staged keys slipped through."""
    repo = make_repo()
    (repo / "settings.py").write_text(f'DEBUG = False\naws_access_key_id = "{AWS_KEY}"\n')
    git(repo, "add", "settings.py")
    result = await call(isolated_environment, "get_flow_state", {"repo_path": str(repo)})
    state = result.structuredContent
    assert state["status"] == "danger"
    assert [(f["rule_id"], f["path"], f["line"], f["source"]) for f in state["security_flags"]] == [
        ("aws-access-key-id", "settings.py", 2, "staged")
    ]
    assert AWS_KEY not in result.content[0].text


async def test_sanitize_content_redacts_over_the_wire(isolated_environment: Path) -> None:
    text = f"key={AWS_KEY}\nmail jane.doe@northwind.com\n"
    result = await call(isolated_environment, "sanitize_content", {"content": text})
    cleaned = result.structuredContent
    assert cleaned["sanitized_text"] == "key=[REDACTED_AWS_KEY_1]\nmail [REDACTED_EMAIL_1]\n"
    assert (cleaned["secrets_detected"], cleaned["pii_detected"]) == (True, True)


async def test_an_oversized_agent_id_is_refused(isolated_environment: Path) -> None:
    """Found in review: agent_id went unbounded into every audit entry."""
    result = await call(isolated_environment, "start_session", {"agent_id": "a" * 101})
    assert result.isError is True
    assert "at most 100 characters" in result.content[0].text
