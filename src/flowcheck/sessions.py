"""Agent sessions, one per MCP client session: who is calling, since when, how often.

Kept in memory (like 0.4) but keyed by the MCP session, so concurrent clients of one HTTP
server never share state. A session idle longer than the timeout is gone.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass
class Session:
    session_id: str
    agent_id: str
    started: float
    last_activity: float
    tool_calls: int = 0
    metadata: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def iso(moment: float) -> str:
        return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


class SessionRegistry:
    def __init__(self, timeout_seconds: int) -> None:
        self.timeout = timeout_seconds
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """Sessions held, timed-out ones included until they are next pruned."""
        with self._lock:
            return len(self._sessions)

    def start(self, client_key: str, agent_id: str) -> Session:
        now = time.time()
        session = Session(secrets.token_hex(8), agent_id, now, now)
        with self._lock:
            # Forget timed-out sessions here too, or sessions never looked up again (their
            # HTTP session ended) would pile up for the life of the server.
            for key, old in list(self._sessions.items()):
                if now - old.last_activity > self.timeout:
                    del self._sessions[key]
            self._sessions[client_key] = session
        return session

    def current(self, client_key: str) -> Session | None:
        with self._lock:
            session = self._sessions.get(client_key)
            if session is not None and time.time() - session.last_activity > self.timeout:
                del self._sessions[client_key]
                return None
            return session

    def touch(self, client_key: str) -> Session | None:
        session = self.current(client_key)
        if session is not None:
            with self._lock:
                session.tool_calls += 1
                session.last_activity = time.time()
        return session

    def end(self, client_key: str) -> Session | None:
        with self._lock:
            return self._sessions.pop(client_key, None)
