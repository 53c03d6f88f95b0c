"""Run every FlowCheck entry point against one hostile repository and prove nothing ran.

The entry points: each MCP tool that reads a repository (called as the server calls them),
`flowcheck check`, `flowcheck scan`, `flowcheck scan --staged`, `flowcheck index`, and a real
`git commit` through the installed pre-commit and post-commit hooks.

The commit itself is plain git, which obeys the repository like any git the user runs (it
runs `core.fsmonitor`, index hooks, filters). So hostile settings point at `gate`, not at the
tripwire directly: under that one outer `git commit` the gate runs the tripwire only when a
FlowCheck process is among its callers; everywhere else it always runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import anyio

from flowcheck import hooks
from flowcheck.errors import FlowcheckError
from flowcheck.guardian.rules import default_rules
from flowcheck.settings import Settings
from flowcheck.tools import flow, guardian, history, intent
from tests.adversarial.conftest import Tripwire

FLOWCHECK = Path(sys.executable).parent / "flowcheck"
_OUTER_GIT = "HOSTILE_OUTER_GIT"
_GATE = """#!/bin/sh
# The test's own `git commit` may run repository programs; FlowCheck's processes may not.
if [ -n "${%(outer)s:-}" ]; then
    pid=$PPID
    while [ "${pid:-0}" -gt 1 ]; do
        if tr '\\0' '\\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qE '(^|/)flowcheck$'; then
            exec "%(program)s" "$@"
        fi
        pid=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null)
    done
    exec cat
fi
exec "%(program)s" "$@"
"""
# The interpreter the hooks record (`python -P -m flowcheck ARGS`), logging each call's ARGS.
_WRAPPER = """#!/bin/sh
"%(real)s" "$@"
status=$?
shift 3
echo "$* -> $status" >>"%(log)s"
exit $status
"""
# Exit codes each command documents; anything else (a crash) fails the case.
_CLI_EXITS = {"check": {0, 1, 2, 3}, "scan": {0, 2, 3}, "scan --staged": {0, 2, 3}, "index": {0, 3}}
_HOOK_WAIT_SECONDS = 60.0


def gate(tripwire: Tripwire) -> Path:
    """The program hostile settings name: runs the tripwire (see the module docstring)."""
    program = tripwire.program.parent / "gate.sh"
    if not program.exists():
        program.write_text(_GATE % {"outer": _OUTER_GIT, "program": tripwire.program})
        program.chmod(0o755)
    return program


@dataclass
class Outcomes:
    """What each entry point answered: a result type name, an error text or an exit code."""

    answers: dict[str, str] = field(default_factory=dict)

    def errors(self) -> dict[str, str]:
        return {name: text for name, text in self.answers.items() if text.startswith("error:")}


def run_every_entry_point(
    repo: Path, tripwire: Tripwire, *, roots: list[Path] | None = None, commit: bool = True
) -> Outcomes:
    """Run every entry point on `repo`; after each one assert the tripwire never ran.

    `roots` are the allowed roots (default: the repository's parent folder). A tool may
    refuse the repository with a FlowcheckError and a command may exit with a documented
    failure code; a crash (any other exception, a traceback, an undocumented exit) fails.
    """
    allowed = roots if roots is not None else [repo.parent]
    storage = repo.parent / "flowcheck-storage"
    outcomes = Outcomes()
    for name, call in _tool_calls(repo, allowed, storage):
        outcomes.answers[name] = call()
        _assert_not_run(tripwire, name)
    environment = _cli_environment(allowed, storage)
    for command in _CLI_EXITS:
        outcomes.answers[f"flowcheck {command}"] = _run_cli(repo, command, environment)
        _assert_not_run(tripwire, f"flowcheck {command}")
    if commit:
        outcomes.answers["git commit"] = _commit_through_hooks(repo, environment)
        _assert_not_run(tripwire, "git commit through the pre-commit and post-commit hooks")
    print("\n".join(f"{name}: {answer}" for name, answer in outcomes.answers.items()))
    return outcomes


def _assert_not_run(tripwire: Tripwire, entry_point: str) -> None:
    assert not tripwire.marker.exists(), (
        f"{entry_point} ran a hostile program: {tripwire.marker.read_text()!r}"
    )


def repository_tools(roots: list[Path], storage: Path) -> dict[str, Callable[..., Any]]:
    """Every MCP tool that takes a repo_path, built as the server builds them."""
    settings = Settings(
        allowed_roots=roots,
        storage_path=storage,
        github_api_url="http://127.0.0.1:9",  # the discard port: no issue is ever fetched
    )
    rules = default_rules()
    specs = [
        *flow.tools(settings, rules),
        *guardian.tools(settings, rules),
        *history.tools(settings, rules),
        *intent.tools(settings, rules),
    ]
    return {spec.fn.__name__: spec.fn for spec in specs if spec.fn.__name__ in TOOL_ARGUMENTS}


# The arguments besides repo_path each tool is called with.
TOOL_ARGUMENTS: dict[str, dict[str, Any]] = {
    "get_flow_state": {},
    "get_recommendations": {},
    "set_rules": {"rules": {"max_behind_main": 12}, "scope": "repo"},
    "scan_changes": {"scope": "all"},
    "search_history": {"query": "initial"},
    "verify_intent": {"ticket_id": "7"},
}


def answer(tool: Callable[..., Any], **arguments: Any) -> str:
    """The tool's result type name, or "error: <text>" for a FlowcheckError; any other
    exception, or a result the server could not send as JSON, propagates."""

    async def run() -> Any:
        return await tool(**arguments)

    try:
        result = anyio.run(run)
    except FlowcheckError as error:
        return f"error: {error}"
    result.model_dump_json()  # what the server sends must serialise
    return type(result).__name__


# Each tool call of run_every_entry_point: (entry point name, tool, scope or None).
_TOOL_CALLS = [
    (f"{name} {scope}" if scope else name, name, scope)
    for name in TOOL_ARGUMENTS
    for scope in (("all", "staged", "unstaged", "untracked") if name == "scan_changes" else (None,))
]
TOOL_ENTRY_POINTS = tuple(entry for entry, _, _ in _TOOL_CALLS)


def outside_the_roots(what: str, root: Path) -> str:
    """A tool's answer when `what` lies outside the single allowed root `root`."""
    return (
        f"error: {what} is outside the allowed roots ({root}); pass a repository inside one "
        "of them or extend FLOWCHECK_ALLOWED_ROOTS"
    )


def assert_refused_everywhere(outcomes: Outcomes, what: str, root: Path) -> None:
    """Every tool refused `what` as outside `root`, and so did `flowcheck check`."""
    assert outcomes.errors() == {
        entry: outside_the_roots(what, root) for entry in TOOL_ENTRY_POINTS
    }
    assert outcomes.answers["flowcheck check"] == "exit 3"


def _tool_calls(
    repo: Path, roots: list[Path], storage: Path
) -> Iterator[tuple[str, Callable[[], str]]]:
    tools = repository_tools(roots, storage)
    for entry, name, scope in _TOOL_CALLS:
        given = {**TOOL_ARGUMENTS[name], **({"scope": scope} if scope else {})}
        yield entry, partial(answer, tools[name], **given, repo_path=str(repo))


def _cli_environment(roots: list[Path], storage: Path) -> dict[str, str]:
    return {
        **os.environ,
        "FLOWCHECK_ALLOWED_ROOTS": ",".join(map(str, roots)),
        "FLOWCHECK_STORAGE_PATH": str(storage),
        "FLOWCHECK_GITHUB_API_URL": "http://127.0.0.1:9",
    }


def _run_cli(repo: Path, command: str, environment: dict[str, str]) -> str:
    done = subprocess.run(
        [str(FLOWCHECK), *command.split()],
        cwd=repo,
        env=environment,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=180,
        check=False,
    )
    assert "Traceback" not in done.stderr, f"flowcheck {command} crashed: {done.stderr}"
    assert done.returncode in _CLI_EXITS[command], (
        f"flowcheck {command} exited {done.returncode}: {done.stderr}"
    )
    return f"exit {done.returncode}"


def _commit_through_hooks(repo: Path, environment: dict[str, str]) -> str:
    """A plain `git commit` with FlowCheck's hooks installed, run by a logging interpreter;
    waits for the post-commit hook's background `flowcheck index`."""
    folder = repo.parent / "hook-bin"
    folder.mkdir(exist_ok=True)
    log = folder / "calls.log"
    log.unlink(missing_ok=True)
    wrapper = folder / "python"
    wrapper.write_text(_WRAPPER % {"real": sys.executable, "log": log})
    wrapper.chmod(0o755)
    hooks.install(repo, hooks.Launcher(str(wrapper), hooks.current_launcher().package_root))
    committed = subprocess.run(
        ["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "hostile case"],
        env={**environment, _OUTER_GIT: "1"},
        capture_output=True,
        text=True,
        errors="replace",
        timeout=180,
        check=False,
    )
    calls = _wait_for_calls(log, index_expected=committed.returncode == 0)
    assert "Traceback" not in committed.stderr, committed.stderr
    assert calls[0].startswith("scan --staged -> "), (calls, committed.stderr)
    if committed.returncode == 0:  # the post-commit hook ran too
        assert [call.split(" -> ")[0] for call in calls] == ["scan --staged", "index"], calls
    return f"commit exit {committed.returncode}; hooks ran {calls}"


def _wait_for_calls(log: Path, *, index_expected: bool) -> list[str]:
    """The logged calls; the pre-commit one is in before `git commit` returns, the
    post-commit hook's index runs in the background."""
    deadline = time.monotonic() + _HOOK_WAIT_SECONDS
    while True:
        calls = log.read_text().splitlines() if log.exists() else []
        finished = any(call.startswith("index") for call in calls) or not index_expected
        if finished or time.monotonic() > deadline:
            return calls or ["(the pre-commit hook never ran flowcheck)"]
        time.sleep(0.1)


@contextmanager
def serving_fifo(fifo: Path, content: bytes) -> Iterator[None]:
    """Keep answering every reader of the FIFO `fifo` with `content` until the block ends,
    so git reads it instead of waiting (the wait itself is another case's subject)."""
    os.mkfifo(fifo)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                with open(fifo, "wb") as writer:  # blocks until a reader opens it
                    if not stop.is_set():
                        writer.write(content)
            except BrokenPipeError:
                continue  # that reader left early; serve the next one

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    try:
        yield
    finally:
        stop.set()
        descriptor = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # releases a waiting writer
        server.join(timeout=5)
        os.close(descriptor)
