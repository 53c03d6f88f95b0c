"""Shared tools of the hostile-settings and audit-tampering cases: the real CLI in a subprocess,
a fake HTTP peer on 127.0.0.1 that records what reaches it, and a line-based stdio MCP client."""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
FLOWCHECK = str(BIN / "flowcheck")
AWS_KEY = "AKIAZ7Q4M2W3R5T6Y3U6"
INITIALIZE_PARAMS = {
    "protocolVersion": "2025-06-18",
    "capabilities": {},
    "clientInfo": {"name": "adversary", "version": "1"},
}


def operator_env(home: Path, **extra: str) -> dict[str, str]:
    """The operator's environment: HOME, PATH with this venv's flowcheck first, git identity."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if k.startswith("GIT_") or k in ("LANG", "TZ", "PYTHONPATH")
    }
    return {
        **keep,
        "HOME": str(home),
        "PATH": f"{BIN}:{os.environ['PATH']}",
        **extra,
    }


def run_cli(
    args: list[str], cwd: Path, env: dict[str, str], stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLOWCHECK, *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class Peer:
    """A fake HTTP service: what reached it, and the JSON it answers."""

    url: str
    port: int
    answer: dict[str, Any]
    requests: list[dict[str, Any]] = field(default_factory=list)


@contextmanager
def fake_peer(answer: dict[str, Any] | None = None) -> Iterator[Peer]:
    """A 127.0.0.1 HTTP server answering every GET/POST with `answer` (JSON) and status 200."""
    peer = Peer("", 0, answer or {"status": "ok"})

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode(errors="replace") if length else ""
            peer.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            data = json.dumps(peer.answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    peer.port = server.server_address[1]
    peer.url = f"http://127.0.0.1:{peer.port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def http_server(repo: Path, env: dict[str, str], **settings: str) -> Iterator[int]:
    """`flowcheck serve` over HTTP on a free loopback port, started inside `repo`."""
    port = free_port()
    env = {
        **env,
        "FLOWCHECK_TRANSPORT": "http",
        "FLOWCHECK_SERVER_PORT": str(port),
        "FLOWCHECK_ALLOWED_ROOTS": str(repo.parent),
        **settings,
    }
    server = subprocess.Popen(
        [FLOWCHECK, "serve"],
        cwd=repo,
        env=env,
        stderr=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def stdio_session(
    cwd: Path, env: dict[str, str], calls: list[tuple[str, dict[str, Any]]], timeout: float = 60
) -> tuple[list[dict[str, Any]], str]:
    """`flowcheck serve` on stdio: initialize, then each tools/call in turn, waiting for its
    reply (stdin stays open until the last one). Returns the replies and the server's stderr."""
    with tempfile.TemporaryFile("w+") as errors:  # a file: a full stderr pipe would block it
        process = subprocess.Popen(
            [FLOWCHECK, "serve"],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            replies = _converse(process, calls, time.monotonic() + timeout)
        finally:
            process.kill()
            process.wait()
        errors.seek(0)
        return replies, errors.read()


def _converse(
    process: subprocess.Popen[str], calls: list[tuple[str, dict[str, Any]]], deadline: float
) -> list[dict[str, Any]]:
    assert process.stdin is not None and process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
    replies = [_exchange(process, lines, 0, "initialize", INITIALIZE_PARAMS, deadline)]
    _send(process, {"jsonrpc": "2.0", "method": "notifications/initialized"})
    for number, (name, arguments) in enumerate(calls, start=1):
        params = {"name": name, "arguments": arguments}
        replies.append(_exchange(process, lines, number, "tools/call", params, deadline))
    process.stdin.close()
    process.wait(timeout=max(1.0, deadline - time.monotonic()))
    return replies


def _pump(stream: Any, lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)
    lines.put("")


def _send(process: subprocess.Popen[str], message: dict[str, Any]) -> None:
    assert process.stdin is not None
    process.stdin.write(json.dumps(message) + "\n")
    process.stdin.flush()


def _exchange(
    process: subprocess.Popen[str],
    lines: queue.Queue[str],
    number: int,
    method: str,
    params: Any,
    deadline: float,
) -> dict[str, Any]:
    _send(process, {"jsonrpc": "2.0", "id": number, "method": method, "params": params})
    while True:
        line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        if not line:
            raise AssertionError(f"the server closed stdout before answering {method} #{number}")
        reply: dict[str, Any] = json.loads(line)
        if reply.get("id") == number:
            return reply


def git(
    repo: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
