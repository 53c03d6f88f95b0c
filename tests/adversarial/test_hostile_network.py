"""Hostile network peers against a real `flowcheck serve --transport http` on 127.0.0.1:
Host and Origin forgery, bearer tokens, bodies before auth, slow clients and floods.

Raw sockets are used wherever a client library would refuse to send the attack (no Host, a
body that never ends, headers a byte at a time)."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from tests.adversarial.network_support import (
    INITIALIZE,
    Start,
    closed_by_server,
    raw_connection,
    read_response,
    request_head,
    status_of,
)
from tests.http.conftest import TOKEN

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
    at once, before a byte of the body is sent, and the connection is closed (nothing is
    buffered for it, and its body cannot hold the connection open)."""
    peer = peer_server()
    with raw_connection(peer, timeout=5) as sock:
        sock.sendall(request_head(peer, token=None, **{"Content-Length": str(4 * 1024 * 1024)}))
        started = time.monotonic()
        response = read_response(sock)
        assert status_of(response) == 401
        assert time.monotonic() - started < 2
        sock.sendall(b"{" * 1000)  # the unread body cannot be trickled in afterwards
        assert closed_by_server(sock)


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
