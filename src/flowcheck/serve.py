"""Running the server on a transport: stdio for local agents, streamable HTTP for containers."""

from __future__ import annotations

import logging
import sys

import anyio

from flowcheck import __version__, mcp_compat, telemetry
from flowcheck.errors import StorageError
from flowcheck.settings import Settings
from flowcheck.storage import ensure_storage

log = logging.getLogger("flowcheck.serve")

# uvicorn stops accepting on SIGTERM, then waits this long for in-flight calls before exiting.
GRACEFUL_SHUTDOWN_SECONDS = 8


def serve(settings: Settings) -> int:
    telemetry.start(settings)
    if settings.transport == "stdio":
        from flowcheck.server import build_server

        log.info("FlowCheck %s serving MCP on stdio", __version__)
        anyio.run(mcp_compat.run_stdio, build_server(settings, http=False))
        return 0
    return serve_http(settings)


def serve_http(settings: Settings) -> int:
    import uvicorn

    from flowcheck.http_app import build_app

    try:
        ensure_storage(settings.storage_path)
    except StorageError as exc:
        print(f"flowcheck: cannot start: {exc}", file=sys.stderr)
        return 2
    if not settings.auth_token:
        if settings.is_loopback:
            log.warning("No FLOWCHECK_AUTH_TOKEN: /mcp is open to every local process")
        else:
            log.warning(
                "SECURITY: serving /mcp on %s WITHOUT authentication "
                "(FLOWCHECK_ALLOW_UNAUTHENTICATED=true). Anyone who reaches this port can "
                "read the repositories under %s.",
                settings.server_host,
                ", ".join(map(str, settings.allowed_roots)),
            )
    log.info(
        "FlowCheck %s serving MCP on http://%s:%d/mcp",
        __version__,
        settings.server_host,
        settings.server_port,
    )
    uvicorn.run(
        build_app(settings),
        host=settings.server_host,
        port=settings.server_port,
        log_config=None,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        server_header=False,
    )
    return 0
