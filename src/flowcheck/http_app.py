"""The HTTP face of the server: /mcp (streamable MCP), /healthz, /readyz, and the limits on
what a client can make it hold (auth before the body, read deadlines, body size, sessions)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from flowcheck import __version__, mcp_compat, telemetry
from flowcheck.errors import FlowcheckError
from flowcheck.http_limits import BodyLimit
from flowcheck.http_sessions import BearerGate, SessionGuard
from flowcheck.server import build_server
from flowcheck.settings import Settings
from flowcheck.storage import check_index, check_writable

PROBES = ("/healthz", "/readyz")


async def healthz(request: Request) -> JSONResponse:
    """Liveness: no auth, no I/O."""
    return JSONResponse({"status": "ok", "version": __version__})


def readiness_problems(settings: Settings) -> list[str]:
    """What would stop a tool call from working; checks only, never creates a file."""
    problems = []
    checks: list[Callable[[], None]] = [
        partial(check_writable, settings.storage_path, "FLOWCHECK_STORAGE_PATH"),
        partial(check_index, settings.effective_index_path),
        partial(check_writable, settings.effective_audit_log_path, "FLOWCHECK_AUDIT_LOG_PATH"),
    ]
    for check in checks:
        try:
            check()
        except FlowcheckError as exc:
            problems.append(str(exc))
    return problems


def build_app(settings: Settings) -> Starlette:
    """A fresh ASGI app (the SDK's session manager runs once per instance)."""
    server = build_server(settings, http=True)
    mcp_app, run_sessions = mcp_compat.streamable_http_app(server)
    sessions = SessionGuard(
        mcp_app, settings.max_sessions_per_token, settings.http_session_idle_timeout
    )

    async def readyz(request: Request) -> JSONResponse:
        # Off the event loop: a hung mount must not stall the other requests.
        problems = await anyio.to_thread.run_sync(readiness_problems, settings)
        return JSONResponse(
            {"status": "not ready" if problems else "ready", "problems": problems},
            status_code=503 if problems else 200,
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with run_sessions(), anyio.create_task_group() as background:
            background.start_soon(sessions.expire_idle_sessions)
            yield
            background.cancel_scope.cancel()
        telemetry.flush()

    app = Starlette(
        routes=[Route("/healthz", healthz), Route("/readyz", readyz), Mount("/", app=sessions)],
        lifespan=lifespan,
    )
    app.add_middleware(
        BodyLimit, limit=settings.max_request_bytes, timeout=settings.request_read_timeout
    )
    tokens = [token.get_secret_value() for token in settings.auth_token]
    verify = mcp_compat.StaticTokenVerifier(tokens).principal if tokens else None
    # Added last, so it runs first: no body is read for a request without a valid token.
    app.add_middleware(BearerGate, verify=verify, open_paths=PROBES)
    return app
