"""Running the server on a transport: stdio for local agents, streamable HTTP for containers."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
from pathlib import Path

import anyio

from flowcheck import __version__, mcp_compat, telemetry
from flowcheck.errors import ConfigError, StorageError
from flowcheck.git.runner import trusting
from flowcheck.settings import Settings
from flowcheck.storage import ensure_storage

log = logging.getLogger("flowcheck.serve")

# uvicorn stops accepting on SIGTERM, then waits this long for in-flight calls before exiting.
GRACEFUL_SHUTDOWN_SECONDS = 8
# uvicorn's exit status when the server could not start (the port is taken, say).
STARTUP_FAILURE = 3


def serve(settings: Settings) -> int:
    """Serve until the transport closes. ConfigError when the settings cannot serve (HTTP
    without roots or token); 2 when the state directory is not writable (checked on both
    transports, so a bad /data fails at start, not at the first tool call)."""
    problems = settings.serving_problems()
    if problems:
        raise ConfigError(problems)
    try:
        ensure_storage(settings.storage_path)
    except StorageError as exc:
        print(f"flowcheck: cannot start: {exc}", file=sys.stderr)
        return 2
    telemetry.start(settings)
    # Repositories under the allowed roots are trusted whoever owns them (runner.trusting).
    with trusting(settings.allowed_roots):
        if settings.transport == "stdio":
            from flowcheck.server import build_server

            log.info("FlowCheck %s serving MCP on stdio", __version__)
            anyio.run(mcp_compat.run_stdio, build_server(settings, http=False))
            return 0
        return serve_http(settings)


def serve_http(settings: Settings) -> int:
    import uvicorn

    from flowcheck.http_app import build_app
    from flowcheck.http_limits import (
        HEADER_DEADLINE_SECONDS,
        KEEP_ALIVE_SECONDS,
        MAX_HEADER_BYTES,
        header_deadline_protocol,
    )

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
    config = uvicorn.Config(
        build_app(settings),
        host=settings.server_host,
        port=settings.server_port,
        log_config=None,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        server_header=False,
        http=header_deadline_protocol(
            min(HEADER_DEADLINE_SECONDS, settings.request_read_timeout),
            settings.max_connections_per_peer,
        ),
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        limit_concurrency=settings.max_connections,
    )

    class DrainingServer(uvicorn.Server):
        """After the drain uvicorn cancels the calls still running; their git commands are
        ended here too (uvicorn then re-raises SIGTERM, so nothing after run() would run)."""

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            await super().shutdown(sockets)
            end_child_processes()

    server = DrainingServer(config)
    server.run()
    return 0 if server.started else STARTUP_FAILURE


def end_child_processes() -> None:
    """Kill the git commands that abandoned calls left running: one blocked on a FIFO would
    otherwise outlive the server, blocked for good. (Linux /proc; elsewhere nothing to do.)"""
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            # After the command name in parentheses: state, then the parent's pid.
            if stat.read_text().rsplit(")", 1)[1].split()[1] == me:
                os.kill(int(stat.parent.name), signal.SIGKILL)
