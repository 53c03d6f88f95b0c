"""The production stack, compose/compose.yaml: `up -d --wait` with a test .env, then through
Traefik on 127.0.0.1. The tests run in file order; the last one takes the stack down."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from container_helpers import (
    REPO_ROOT,
    TOKEN,
    ImageSpec,
    compose,
    docker,
    free_port,
    wait_until_healthy,
)

from smoke import McpSession, jsonrpc_result, request

pytestmark = pytest.mark.container
FLOW_STATE_ARGS = {"repo_path": "/workspace/repo"}


@dataclass(frozen=True)
class Stack:
    project: str
    env_file: Path
    base_url: str
    port: int


def write_env(directory: Path, spec: ImageSpec, **values: str) -> Path:
    """A test .env: .env.example as a user would copy it, with the values a user must fill in
    (a token file the image's user can read, the workspace) and a free port."""
    token_file = directory / "token"
    token_file.write_text(TOKEN)
    token_file.chmod(0o644)
    wanted = {"FLOWCHECK_IMAGE": spec.image_ref("latest"), "FLOWCHECK_TOKEN_FILE": str(token_file)}
    wanted.update(values)
    lines = []
    for line in (REPO_ROOT / ".env.example").read_text().splitlines():
        name = line.partition("=")[0]
        lines.append(f"{name}={wanted.pop(name)}" if name in wanted else line)
    env_file = directory / ".env"
    env_file.write_text("\n".join([*lines, *(f"{k}={v}" for k, v in wanted.items())]) + "\n")
    return env_file


def project_resources(project: str) -> list[str]:
    label = f"label=com.docker.compose.project={project}"
    listings = [
        docker("ps", "-a", "-q", "--filter", label),
        docker("volume", "ls", "-q", "--filter", label),
        docker("network", "ls", "-q", "--filter", label),
    ]
    return [line for listing in listings for line in listing.stdout.split()]


@pytest.fixture(scope="module")
def stack(
    images: dict[str, str],
    spec: ImageSpec,
    workspace: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    port = free_port()
    env_file = write_env(
        tmp_path_factory.mktemp("compose"), spec,
        FLOWCHECK_WORKSPACE=str(workspace), FLOWCHECK_HTTP_PORT=str(port),
    )  # fmt: skip
    project = f"flowcheck-test-{uuid.uuid4().hex[:8]}"
    try:
        compose(project, env_file, "up", "-d", "--wait")
        yield Stack(project, env_file, f"http://127.0.0.1:{port}", port)
    finally:
        compose(project, env_file, "down", "-v", check=False)


def service_states(stack: Stack) -> dict[str, str]:
    listed = compose(stack.project, stack.env_file, "ps", "--format", "json").stdout
    rows = [json.loads(line) for line in listed.splitlines() if line.strip()]
    return {row["Service"]: row["Health"] for row in rows}


def data_listing(stack: Stack) -> list[str]:
    exec_ls = ["exec", "-T", "flowcheck", "ls", "-A", "/data"]
    return compose(stack.project, stack.env_file, *exec_ls).stdout.split()


def test_up_wait_leaves_every_service_healthy(stack: Stack) -> None:
    assert service_states(stack) == {"flowcheck": "healthy", "traefik": "healthy"}


def test_only_traefik_publishes_a_port_and_only_on_loopback(stack: Stack) -> None:
    published = {
        service: docker("port", f"{stack.project}-{service}-1").stdout.strip()
        for service in ("flowcheck", "traefik")
    }
    assert published == {"flowcheck": "", "traefik": f"8000/tcp -> 127.0.0.1:{stack.port}"}


def test_healthz_through_traefik_answers_200(stack: Stack) -> None:
    assert request(stack.base_url, "GET", "/healthz", {}, None).status == 200


def test_readyz_through_traefik_answers_200(stack: Stack) -> None:
    assert request(stack.base_url, "GET", "/readyz", {}, None).status == 200


def test_other_paths_are_not_routed_by_traefik(stack: Stack) -> None:
    assert request(stack.base_url, "GET", "/", {}, None).status == 404


def test_tool_call_through_traefik_with_the_token_succeeds(stack: Stack) -> None:
    session = McpSession(stack.base_url, TOKEN)
    assert session.initialize().status == 200
    called = jsonrpc_result(
        session.post("tools/call", {"name": "get_flow_state", "arguments": FLOW_STATE_ARGS})
    )
    state = called["result"]["structuredContent"]
    assert (called["result"]["isError"], state["repo_path"]) == (False, "/workspace/repo")


def test_mcp_through_traefik_without_a_token_is_401(stack: Stack) -> None:
    assert McpSession(stack.base_url, None).initialize().status == 401


def test_mcp_through_traefik_with_a_foreign_host_is_421(stack: Stack) -> None:
    assert McpSession(stack.base_url, TOKEN, host="attacker.invalid").initialize().status == 421


def test_restart_flowcheck_keeps_the_audit_log_and_rules_under_data(stack: Stack) -> None:
    session = McpSession(stack.base_url, TOKEN)
    session.initialize()
    session.post(
        "tools/call", {"name": "set_rules", "arguments": {"rules": {"max_files_uncommitted": 9}}}
    )
    before = data_listing(stack)
    compose(stack.project, stack.env_file, "restart", "flowcheck")
    wait_until_healthy(f"{stack.project}-flowcheck-1", timeout_s=30)
    assert (before, "audit.log" in before) == (data_listing(stack), True)


def test_traefik_rate_limit_answers_429_to_a_burst(stack: Stack) -> None:
    """Runs after every other request through Traefik: it empties the client's bucket."""
    statuses = {request(stack.base_url, "GET", "/healthz", {}, None).status for _ in range(150)}
    assert statuses == {200, 429}


def test_down_v_removes_containers_volumes_and_network(stack: Stack) -> None:
    compose(stack.project, stack.env_file, "down", "-v")
    assert project_resources(stack.project) == []


def test_missing_workspace_variable_is_named_by_compose(
    images: dict[str, str], spec: ImageSpec, tmp_path: Path
) -> None:
    env_file = write_env(tmp_path, spec)
    result = compose("flowcheck-test-config", env_file, "config", check=False)
    expected = (
        "required variable FLOWCHECK_WORKSPACE is missing a value: set FLOWCHECK_WORKSPACE in "
        ".env to the directory holding your repositories"
    )
    assert (result.returncode, expected in result.stderr) == (1, True), result.stderr


def test_workspace_that_does_not_exist_is_named_in_the_error(
    images: dict[str, str], spec: ImageSpec, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-workspace"
    env_file = write_env(tmp_path, spec, FLOWCHECK_WORKSPACE=str(missing),
                         FLOWCHECK_HTTP_PORT=str(free_port()))  # fmt: skip
    project = f"flowcheck-test-{uuid.uuid4().hex[:8]}"
    try:
        result = compose(project, env_file, "up", "-d", check=False)
    finally:
        compose(project, env_file, "down", "-v", check=False)
    expected = f"bind source path does not exist: {missing}"
    assert (result.returncode, expected in result.stderr) == (1, True), result.stderr
