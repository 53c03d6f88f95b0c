"""Any owner, any uid: a workspace owned by another uid is read, and the images run under an
arbitrary `--user` with a writable /data, or refuse at start with one line (issue 9, 2.1-2.2)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from container_helpers import docker, make_workspace, require_tool
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

pytestmark = pytest.mark.container
REPO = "/workspace/repo"
ARBITRARY_UID = 123456  # no passwd entry, group 0: how OpenShift runs an image


async def _call(docker_args: list[str], tool: str, arguments: dict[str, Any]) -> Any:
    params = StdioServerParameters(command=require_tool("docker"), args=docker_args)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        return await session.call_tool(tool, arguments)


def stdio_run(image: str, *options: str) -> list[str]:
    return ["run", "--rm", "-i", "--read-only", "--tmpfs", "/tmp", *options,
            image, "flowcheck", "serve", "--transport", "stdio"]  # fmt: skip


@pytest.mark.parametrize("owner", [1234, 0], ids=["uid-1234", "root"])
def test_get_flow_state_reads_a_workspace_owned_by_another_uid(
    images: dict[str, str], tmp_path: Path, owner: int
) -> None:
    """Issue 9 defect 2.1: git refused the bind-mounted workspace as "dubious ownership"."""
    workspace = make_workspace(tmp_path / "workspace", owner, owner)
    mount = f"type=bind,src={workspace},dst=/workspace,readonly"
    args = stdio_run(images["latest"], "--mount", mount)
    result = asyncio.run(_call(args, "get_flow_state", {"repo_path": REPO}))
    state = result.structuredContent or {}
    observed = (result.isError, state.get("repo_path"), state.get("untracked_files"))
    assert observed == (False, REPO, 1), result.content


@pytest.mark.parametrize("variant", ["latest", "slim", "dev"])
def test_an_arbitrary_uid_in_group_0_writes_state_to_a_fresh_data_volume(
    images: dict[str, str], volume: str, variant: str
) -> None:
    """Issue 9 defect 2.2: /data belonged to uid 1000 alone, so OpenShift's uid could not write."""
    args = stdio_run(images[variant], "--user", f"{ARBITRARY_UID}:0", "-v", f"{volume}:/data")
    result = asyncio.run(_call(args, "set_rules", {"rules": {"max_lines_uncommitted": 77}}))
    assert (result.isError, (result.structuredContent or {}).get("rules", {}).get(
        "max_lines_uncommitted")) == (False, 77), result.content  # fmt: skip
    listing = docker("run", "--rm", "-v", f"{volume}:/data", images[variant], "ls", "-n", "/data")
    assert f" {ARBITRARY_UID} " in listing.stdout


@pytest.mark.parametrize("transport", ["http", "stdio"])
def test_a_uid_that_cannot_write_data_is_refused_at_start_with_one_line(
    images: dict[str, str], volume: str, transport: str
) -> None:
    run = ["run", "--rm", "--user", "4242:4242", "-v", f"{volume}:/data",
           "-e", "FLOWCHECK_AUTH_TOKEN=container-test-token", images["latest"],
           "flowcheck", "serve", "--transport", transport]  # fmt: skip
    result = docker(*run, check=False, timeout=60)
    assert (result.returncode, result.stderr.strip()) == (
        2,
        "flowcheck: cannot start: FLOWCHECK_STORAGE_PATH=/data is not writable by uid 4242 "
        "(Permission denied): mount a volume that uid owns there, or point "
        "FLOWCHECK_STORAGE_PATH at a writable directory",
    )


def test_stdio_with_a_read_only_data_volume_is_refused_at_start(
    images: dict[str, str], volume: str
) -> None:
    """Issue 9 defect 2.2: stdio served on and failed only at the first write."""
    result = docker(*stdio_run(images["latest"], "-v", f"{volume}:/data:ro"), check=False,
                    timeout=60)  # fmt: skip
    assert (result.returncode, result.stderr.strip()) == (
        2,
        "flowcheck: cannot start: FLOWCHECK_STORAGE_PATH=/data is not writable by uid 1000 "
        "(Read-only file system): mount a volume that uid owns there, or point "
        "FLOWCHECK_STORAGE_PATH at a writable directory",
    )
