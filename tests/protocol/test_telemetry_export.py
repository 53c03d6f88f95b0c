"""A real `flowcheck serve` (stdio) exports its tool-call span and metrics over OTLP/HTTP to a
collector on 127.0.0.1 (issue 12 #6). The fake collector decodes what it receives with the
protobuf classes of opentelemetry-proto, which the OTLP exporter depends on."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.adversarial.settings_audit_support import AWS_KEY, operator_env, stdio_session

pytest.importorskip("opentelemetry.proto", reason="needs the otel extra (scripts/test installs it)")


@dataclass
class Collector:
    url: str = ""
    posts: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    def decoded(self, path: str) -> list[Any]:
        from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
            ExportMetricsServiceRequest,
        )
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )

        kind = {"/v1/traces": ExportTraceServiceRequest, "/v1/metrics": ExportMetricsServiceRequest}
        return [kind[path].FromString(body) for at, _, body in self.posts if at == path]


@contextmanager
def otlp_collector() -> Iterator[Collector]:
    """An OTLP/HTTP receiver on 127.0.0.1 that records each POST and answers 200."""
    collector = Collector()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            collector.posts.append((self.path, dict(self.headers), body))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    collector.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield collector
    finally:
        server.shutdown()
        server.server_close()


def attributes(items: Any) -> dict[str, Any]:
    return {item.key: getattr(item.value, item.value.WhichOneof("value")) for item in items}


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
