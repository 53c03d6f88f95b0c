"""Hostile MCP clients against a real HTTP server: malformed JSON-RPC, session forgery and
session flooding."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import httpx
import pytest

from tests.adversarial.network_support import (
    INITIALIZE,
    MCP_HEADERS,
    OTHER_TOKEN,
    Peer,
    Start,
    healthz_latency,
)
from tests.http.conftest import TOKEN

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
