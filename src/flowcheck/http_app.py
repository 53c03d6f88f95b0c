"""The HTTP face of the server: /mcp (streamable MCP), /healthz, /readyz, and a body limit."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from flowcheck import __version__, mcp_compat, telemetry
from flowcheck.errors import FlowcheckError
from flowcheck.server import build_server
from flowcheck.settings import Settings
from flowcheck.storage import check_index, ensure_storage

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Message, Receive, Send], Awaitable[None]]


async def healthz(request: Request) -> JSONResponse:
    """Liveness: no auth, no I/O."""
    return JSONResponse({"status": "ok", "version": __version__})


def readiness_problems(settings: Settings) -> list[str]:
    problems = []
    for check, target in (
        (ensure_storage, settings.storage_path),
        (check_index, settings.effective_index_path),
    ):
        try:
            check(target)
        except FlowcheckError as exc:
            problems.append(str(exc))
            break  # the index lives in storage: a storage failure says it all
    return problems


class BodyLimit:
    """Answers 413 to a request body larger than the limit, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._reject(send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                await self._reject(send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _reject(self, send: Send) -> None:
        payload = json.dumps(
            {
                "error": "request_too_large",
                "limit_bytes": self.limit,
                "fix": "send a smaller request or raise FLOWCHECK_MAX_REQUEST_BYTES",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def build_app(settings: Settings) -> Starlette:
    """A fresh ASGI app (the SDK's session manager runs once per instance)."""
    server = build_server(settings, http=True)
    mcp_app, run_sessions = mcp_compat.streamable_http_app(server)

    async def readyz(request: Request) -> JSONResponse:
        problems = readiness_problems(settings)
        return JSONResponse(
            {"status": "not ready" if problems else "ready", "problems": problems},
            status_code=503 if problems else 200,
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with run_sessions():
            yield
        telemetry.flush()

    app = Starlette(
        routes=[Route("/healthz", healthz), Route("/readyz", readyz), Mount("/", app=mcp_app)],
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)
    return app
