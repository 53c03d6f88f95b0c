"""Limits on what one HTTP client can make the server hold: header and body read deadlines and
the body size. Without them a client trickling bytes keeps a connection (and its buffer) open
for as long as it likes, and enough such clients use up every connection slot.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Message, Receive, Send], Awaitable[None]]

# Largest request line plus headers uvicorn buffers (h11's default is 16 KiB; a bearer token
# and the MCP headers fit easily).
MAX_HEADER_BYTES = 16 * 1024
# Seconds an idle keep-alive connection stays open between requests.
KEEP_ALIVE_SECONDS = 5
# Longest wait for a request's headers, whatever the body timeout: a legitimate client sends
# them at once, and a connection waiting for them holds one of the few connection slots.
HEADER_DEADLINE_SECONDS = 5.0

# For an answer sent before the body was read: the connection is closed after it, or the
# client could keep trickling the unread body into it for as long as it liked.
CLOSE = [(b"connection", b"close")]
_REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
_TOO_MANY_BODY = b"too many connections from your address: FLOWCHECK_MAX_CONNECTIONS_PER_PEER\n"
_TOO_MANY = (
    b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-type: text/plain\r\n"
    b"content-length: %d\r\n\r\n%s" % (len(_TOO_MANY_BODY), _TOO_MANY_BODY)
)


def header_deadline_protocol(seconds: float, per_peer: int) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing a connection whose request headers take longer than
    `seconds` to arrive (uvicorn itself times out only idle keep-alive connections, and any
    byte received cancels even that), and answering 503 to a peer address that already holds
    `per_peer` connections (so one peer cannot take every slot of the global limit)."""
    open_by_peer: Counter[str] = Counter()

    class HeaderDeadlineProtocol(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None
        _peer: str | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            peer = _address(transport)
            if open_by_peer[peer] >= per_peer:
                transport.write(_TOO_MANY)
                transport.close()
                return
            self._peer = peer
            open_by_peer[peer] += 1
            self._watch_headers()

        def handle_events(self) -> None:
            super().handle_events()
            self._watch_headers()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._watch_headers()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_header_timer()
            if self._peer is not None:
                open_by_peer[self._peer] -= 1
                if not open_by_peer[self._peer]:
                    del open_by_peer[self._peer]
                self._peer = None
            super().connection_lost(exc)

        def _watch_headers(self) -> None:
            """Between requests (h11 IDLE) the clock runs; once headers are in, it stops."""
            if self.conn.their_state is not h11.IDLE:
                self._stop_header_timer()
            elif self._header_timer is None and not self.transport.is_closing():
                self._header_timer = self.loop.call_later(seconds, self._headers_too_slow)

        def _stop_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
                self.transport.write(_REQUEST_TIMEOUT)
                self.transport.close()

    return HeaderDeadlineProtocol


def _address(transport: asyncio.Transport) -> str:
    """The peer's IP address without its port ("" for a socket without one)."""
    peer = transport.get_extra_info("peername")
    return str(peer[0]) if isinstance(peer, tuple) and peer else ""


class BodyLimit:
    """Reads a request body whole before the app sees it: 413 when it is larger than `limit`
    (declared or streamed), 408 and a closed connection when it takes longer than `timeout`
    seconds to arrive."""

    def __init__(self, app: ASGIApp, limit: int, timeout: float) -> None:
        self.app, self.limit, self.timeout = app, limit, timeout

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await json_response(send, 413, self._too_large(), CLOSE)
            return
        body: bytes | None = None
        with anyio.move_on_after(self.timeout):
            body = await self._read(receive)
        if body is None:
            await json_response(send, 408, self._too_slow(), CLOSE)
            return
        if len(body) > self.limit:
            await json_response(send, 413, self._too_large(), CLOSE)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes:
        """The body, or its first bytes beyond the limit (the rest is never read)."""
        chunks: list[bytes] = []
        size, more = 0, True
        while more and size <= self.limit:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
        return b"".join(chunks)

    def _too_large(self) -> dict[str, object]:
        return {
            "error": "request_too_large",
            "limit_bytes": self.limit,
            "fix": "send a smaller request or raise FLOWCHECK_MAX_REQUEST_BYTES",
        }

    def _too_slow(self) -> dict[str, object]:
        return {
            "error": "request_timeout",
            "timeout_seconds": self.timeout,
            "fix": "send the whole body at once or raise FLOWCHECK_REQUEST_READ_TIMEOUT",
        }


async def json_response(
    send: Send, status: int, payload: object, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps(payload).encode()
    head = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(headers or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})
