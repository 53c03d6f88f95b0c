"""Issue 9 §3.3: the container stdio configurations of README.md and docs/deployment/clients.md,
run as each host would run them against the stand-in `latest` image: initialize, tools/list and
get_flow_state without a repo_path (FLOWCHECK_GIT_REPO_PATH), with /data in a named volume."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from container_helpers import require_tool
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests.journey.client_configs import (
    IMAGE,
    REPO_IN_CONTAINER,
    ServerEntry,
    load_entry,
    marked_blocks,
    with_test_values,
)
from tests.protocol.test_stdio import EXPECTED_TOOLS

pytestmark = pytest.mark.container
CONTAINER_MARKERS = sorted(marker for marker in marked_blocks() if marker.endswith("-container"))


async def _exchange(entry: ServerEntry) -> tuple[Any, ...]:
    # Hosts hand docker their own environment; keep the engine's address if one is set.
    engine = {name: os.environ[name] for name in ("DOCKER_HOST",) if name in os.environ}
    params = StdioServerParameters(
        command=require_tool("docker"), args=entry.args, env={**engine, **entry.env}
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        init = await session.initialize()
        listed = await session.list_tools()
        state = await session.call_tool("get_flow_state", {})
    return (
        init.serverInfo.name,
        sorted(tool.name for tool in listed.tools),
        state.isError,
        (state.structuredContent or {}).get("repo_path"),
    )


@pytest.fixture
def volume() -> Iterator[str]:
    """A named volume of this test's own in place of the docs' flowcheck-data."""
    name = f"flowcheck-journey-{uuid.uuid4().hex[:12]}"
    yield name
    subprocess.run(
        [require_tool("docker"), "volume", "rm", "-f", name], capture_output=True, check=False
    )


def test_the_docs_name_the_image_the_build_tags(images: dict[str, str]) -> None:
    assert images["latest"] == IMAGE


@pytest.mark.parametrize("marker", CONTAINER_MARKERS)
def test_container_snippet_serves_the_mounted_repository(
    marker: str, images: dict[str, str], workspace: Path, volume: str
) -> None:
    repo = workspace / "repo"
    _, documented = load_entry(marker, repo)  # a Claude Code line runs in the repository
    entry = with_test_values(documented, repo, volume)
    observed = asyncio.run(_exchange(entry))
    assert observed == ("FlowCheck", sorted(EXPECTED_TOOLS), False, REPO_IN_CONTAINER)
    audit = subprocess.run(
        [require_tool("docker"), "run", "--rm", "-v", f"{volume}:/data", images["latest"],
         "flowcheck", "audit", "verify"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert audit.returncode == 0, audit.stderr
    assert re.search(r": [1-9]\d* entries, chain intact$", audit.stdout.strip()), audit.stdout
