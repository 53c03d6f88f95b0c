"""Agent sessions: one per MCP client session, forgotten once timed out."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from flowcheck import sessions
from flowcheck.sessions import SessionRegistry


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    fake = SimpleNamespace(now=1000.0)
    monkeypatch.setattr(sessions, "time", SimpleNamespace(time=lambda: fake.now))
    return fake


def test_timed_out_sessions_never_looked_up_again_are_forgotten(clock: SimpleNamespace) -> None:
    """Guards a leak found with issue 8: every HTTP session that ended left its agent session
    behind for the life of the server (one token holder could open 10,000)."""
    registry = SessionRegistry(timeout_seconds=60)
    for number in range(100):
        registry.start(f"http:{number}", "agent")
    clock.now += 61
    registry.start("http:new", "agent")
    assert len(registry) == 1
    assert registry.current("http:0") is None


def test_a_session_within_its_timeout_is_kept(clock: SimpleNamespace) -> None:
    registry = SessionRegistry(timeout_seconds=60)
    kept = registry.start("http:a", "agent")
    clock.now += 59
    registry.start("http:b", "agent")
    assert (len(registry), registry.current("http:a")) == (2, kept)
