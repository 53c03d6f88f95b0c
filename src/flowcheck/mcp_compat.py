"""The only module that imports the `mcp` SDK (1.x), so that moving to 2.x touches one file.

It builds the server, registers tools, builds the streamable-HTTP ASGI app and runs stdio.
"""

from __future__ import annotations

import hmac
import inspect
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.fastmcp import FastMCP
from mcp.server.lowlevel.server import request_ctx
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import ToolAnnotations
from starlette.applications import Starlette

from flowcheck.tools import ToolSpec

# The issuer is never contacted: with resource_server_url=None the SDK advertises no OAuth metadata.
_UNUSED_ISSUER = "https://auth.invalid"
_SCOPE = "flowcheck"


@dataclass(frozen=True)
class HttpOptions:
    tokens: Sequence[str]
    allowed_hosts: Sequence[str]
    allowed_origins: Sequence[str]
    max_request_bytes: int


class StaticTokenVerifier:
    """Accepts any of the configured bearer tokens, compared in constant time."""

    def __init__(self, tokens: Sequence[str]) -> None:
        self._tokens = [token.encode() for token in tokens]

    async def verify_token(self, token: str) -> AccessToken | None:
        offered = token.encode()
        # Compare against every token so timing does not reveal which one nearly matched.
        matches = [hmac.compare_digest(offered, known) for known in self._tokens]
        if any(matches):
            # One principal per token: the SDK (1.28+) binds a session to it, as FlowCheck does.
            principal = f"token-{matches.index(True) + 1}"
            return AccessToken(token=token, client_id=principal, scopes=[_SCOPE])
        return None

    async def principal(self, token: str) -> str | None:
        """Which configured token `token` is ("token-<n>"), or None."""
        access = await self.verify_token(token)
        return access.client_id if access is not None else None


def build_server(
    name: str, version: str, instructions: str, http: HttpOptions | None = None
) -> FastMCP:
    """A FastMCP server; with `http`, configured for streamable HTTP with auth and Host checks."""
    kwargs: dict[str, object] = {"instructions": instructions, "log_level": "WARNING"}
    if http is not None:
        # Plain JSON answers to POSTs: sse-starlette ends every SSE response as soon as the
        # process receives SIGTERM, which would cut in-flight tool calls instead of draining them.
        kwargs["json_response"] = True
        kwargs["transport_security"] = TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=with_default_ports(http.allowed_hosts),
            allowed_origins=with_default_ports(http.allowed_origins),
        )
        if "max_request_body_size" in inspect.signature(FastMCP.__init__).parameters:
            kwargs["max_request_body_size"] = http.max_request_bytes
        if http.tokens:
            kwargs["token_verifier"] = StaticTokenVerifier(http.tokens)
            kwargs["auth"] = AuthSettings(
                issuer_url=_UNUSED_ISSUER,
                resource_server_url=None,
                required_scopes=[_SCOPE],
            )
    server = FastMCP(name, **kwargs)  # type: ignore[arg-type]
    # 1.x has no version argument; serverInfo.version would otherwise report the SDK's version.
    server._mcp_server.version = version
    return server


def with_default_ports(patterns: Sequence[str]) -> list[str]:
    """The patterns, each "name:*" also as the bare "name": "any port" includes the default
    one, which clients leave out of Host and Origin (the SDK's "name:*" needs a port)."""
    bare = [pattern.removesuffix(":*") for pattern in patterns if pattern.endswith(":*")]
    return [*patterns, *(name for name in bare if name not in patterns)]


def register_tool(server: FastMCP, spec: ToolSpec) -> None:
    server.add_tool(
        spec.fn,
        annotations=ToolAnnotations(
            readOnlyHint=spec.read_only,
            destructiveHint=spec.destructive,
            idempotentHint=spec.idempotent,
            openWorldHint=spec.open_world,
        ),
        structured_output=True,
    )


def streamable_http_app(
    server: FastMCP,
) -> tuple[Starlette, Callable[[], AbstractAsyncContextManager[None]]]:
    """The SDK's `/mcp` app, and a lifespan context the host app must enter."""
    app = server.streamable_http_app()

    @asynccontextmanager
    async def run_sessions() -> AsyncIterator[None]:
        async with server.session_manager.run():
            yield

    return app, run_sessions


def current_client_key() -> str:
    """Identifies the MCP client session of the call being served (per HTTP session, or the
    one stdio peer); "none" outside a request."""
    try:
        context = request_ctx.get()
    except LookupError:
        return "none"
    request = context.request
    session_id = request.headers.get("mcp-session-id") if request is not None else None
    return f"http:{session_id}" if session_id else f"session:{id(context.session):x}"


async def run_stdio(server: FastMCP) -> None:
    await server.run_stdio_async()
