"""The production stack, compose/compose.yaml: `up -d --wait` with .env.example copied as a user
would, on a root-owned workspace, then through Traefik on 127.0.0.1. The tests run in file
order; the last one takes the stack down. (tests/journey runs it on a uid 1234 workspace.)"""

from __future__ import annotations

import json
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from container_helpers import (
    REPO_ROOT,
    TOKEN,
    ImageSpec,
    compose,
    copy_compose_dir,
    docker,
    free_port,
    make_workspace,
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


def user_compose(
    project: str, env_file: Path, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """compose on the copy of compose/ that holds `env_file` as its .env."""
    return compose(project, env_file, *args, check=check, directory=env_file.parent)


def write_env(directory: Path, spec: ImageSpec, **values: str) -> Path:
    """compose/.env in a copy of compose/: .env.example as a user would copy it, with the values
    a user must fill in (a token file the image's user can read, the workspace), a free port."""
    directory = copy_compose_dir(directory / "compose")
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
    images: dict[str, str], spec: ImageSpec, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Issue 9 defect 2.1: on a workspace the server's uid does not own, every tool call failed."""
    workspace = make_workspace(tmp_path_factory.mktemp("root-owned"), 0, 0)
    port = free_port()
    env_file = write_env(
        tmp_path_factory.mktemp("compose"), spec,
        FLOWCHECK_WORKSPACE=str(workspace), FLOWCHECK_HTTP_PORT=str(port),
    )  # fmt: skip
    project = f"flowcheck-test-{uuid.uuid4().hex[:8]}"
    try:
        user_compose(project, env_file, "up", "-d", "--wait")
        yield Stack(project, env_file, f"http://127.0.0.1:{port}", port)
    finally:
        user_compose(project, env_file, "down", "-v", check=False)


def ps_rows(project: str, env_file: Path) -> list[dict[str, Any]]:
    """`docker compose ps --all --format json`: one JSON object per line, one per container."""
    listed = user_compose(project, env_file, "ps", "--all", "--format", "json").stdout
    return [json.loads(line) for line in listed.splitlines() if line.strip()]


def service_states(stack: Stack) -> dict[str, str]:
    return {row["Service"]: row["Health"] for row in ps_rows(stack.project, stack.env_file)}


def first_exit_code(project: str, env_file: Path, service: str, timeout_s: float = 60) -> int:
    """The exit code `ps` shows once the service has exited or restarts after an exit. (Its
    ExitCode field stays 0 while restarting; the Status text "Restarting (2) ..." has it.)"""
    deadline = time.monotonic() + timeout_s
    rows: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        rows = [row for row in ps_rows(project, env_file) if row["Service"] == service]
        exited = re.match(r"(?:Restarting|Exited) \((\d+)\)", rows[0]["Status"]) if rows else None
        if exited:
            return int(exited.group(1))
        time.sleep(0.2)
    raise AssertionError(f"{service} did not exit within {timeout_s} s: {rows}")


def data_listing(stack: Stack) -> list[str]:
    exec_ls = ["exec", "-T", "flowcheck", "ls", "-A", "/data"]
    return user_compose(stack.project, stack.env_file, *exec_ls).stdout.split()


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


def test_the_stack_name_flowcheck_is_an_allowed_host_with_env_example_copied(
    stack: Stack,
) -> None:
    """Issue 9 defect 2.3: .env.example's FLOWCHECK_ALLOWED_HOSTS replaced the stack's list."""
    session = McpSession(stack.base_url, TOKEN, host="flowcheck:8000")
    assert session.initialize().status == 200


def test_config_yaml_log_format_is_in_effect_with_env_example_copied(stack: Stack) -> None:
    """Issue 9 defect 2.3: .env.example's FLOWCHECK_LOG_FORMAT=text overrode config.yaml."""
    logs = docker("logs", f"{stack.project}-flowcheck-1").stderr.splitlines()
    assert logs and all(line.startswith("{") for line in logs), logs[:3]


def test_server_runs_with_the_documented_resource_limits(stack: Stack) -> None:
    limits = docker("inspect", "--format",
                    "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}}",
                    f"{stack.project}-flowcheck-1").stdout.split()  # fmt: skip
    assert limits == [str(512 * 1024 * 1024), "256", str(2 * 10**9)]


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
    user_compose(stack.project, stack.env_file, "restart", "flowcheck")
    wait_until_healthy(f"{stack.project}-flowcheck-1", timeout_s=30)
    assert (before, "audit.log" in before) == (data_listing(stack), True)


def test_traefik_rate_limit_answers_429_to_a_burst(stack: Stack) -> None:
    """Runs after every other request through Traefik: it empties the client's bucket."""
    statuses = {request(stack.base_url, "GET", "/healthz", {}, None).status for _ in range(150)}
    assert statuses == {200, 429}


def test_down_v_removes_containers_volumes_and_network(stack: Stack) -> None:
    user_compose(stack.project, stack.env_file, "down", "-v")
    assert project_resources(stack.project) == []


def test_token_in_env_and_in_the_compose_secret_is_refused_at_start(
    images: dict[str, str], spec: ImageSpec, workspace: Path, tmp_path: Path
) -> None:
    """Issue 9 defect 2.3: FLOWCHECK_AUTH_TOKEN in .env silently replaced the compose secret."""
    env_file = write_env(tmp_path, spec, FLOWCHECK_WORKSPACE=str(workspace),
                         FLOWCHECK_HTTP_PORT=str(free_port()),
                         FLOWCHECK_AUTH_TOKEN="another-token")  # fmt: skip
    project = f"flowcheck-test-{uuid.uuid4().hex[:8]}"
    try:
        user_compose(project, env_file, "up", "-d", "flowcheck")
        exit_code = first_exit_code(project, env_file, "flowcheck")
        logs = docker("logs", f"{project}-flowcheck-1").stderr.strip().splitlines()
    finally:
        user_compose(project, env_file, "down", "-v", check=False)
    assert (exit_code, logs[:1]) == (2, [
        "flowcheck: invalid configuration: FLOWCHECK_AUTH_TOKEN and "
        "FLOWCHECK_AUTH_TOKEN_FILE=/run/secrets/flowcheck_token are both set: keep one of them "
        "(in the compose stack the secret file holds it: remove FLOWCHECK_AUTH_TOKEN from .env)"
    ])  # fmt: skip


def test_missing_workspace_variable_is_named_by_compose(
    images: dict[str, str], spec: ImageSpec, tmp_path: Path
) -> None:
    env_file = write_env(tmp_path, spec)
    result = user_compose("flowcheck-test-config", env_file, "config", check=False)
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
        result = user_compose(project, env_file, "up", "-d", check=False)
    finally:
        user_compose(project, env_file, "down", "-v", check=False)
    expected = f"bind source path does not exist: {missing}"
    assert (result.returncode, expected in result.stderr) == (1, True), result.stderr
