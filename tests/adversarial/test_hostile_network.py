"""Hostile network peers against a real `flowcheck serve --transport http` on 127.0.0.1.

Raw sockets are used wherever a client library would refuse to send the attack (no Host, a
body that never ends, headers a byte at a time)."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.adversarial.network_support import (
    INITIALIZE,
    MCP_HEADERS,
    OTHER_TOKEN,
    Peer,
    closed_by_server,
    error_text,
    healthz_latency,
    processes_running_in,
    raw_connection,
    read_response,
    release_fifo,
    request_head,
    serving,
    status_of,
)
from tests.conftest import git
from tests.http.conftest import TOKEN, read_only_directory

Start = Callable[..., Peer]


@pytest.fixture
def peer_server(tmp_path: Path, isolated_environment: Path) -> Iterator[Start]:
    with serving(tmp_path, isolated_environment) as start:
        yield start


# Host and Origin: DNS rebinding


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:8000", "localhost.evil.example", "127.0.0.1.nip.io:80", ""],
)
def test_a_forged_host_header_is_refused_with_421(peer_server: Start, host: str) -> None:
    """Host header forgery: a Host outside FLOWCHECK_ALLOWED_HOSTS gets 421, even with a valid
    token."""
    response = peer_server().post(INITIALIZE, Host=host)
    assert response.status_code == 421


def test_a_rebound_dns_name_pointing_at_loopback_is_refused(peer_server: Start) -> None:
    """DNS rebinding: on a loopback server without a token, a browser page whose name now
    resolves to 127.0.0.1 (sending its own name as Host, with the right port, and its own
    Origin) gets 421 and opens no session."""
    peer = peer_server(FLOWCHECK_AUTH_TOKEN="")
    response = peer.post(
        INITIALIZE,
        token=None,
        Host=f"attacker.example:{peer.port}",
        Origin=f"http://attacker.example:{peer.port}",
    )
    assert response.status_code == 421
    assert "mcp-session-id" not in response.headers


def test_a_host_without_port_matches_name_star(peer_server: Start) -> None:
    """Host header forgery: 'name:*' accepts the bare name (default port), as documented, and
    nothing that merely starts with the name."""
    peer = peer_server(FLOWCHECK_ALLOWED_HOSTS="flowcheck:*")
    assert peer.post(INITIALIZE, Host="flowcheck").status_code == 200
    assert peer.post(INITIALIZE, Host="flowcheck:8000").status_code == 200
    assert peer.post(INITIALIZE, Host="flowcheck.evil.example").status_code == 421
    assert peer.post(INITIALIZE, Host="flowcheckevil:80").status_code == 421


def test_a_request_without_any_host_header_is_refused(peer_server: Start) -> None:
    """Host header forgery: an HTTP/1.0 request with no Host at all is not let through."""
    peer = peer_server()
    body = json.dumps(INITIALIZE).encode()
    head = (
        "POST /mcp HTTP/1.0\r\nContent-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with raw_connection(peer) as sock:
        sock.sendall(head + body)
        assert status_of(read_response(sock)) == 421


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "http://localhost.evil.example:80", "file://"]
)
def test_a_foreign_origin_is_refused_with_403(peer_server: Start, origin: str) -> None:
    """Origin forgery: a browser Origin outside FLOWCHECK_ALLOWED_ORIGINS gets 403."""
    assert peer_server().post(INITIALIZE, Origin=origin).status_code == 403


# Bearer token


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer ",
        "Bearer wrong-token",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        f"Basic {TOKEN}",
        f"Token {TOKEN}",
        f"bearer {TOKEN[:-1]}",
        TOKEN,
    ],
)
def test_a_missing_empty_or_wrong_bearer_token_is_401(
    peer_server: Start, authorization: str | None
) -> None:
    """Bearer forgery: no token, an empty one, a near miss, another scheme or a bare token
    gets 401 with a WWW-Authenticate challenge (sent raw: "Bearer " is no valid header to
    httpx)."""
    peer = peer_server()
    body = json.dumps(INITIALIZE).encode()
    headers = {"Content-Length": str(len(body))}
    if authorization is not None:
        headers["Authorization"] = authorization  # raw: httpx refuses "Bearer "
    with raw_connection(peer) as sock:
        sock.sendall(request_head(peer, token=None, **headers) + body)
        response = read_response(sock)
    assert status_of(response) == 401
    assert b'\r\nwww-authenticate: Bearer error="invalid_token"' in response


def test_the_bearer_scheme_is_case_insensitive_but_the_token_is_not(peer_server: Start) -> None:
    """Bearer forgery: 'bearer' in lower case is the same scheme (RFC 9110), so it neither
    locks out a client nor lets a token differing in case through."""
    peer = peer_server()
    assert peer.post(INITIALIZE, token=None, Authorization=f"bearer {TOKEN}").status_code == 200
    upper = f"Bearer {TOKEN.upper()}"
    assert peer.post(INITIALIZE, token=None, Authorization=upper).status_code == 401


@pytest.mark.parametrize("parameter", ["access_token", "token", "auth_token", "authorization"])
def test_a_token_in_the_query_string_is_ignored(peer_server: Start, parameter: str) -> None:
    """Bearer forgery: a token in the URL (which proxies log) is never accepted."""
    peer = peer_server()
    response = httpx.post(
        f"{peer.url}/mcp?{parameter}={TOKEN}",
        json=INITIALIZE,
        headers={"Accept": "application/json, text/event-stream"},
    )
    assert response.status_code == 401


def test_an_unauthenticated_declared_body_is_never_read(peer_server: Start) -> None:
    """Body limit before auth: a request without a token that declares a 4 MiB body gets 401
    at once, before a byte of the body is sent (nothing is buffered for it)."""
    peer = peer_server()
    with raw_connection(peer, timeout=5) as sock:
        sock.sendall(request_head(peer, token=None, **{"Content-Length": str(4 * 1024 * 1024)}))
        started = time.monotonic()
        response = read_response(sock)
    assert status_of(response) == 401
    assert time.monotonic() - started < 2


def test_an_unauthenticated_chunked_body_is_never_read(peer_server: Start) -> None:
    """Body limit before auth: a chunked body without a token gets 401 after its first chunk,
    without waiting for (or buffering) the rest."""
    peer = peer_server()
    with raw_connection(peer, timeout=5) as sock:
        sock.sendall(request_head(peer, token="wrong", **{"Transfer-Encoding": "chunked"}))
        sock.sendall(b"10000\r\n" + b"x" * 0x10000 + b"\r\n")
        assert status_of(read_response(sock)) == 401


def test_a_declared_oversized_body_is_413_before_it_is_sent(peer_server: Start) -> None:
    """Body limit: an authenticated request declaring more than FLOWCHECK_MAX_REQUEST_BYTES
    gets 413 from its headers alone."""
    peer = peer_server(FLOWCHECK_MAX_REQUEST_BYTES="4096")
    with raw_connection(peer, timeout=5) as sock:
        sock.sendall(request_head(peer, **{"Content-Length": "4097"}))
        response = read_response(sock)
    assert status_of(response) == 413
    assert json.loads(response.partition(b"\r\n\r\n")[2])["limit_bytes"] == 4096


def test_a_streamed_chunked_body_over_the_limit_is_413(peer_server: Start) -> None:
    """Body limit: a chunked body (no Content-Length) that grows past the limit gets 413 and
    is not read further."""
    peer = peer_server(FLOWCHECK_MAX_REQUEST_BYTES="4096")
    with raw_connection(peer, timeout=5) as sock:
        sock.sendall(request_head(peer, **{"Transfer-Encoding": "chunked"}))
        for _ in range(3):
            sock.sendall(b"800\r\n" + b" " * 0x800 + b"\r\n")
        assert status_of(read_response(sock)) == 413


# Slow clients (slowloris) and floods


def test_headers_sent_a_byte_at_a_time_are_cut_off(peer_server: Start) -> None:
    """Slowloris, slow headers: a client trickling its request headers gets 408 and a closed
    connection after FLOWCHECK_REQUEST_READ_TIMEOUT, although every byte resets no timer."""
    peer = peer_server(FLOWCHECK_REQUEST_READ_TIMEOUT="1")
    with raw_connection(peer, timeout=0.3) as sock:
        started = time.monotonic()
        received = b""
        for byte in request_head(peer)[:60]:
            try:
                sock.sendall(bytes([byte]))
                received += sock.recv(1024)
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
            if received:
                break
    assert received.startswith(b"HTTP/1.1 408 ")
    assert time.monotonic() - started < 5


def test_a_silent_connection_is_closed(peer_server: Start) -> None:
    """Slowloris, idle sockets: a connection that never sends a request is closed after the
    read timeout instead of holding a connection slot forever."""
    peer = peer_server(FLOWCHECK_REQUEST_READ_TIMEOUT="1")
    with raw_connection(peer, timeout=4) as sock:
        assert closed_by_server(sock)


def test_a_body_trickled_slowly_gets_408_and_the_connection_closed(peer_server: Start) -> None:
    """Slowloris, slow body: an authenticated client sending its declared body a few bytes at
    a time gets 408 and a closed connection once the read timeout passes."""
    peer = peer_server(FLOWCHECK_REQUEST_READ_TIMEOUT="1")
    with raw_connection(peer, timeout=0.2) as sock:
        sock.sendall(request_head(peer, **{"Content-Length": "1000"}))
        started = time.monotonic()
        received = b""
        while not received and time.monotonic() - started < 6:
            try:
                sock.sendall(b"{")
                received += sock.recv(4096)
            except TimeoutError:
                continue
        sock.settimeout(3)
        assert status_of(received) == 408
        assert closed_by_server(sock)
    assert time.monotonic() - started < 4


def test_oversized_headers_are_refused(peer_server: Start) -> None:
    """Header flood: request headers beyond 16 KiB are refused instead of buffered."""
    peer = peer_server()
    with raw_connection(peer) as sock:
        sock.sendall(request_head(peer, **{"X-Padding": "a" * 32 * 1024}))
        assert status_of(read_response(sock)) == 400


def test_a_connection_flood_beyond_the_limit_gets_503_and_passes(peer_server: Start) -> None:
    """Connection flood: beyond FLOWCHECK_MAX_CONNECTIONS a request gets 503 instead of
    queueing, and the server serves again as soon as the flood is cut off."""
    peer = peer_server(FLOWCHECK_MAX_CONNECTIONS="4", FLOWCHECK_REQUEST_READ_TIMEOUT="2")
    flood = [socket.create_connection(("127.0.0.1", peer.port)) for _ in range(4)]
    try:
        time.sleep(0.2)
        assert httpx.get(f"{peer.url}/healthz").status_code == 503
    finally:
        for sock in flood:
            sock.close()
    time.sleep(0.5)
    assert httpx.get(f"{peer.url}/healthz").status_code == 200


# Malformed JSON-RPC


def assert_no_session_opened(peer: Peer, response: httpx.Response) -> None:
    """The SDK names a session id even on a refusal; it must not be usable."""
    session = response.headers.get("mcp-session-id")
    if session is not None:
        ping = {"jsonrpc": "2.0", "id": 5, "method": "ping"}
        assert peer.post(ping, **{"Mcp-Session-Id": session}).status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"not json at all", 400, -32700),
        (b'{"jsonrpc": "2.0", "id": 1, "method": ', 400, -32700),
        (b"\xff\xfe\x00garbage", 400, -32700),
        (json.dumps({**INITIALIZE, "jsonrpc": "1.0"}).encode(), 400, -32602),
        (json.dumps({"jsonrpc": "2.0", "id": 1}).encode(), 400, -32602),
        (json.dumps("a string").encode(), 400, -32602),
    ],
)
def test_malformed_json_rpc_gets_a_json_rpc_error(
    peer_server: Start, body: bytes, status: int, code: int
) -> None:
    """Malformed JSON-RPC: non-JSON, truncated JSON, a wrong jsonrpc version or no method gets
    a JSON-RPC error and opens no session."""
    peer = peer_server()
    response = peer.post(body)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert_no_session_opened(peer, response)


def test_a_batch_array_is_refused(peer_server: Start) -> None:
    """Malformed JSON-RPC: a batch (removed from MCP in 2025-06-18) of a hundred initialize
    requests opens no session."""
    peer = peer_server()
    response = peer.post([INITIALIZE] * 100)
    assert response.status_code == 400
    assert_no_session_opened(peer, response)


def test_deeply_nested_json_is_refused_and_the_server_lives(peer_server: Start) -> None:
    """Malformed JSON-RPC: 100,000 nested arrays (a recursion bomb for the JSON parser) get a
    JSON-RPC error, and the server keeps serving."""
    peer = peer_server()
    response = peer.post(b"[" * 100_000 + b"]" * 100_000)
    assert (response.status_code, response.json()["error"]["code"]) == (500, -32603)
    assert peer.process.poll() is None
    assert healthz_latency(peer) < 1


@pytest.mark.parametrize("request_id", [10**400, -(10**400), "x" * 100_000, 1.5e308, None])
def test_huge_or_odd_request_ids_do_not_break_the_server(
    peer_server: Start, request_id: Any
) -> None:
    """Malformed JSON-RPC: huge integer, string or float ids are answered (or refused) and
    the server keeps serving the next client."""
    peer = peer_server()
    response = peer.post({**INITIALIZE, "id": request_id})
    assert response.status_code in (200, 400)
    assert peer.post(INITIALIZE).status_code == 200


# Sessions


def test_an_unknown_session_id_is_404(peer_server: Start) -> None:
    """Session forgery: a made-up Mcp-Session-Id gets 404, like an expired one."""
    peer = peer_server()
    ping = {"jsonrpc": "2.0", "id": 5, "method": "ping"}
    response = peer.post(ping, **{"Mcp-Session-Id": "0" * 32})
    assert response.status_code == 404


def test_a_session_opened_with_one_token_is_refused_to_another(peer_server: Start) -> None:
    """Session forgery: a session id used with another valid token gets 404 (indistinguishable
    from an unknown id), and stays usable by its owner."""
    peer = peer_server()
    session = peer.open_session(TOKEN)
    ping = {"jsonrpc": "2.0", "id": 5, "method": "ping"}
    assert peer.post(ping, OTHER_TOKEN, **{"Mcp-Session-Id": session}).status_code == 404
    assert peer.post(ping, TOKEN, **{"Mcp-Session-Id": session}).status_code == 200


def test_a_second_session_header_cannot_smuggle_another_tokens_session(
    peer_server: Start,
) -> None:
    """Session forgery: with two Mcp-Session-Id headers (another token's session first, the
    caller's own last) the request is judged by the one the SDK reads and gets 404."""
    peer = peer_server()
    victims = peer.open_session(TOKEN)
    own = peer.open_session(OTHER_TOKEN)
    ping = json.dumps({"jsonrpc": "2.0", "id": 5, "method": "ping"}).encode()
    headers = [
        *{**MCP_HEADERS, "Authorization": f"Bearer {OTHER_TOKEN}"}.items(),
        ("Mcp-Session-Id", victims),
        ("Mcp-Session-Id", own),
    ]
    response = httpx.post(f"{peer.url}/mcp", content=ping, headers=headers)
    assert response.status_code == 404


def test_one_token_cannot_flood_sessions_and_lock_out_another(peer_server: Start) -> None:
    """Session flooding: one token holder gets 429 beyond FLOWCHECK_MAX_SESSIONS_PER_TOKEN,
    while another token still opens sessions."""
    peer = peer_server(FLOWCHECK_MAX_SESSIONS_PER_TOKEN="3")
    statuses = [peer.post(INITIALIZE, TOKEN).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert peer.post(INITIALIZE, OTHER_TOKEN).status_code == 200


def test_concurrent_session_openings_cannot_overshoot_the_cap(peer_server: Start) -> None:
    """Session flooding: twenty initialize requests at once from one token open at most
    FLOWCHECK_MAX_SESSIONS_PER_TOKEN sessions."""
    peer = peer_server(FLOWCHECK_MAX_SESSIONS_PER_TOKEN="3")
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda: statuses.append(peer.post(INITIALIZE).status_code))
        for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 3 + [429] * 17


def test_an_idle_session_expires_and_frees_its_slot(peer_server: Start) -> None:
    """Session flooding: a session with no request for FLOWCHECK_HTTP_SESSION_IDLE_TIMEOUT is
    closed (its id answers 404), so abandoned sessions do not hold the cap."""
    peer = peer_server(
        FLOWCHECK_MAX_SESSIONS_PER_TOKEN="1", FLOWCHECK_HTTP_SESSION_IDLE_TIMEOUT="2"
    )
    session = peer.open_session()
    assert peer.post(INITIALIZE).status_code == 429
    time.sleep(3.5)
    ping = {"jsonrpc": "2.0", "id": 5, "method": "ping"}
    assert peer.post(ping, **{"Mcp-Session-Id": session}).status_code == 404
    assert peer.post(INITIALIZE).status_code == 200


def test_a_deleted_session_frees_its_slot(peer_server: Start) -> None:
    """Session flooding: a client that ends its session with DELETE gets its slot back."""
    peer = peer_server(FLOWCHECK_MAX_SESSIONS_PER_TOKEN="1")
    session = peer.open_session()
    headers = {"Authorization": f"Bearer {TOKEN}", "Mcp-Session-Id": session}
    assert httpx.delete(f"{peer.url}/mcp", headers=headers).status_code == 200
    assert peer.post(INITIALIZE).status_code == 200


# A repository that blocks git: the server must keep serving


@pytest.fixture
def fifo_repo(make_repo: Callable[..., Path], tmp_path: Path) -> Any:
    """A repository whose .git/config includes a FIFO: git blocks opening it until a writer
    comes, which in an attack is never."""
    repo = make_repo("fifo-repo")
    fifo = tmp_path / "config-fifo"
    os.mkfifo(fifo)
    git(repo, "config", "include.path", str(fifo))
    yield repo
    for _ in range(50):  # free every git still blocked on it
        release_fifo(fifo)
        time.sleep(0.02)


def call_in_background(peer: Peer, repo: Path) -> tuple[threading.Thread, list[Any]]:
    results: list[Any] = []

    def call() -> None:
        try:
            results.append(peer.call_tool("get_flow_state", {"repo_path": str(repo)}))
        except (httpx.HTTPError, AssertionError) as exc:  # the server went away or said 500
            results.append(exc)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread, results


def test_a_fifo_include_does_not_freeze_the_server(peer_server: Start, fifo_repo: Path) -> None:
    """Hostile repository, include.path FIFO: while one call hangs on it, /healthz answers
    within 100 ms and other clients' calls go through."""
    peer = peer_server()
    thread, _ = call_in_background(peer, fifo_repo)
    time.sleep(1.5)  # the call is now blocked in git
    assert thread.is_alive()
    latencies = sorted(healthz_latency(peer) for _ in range(10))
    # The median, not the maximum: this machine's other load may delay a single request.
    assert (latencies[5] < 0.1, latencies[-1] < 1) == (True, True), latencies
    sanitized = peer.call_tool("sanitize_content", {"content": "plain"})
    assert sanitized["isError"] is False


def test_a_call_stuck_past_its_deadline_fails_with_a_clear_error(
    peer_server: Start, fifo_repo: Path
) -> None:
    """Hostile repository, include.path FIFO: the call fails after FLOWCHECK_TOOL_TIMEOUT
    with an error naming the deadline and the likely cause, and the audit log records it."""
    peer = peer_server(FLOWCHECK_TOOL_TIMEOUT="2")
    started = time.monotonic()
    result = peer.call_tool("get_flow_state", {"repo_path": str(fifo_repo)})
    assert time.monotonic() - started < 6
    assert error_text(result) == (
        "Error executing tool get_flow_state: the call did not finish within 2 s and was "
        "abandoned: the repository may block git (a FIFO or device named in its config or work "
        "tree, a hung mount); fix the repository, or have the operator raise "
        "FLOWCHECK_TOOL_TIMEOUT"
    )
    entries = [json.loads(line) for line in (peer.storage / "audit.log").read_text().splitlines()]
    assert entries[-1]["action"] == "tool:get_flow_state"
    assert entries[-1]["status"] == "error"


def test_sigterm_with_a_stuck_call_exits_within_10_s(peer_server: Start, fifo_repo: Path) -> None:
    """Hostile repository, include.path FIFO: SIGTERM while a call is stuck ends the process
    within 10 s (the 8 s drain, then the call is cancelled, audited and its git killed), not
    after git's timeouts."""
    peer = peer_server()
    thread, results = call_in_background(peer, fifo_repo)
    time.sleep(1.5)
    peer.process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    peer.process.wait(timeout=30)
    assert time.monotonic() - started < 10
    thread.join(timeout=5)
    assert len(results) == 1 and not isinstance(results[0], dict)  # the call did not succeed
    assert processes_running_in(fifo_repo) == []  # its git did not outlive the server
    last = json.loads((peer.storage / "audit.log").read_text().splitlines()[-1])
    assert (last["action"], last["error"]) == (
        "tool:get_flow_state",
        "cancelled (server shutting down)",
    )


# Readiness


def test_readyz_creates_no_file(peer_server: Start) -> None:
    """Unauthenticated probe: /readyz checks storage, index and audit log without creating
    anything (it used to create the search index world-readable)."""
    peer = peer_server()
    before = sorted(path.name for path in peer.storage.iterdir())
    response = httpx.get(f"{peer.url}/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ready", "problems": []})
    assert sorted(path.name for path in peer.storage.iterdir()) == before


def test_the_search_index_is_created_owner_only_by_an_authenticated_call(
    peer_server: Start, make_repo: Callable[..., Path]
) -> None:
    """Unauthenticated probe: only an authenticated tool call creates the search index, and
    with mode 0600."""
    repo = make_repo()
    peer = peer_server()
    httpx.get(f"{peer.url}/readyz")
    assert not (peer.storage / "semantic_index.db").exists()
    result = peer.call_tool("search_history", {"query": "initial", "repo_path": str(repo)})
    assert result["isError"] is False
    assert (peer.storage / "semantic_index.db").stat().st_mode & 0o777 == 0o600


def test_readyz_reports_an_unwritable_audit_log(peer_server: Start, tmp_path: Path) -> None:
    """Unauthenticated probe: /readyz is 503 when the audit log cannot be written (every tool
    call would fail), and finds out without writing an entry."""
    with read_only_directory(tmp_path / "ro") as read_only_dir:
        audit = read_only_dir / "audit.log"
        peer = peer_server(FLOWCHECK_AUDIT_LOG_PATH=str(audit))
        response = httpx.get(f"{peer.url}/readyz")
    assert response.status_code == 503
    assert response.json()["problems"] == [
        f"FLOWCHECK_AUDIT_LOG_PATH={audit} is not writable by uid {os.getuid()} (its nearest "
        f"existing parent {read_only_dir} is not): mount a volume that uid owns there, or point "
        "FLOWCHECK_AUDIT_LOG_PATH at a writable location"
    ]
    assert not audit.exists()


# Repository paths chosen by the agent


@pytest.mark.parametrize("escape", ["dotdot", "absolute", "symlinked", "root"])
def test_a_repo_path_outside_the_roots_is_refused_through_every_form(
    peer_server: Start, make_repo: Callable[..., Path], tmp_path: Path, escape: str
) -> None:
    """Hostile agent, path traversal: '../', an absolute path, a symlink inside the root that
    points out, or '/' itself never reach a repository outside FLOWCHECK_ALLOWED_ROOTS."""
    outside = make_repo("outside")
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(outside)
    repo_path = {
        "dotdot": f"{root}/../outside",
        "absolute": str(outside),
        "symlinked": str(root / "link"),
        "root": "/",
    }[escape]
    peer = peer_server(FLOWCHECK_ALLOWED_ROOTS=str(root))
    result = peer.call_tool("get_flow_state", {"repo_path": repo_path})
    assert "is outside the allowed roots" in error_text(result)
