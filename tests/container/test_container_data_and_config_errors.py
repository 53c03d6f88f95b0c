"""/data persistence, and start-up errors that must end in exit 2 with one clear line."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from container_helpers import TOKEN, docker, require_tool
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

pytestmark = pytest.mark.container


async def _set_rules(image: str, volume: str, rules: dict[str, int]) -> dict[str, Any]:
    args = ["run", "--rm", "-i", "--read-only", "--tmpfs", "/tmp", "-v", f"{volume}:/data",
            image, "flowcheck", "serve", "--transport", "stdio"]  # fmt: skip
    params = StdioServerParameters(command=require_tool("docker"), args=args)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        result = await session.call_tool("set_rules", {"rules": rules, "scope": "global"})
    assert not result.isError, result.content
    return dict(result.structuredContent or {})


def run_to_exit(image: str, *options: str) -> tuple[int, str]:
    """Run the image's default command (HTTP server) and return its exit code and stderr."""
    result = docker("run", "--rm", "-e", f"FLOWCHECK_AUTH_TOKEN={TOKEN}", *options, image,
                    check=False, timeout=60)  # fmt: skip
    return result.returncode, result.stderr.strip()


def test_data_volume_keeps_rules_across_container_recreation(
    images: dict[str, str], volume: str
) -> None:
    asyncio.run(_set_rules(images["latest"], volume, {"max_lines_uncommitted": 123}))
    second = asyncio.run(_set_rules(images["latest"], volume, {"max_minutes_without_commit": 45}))
    kept = {
        key: second["rules"][key] for key in ("max_lines_uncommitted", "max_minutes_without_commit")
    }
    assert kept == {"max_lines_uncommitted": 123, "max_minutes_without_commit": 45}


def test_root_owned_data_mount_exits_2_naming_the_fix(
    images: dict[str, str], tmp_path: Path
) -> None:
    """0.4 defect B4.3: an unwritable state directory crashed the server in a restart loop."""
    data = tmp_path / "root-owned-data"
    data.mkdir(mode=0o755)
    os.chown(data, 0, 0)
    assert run_to_exit(images["latest"], "--mount", f"type=bind,src={data},dst=/data") == (
        2,
        "flowcheck: cannot start: FLOWCHECK_STORAGE_PATH=/data is not writable by uid 1000 "
        "(Permission denied): mount a volume that uid owns there, or point "
        "FLOWCHECK_STORAGE_PATH at a writable directory",
    )


def test_read_only_data_volume_exits_2_naming_the_fix(images: dict[str, str], volume: str) -> None:
    assert run_to_exit(images["latest"], "-v", f"{volume}:/data:ro") == (
        2,
        "flowcheck: cannot start: FLOWCHECK_STORAGE_PATH=/data is not writable by uid 1000 "
        "(Read-only file system): mount a volume that uid owns there, or point "
        "FLOWCHECK_STORAGE_PATH at a writable directory",
    )


def test_missing_token_file_exits_2_naming_the_variable(images: dict[str, str]) -> None:
    options = ["-e", "FLOWCHECK_AUTH_TOKEN=", "-e", "FLOWCHECK_AUTH_TOKEN_FILE=/run/secrets/absent"]
    assert run_to_exit(images["latest"], *options) == (
        2,
        "flowcheck: invalid configuration: FLOWCHECK_AUTH_TOKEN_FILE=/run/secrets/absent: cannot "
        "read the secret file (No such file or directory); check the path and that the server's "
        "user may read it",
    )


def test_unreadable_token_file_exits_2_naming_the_variable(
    images: dict[str, str], tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    token_file.chmod(0o600)  # root's, so the image's user may not read it
    options = [
        "--mount", f"type=bind,src={token_file},dst=/run/secrets/token,readonly",
        "-e", "FLOWCHECK_AUTH_TOKEN=", "-e", "FLOWCHECK_AUTH_TOKEN_FILE=/run/secrets/token",
    ]  # fmt: skip
    assert run_to_exit(images["latest"], *options) == (
        2,
        "flowcheck: invalid configuration: FLOWCHECK_AUTH_TOKEN_FILE=/run/secrets/token: cannot "
        "read the secret file (Permission denied); check the path and that the server's user "
        "may read it",
    )
