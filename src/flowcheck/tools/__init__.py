"""MCP tools as plain typed functions. Each module exposes `tools(context) -> list[ToolSpec]`.

A tool is declared once: its signature (with `Annotated[..., Field(description=...)]` parameters)
and its pydantic return model give the input and output schemas; its docstring is what the agent
reads. Tool failures are raised as `FlowcheckError`, which the SDK reports with `isError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import anyio

T = TypeVar("T")


@dataclass(frozen=True)
class ToolSpec:
    fn: Callable[..., Any]
    read_only: bool = True
    destructive: bool = False
    idempotent: bool = True
    open_world: bool = False
    # Changes files on disk: its audit entry ("started") is written before it runs, so a change
    # never happens unrecorded (a write-ahead entry; undoing a write after a failed audit
    # write could itself fail).
    persistent: bool = False


# Worker threads, by use: tool calls blocked on a repository (a FIFO in its config) take at
# most TOOL_THREADS, so they can neither keep a call from being recorded nor starve /readyz
# (which uses anyio's default limiter).
TOOL_THREADS = anyio.CapacityLimiter(32)
AUDIT_THREADS = anyio.CapacityLimiter(4)


async def off_loop(
    work: Callable[..., T], *args: Any, limiter: anyio.CapacityLimiter = TOOL_THREADS
) -> T:
    """Run blocking work (git, files) on a worker thread, so one repository that blocks (a
    FIFO in its config, a hung mount) never stalls the event loop and with it every client.
    When the call is cancelled (its deadline, shutdown) the thread is abandoned at once; git's
    own timeout ends it later. (A persistent tool is never cancelled: server.audited.)"""
    return await anyio.to_thread.run_sync(
        partial(work, *args), abandon_on_cancel=True, limiter=limiter
    )
