"""Hostile network peers against the HTTP server's limits: what a client without a token, or one
local process, can make the server hold (memory, connection slots, sessions, worker threads)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import httpx
import pytest

from flowcheck.audit import AuditLog
from flowcheck.errors import DeadlineError
from flowcheck.guardian.rules import default_rules
from flowcheck.server import audited
from flowcheck.sessions import SessionRegistry
from flowcheck.settings_sources import load_settings
from flowcheck.tools import flow, guardian, off_loop
from tests.adversarial.network_support import (
    INITIALIZE,
    MCP_HEADERS,
    Peer,
    Start,
    closed_by_server,
    raw_connection,
    read_response,
    release_fifo,
)
from tests.conftest import git


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_a_probe_refuses_a_body_with_405_before_reading_it(peer_server: Start, path: str) -> None:
    """Body before auth, probe paths: a POST to /healthz or /readyz, which need no token, gets
    405 at once and a closed connection; its declared 4 MB body is never read or buffered.
    """
    peer = peer_server()
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{peer.port}\r\nContent-Length: 4000000\r\n"
    with raw_connection(peer, timeout=3) as sock:
        sock.sendall(f"{head}\r\n".encode() + b"x" * 1000)
        response = read_response(sock)
        assert response.startswith(b"HTTP/1.1 405 "), response
        assert b"\r\nallow: GET, HEAD\r\n" in response
        assert closed_by_server(sock)


def test_half_sent_headers_are_cut_off_after_5_s_whatever_the_body_timeout(
    peer_server: Start,
) -> None:
    """Slowloris, half a request header: a connection whose headers stop coming gets 408 and is
    closed after 5 s, although FLOWCHECK_REQUEST_READ_TIMEOUT (the body's) is 20 s.
    """
    peer = peer_server(FLOWCHECK_REQUEST_READ_TIMEOUT="20")
    with raw_connection(peer, timeout=10) as sock:
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{peer.port}\r\n".encode())
        started = time.monotonic()
        response = read_response(sock)
        waited = time.monotonic() - started
    assert response.startswith(b"HTTP/1.1 408 "), response
    assert 4 < waited < 7, waited


def half_headers_from(address: str, peer: Peer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", peer.port), source_address=(address, 0))
    sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{peer.port}\r\n".encode())
    return sock


def test_one_address_cannot_take_every_connection_slot(peer_server: Start) -> None:
    """Connection flood from one address: 100 half-sent requests from one peer address take at
    most FLOWCHECK_MAX_CONNECTIONS_PER_PEER (16) slots (the 17th gets 503), so an authenticated
    initialize from another address still gets 200.
    """
    peer = peer_server()  # FLOWCHECK_MAX_CONNECTIONS 100, per peer 16
    flood = [half_headers_from("127.0.0.2", peer) for _ in range(100)]
    try:
        time.sleep(0.5)
        assert peer.post(INITIALIZE).status_code == 200
        flood[16].settimeout(3)
        assert read_response(flood[16]).startswith(b"HTTP/1.1 503 ")
    finally:
        for sock in flood:
            sock.close()


def open_anonymous_session(peer: Peer) -> httpx.Response:
    return httpx.post(
        f"{peer.url}/mcp", content=json.dumps(INITIALIZE).encode(), headers=MCP_HEADERS
    )


def test_an_open_stream_does_not_keep_an_idle_session_alive(peer_server: Start) -> None:
    """Session exhaustion without a token: a session whose only activity is an open GET stream
    is closed after FLOWCHECK_HTTP_SESSION_IDLE_TIMEOUT (the stream with it), so a local process
    cannot hold the shared sessions for good.
    """
    peer = peer_server(
        FLOWCHECK_AUTH_TOKEN="",
        FLOWCHECK_HTTP_SESSION_IDLE_TIMEOUT="2",
        FLOWCHECK_MAX_SESSIONS_PER_TOKEN="1",
    )
    session = open_anonymous_session(peer).headers["mcp-session-id"]
    stream = (
        f"GET /mcp HTTP/1.1\r\nHost: 127.0.0.1:{peer.port}\r\nAccept: text/event-stream\r\n"
        f"Mcp-Session-Id: {session}\r\n\r\n"
    )
    with raw_connection(peer, timeout=8) as sock:
        sock.sendall(stream.encode())
        response = read_response(sock)  # until the stream ends, or 8 s pass without a byte
    assert response.startswith(b"HTTP/1.1 200 "), response
    assert response.endswith(b"\r\n0\r\n\r\n"), response  # ended, not cut off
    statuses = []
    for _ in range(20):
        statuses.append(open_anonymous_session(peer).status_code)
        if statuses[-1] == 200:
            break
        time.sleep(0.5)
    assert statuses[-1] == 200, statuses


async def test_a_call_starved_of_threads_is_still_recorded_at_once(
    isolated_environment: Path, tmp_path: Path
) -> None:
    """Thread starvation: while 40 blocking calls hold every worker thread, a call fails at its
    deadline and its audit entry is written at once, not after the blocked calls end.
    """
    settings = load_settings()
    (spec,) = [
        s for s in guardian.tools(settings, default_rules()) if s.fn.__name__ == "sanitize_content"
    ]
    log = tmp_path / "audit.log"
    tool = audited(spec, AuditLog(log, 1 << 20), SessionRegistry(60), "a", default_rules(), 0.5)
    release = threading.Event()
    async with anyio.create_task_group() as blocked:
        for _ in range(40):
            blocked.start_soon(off_loop, release.wait, 8)
        await anyio.sleep(0.3)
        blocked.start_soon(_set_later, release, 6)
        started = time.monotonic()
        with pytest.raises(DeadlineError):
            await tool.fn(content="plain")
        took = time.monotonic() - started
    assert took < 3, took
    (entry,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert (entry["action"], entry["status"]) == ("tool:sanitize_content", "error")


async def _set_later(event: threading.Event, seconds: float) -> None:
    await anyio.sleep(seconds)
    event.set()


@pytest.fixture
def fifo_repo(make_repo: Callable[..., Path], tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    repo = make_repo("fifo-repo")
    fifo = tmp_path / "config-fifo"
    os.mkfifo(fifo)
    git(repo, "config", "include.path", str(fifo))
    yield repo, fifo
    for _ in range(50):
        release_fifo(fifo)
        time.sleep(0.02)


async def test_a_persistent_call_past_its_deadline_runs_to_completion_and_says_so(
    isolated_environment: Path,
    tmp_path: Path,
    fifo_repo: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Unrecorded change, set_rules past its deadline: a call still running at the deadline is
    not abandoned (where it could change the rules after its audit entry said error): it runs
    to completion, returns the new rules and its audit entry says ok.
    """
    repo, fifo = fifo_repo
    monkeypatch.setenv("FLOWCHECK_ALLOWED_ROOTS", str(tmp_path))
    settings = load_settings()
    (spec,) = [s for s in flow.tools(settings, default_rules()) if s.fn.__name__ == "set_rules"]
    log = tmp_path / "audit.log"
    tool = audited(spec, AuditLog(log, 1 << 20), SessionRegistry(60), "a", default_rules(), 0.5)

    async def unblock_git_later() -> None:
        await anyio.sleep(1.5)
        for _ in range(100):  # every git reading the config include, until the call ends
            with contextlib.suppress(OSError):
                await anyio.to_thread.run_sync(release_fifo, fifo)
            await anyio.sleep(0.02)

    async with anyio.create_task_group() as helpers:
        helpers.start_soon(unblock_git_later)
        result = await tool.fn(
            rules={"max_lines_uncommitted": 77}, scope="repo", repo_path=str(repo)
        )
        helpers.cancel_scope.cancel()
    assert result.rules.max_lines_uncommitted == 77
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [entry["status"] for entry in entries] == ["started", "ok"]
