"""OpenTelemetry for tool calls (extra `otel`): one span per call, and call, error and latency
metrics per tool, exported over OTLP/HTTP to the collector the operator names.

What is recorded is what the audit log's summary holds minus every text: the tool, the session
and agent ids, the outcome, the duration and the verdicts (finding counts, detection booleans).
Never arguments, results, error messages or anything read from a repository.

Without an endpoint (or with OTEL_SDK_DISABLED=true) nothing is imported and every call is a
single `None` check: the SDK is imported inside `start`, only when there is something to export.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flowcheck import __version__

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider
    from pydantic import SecretStr

    from flowcheck.settings import Settings

log = logging.getLogger(__name__)

SCOPE = "flowcheck"
# What a flush at shutdown may take: with the 8 s drain of in-flight calls, the server still
# stops within Docker's 10 s stop timeout when the collector does not answer (the exporters
# retry for 10 s whatever timeout a flush passes them).
FLUSH_SECONDS = 2.0
# Verdicts from the audit summary that become span attributes: counts, booleans and enums only.
_VERDICTS = (
    "findings",
    "result_status",
    "verdict",
    "is_aligned",
    "pii_detected",
    "secrets_detected",
    "injection_detected",
)


@dataclass(frozen=True)
class _Recorder:
    tracer: Any
    calls: Any
    errors: Any
    duration: Any
    error_status: Any
    providers: tuple[Any, ...]

    def record(
        self, tool: str, common: Mapping[str, Any], outcome: Mapping[str, Any], duration_ms: float
    ) -> None:
        status = "error" if outcome.get("status") == "error" else "ok"
        per_tool = {"gen_ai.tool.name": tool, "flowcheck.outcome": status}
        if self.tracer is not None:
            end = time.time_ns()
            span = self.tracer.start_span(
                f"tools/call {tool}",
                start_time=end - int(duration_ms * 1_000_000),
                attributes=_span_attributes(per_tool, common, outcome, duration_ms),
            )
            if status == "error":
                span.set_status(self.error_status)
            span.end(end_time=end)
        if self.calls is not None:
            self.calls.add(1, per_tool)
            self.duration.record(duration_ms, per_tool)
            if status == "error":
                self.errors.add(1, {"gen_ai.tool.name": tool})


_recorder: _Recorder | None = None


def start(settings: Settings) -> None:
    """Export telemetry as the settings say; with no endpoint, import and record nothing."""
    traces_url, metrics_url = export_urls(settings)
    if traces_url is None and metrics_url is None:
        return
    try:
        providers = _otlp_providers(settings, traces_url, metrics_url)
    except ImportError:
        log.warning(
            "An OTLP endpoint is set but the otel extra is not installed, so no telemetry is "
            "exported: install flowcheck[otel] (the latest image has it) or unset "
            "OTEL_EXPORTER_OTLP_ENDPOINT"
        )
        return
    use(*providers)
    # Instead of the SDK's own exit handler, which waits out every retry of a dead collector
    # (13 s measured with stdio): flush's thread and the exporters' are daemons.
    atexit.register(flush)
    log.info("Telemetry: spans to %s, metrics to %s", traces_url, metrics_url)


def use(tracer_provider: TracerProvider | None, meter_provider: MeterProvider | None) -> None:
    """Record tool calls with these providers from now on (None: that signal is off)."""
    global _recorder
    if tracer_provider is None and meter_provider is None:
        _recorder = None
        return
    from opentelemetry.trace import Status, StatusCode

    tracer = tracer_provider.get_tracer(SCOPE, __version__) if tracer_provider else None
    meter = meter_provider.get_meter(SCOPE, __version__) if meter_provider else None
    _recorder = _Recorder(
        tracer=tracer,
        calls=meter and meter.create_counter("flowcheck.tool.calls", "{call}", "Tool calls"),
        errors=meter and meter.create_counter("flowcheck.tool.errors", "{call}", "Failed calls"),
        duration=meter and meter.create_histogram("flowcheck.tool.duration", "ms", "Call time"),
        error_status=Status(StatusCode.ERROR),
        providers=tuple(p for p in (tracer_provider, meter_provider) if p is not None),
    )


def record_call(
    tool: str, common: Mapping[str, Any], outcome: Mapping[str, Any], duration_ms: float
) -> None:
    """One finished tool call (`common` and `outcome` are its audit entry's parts)."""
    if _recorder is None:
        return
    try:
        _recorder.record(tool, common, outcome, duration_ms)
    except Exception:  # telemetry must never turn a tool's result into an error
        log.exception("telemetry: recording a call of %s failed", tool)


def flush() -> None:
    """Export what is pending, waiting at most FLUSH_SECONDS. Runs at exit, and the HTTP server
    calls it at shutdown: uvicorn re-raises SIGTERM after its graceful stop, so that process
    dies before any atexit handler runs."""
    if _recorder is None:
        return
    providers = _recorder.providers
    worker = threading.Thread(target=lambda: [p.force_flush() for p in providers], daemon=True)
    worker.start()
    worker.join(FLUSH_SECONDS)


def export_urls(settings: Settings) -> tuple[str | None, str | None]:
    """Where spans and metrics go, per the OTLP exporter spec; None: that signal is off."""
    if settings.otel_sdk_disabled:
        return None, None
    base = settings.otel_exporter_otlp_endpoint

    def url(exporter: str, signal_url: str | None, path: str) -> str | None:
        if exporter == "none":
            return None
        if signal_url or base is None:
            return signal_url
        return f"{base.rstrip('/')}/{path}"

    return (
        url(
            settings.otel_traces_exporter, settings.otel_exporter_otlp_traces_endpoint, "v1/traces"
        ),
        url(
            settings.otel_metrics_exporter,
            settings.otel_exporter_otlp_metrics_endpoint,
            "v1/metrics",
        ),
    )


def header_map(headers: SecretStr | None) -> dict[str, str]:
    """OTEL_EXPORTER_OTLP_HEADERS (`k=v,k2=v2`, validated by the settings model) as a dict."""
    pairs = headers.get_secret_value().split(",") if headers else []
    return {key.strip(): value.strip() for key, _, value in (p.partition("=") for p in pairs)}


def _span_attributes(
    per_tool: Mapping[str, str],
    common: Mapping[str, Any],
    outcome: Mapping[str, Any],
    duration_ms: float,
) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "mcp.method.name": "tools/call",
        **per_tool,
        "flowcheck.agent.id": common["agent_id"],
        "flowcheck.duration_ms": duration_ms,
    }
    if common.get("session_id"):
        attributes["flowcheck.session.id"] = common["session_id"]
    for name in _VERDICTS:
        value = outcome.get(name)
        if value is not None:
            attributes[f"flowcheck.{name}"] = (
                value if isinstance(value, int | float) else str(value)
            )
    return attributes


def _otlp_providers(
    settings: Settings, traces_url: str | None, metrics_url: str | None
) -> tuple[TracerProvider | None, MeterProvider | None]:
    """SDK providers exporting over OTLP/HTTP; ImportError when the otel extra is missing."""
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create(
        {"service.name": settings.otel_service_name, "service.version": __version__}
    )
    headers = header_map(settings.otel_exporter_otlp_headers)
    tracer_provider = meter_provider = None
    if traces_url is not None:
        tracer_provider = TracerProvider(resource=resource, shutdown_on_exit=False)
        exporter = OTLPSpanExporter(endpoint=traces_url, headers=headers)
        tracer_provider.add_span_processor(BatchSpanProcessor(exporter))
    if metrics_url is not None:
        reader = PeriodicExportingMetricReader(
            OTLPMetricExporter(endpoint=metrics_url, headers=headers)
        )
        meter_provider = MeterProvider(
            resource=resource, metric_readers=[reader], shutdown_on_exit=False
        )
    return tracer_provider, meter_provider
