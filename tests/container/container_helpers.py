"""Small helpers the container tests share: docker and compose calls, ports, health waits."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "scripts" / "containers"))
sys.path.append(str(REPO_ROOT / "tests"))  # after the stdlib: tests/http must not shadow http

# The builder's modules live in scripts/containers; tests import them from here, after the
# path is set, so that import sorting cannot move them ahead of it.
import engine  # noqa: E402
import env_example  # noqa: E402
import standins  # noqa: E402
from dockerfile import VENV  # noqa: E402
from engine import require_tool  # noqa: E402
from spec import ImageSpec, load_spec, project_version  # noqa: E402

__all__ = [
    "VENV",
    "ImageSpec",
    "engine",
    "env_example",
    "load_spec",
    "project_version",
    "require_tool",
    "standins",
]

COMPOSE_DIR = REPO_ROOT / "compose"
TOKEN = "container-test-token-9f2c"  # a test value, not a secret
# Every number of the run that the report needs, printed at the end of the session.
MEASURED: dict[str, str] = {}


def docker(
    *args: str, check: bool = True, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_tool("docker"), *args],
        capture_output=True,
        text=True,
        check=check,
        timeout=timeout,
    )


def compose(
    project: str, env_file: Path, *args: str, file: str = "compose.yaml", check: bool = True
) -> subprocess.CompletedProcess[str]:
    command = [*engine.compose_command(), "-p", project, "-f", str(COMPOSE_DIR / file)]
    return subprocess.run(
        [*command, "--env-file", str(env_file), *args],
        capture_output=True,
        text=True,
        check=check,
        timeout=300,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def health_status(container: str) -> str:
    state = json.loads(docker("inspect", "--format", "{{json .State}}", container).stdout)
    return str(state.get("Health", {}).get("Status", "none"))


def wait_until_healthy(container: str, timeout_s: float) -> float:
    """Seconds until Docker reports the container healthy; raises with its log if it does not."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if health_status(container) == "healthy":
            return time.monotonic() - started
        time.sleep(0.2)
    log = docker("logs", "--tail", "30", container, check=False)
    raise AssertionError(
        f"{container} not healthy within {timeout_s} s: {health_status(container)}\n"
        f"{log.stdout}{log.stderr}"
    )


def wait_for_exit(container: str, timeout_s: float = 30) -> int:
    result = docker("wait", container, timeout=timeout_s)
    return int(result.stdout.strip())


def make_workspace(root: Path, uid: int, gid: int) -> Path:
    """A directory holding one git repository, owned by the image's user as a host user's
    checkout would be (git refuses repositories of another owner: "dubious ownership")."""
    repo = root / "repo"
    repo.mkdir(parents=True)
    # Session fixtures run before the suite's per-test git identity is set: bring one along.
    git = [
        "git",
        "-C",
        str(repo),
        "-c",
        "user.name=FlowCheck Test",
        "-c",
        "user.email=t@example.test",
    ]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    (repo / "README.md").write_text("hello\n")
    subprocess.run([*git, "add", "README.md"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "initial"], check=True)
    (repo / "notes.txt").write_text("one\ntwo\n")  # untracked: two uncommitted lines
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
        os.chown(path, uid, gid, follow_symlinks=False)
    return root
