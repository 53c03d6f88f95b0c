"""A real `flowcheck serve --transport http` process on a free loopback port."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

TOKEN = "test-token-0123456789"
# The first message of every MCP client (tests/http, the adversarial suite, the k8s guide).
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "flowcheck-test", "version": "1"},
    },
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def read_only_directory(path: Path) -> Iterator[Path]:
    """A directory the server cannot write: a read-only mount as root, mode 0500 otherwise."""
    path.mkdir()
    if os.geteuid() != 0:
        path.chmod(0o500)
        yield path
        path.chmod(0o700)
        return
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(path)], check=True)
    yield path
    subprocess.run(["umount", str(path)], check=True)


@dataclass
class Server:
    process: subprocess.Popen[str]
    base_url: str
    storage: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


def wait_healthy(base_url: str, process: subprocess.Popen[str], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read() if process.stderr else ""
            raise AssertionError(f"server exited with {process.returncode}: {stderr}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("server did not become healthy")


@pytest.fixture
def start_server(tmp_path: Path, isolated_environment: Path) -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def _start(**env: str) -> Server:
        port = free_port()
        storage = Path(env.pop("storage", str(tmp_path / "storage")))
        full_env = {
            "HOME": str(isolated_environment),
            "PATH": os.environ["PATH"],
            "FLOWCHECK_TRANSPORT": "http",
            "FLOWCHECK_SERVER_PORT": str(port),
            "FLOWCHECK_AUTH_TOKEN": TOKEN,
            "FLOWCHECK_ALLOWED_ROOTS": str(tmp_path),
            "FLOWCHECK_STORAGE_PATH": str(storage),
            **env,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "flowcheck.cli", "serve"],
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        server = Server(process, f"http://127.0.0.1:{port}", storage)
        started.append(server)
        wait_healthy(server.base_url, process)
        return server

    yield _start
    for server in started:
        server.stop()
