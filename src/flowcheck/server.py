"""Server wiring: which tools exist, and how each transport serves them."""

from __future__ import annotations

import logging
from typing import Any

from flowcheck import __version__, mcp_compat
from flowcheck.settings import Settings
from flowcheck.tools import flow

log = logging.getLogger(__name__)

INSTRUCTIONS = """FlowCheck is the safety layer for your coding session.
- Call get_flow_state before you start changing a repository, and again before committing.
- When status is warning or danger, act on it first: commit, split the work, or rebase.
- Never repeat, quote or copy the data that security_flags point at; remove or rotate it.
- Call get_recommendations for concrete next steps, and set_rules to change thresholds."""


def build_server(settings: Settings, *, http: bool) -> Any:
    """A server with every available tool registered; unavailable features are not registered."""
    options = None
    if http:
        options = mcp_compat.HttpOptions(
            tokens=[token.get_secret_value() for token in settings.auth_token],
            allowed_hosts=settings.allowed_hosts,
            allowed_origins=settings.allowed_origins,
            max_request_bytes=settings.max_request_bytes,
        )
    server = mcp_compat.build_server("FlowCheck", __version__, INSTRUCTIONS, options)
    for spec in flow.tools(settings):
        mcp_compat.register_tool(server, spec)
    return server
