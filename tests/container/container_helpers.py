"""Small helpers the container tests share: docker and compose calls, ports, health waits."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

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


def _missing_tools() -> list[str]:
    return sorted(
        name for name in [*engine.APT_TOOLS, *engine.PIP_TOOLS] if engine.tool_path(name) is None
    )


def engine_session() -> Iterator[None]:
    """The body of a session fixture: an answering engine for the session, or a skip.

    Without one the tests skip, unless FLOWCHECK_REQUIRE_CONTAINERS=1: then the tools are
    installed and a `dockerd` started (and only that one stopped at the end)."""
    missing = _missing_tools()
    answers = not missing and engine.engine_answers()
    if not answers and os.environ.get("FLOWCHECK_REQUIRE_CONTAINERS") != "1":
        pytest.skip(
            f"no Docker engine or tools ({', '.join(missing) or 'engine down'}); "
            "FLOWCHECK_REQUIRE_CONTAINERS=1 installs and starts them"
        )
    engine.ensure_tools()
    started = engine.start_engine()
    yield
    if started is not None:
        engine.stop_engine(started)


def build_standins(spec: ImageSpec) -> dict[str, str]:
    """Every variant's stand-in image plus Traefik, with the build time and sizes recorded."""
    started = time.monotonic()
    built = standins.build_all(list(spec.variants))
    MEASURED["stand-in build (s)"] = f"{time.monotonic() - started:.1f}"
    for name, ref in built.items():
        MEASURED[f"image size {name} (MB, Debian-based stand-in)"] = (
            f"{standins.image_size_mb(ref):.1f}"
        )
    return built


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
    project: str,
    env_file: Path,
    *args: str,
    file: str = "compose.yaml",
    check: bool = True,
    directory: Path = COMPOSE_DIR,
) -> subprocess.CompletedProcess[str]:
    """The compose binary on `directory/file` (a copy of compose/ reads its own .env)."""
    command = [*engine.compose_command(), "-p", project, "-f", str(directory / file)]
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


def copy_compose_dir(destination: Path) -> Path:
    """compose/ as a user's checkout has it, where a test may write compose/.env: the server
    reads that file through `env_file`, which a test .env elsewhere would not exercise."""
    shutil.copytree(COMPOSE_DIR, destination, ignore=shutil.ignore_patterns(".env", "token"))
    return destination


def copy_work_tree(destination: Path) -> Path:
    """The work tree's files as a checkout of it would hold them (tracked and new files, edits
    included; ignored files left out), for stacks that mount `..` of their compose file."""
    listed = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "ls-files", "-z", "--cached", "--others",
         "--exclude-standard"],
        capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    for name in filter(None, listed.split("\0")):
        source = REPO_ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    destination.chmod(0o755)  # pytest's temporary directories are private to root
    return destination


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
