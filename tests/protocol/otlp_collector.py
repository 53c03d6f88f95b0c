"""A fake OTLP/HTTP collector on 127.0.0.1 for the telemetry tests: it records each POST and
decodes it with the protobuf classes of opentelemetry-proto (which the OTLP exporter depends
on, so it is there whenever the otel extra is)."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

NEEDS_OTEL = "needs the otel extra (pip install -e '.[otel]'; scripts/test installs it)"


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


def span_names(collector: Collector) -> list[str]:
    return [
        span.name
        for request in collector.decoded("/v1/traces")
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
