"""Issue 9 §3.2-3.3: the host configurations in README.md and docs/deployment/clients.md paste.
Every snippet parses and has its host's documented shape (../shared/reference/clients.md), and
each local stdio one really starts FlowCheck: initialize, tools/list and get_flow_state over stdio.
The container ones run in tests/container/test_container_client_configs.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamablehttp_client

from tests.http.conftest import TOKEN
from tests.journey.client_configs import (
    CLIENTS,
    FORMS,
    LOCAL_COMMAND,
    PASTING_SHELL,
    REPO_IN_CONTAINER,
    ROOT,
    json_blocks,
    load_entry,
    marked_blocks,
    shape_problems,
    split_marker,
    with_test_values,
)
from tests.protocol.test_stdio import EXPECTED_TOOLS

BLOCKS = marked_blocks()
MARKERS = sorted(BLOCKS)


def test_every_host_has_a_local_a_container_and_a_remote_form() -> None:
    expected = sorted(f"{client}-{form}" for client in CLIENTS for form in FORMS)
    assert expected == MARKERS


def test_every_json_snippet_parses_and_belongs_to_a_host() -> None:
    for block in json_blocks():
        json.loads(block.body)
        assert block.marker in BLOCKS, f"JSON snippet without a host marker:\n{block.body}"


@pytest.mark.parametrize("marker", MARKERS)
def test_snippet_has_its_hosts_shape(marker: str, tmp_path: Path) -> None:
    config, entry = load_entry(marker, tmp_path)
    assert shape_problems(*split_marker(marker), config, entry) == []


def test_the_shape_check_names_what_a_host_would_reject(tmp_path: Path) -> None:
    """The check above can fail: a TTY, a secret value in args, mcpServers in VS Code."""
    config, entry = load_entry("vscode-container", tmp_path)
    assert config is not None
    entry.args.insert(1, "-t")
    entry.args[entry.args.index("GITHUB_TOKEN")] = "GITHUB_TOKEN=ghp_leaked"
    config["mcpServers"] = config.pop("servers")
    assert shape_problems("vscode", "container", config, entry) == [
        "unexpected top-level key 'mcpServers'",
        "servers must hold exactly the entry 'flowcheck'",
        "-t must never be used",
        "secrets passed by name [] differ from the env block ['GITHUB_TOKEN']",
    ]


def test_the_docs_name_one_token_variable() -> None:
    """Issue 9 §3.2: the README's HTTP line sent $FLOWCHECK_TOKEN, which nothing sets."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    stray = [
        f"{page.relative_to(ROOT)}: {line.strip()}"
        for page in pages
        for line in page.read_text(encoding="utf-8").splitlines()
        if re.search(r"\bFLOWCHECK_TOKEN\b(?!_FILE)", line)
    ]
    assert stray == []


def test_the_http_line_refuses_to_send_an_empty_bearer(tmp_path: Path) -> None:
    """Issue 9 §3.2: pasted without the token exported, the line sent `Bearer ` and the client
    then fell back to OAuth discovery; now the shell stops with the fix."""
    environment = {k: v for k, v in os.environ.items() if k != "FLOWCHECK_AUTH_TOKEN"}
    stub = "claude() { echo called; }\n"
    done = subprocess.run(
        ["bash", "-c", stub + BLOCKS["claude-code-http"].body],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode != 0, done.stdout) == (True, "")
    assert done.stderr.endswith("FLOWCHECK_AUTH_TOKEN: export FLOWCHECK_AUTH_TOKEN first\n")


def linked_flowcheck(home: Path) -> Path:
    """~/.local/bin/flowcheck as scripts/run links it, to this test run's installation."""
    link = home / ".local" / "bin" / "flowcheck"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(Path(sys.executable).with_name("flowcheck"))
    return link


@pytest.mark.parametrize("marker", [m for m in MARKERS if m.endswith("-local")])
async def test_local_snippet_starts_flowcheck_over_stdio(
    marker: str, isolated_environment: Path, make_repo: Any
) -> None:
    repo = make_repo()
    link = linked_flowcheck(isolated_environment)
    _, entry = load_entry(marker, repo)
    command = str(link) if entry.command == LOCAL_COMMAND else entry.command
    env = {k: v.replace("${workspaceFolder}", str(repo)) for k, v in entry.env.items()}
    env["PATH"] = os.pathsep.join([str(link.parent), "/usr/bin", "/bin"])
    arguments = {} if "FLOWCHECK_GIT_REPO_PATH" in env else {"repo_path": str(repo)}
    params = StdioServerParameters(command=command, args=entry.args, env=env, cwd=repo)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        init = await session.initialize()
        listed = await session.list_tools()
        state = await session.call_tool("get_flow_state", arguments)
    observed = (init.serverInfo.name, sorted(tool.name for tool in listed.tools), state.isError)
    assert observed == ("FlowCheck", sorted(EXPECTED_TOOLS), False)
    assert (state.structuredContent or {})["repo_path"] == str(repo.resolve())


def test_container_snippets_are_filled_in_as_a_user_would(tmp_path: Path) -> None:
    """What tests/container runs: the docs' arguments with only the placeholders replaced."""
    _, entry = load_entry("vscode-container", tmp_path)
    filled = with_test_values(entry, tmp_path / "repo", "journey-volume")
    assert filled.args[filled.args.index("--mount") + 1] == (
        f"type=bind,src={tmp_path / 'repo'},dst={REPO_IN_CONTAINER},readonly"
    )
    assert filled.args[filled.args.index("-v") + 1] == "journey-volume:/data"
    assert filled.env == {"GITHUB_TOKEN": "journey-input"}


# Where each HTTP snippet holds its token: a placeholder, a VS Code input, the pasting shell's.
TOKEN_PLACEHOLDERS = (
    "YOUR_TOKEN",
    "${input:flowcheck_token}",
    PASTING_SHELL["FLOWCHECK_AUTH_TOKEN"],
)


@pytest.mark.parametrize("marker", [m for m in MARKERS if m.endswith("-http")])
async def test_http_snippet_reaches_a_server_with_its_bearer_header(
    marker: str, start_server: Any, make_repo: Any, tmp_path: Path
) -> None:
    """The URL and header as the snippet writes them, pointed at a real server with a token.
    Claude Desktop's goes through `npx mcp-remote`, which this offline test cannot fetch: its
    URL and header are the ones checked here for the others."""
    server, repo = start_server(), make_repo()
    _, entry = load_entry(marker, tmp_path)
    if marker == "claude-desktop-http":
        entry.url, entry.headers = entry.args[2], {"Authorization": entry.env["AUTH_HEADER"]}
    url = re.sub(r"^https?://[^/]+", server.base_url, entry.url)
    headers = dict(entry.headers)
    for placeholder in TOKEN_PLACEHOLDERS:
        headers = {name: value.replace(placeholder, TOKEN) for name, value in headers.items()}
    async with (
        streamablehttp_client(url, headers=headers) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        state = await session.call_tool("get_flow_state", {"repo_path": str(repo)})
    assert (state.isError, (state.structuredContent or {}).get("branch_name")) == (False, "main")
