"""Session tools: tell FlowCheck who is calling, so the audit trail can tell agents apart."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated

from pydantic import BaseModel, Field

from flowcheck.sessions import Session, SessionRegistry
from flowcheck.tools import ToolSpec


class StartedSession(BaseModel):
    session_id: str = Field(description="16 hex characters; recorded with every later call.")
    agent_id: str = Field(description="Who is calling, as recorded in the audit trail.")
    started_at: str = Field(description="ISO 8601, UTC.")
    message: str


class SessionInfo(BaseModel):
    active: bool = Field(description="False when no session was started or it timed out.")
    session_id: str | None = None
    agent_id: str | None = None
    started_at: str | None = None
    last_activity: str | None = None
    tool_calls: int = Field(0, description="Tool calls made in this session so far.")
    duration_seconds: int = 0
    message: str


class EndedSession(BaseModel):
    session_id: str | None = None
    tool_calls: int = 0
    duration_seconds: int = 0
    message: str


def _info(session: Session) -> SessionInfo:
    return SessionInfo(
        active=True,
        session_id=session.session_id,
        agent_id=session.agent_id,
        started_at=Session.iso(session.started),
        last_activity=Session.iso(session.last_activity),
        tool_calls=session.tool_calls,
        duration_seconds=int(time.time() - session.started),
        message="Session active.",
    )


def tools(
    registry: SessionRegistry, client_key: Callable[[], str], default_agent: str
) -> list[ToolSpec]:
    async def start_session(
        agent_id: Annotated[
            str,
            Field(
                max_length=100,
                pattern=r"^[A-Za-z0-9._:@/ -]*$",
                description="Your name, e.g. claude-code (letters, digits, . _ : @ / - and "
                "spaces, at most 100); empty for the server default.",
            ),
        ] = "",
    ) -> StartedSession:
        """Start a session before other calls, so the audit trail attributes them to you.
        Starting again replaces your current session."""
        session = registry.start(client_key(), agent_id.strip() or default_agent)
        return StartedSession(
            session_id=session.session_id,
            agent_id=session.agent_id,
            started_at=Session.iso(session.started),
            message="Session started. Call get_flow_state before changing code.",
        )

    async def get_session_info() -> SessionInfo:
        """Your current session: id, agent, start, activity and tool-call count."""
        session = registry.current(client_key())
        if session is None:
            return SessionInfo(active=False, message="No active session; call start_session.")
        return _info(session)

    async def end_session() -> EndedSession:
        """End your session; later calls are recorded without a session id."""
        session = registry.end(client_key())
        if session is None:
            return EndedSession(message="No active session.")
        return EndedSession(
            session_id=session.session_id,
            tool_calls=session.tool_calls,
            duration_seconds=int(time.time() - session.started),
            message="Session ended.",
        )

    return [
        ToolSpec(start_session, read_only=False, idempotent=False),
        ToolSpec(get_session_info),
        ToolSpec(end_session, read_only=False, idempotent=False),
    ]
