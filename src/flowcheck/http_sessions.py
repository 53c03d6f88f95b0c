"""Who may use /mcp, and how much of it: the bearer check before any body is read, and MCP
sessions capped per token, bound to the token that opened them and closed when idle.

The SDK's own session limits differ between 1.x releases (none in 1.23; in 1.30 one global cap
of 10,000 and 30 idle minutes, so one token holder could lock everyone out), so FlowCheck
enforces its own in front of it, through the protocol alone: a session is learnt from the
`Mcp-Session-Id` the SDK answers with and ended with the DELETE a client would send.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field

import anyio

from flowcheck.http_limits import CLOSE, ASGIApp, Message, Receive, Send, json_response

log = logging.getLogger(__name__)

PRINCIPAL = "flowcheck.principal"  # scope key: which token authenticated the request
ANONYMOUS = "anonymous"  # every client, when no token is configured
SESSION_HEADER = b"mcp-session-id"
PROBE_METHODS = ("GET", "HEAD")
Verify = Callable[[str], Awaitable[str | None]]
# The SDK's own 401, so a client sees one answer whichever layer refused it.
_UNAUTHENTICATED = {"error": "invalid_token", "error_description": "Authentication required"}
_PROBE_METHOD = {"error": "method_not_allowed", "fix": "probe with GET or HEAD"}
_CHALLENGE = (
    b"www-authenticate",
    b'Bearer error="invalid_token", error_description="Authentication required"',
)


class BearerGate:
    """Answers 401 to a request without a valid bearer token before anything reads its body,
    except on `open_paths` (health probes), which answer GET and HEAD only: any other method
    gets 405 before its body is read, so no one buffers bodies there without a token. The SDK
    checks the token again behind it."""

    def __init__(self, app: ASGIApp, verify: Verify | None, open_paths: Collection[str]) -> None:
        self.app, self.verify, self.open_paths = app, verify, open_paths

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in self.open_paths:
            await self._probe(scope, receive, send)
            return
        principal: str | None = ANONYMOUS
        if self.verify is not None:
            principal = await self.verify(_bearer(scope))
        if principal is None:
            await json_response(send, 401, _UNAUTHENTICATED, [_CHALLENGE, *CLOSE])
            return
        scope[PRINCIPAL] = principal
        await self.app(scope, receive, send)

    async def _probe(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["method"] in PROBE_METHODS:
            await self.app(scope, receive, send)
            return
        allow = (b"allow", ", ".join(PROBE_METHODS).encode())
        await json_response(send, 405, _PROBE_METHOD, [allow, *CLOSE])


def first_header(scope: Message, name: bytes) -> bytes | None:
    """The first value of header `name`, the one the SDK (Starlette) reads: a check of any
    other copy could be smuggled past with a second header."""
    return next((value for key, value in scope["headers"] if key == name), None)


def _bearer(scope: Message) -> str:
    """The token of an `Authorization: Bearer <token>` header (scheme in any case), else ""."""
    header = (first_header(scope, b"authorization") or b"").decode("latin-1")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@dataclass
class _Session:
    principal: str
    opened_by: Message  # the opening request's scope, to address the closing DELETE like it
    last_used: float = field(default_factory=time.monotonic)
    in_flight: int = 0


class SessionGuard:
    """In front of the SDK's /mcp app: at most `per_principal` open sessions per token, a
    session id answers only to the token that opened it, and a session with no request (an
    open GET stream is none) for `idle_seconds` is closed."""

    def __init__(self, app: ASGIApp, per_principal: int, idle_seconds: float) -> None:
        self.app, self.per_principal, self.idle_seconds = app, per_principal, idle_seconds
        self._sessions: dict[str, _Session] = {}
        self._opening: Counter[str] = Counter()

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        principal = scope.get(PRINCIPAL, ANONYMOUS)
        session_id = first_header(scope, SESSION_HEADER)
        if session_id is None:
            await self._open(principal, scope, receive, send)
            return
        session = self._sessions.get(session_id.decode("latin-1"))
        if session is None or session.principal != principal:
            # Exactly the SDK's answer to an unknown id: nothing tells a forger it exists.
            await _json_rpc_error(send, 404, "Session not found")
            return
        await self._use(session_id.decode("latin-1"), session, scope, receive, send)

    def _open_count(self, principal: str) -> int:
        return sum(1 for session in self._sessions.values() if session.principal == principal)

    async def _open(self, principal: str, scope: Message, receive: Receive, send: Send) -> None:
        if self._open_count(principal) + self._opening[principal] >= self.per_principal:
            log.warning("Refusing a new MCP session: the token holds %d", self.per_principal)
            await _json_rpc_error(
                send,
                429,
                f"Too many open sessions for this token ({self.per_principal}): end one with "
                f"DELETE /mcp, let one stay idle for {self.idle_seconds:g} s, or ask the "
                "operator to raise FLOWCHECK_MAX_SESSIONS_PER_TOKEN",
            )
            return
        self._opening[principal] += 1

        async def learn_session(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                opened = dict(message.get("headers", [])).get(SESSION_HEADER)
                if opened is not None:
                    self._sessions[opened.decode("latin-1")] = _Session(principal, scope)
            await send(message)

        try:
            await self.app(scope, receive, learn_session)
        finally:
            self._opening[principal] -= 1

    async def _use(
        self, session_id: str, session: _Session, scope: Message, receive: Receive, send: Send
    ) -> None:
        ended = scope["method"] == "DELETE"

        async def watch(message: Message) -> None:
            nonlocal ended
            if message["type"] == "http.response.start":
                # 404: the SDK no longer knows it (it ended on its own).
                ended = message["status"] == 404 or (ended and message["status"] < 400)
            await send(message)

        try:
            if scope["method"] == "GET":
                await self._stream(scope, receive, watch)
            else:
                await self._request(session, scope, receive, watch)
        finally:
            if ended:
                self._sessions.pop(session_id, None)

    async def _stream(self, scope: Message, receive: Receive, send: Send) -> None:
        """A GET stream is no use of the session: it neither keeps the session from expiring
        nor outlives an idle period (the client reconnects), so an idle session ends."""
        unfinished = False

        async def track(message: Message) -> None:
            nonlocal unfinished
            if message["type"] == "http.response.start":
                unfinished = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                unfinished = False
            await send(message)

        with anyio.move_on_after(self.idle_seconds):
            await self.app(scope, receive, track)
        if unfinished:  # end the cut stream properly, not as a broken response
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _request(
        self, session: _Session, scope: Message, receive: Receive, send: Send
    ) -> None:
        """A request in the session: the idle clock restarts when it ends."""
        session.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            session.in_flight -= 1
            session.last_used = time.monotonic()

    async def expire_idle_sessions(self) -> None:
        """Runs for the server's lifetime: closes sessions idle longer than `idle_seconds`."""
        while True:
            await anyio.sleep(min(self.idle_seconds / 4, 30))
            now = time.monotonic()
            for session_id, session in list(self._sessions.items()):
                if session.in_flight == 0 and now - session.last_used > self.idle_seconds:
                    del self._sessions[session_id]
                    log.info("Closing MCP session idle for %d s", self.idle_seconds)
                    await self._close(session_id, session)

    async def _close(self, session_id: str, session: _Session) -> None:
        """Ends the SDK's session the way its client would: DELETE with the opening headers."""
        headers = [
            (name, value) for name, value in session.opened_by["headers"] if name != SESSION_HEADER
        ]
        scope = {
            **session.opened_by,
            "method": "DELETE",
            "headers": [*headers, (SESSION_HEADER, session_id.encode())],
        }
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await anyio.sleep_forever()
            raise AssertionError("unreachable")

        async def discard(message: Message) -> None:
            pass

        # Bounded and contained: a session that fails to close must neither stall the others'
        # expiry nor end the expiry loop (and the server with it).
        with anyio.move_on_after(10):
            try:
                await self.app(scope, receive, discard)
            except Exception:
                log.exception("Closing an idle MCP session failed")


async def _json_rpc_error(send: Send, status: int, message: str) -> None:
    error = {"jsonrpc": "2.0", "id": "server-error", "error": {"code": -32600, "message": message}}
    await json_response(send, status, error)
