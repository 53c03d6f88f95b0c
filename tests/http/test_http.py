"""Streamable HTTP: auth, Host/Origin checks, health, readiness, limits, startup refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

from tests.http.conftest import INITIALIZE, TOKEN, Server, read_only_directory

MCP_HEADERS = {"Accept": "application/json, text/event-stream"}
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def post_initialize(server: Server, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/mcp", json=INITIALIZE, headers={**MCP_HEADERS, **headers}, timeout=10
    )


def test_mcp_without_token_is_401_with_www_authenticate(
    start_server: Callable[..., Server],
) -> None:
    response = post_initialize(start_server(), {})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer ")


def test_mcp_with_wrong_token_is_401(start_server: Callable[..., Server]) -> None:
    response = post_initialize(start_server(), {"Authorization": "Bearer wrong"})
    assert response.status_code == 401


def test_mcp_with_token_is_200(start_server: Callable[..., Server]) -> None:
    assert post_initialize(start_server(), AUTH).status_code == 200


def test_any_of_several_tokens_is_accepted(start_server: Callable[..., Server]) -> None:
    server = start_server(FLOWCHECK_AUTH_TOKEN="first-token-aaaa,second-token-bbbb")
    response = post_initialize(server, {"Authorization": "Bearer second-token-bbbb"})
    assert response.status_code == 200


def test_bad_host_is_421(start_server: Callable[..., Server]) -> None:
    response = post_initialize(start_server(), {**AUTH, "Host": "evil.example"})
    assert response.status_code == 421


def test_configured_host_is_accepted(start_server: Callable[..., Server]) -> None:
    server = start_server(FLOWCHECK_ALLOWED_HOSTS="flowcheck:*,localhost:*")
    assert post_initialize(server, {**AUTH, "Host": "flowcheck:8000"}).status_code == 200


def test_bad_origin_is_403(start_server: Callable[..., Server]) -> None:
    response = post_initialize(start_server(), {**AUTH, "Origin": "http://evil.example"})
    assert response.status_code == 403


def test_healthz_needs_no_token(start_server: Callable[..., Server]) -> None:
    response = httpx.get(f"{start_server().base_url}/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "version": "0.5.0"})


def test_readyz_is_200_with_writable_storage(start_server: Callable[..., Server]) -> None:
    response = httpx.get(f"{start_server().base_url}/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ready", "problems": []})


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    with read_only_directory(tmp_path / "ro") as path:
        yield path


def test_readyz_is_503_when_storage_turns_read_only(
    start_server: Callable[..., Server], tmp_path: Path, read_only_dir: Path
) -> None:
    server = start_server()
    os.rmdir(server.storage)  # empty: the server creates files only on demand
    server.storage.symlink_to(read_only_dir)
    response = httpx.get(f"{server.base_url}/readyz")
    assert response.status_code == 503
    assert response.json()["problems"][0].startswith(
        f"FLOWCHECK_STORAGE_PATH={server.storage} is not writable by uid {os.getuid()}"
    )


def test_read_only_storage_refuses_to_start_with_exit_2(
    isolated_environment: Path, tmp_path: Path, read_only_dir: Path
) -> None:
    done = run_serve(
        isolated_environment, tmp_path, FLOWCHECK_STORAGE_PATH=str(read_only_dir / "x")
    )
    assert done.returncode == 2
    assert "is not writable by uid" in done.stderr


def run_serve(home: Path, root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowcheck.cli", "serve", "--transport", "http", "--port", "1"],
        env={
            "HOME": str(home),
            "PATH": os.environ["PATH"],
            "FLOWCHECK_ALLOWED_ROOTS": str(root),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_all_interfaces_without_token_refuses_to_start(
    isolated_environment: Path, tmp_path: Path
) -> None:
    done = run_serve(isolated_environment, tmp_path, FLOWCHECK_SERVER_HOST="0.0.0.0")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "flowcheck: invalid configuration: FLOWCHECK_AUTH_TOKEN is required to serve HTTP on "
        "0.0.0.0: set FLOWCHECK_AUTH_TOKEN or FLOWCHECK_AUTH_TOKEN_FILE, bind 127.0.0.1, or set "
        "FLOWCHECK_ALLOW_UNAUTHENTICATED=true"
    ]


def test_allow_unauthenticated_starts_with_a_loud_warning(
    start_server: Callable[..., Server],
) -> None:
    server = start_server(
        FLOWCHECK_SERVER_HOST="0.0.0.0",
        FLOWCHECK_AUTH_TOKEN="",
        FLOWCHECK_ALLOW_UNAUTHENTICATED="true",
    )
    assert post_initialize(server, {}).status_code == 200
    server.stop()
    assert "SECURITY: serving /mcp on 0.0.0.0 WITHOUT authentication" in (
        server.process.stderr.read() if server.process.stderr else ""
    )


def test_oversized_body_is_413(start_server: Callable[..., Server]) -> None:
    server = start_server(FLOWCHECK_MAX_REQUEST_BYTES="4096")
    response = httpx.post(
        f"{server.base_url}/mcp",
        content=b"x" * 5000,
        headers={**MCP_HEADERS, **AUTH, "Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_token_never_appears_in_the_log(start_server: Callable[..., Server]) -> None:
    server = start_server(FLOWCHECK_LOG_LEVEL="DEBUG")
    post_initialize(server, AUTH)
    server.stop()
    assert TOKEN not in (server.process.stderr.read() if server.process.stderr else "")


async def test_tool_call_over_http_with_the_sdk_client(
    start_server: Callable[..., Server], make_repo: Any
) -> None:
    repo = make_repo()
    server = start_server()
    async with (
        streamablehttp_client(f"{server.base_url}/mcp", headers=AUTH) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        result = await session.call_tool("get_flow_state", {"repo_path": str(repo)})
    assert result.isError is False
    assert result.structuredContent["branch_name"] == "main"


async def test_sigterm_lets_an_in_flight_call_finish_then_exits_within_10_s(
    start_server: Callable[..., Server], make_repo: Any
) -> None:
    """Guards a defect found here: SSE answers were cut at SIGTERM (sse-starlette stops every
    stream on exit signals), so in-flight calls died instead of draining."""
    import signal
    import time
    from collections.abc import AsyncIterator

    import anyio

    repo = make_repo()
    server = start_server()
    headers = {**MCP_HEADERS, **AUTH, "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        opened = await client.post("/mcp", json=INITIALIZE, headers=headers)
        headers["mcp-session-id"] = opened.headers["mcp-session-id"]
        initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        await client.post("/mcp", json=initialized, headers=headers)
        call = json.dumps(
            {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "tools/call",
                "params": {"name": "get_flow_state", "arguments": {"repo_path": str(repo)}},
            }
        ).encode()
        terminated = anyio.Event()

        async def body_split_around_sigterm() -> AsyncIterator[bytes]:
            # The request is in flight from its first byte; it cannot finish before SIGTERM,
            # because the rest of its body is only sent afterwards.
            yield call[:10]
            await terminated.wait()
            yield call[10:]

        async def terminate_while_in_flight() -> None:
            await anyio.sleep(0.5)
            server.process.send_signal(signal.SIGTERM)
            terminated.set()

        async with anyio.create_task_group() as group:
            group.start_soon(terminate_while_in_flight)
            response = await client.post(
                "/mcp", content=body_split_around_sigterm(), headers=headers
            )
        signalled_at = time.monotonic()
    result = response.json()["result"]
    assert (response.status_code, result["isError"]) == (200, False)
    assert result["structuredContent"]["branch_name"] == "main"
    server.process.wait(timeout=10)
    assert time.monotonic() - signalled_at < 10


def test_healthcheck_command_succeeds_against_a_running_server(
    start_server: Callable[..., Server], isolated_environment: Path
) -> None:
    server = start_server()
    port = server.base_url.rsplit(":", 1)[1]
    done = subprocess.run(
        [sys.executable, "-m", "flowcheck.cli", "healthcheck"],
        env={
            "HOME": str(isolated_environment),
            "PATH": os.environ["PATH"],
            "FLOWCHECK_SERVER_PORT": port,
        },
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "")
