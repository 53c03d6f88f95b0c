"""A real `flowcheck serve` (stdio) exports its tool-call span and metrics over OTLP/HTTP to a
collector on 127.0.0.1 (issue 12 #6)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.adversarial.settings_audit_support import AWS_KEY, operator_env, stdio_session
from tests.protocol.otlp_collector import NEEDS_OTEL, attributes, otlp_collector

pytest.importorskip("opentelemetry.proto", reason=NEEDS_OTEL)


def test_served_tool_call_reaches_the_collector_as_a_span_and_metrics(
    isolated_environment: Path, make_repo: Any
) -> None:
    repo = make_repo()
    with otlp_collector() as collector:
        env = operator_env(
            isolated_environment,
            OTEL_EXPORTER_OTLP_ENDPOINT=collector.url,
            OTEL_EXPORTER_OTLP_HEADERS="x-collector-key=k-123",
            OTEL_SERVICE_NAME="flowcheck-test",
        )
        replies, stderr = stdio_session(
            repo,
            env,
            [
                ("start_session", {"agent_id": "claude-code"}),
                ("sanitize_content", {"content": f"key {AWS_KEY}"}),
            ],
        )
    assert [reply["result"]["isError"] for reply in replies[1:]] == [False, False]
    session_id = replies[1]["result"]["structuredContent"]["session_id"]
    (traces,) = collector.decoded("/v1/traces")
    (resource_spans,) = traces.resource_spans
    resource = attributes(resource_spans.resource.attributes)
    assert (resource["service.name"], resource["service.version"]) == ("flowcheck-test", "0.5.0")
    spans = [span for scope in resource_spans.scope_spans for span in scope.spans]
    assert [span.name for span in spans] == [
        "tools/call start_session",
        "tools/call sanitize_content",
    ]
    sanitize = attributes(spans[1].attributes)
    duration = sanitize.pop("flowcheck.duration_ms")
    assert sanitize == {
        "mcp.method.name": "tools/call",
        "gen_ai.tool.name": "sanitize_content",
        "flowcheck.outcome": "ok",
        "flowcheck.agent.id": "claude-code",
        "flowcheck.session.id": session_id,
        "flowcheck.pii_detected": False,
        "flowcheck.secrets_detected": True,
        "flowcheck.injection_detected": False,
        "flowcheck.findings": 1,
    }
    assert spans[1].end_time_unix_nano - spans[1].start_time_unix_nano == int(duration * 1e6)
    (metrics,) = collector.decoded("/v1/metrics")
    names = {
        metric.name
        for resource_metrics in metrics.resource_metrics
        for scope in resource_metrics.scope_metrics
        for metric in scope.metrics
    }
    assert names == {"flowcheck.tool.calls", "flowcheck.tool.duration"}
    assert {headers.get("x-collector-key") for _, headers, _ in collector.posts} == {"k-123"}
    assert all(AWS_KEY.encode() not in body for _, _, body in collector.posts)
    assert "Traceback" not in stderr


def test_an_unreachable_collector_delays_neither_calls_nor_exit(
    isolated_environment: Path, make_repo: Any
) -> None:
    """Guards a defect found here: the SDK's exit handler waited out the exporters' 10 s of
    retries, so a stdio server whose collector was down took 13 s to exit after its client
    left. The flush at exit now waits at most 2 s."""
    started = time.monotonic()
    replies, stderr = stdio_session(
        make_repo(),
        operator_env(isolated_environment, OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9"),
        [("sanitize_content", {"content": "nothing to hide"})],
    )
    assert replies[1]["result"]["isError"] is False
    assert time.monotonic() - started < 9
    assert "Connection refused" in stderr
    assert "Traceback" not in stderr
