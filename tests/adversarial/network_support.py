"""A hostile network peer's tools: a real HTTP server on 127.0.0.1, raw sockets that send what
a client library would refuse to, and a minimal MCP client over plain JSON."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.http.conftest import INITIALIZE, TOKEN, free_port, wait_healthy

OTHER_TOKEN = "other-token-9876543210"
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@dataclass
class Peer:
    """A running server and what a peer needs to reach it."""

    process: subprocess.Popen[str]
    port: int
    storage: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def post(self, body: object, token: str | None = TOKEN, **headers: str) -> httpx.Response:
        sent = {**MCP_HEADERS, **headers}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx.post(f"{self.url}/mcp", content=content, headers=sent, timeout=30)

    def open_session(self, token: str = TOKEN) -> str:
        response = self.post(INITIALIZE, token)
        assert response.status_code == 200, response.text
        session = response.headers["mcp-session-id"]
        initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        self.post(initialized, token, **{"Mcp-Session-Id": session})
        return session

    def call_tool(self, name: str, arguments: dict[str, Any], token: str = TOKEN) -> Any:
        """The tool's result (`isError`, `content`, ...) in a fresh session."""
        session = self.open_session(token)
        call = {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": name, "arguments": arguments},
        }
        response = self.post(call, token, **{"Mcp-Session-Id": session})
        assert response.status_code == 200, response.text
        return response.json()["result"]

    def stderr(self) -> str:
        self.stop()
        return self.process.stderr.read() if self.process.stderr else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


def error_text(result: Any) -> str:
    assert result["isError"] is True, result
    return str(result["content"][0]["text"])


Start = Callable[..., Peer]


@contextlib.contextmanager
def serving(tmp_path: Path, home: Path) -> Iterator[Start]:
    """Starts `flowcheck serve --transport http` with two tokens and the given variables;
    stops every server it started on exit."""
    started: list[Peer] = []

    def start(**env: str) -> Peer:
        port = free_port()
        storage = tmp_path / "storage"
        process = subprocess.Popen(
            [sys.executable, "-m", "flowcheck.cli", "serve"],
            env={
                "HOME": str(home),
                "PATH": os.environ["PATH"],
                "FLOWCHECK_TRANSPORT": "http",
                "FLOWCHECK_SERVER_PORT": str(port),
                "FLOWCHECK_AUTH_TOKEN": f"{TOKEN},{OTHER_TOKEN}",
                "FLOWCHECK_ALLOWED_ROOTS": str(tmp_path),
                "FLOWCHECK_STORAGE_PATH": str(storage),
                **env,
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        peer = Peer(process, port, storage)
        started.append(peer)
        wait_healthy(peer.url, process)
        return peer

    try:
        yield start
    finally:
        for peer in started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                peer.stop()
            if peer.process.poll() is None:
                peer.process.kill()


@contextlib.contextmanager
def raw_connection(peer: Peer, timeout: float = 10) -> Iterator[socket.socket]:
    with socket.create_connection(("127.0.0.1", peer.port), timeout=timeout) as sock:
        yield sock


def read_response(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection or goes quiet."""
    received = b""
    with contextlib.suppress(TimeoutError, ConnectionResetError):
        while chunk := sock.recv(65536):
            received += chunk
            if b"\r\n\r\n" in received and _complete(received):
                break
    return received


def _complete(response: bytes) -> bool:
    head, _, body = response.partition(b"\r\n\r\n")
    if b"\r\ntransfer-encoding: chunked" in head.lower():
        return body.endswith(b"0\r\n\r\n")
    for line in head.lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def closed_by_server(sock: socket.socket) -> bool:
    """True once the server has closed its side (recv returns EOF or the socket resets)."""
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


def request_head(peer: Peer, *, token: str | None = TOKEN, **headers: str) -> bytes:
    lines = ["POST /mcp HTTP/1.1", f"Host: 127.0.0.1:{peer.port}"]
    lines += [f"{name}: {value}" for name, value in {**MCP_HEADERS, **headers}.items()]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def healthz_latency(peer: Peer) -> float:
    """Seconds from connecting to a complete 200 answer (raw: no client set-up is timed)."""
    started = time.monotonic()
    with raw_connection(peer) as sock:
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{peer.port}\r\n\r\n".encode())
        assert status_of(read_response(sock)) == 200
    return time.monotonic() - started


def release_fifo(fifo: Path) -> None:
    """Let every git blocked on opening `fifo` read an empty file and go on."""
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def processes_running_in(directory: Path) -> list[str]:
    """Command lines of the processes that name `directory` in their arguments."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            arguments = cmdline.read_bytes().split(b"\0")
            if os.fsencode(directory) in arguments:
                found.append(b" ".join(arguments).decode(errors="replace"))
    return found
