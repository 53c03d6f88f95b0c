"""A hostile agent (or the repository it hands over) against a real HTTP server: a repository
that blocks git, readiness probes, and repository paths outside the roots."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.adversarial.network_support import (
    Peer,
    Start,
    error_text,
    healthz_latency,
    processes_running_in,
    release_fifo,
)
from tests.conftest import git
from tests.http.conftest import read_only_directory

# A repository that blocks git: the server must keep serving


@pytest.fixture
def fifo_repo(make_repo: Callable[..., Path], tmp_path: Path) -> Any:
    """A repository whose .git/config includes a FIFO: git blocks opening it until a writer
    comes, which in an attack is never."""
    repo = make_repo("fifo-repo")
    fifo = tmp_path / "config-fifo"
    os.mkfifo(fifo)
    git(repo, "config", "include.path", str(fifo))
    yield repo
    for _ in range(50):  # free every git still blocked on it
        release_fifo(fifo)
        time.sleep(0.02)


def call_in_background(peer: Peer, repo: Path) -> tuple[threading.Thread, list[Any]]:
    results: list[Any] = []

    def call() -> None:
        try:
            results.append(peer.call_tool("get_flow_state", {"repo_path": str(repo)}))
        except (httpx.HTTPError, AssertionError) as exc:  # the server went away or said 500
            results.append(exc)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread, results


def test_a_fifo_include_does_not_freeze_the_server(peer_server: Start, fifo_repo: Path) -> None:
    """Hostile repository, include.path FIFO: while one call hangs on it, /healthz answers
    within 100 ms and other clients' calls go through."""
    peer = peer_server()
    thread, _ = call_in_background(peer, fifo_repo)
    time.sleep(1.5)  # the call is now blocked in git
    assert thread.is_alive()
    latencies = sorted(healthz_latency(peer) for _ in range(10))
    # The median, not the maximum: this machine's other load may delay a single request.
    assert (latencies[5] < 0.1, latencies[-1] < 1) == (True, True), latencies
    sanitized = peer.call_tool("sanitize_content", {"content": "plain"})
    assert sanitized["isError"] is False


def test_a_call_stuck_past_its_deadline_fails_with_a_clear_error(
    peer_server: Start, fifo_repo: Path
) -> None:
    """Hostile repository, include.path FIFO: the call fails after FLOWCHECK_TOOL_TIMEOUT
    with an error naming the deadline and the likely cause, and the audit log records it."""
    peer = peer_server(FLOWCHECK_TOOL_TIMEOUT="2")
    started = time.monotonic()
    result = peer.call_tool("get_flow_state", {"repo_path": str(fifo_repo)})
    assert time.monotonic() - started < 6
    assert error_text(result) == (
        "Error executing tool get_flow_state: the call did not finish within 2 s and was "
        "abandoned: the repository may block git (a FIFO or device named in its config or work "
        "tree, a hung mount); fix the repository, or have the operator raise "
        "FLOWCHECK_TOOL_TIMEOUT"
    )
    entries = [json.loads(line) for line in (peer.storage / "audit.log").read_text().splitlines()]
    assert entries[-1]["action"] == "tool:get_flow_state"
    assert entries[-1]["status"] == "error"


def test_sigterm_with_a_stuck_call_exits_within_10_s(peer_server: Start, fifo_repo: Path) -> None:
    """Hostile repository, include.path FIFO: SIGTERM while a call is stuck ends the process
    within 10 s (the 8 s drain, then the call is cancelled, audited and its git killed), not
    after git's timeouts."""
    peer = peer_server()
    thread, results = call_in_background(peer, fifo_repo)
    time.sleep(1.5)
    peer.process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    peer.process.wait(timeout=30)
    assert time.monotonic() - started < 10
    thread.join(timeout=5)
    assert len(results) == 1 and not isinstance(results[0], dict)  # the call did not succeed
    assert processes_running_in(fifo_repo) == []  # its git did not outlive the server
    last = json.loads((peer.storage / "audit.log").read_text().splitlines()[-1])
    assert (last["action"], last["error"]) == (
        "tool:get_flow_state",
        "cancelled (server shutting down)",
    )


# Readiness


def test_readyz_creates_no_file(peer_server: Start) -> None:
    """Unauthenticated probe: /readyz checks storage, index and audit log without creating
    anything (it used to create the search index world-readable)."""
    peer = peer_server()
    before = sorted(path.name for path in peer.storage.iterdir())
    response = httpx.get(f"{peer.url}/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ready", "problems": []})
    assert sorted(path.name for path in peer.storage.iterdir()) == before


def test_the_search_index_is_created_owner_only_by_an_authenticated_call(
    peer_server: Start, make_repo: Callable[..., Path]
) -> None:
    """Unauthenticated probe: only an authenticated tool call creates the search index, and
    with mode 0600."""
    repo = make_repo()
    peer = peer_server()
    httpx.get(f"{peer.url}/readyz")
    assert not (peer.storage / "semantic_index.db").exists()
    result = peer.call_tool("search_history", {"query": "initial", "repo_path": str(repo)})
    assert result["isError"] is False
    assert (peer.storage / "semantic_index.db").stat().st_mode & 0o777 == 0o600


def test_readyz_reports_an_unwritable_audit_log(peer_server: Start, tmp_path: Path) -> None:
    """Unauthenticated probe: /readyz is 503 when the audit log cannot be written (every tool
    call would fail), and finds out without writing an entry."""
    with read_only_directory(tmp_path / "ro") as read_only_dir:
        audit = read_only_dir / "audit.log"
        peer = peer_server(FLOWCHECK_AUDIT_LOG_PATH=str(audit))
        response = httpx.get(f"{peer.url}/readyz")
    assert response.status_code == 503
    assert response.json()["problems"] == [
        f"FLOWCHECK_AUDIT_LOG_PATH={audit} is not writable by uid {os.getuid()} (its nearest "
        f"existing parent {read_only_dir} is not): mount a volume that uid owns there, or point "
        "FLOWCHECK_AUDIT_LOG_PATH at a writable location"
    ]
    assert not audit.exists()


# Repository paths chosen by the agent


@pytest.mark.parametrize("escape", ["dotdot", "absolute", "symlinked", "root"])
def test_a_repo_path_outside_the_roots_is_refused_through_every_form(
    peer_server: Start, make_repo: Callable[..., Path], tmp_path: Path, escape: str
) -> None:
    """Hostile agent, path traversal: '../', an absolute path, a symlink inside the root that
    points out, or '/' itself never reach a repository outside FLOWCHECK_ALLOWED_ROOTS."""
    outside = make_repo("outside")
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(outside)
    repo_path = {
        "dotdot": f"{root}/../outside",
        "absolute": str(outside),
        "symlinked": str(root / "link"),
        "root": "/",
    }[escape]
    peer = peer_server(FLOWCHECK_ALLOWED_ROOTS=str(root))
    result = peer.call_tool("get_flow_state", {"repo_path": repo_path})
    assert "is outside the allowed roots" in error_text(result)
