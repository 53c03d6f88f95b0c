"""Over HTTP, as in a container: the span and metrics of a tool call reach the collector, at the
latest when SIGTERM stops the server (issue 12 #6).

Guards a defect found here: uvicorn re-raises SIGTERM after its graceful stop, so the SDK's
atexit flush never ran, and the last spans and every metric of a stopped server were lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

from tests.http.conftest import TOKEN, Server
from tests.protocol.otlp_collector import NEEDS_OTEL, otlp_collector, span_names

pytest.importorskip("opentelemetry.proto", reason=NEEDS_OTEL)


async def test_tool_call_span_is_exported_by_the_time_sigterm_stopped_the_server(
    start_server: Callable[..., Server], make_repo: Any
) -> None:
    repo = make_repo()
    with otlp_collector() as collector:
        server = start_server(OTEL_EXPORTER_OTLP_ENDPOINT=collector.url)
        async with (
            streamablehttp_client(
                f"{server.base_url}/mcp", headers={"Authorization": f"Bearer {TOKEN}"}
            ) as (read, write, _),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            result = await session.call_tool("get_flow_state", {"repo_path": str(repo)})
        server.stop()
    assert result.isError is False
    assert span_names(collector) == ["tools/call get_flow_state"]
    assert {path for path, _, _ in collector.posts} == {"/v1/traces", "/v1/metrics"}
