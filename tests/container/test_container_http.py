"""HTTP mode of one container: `docker run -p 127.0.0.1:<free>:8000` with a read-only root."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from container_helpers import (
    MEASURED,
    REPO_ROOT,
    TOKEN,
    ImageSpec,
    docker,
    free_port,
    wait_until_healthy,
)

from smoke import McpSession, jsonrpc_result, request

pytestmark = pytest.mark.container
FLOW_STATE_ARGS = {"repo_path": "/workspace/repo"}


@dataclass(frozen=True)
class Server:
    name: str
    base_url: str
    seconds_to_healthy: float


@pytest.fixture(scope="module")
def server(images: dict[str, str], workspace: Path) -> Iterator[Server]:
    name, port = f"flowcheck-http-{uuid.uuid4().hex[:8]}", free_port()
    started = time.monotonic()
    docker(
        "run", "-d", "--name", name, "--read-only", "--tmpfs", "/tmp",
        "-e", f"FLOWCHECK_AUTH_TOKEN={TOKEN}", "-p", f"127.0.0.1:{port}:8000",
        "--mount", f"type=bind,src={workspace},dst=/workspace,readonly",
        images["latest"],
    )  # fmt: skip
    try:
        wait_until_healthy(name, timeout_s=30)
        seconds = time.monotonic() - started
        MEASURED["cold start to healthy, latest, docker run (s)"] = f"{seconds:.1f}"
        yield Server(name, f"http://127.0.0.1:{port}", seconds)
    finally:
        docker("rm", "-f", "-v", name, check=False)


def test_healthz_answers_200_without_a_token(server: Server) -> None:
    assert request(server.base_url, "GET", "/healthz", {}, None).status == 200


def test_get_flow_state_with_the_token_reads_the_mounted_repository(server: Server) -> None:
    session = McpSession(server.base_url, TOKEN)
    assert session.initialize().status == 200
    reply = jsonrpc_result(
        session.post("tools/call", {"name": "get_flow_state", "arguments": FLOW_STATE_ARGS})
    )
    state = reply["result"]["structuredContent"]
    observed = (reply["result"]["isError"], state["repo_path"], state["uncommitted_lines"])
    assert observed == (False, "/workspace/repo", 2)


def test_mcp_without_a_token_is_refused_with_401(server: Server) -> None:
    assert McpSession(server.base_url, None).initialize().status == 401


def test_mcp_with_a_wrong_token_is_refused_with_401(server: Server) -> None:
    assert McpSession(server.base_url, "not-the-token").initialize().status == 401


def test_mcp_with_a_foreign_host_header_is_refused_with_421(server: Server) -> None:
    assert McpSession(server.base_url, TOKEN, host="attacker.invalid").initialize().status == 421


def test_smoke_script_passes_against_the_container(server: Server) -> None:
    smoke = [sys.executable, str(REPO_ROOT / "tests" / "smoke.py"), server.base_url, TOKEN]
    args = ["--tool", "get_flow_state", "--args", json.dumps(FLOW_STATE_ARGS)]
    result = subprocess.run([*smoke, *args], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stderr) == (0, ""), result.stdout


def test_server_process_runs_as_the_spec_uid(server: Server, spec: ImageSpec) -> None:
    """0.4 defect B4.3: the image's user could not write its own home."""
    top = docker("top", server.name, "-eo", "pid,uid").stdout.splitlines()
    assert [row.split()[1] for row in top[1:]] == [str(spec.uid)]


def test_server_turns_healthy_within_10_seconds_of_docker_run(server: Server) -> None:
    assert server.seconds_to_healthy <= 10
