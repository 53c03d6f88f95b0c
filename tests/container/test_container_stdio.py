"""stdio mode: `docker run --rm -i IMAGE flowcheck serve --transport stdio` with the SDK client."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from container_helpers import load_spec, require_tool
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

pytestmark = pytest.mark.container
VARIANTS = list(load_spec().variants)
REPO_IN_CONTAINER = "/workspace/repo"


@dataclass(frozen=True)
class StdioExchange:
    server_name: str
    tool_names: list[str]
    flow_state: dict[str, Any]
    flow_state_is_error: bool


async def _exchange(command: str, args: list[str], repo_path: str) -> StdioExchange:
    params = StdioServerParameters(command=command, args=args)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        init = await session.initialize()
        listed = await session.list_tools()
        called = await session.call_tool("get_flow_state", {"repo_path": repo_path})
    return StdioExchange(
        server_name=init.serverInfo.name,
        tool_names=sorted(tool.name for tool in listed.tools),
        flow_state=dict(called.structuredContent or {}),
        flow_state_is_error=called.isError,
    )


@pytest.fixture(scope="module", params=VARIANTS)
def exchange(
    request: pytest.FixtureRequest, images: dict[str, str], workspace: Path
) -> StdioExchange:
    docker_args = [
        "run", "--rm", "-i", "--read-only", "--tmpfs", "/tmp",
        "--mount", f"type=bind,src={workspace},dst=/workspace,readonly",
        images[request.param], "flowcheck", "serve", "--transport", "stdio",
    ]  # fmt: skip
    return asyncio.run(_exchange(require_tool("docker"), docker_args, REPO_IN_CONTAINER))


@pytest.fixture(scope="module")
def local_tool_names(workspace: Path) -> list[str]:
    """The tools the work tree's own server registers, run on the host."""
    flowcheck = str(Path(sys.executable).with_name("flowcheck"))
    args = ["serve", "--transport", "stdio"]
    return asyncio.run(_exchange(flowcheck, args, str(workspace / "repo"))).tool_names


def test_stdio_initialize_reports_the_flowcheck_server(exchange: StdioExchange) -> None:
    assert exchange.server_name == "FlowCheck"


def test_stdio_lists_the_same_tools_as_the_work_tree_server(
    exchange: StdioExchange, local_tool_names: list[str]
) -> None:
    assert exchange.tool_names == local_tool_names


def test_stdio_get_flow_state_reads_the_mounted_repository(exchange: StdioExchange) -> None:
    state = exchange.flow_state
    observed = (state.get("repo_path"), state.get("branch_name"), state.get("untracked_files"))
    assert (exchange.flow_state_is_error, *observed) == (False, REPO_IN_CONTAINER, "main", 1)


def test_stdio_counts_the_untracked_lines_of_the_mounted_repository(
    exchange: StdioExchange,
) -> None:
    assert exchange.flow_state.get("uncommitted_lines") == 2
