"""Telemetry of tool calls (issue 12 #6): one span per call and per-tool metrics, with the
SDK's in-memory exporter and reader; which endpoints the settings select; and that nothing
of OpenTelemetry is imported when no endpoint is configured."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowcheck import mcp_compat, telemetry
from flowcheck.audit import AuditLog
from flowcheck.errors import ConfigError
from flowcheck.guardian.rules import default_rules
from flowcheck.server import audited
from flowcheck.sessions import SessionRegistry
from flowcheck.settings_sources import load_settings
from flowcheck.tools import ToolSpec, flow, guardian, session
from tests.protocol.otlp_collector import NEEDS_OTEL

AWS_KEY = "AKIAZ7Q4M2W3R5T6Y3U6"
EMAIL = "jane.roe@corp.example"


class Recorded:
    """What the in-memory exporter and reader received."""

    def __init__(self) -> None:
        pytest.importorskip("opentelemetry.sdk", reason=NEEDS_OTEL)
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def spans(self) -> list[Any]:
        return list(self.exporter.get_finished_spans())

    def metrics(self) -> dict[str, dict[tuple[tuple[str, Any], ...], Any]]:
        """Metric name -> sorted attribute pairs -> value (a sum, or a histogram's count)."""
        found: dict[str, dict[tuple[tuple[str, Any], ...], Any]] = {}
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    points = found.setdefault(metric.name, {})
                    for point in metric.data.data_points:
                        key = tuple(sorted(point.attributes.items()))
                        points[key] = getattr(point, "value", None) or point.count
        return found


@pytest.fixture
def recorded() -> Iterator[Recorded]:
    record = Recorded()
    telemetry.use(record.tracer_provider, record.meter_provider)
    yield record
    telemetry.use(None, None)


@pytest.fixture
def tools(tmp_path: Path) -> dict[str, Any]:
    """Every tool the test needs, wrapped exactly as the server wraps them."""
    settings, rules = load_settings(), default_rules()
    audit = AuditLog(tmp_path / "audit.log", 10_000_000)
    sessions = SessionRegistry(60)
    specs: list[ToolSpec] = [
        *session.tools(sessions, mcp_compat.current_client_key, "unknown"),
        *flow.tools(settings, rules),
        *guardian.tools(settings, rules),
    ]
    wrapped = {
        spec.fn.__name__: audited(spec, audit, sessions, "unknown", rules, deadline=60.0)
        for spec in specs
    }
    return {"audit": tmp_path / "audit.log", **{name: spec.fn for name, spec in wrapped.items()}}


def audit_entries(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def base_attributes(tool: str, outcome: str, entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "mcp.method.name": "tools/call",
        "gen_ai.tool.name": tool,
        "flowcheck.outcome": outcome,
        "flowcheck.agent.id": "claude-code",
        "flowcheck.session.id": entry["session_id"],
        "flowcheck.duration_ms": entry["duration_ms"],
    }


async def test_successful_call_is_one_span_with_the_audit_entrys_ids_and_duration(
    recorded: Recorded, tools: dict[str, Any], make_repo: Any
) -> None:
    repo = make_repo()
    await tools["start_session"](agent_id="claude-code")
    await tools["get_flow_state"](repo_path=str(repo))
    start, state = recorded.spans()
    entry = audit_entries(tools["audit"])[-1]
    assert (start.name, state.name) == ("tools/call start_session", "tools/call get_flow_state")
    assert dict(state.attributes) == {
        **base_attributes("get_flow_state", "ok", entry),
        "flowcheck.result_status": "ok",
        "flowcheck.findings": 0,
    }
    assert state.status.status_code.name == "UNSET"
    assert state.end_time - state.start_time == int(entry["duration_ms"] * 1_000_000)
    assert str(repo) not in state.to_json()


async def test_failing_call_is_an_error_span_without_its_message_or_arguments(
    recorded: Recorded, tools: dict[str, Any], tmp_path: Path
) -> None:
    await tools["start_session"](agent_id="claude-code")
    missing = tmp_path / f"deploy-{AWS_KEY}"
    with pytest.raises(Exception, match="does not exist"):
        await tools["get_flow_state"](repo_path=str(missing))
    span = recorded.spans()[-1]
    entry = audit_entries(tools["audit"])[-1]
    assert span.name == "tools/call get_flow_state"
    assert dict(span.attributes) == base_attributes("get_flow_state", "error", entry)
    assert span.status.status_code.name == "ERROR"
    assert span.status.description is None
    assert "deploy-" not in span.to_json() and AWS_KEY not in span.to_json()


async def test_scan_span_counts_findings_and_holds_no_content(
    recorded: Recorded, tools: dict[str, Any], make_repo: Any
) -> None:
    repo = make_repo(files={"settings.py": f'KEY = "{AWS_KEY}"\nOWNER = "{EMAIL}"\n'})
    (repo / "notes.txt").write_text(f"contact {EMAIL}\n")
    await tools["start_session"](agent_id="claude-code")
    report = await tools["scan_changes"](repo_path=str(repo))
    await tools["sanitize_content"](content=f"aws {AWS_KEY}")
    scan, sanitize = recorded.spans()[-2:]
    scan_entry, sanitize_entry = audit_entries(tools["audit"])[-2:]
    assert dict(scan.attributes) == {
        **base_attributes("scan_changes", "ok", scan_entry),
        "flowcheck.findings": len(report.findings),
    }
    assert len(report.findings) == 1  # the untracked notes.txt; settings.py is committed
    assert dict(sanitize.attributes) == {
        **base_attributes("sanitize_content", "ok", sanitize_entry),
        "flowcheck.pii_detected": False,
        "flowcheck.secrets_detected": True,
        "flowcheck.injection_detected": False,
        "flowcheck.findings": 1,
    }
    exported = scan.to_json() + sanitize.to_json()
    for content in (AWS_KEY, EMAIL, "notes.txt", str(repo), "REDACTED"):
        assert content not in exported


async def test_metrics_count_calls_and_errors_and_time_each_tool(
    recorded: Recorded, tools: dict[str, Any], make_repo: Any, tmp_path: Path
) -> None:
    repo = make_repo()
    await tools["get_flow_state"](repo_path=str(repo))
    await tools["get_flow_state"](repo_path=str(repo))
    with pytest.raises(Exception, match="does not exist"):
        await tools["get_flow_state"](repo_path=str(tmp_path / "missing"))
    ok = (("flowcheck.outcome", "ok"), ("gen_ai.tool.name", "get_flow_state"))
    error = (("flowcheck.outcome", "error"), ("gen_ai.tool.name", "get_flow_state"))
    assert recorded.metrics() == {
        "flowcheck.tool.calls": {ok: 2, error: 1},
        "flowcheck.tool.errors": {(("gen_ai.tool.name", "get_flow_state"),): 1},
        "flowcheck.tool.duration": {ok: 2, error: 1},
    }


def test_no_span_is_recorded_when_telemetry_is_not_started(
    tools: dict[str, Any], make_repo: Any
) -> None:
    """Without `start` or `use`, record_call is a no-op (nothing is built or imported)."""
    telemetry.use(None, None)
    assert telemetry._recorder is None
    telemetry.record_call("get_flow_state", {"agent_id": "a"}, {"status": "ok"}, 1.0)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, (None, None)),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"},
            ("http://collector:4318/v1/traces", "http://collector:4318/v1/metrics"),
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://traces.test/in",
                "OTEL_METRICS_EXPORTER": "none",
            },
            ("https://traces.test/in", None),
        ),
        (
            {"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://127.0.0.1:9/m"},
            (None, "http://127.0.0.1:9/m"),
        ),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"},
            (None, None),
        ),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"},
            (None, "http://c:4318/v1/metrics"),
        ),
    ],
)
def test_export_urls_follow_the_otlp_exporter_spec(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: tuple[Any, Any]
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert telemetry.export_urls(load_settings()) == expected


BAD_SETTINGS = [
    (
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318",
            "OTEL_EXPORTER_OTLP_HEADERS": "api-key",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        },
        [
            "OTEL_EXPORTER_OTLP_ENDPOINT='collector:4318': Value error, must be an http(s) URL "
            "of an OTLP collector, e.g. http://collector:4318",
            "OTEL_EXPORTER_OTLP_PROTOCOL='grpc': Input should be 'http/protobuf'",
            "OTEL_EXPORTER_OTLP_HEADERS=********: Value error, must be key=value pairs "
            "separated by commas, e.g. api-key=...",
        ],
    ),
    (  # headers carry a backend's credentials, as FLOWCHECK_INTENT_BASE_URL's key does
        {
            "OTEL_EXPORTER_OTLP_HEADERS": "api-key=k-1",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "https://otlp.example.test",
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://collector:4318/v1/metrics",
        },
        [
            "OTEL_EXPORTER_OTLP_HEADERS would be sent in clear text to "
            "http://collector:4318/v1/metrics: use an https endpoint, or a collector on loopback"
        ],
    ),
]


@pytest.mark.parametrize(("environment", "problems"), BAD_SETTINGS, ids=["values", "cleartext"])
def test_bad_telemetry_settings_name_the_variable_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], problems: list[str]
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.problems == problems


def test_headers_may_go_over_plain_http_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "api-key=k-1")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    assert load_settings().otel_exporter_otlp_endpoint == "http://127.0.0.1:4318"


def test_the_operators_config_file_and_secret_file_set_telemetry_too(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The OTEL_* variables are settings: every operator source applies, as documented."""
    config, headers = tmp_path / "config.yaml", tmp_path / "headers"
    config.write_text("otel_exporter_otlp_endpoint: https://collector.test:4318\n")
    headers.write_text("authorization=Bearer t-1\n")
    monkeypatch.setenv("FLOWCHECK_CONFIG_FILE", str(config))
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS_FILE", str(headers))
    settings = load_settings()
    assert telemetry.export_urls(settings)[0] == "https://collector.test:4318/v1/traces"
    assert telemetry.header_map(settings.otel_exporter_otlp_headers) == {
        "authorization": "Bearer t-1"
    }


def test_headers_are_parsed_into_a_mapping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cr=t, x-team = core")
    headers = load_settings().otel_exporter_otlp_headers
    assert telemetry.header_map(headers) == {"api-key": "s3cr=t", "x-team": "core"}


IMPORTED = """
import sys
{block}
from flowcheck import serve, server, telemetry
from flowcheck.settings_sources import load_settings
telemetry.start(load_settings())
print(sorted(name for name in sys.modules if name.startswith("opentelemetry")))
"""


def run_python(code: str, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env={"HOME": str(Path.home()), **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_without_an_endpoint_no_opentelemetry_module_is_imported() -> None:
    """Issue 12 #6, "no import and no cost": the server, with or without the extra installed."""
    result = run_python(IMPORTED.format(block=""), OTEL_SERVICE_NAME="flowcheck")
    assert (result.stdout, result.stderr) == ("[]\n", "")


def test_an_endpoint_without_the_extra_warns_and_serves_without_telemetry() -> None:
    """The extra is hidden (None in sys.modules is how Python spells "not installed")."""
    result = run_python(
        IMPORTED.format(block='sys.modules["opentelemetry"] = None'),
        OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9",
    )
    assert result.stdout == "['opentelemetry']\n"  # only the blocker itself
    assert result.stderr == (
        "An OTLP endpoint is set but the otel extra is not installed, so no telemetry is "
        "exported: install flowcheck[otel] (the latest image has it) or unset "
        "OTEL_EXPORTER_OTLP_ENDPOINT\n"
    )
