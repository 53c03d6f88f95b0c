"""Issue 9 §4: the user's path as a test, on a fresh clone (tests/journey/conftest.py): the
blocks of README.md and docs/deployment/Quick-Start.md run as pasted, with only the port of
`scripts/run` chosen free and the placeholder project created. It fails when the docs drift
from what works."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamablehttp_client

from tests.conftest import git
from tests.http.conftest import free_port, wait_healthy
from tests.journey.client_configs import entry_from_claude_line
from tests.journey.conftest import QUICK_START, README, TIMINGS, Journey, run_block
from tests.journey.docblocks import Block

DOCUMENTED_URL = "http://127.0.0.1:8000/mcp"


def documented_project(step: Block, home: Path) -> Path:
    """The repository a block's `cd ~/...` names, created as the user's existing project."""
    (where,) = re.findall(r"^cd ~/(\S+)$", step.body, flags=re.MULTILINE)
    project = home / where
    if not (project / ".git").exists():
        project.mkdir(parents=True)
        git(project, "init", "-q", "-b", "main")
        (project / "README.md").write_text("my project\n")
        git(project, "add", "README.md")
        git(project, "commit", "-q", "-m", "initial")
    return project


def test_install_links_flowcheck_and_says_where(journey: Journey) -> None:
    """Issue 9 §3.1: after scripts/run no `flowcheck` was on PATH for the README's lines."""
    link, target = journey.home / ".local/bin/flowcheck", journey.clone / ".venv/bin/flowcheck"
    assert journey.install.stdout == "FlowCheck 0.5.0\n"
    assert f"run: linked {link} -> {target}\n" in journey.install.stderr
    assert f"run: warning: {link.parent} is not on PATH" in journey.install.stderr


def test_a_second_install_changes_nothing(journey: Journey) -> None:
    """Issue 9 §3.1: every scripts/run reinstalled the package."""
    started = time.monotonic()
    again = run_block(
        "scripts/run --install-only", journey.clone, journey.shell(flowcheck_on_path=False)
    )
    elapsed = time.monotonic() - started
    TIMINGS["second install (s)"] = f"{elapsed:.1f}"
    assert again.returncode == 0, again.stderr
    assert "bootstrap: .venv is up to date (pyproject.toml and extras '' unchanged)\n" in (
        again.stderr
    )
    assert elapsed < 10


async def test_quick_start_stdio_line_starts_flowcheck(journey: Journey) -> None:
    step = journey.block(QUICK_START, "qs-stdio")
    project = documented_project(step, journey.home)
    shell = journey.shell(flowcheck_on_path=True)
    entry = entry_from_claude_line(step, journey.clone, shell)
    params = StdioServerParameters(
        command=entry.command, args=entry.args, env={"PATH": shell["PATH"]}, cwd=project
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        state = await session.call_tool("get_flow_state", {"repo_path": str(project)})
    assert (state.isError, (state.structuredContent or {}).get("branch_name")) == (False, "main")


def with_port(script: str, port: int) -> str:
    """The block with its one `scripts/run` line given `--port` (the docs allow serve flags)."""
    lines = script.splitlines()
    (index,) = [i for i, line in enumerate(lines) if line.startswith("scripts/run")]
    lines[index] += f" --port {port}"
    return "\n".join(lines) + "\n"


async def call_get_flow_state(url: str, headers: dict[str, str], project: Path) -> Any:
    async with (
        streamablehttp_client(url, headers=headers) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        return await session.call_tool("get_flow_state", {"repo_path": str(project)})


@contextlib.contextmanager
def documented_server(journey: Journey, page: str, step: str) -> Iterator[tuple[int, str]]:
    """The page's server block running on a free port; yields the port and the exports the
    block tells every other shell to run (the client's shell)."""
    port, server_block = free_port(), journey.block(page, step)
    server = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", with_port(server_block.body, port)],
        cwd=journey.clone,
        env=journey.shell(flowcheck_on_path=True),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", server)
        exports = [line for line in server_block.body.splitlines() if line.startswith("export ")]
        yield port, "".join(f"{line}\n" for line in exports)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.communicate(timeout=15)


@pytest.mark.parametrize(
    ("page", "server_step", "client_step"),
    [
        (README, "run-with-token", "claude-code-http"),
        (QUICK_START, "qs-http-server", "qs-http-client"),
    ],
)
async def test_scripts_run_then_an_mcp_client_through_the_documented_http_line(
    journey: Journey, page: str, server_step: str, client_step: str
) -> None:
    """Issue 9 §3.2: the README's HTTP line sent `Bearer $FLOWCHECK_TOKEN`, a variable nothing
    set, so the pasted line authenticated with an empty token."""
    project = documented_project(journey.block(QUICK_START, "qs-hooks"), journey.home)
    with documented_server(journey, page, server_step) as (port, exports):
        client = journey.block(page, client_step)
        entry = entry_from_claude_line(
            dataclasses.replace(client, body=exports + client.body),
            journey.clone,
            journey.shell(flowcheck_on_path=True),
        )
        assert entry.url == DOCUMENTED_URL
        url = entry.url.replace(":8000/", f":{port}/")
        state = await call_get_flow_state(url, entry.headers, project)
    assert (state.isError, (state.structuredContent or {}).get("repo_path")) == (
        False,
        str(project),
    )


def test_the_quick_start_smoke_check_passes(journey: Journey) -> None:
    documented_project(journey.block(QUICK_START, "qs-hooks"), journey.home)
    with documented_server(journey, QUICK_START, "qs-http-server") as (port, exports):
        smoke = journey.block(QUICK_START, "qs-smoke").body
        assert smoke.count("127.0.0.1:8000 ") == 1
        checked = run_block(
            exports + smoke.replace("127.0.0.1:8000 ", f"127.0.0.1:{port} "),
            journey.clone,
            journey.shell(flowcheck_on_path=True),
        )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.splitlines() == [
        "ok   GET /healthz is 200",
        "ok   initialize with the token is 200",
        "ok   tools/list names tools",
        "ok   tools/call get_flow_state succeeds",
        "ok   initialize without a token is 401",
        "ok   initialize with Host attacker.invalid is 421",
    ]


def test_hooks_install_then_a_commit_is_blocked_for_a_secret(journey: Journey) -> None:
    """Issue 9 §3.1: the hook looked for `flowcheck` on PATH; the commit here comes from a shell
    without ~/.local/bin on PATH and is still scanned. What the commit prints is exactly the
    page's block (an INFO log line came with it before)."""
    install_step = journey.block(QUICK_START, "qs-hooks")
    project = documented_project(install_step, journey.home)
    installed = run_block(install_step.body, journey.clone, journey.shell(flowcheck_on_path=True))
    assert installed.returncode == 0, installed.stderr
    attempt = subprocess.run(
        ["bash", "-c", journey.block(QUICK_START, "qs-hooks-try").body],
        cwd=project,
        env=journey.shell(flowcheck_on_path=False),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    assert attempt.returncode != 0
    assert attempt.stdout == journey.block(QUICK_START, "qs-hooks-blocked").body
    assert git(project, "log", "--format=%s") == "initial\n"
