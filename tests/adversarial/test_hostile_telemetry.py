"""Hostile telemetry settings: a repository naming its own OpenTelemetry collector. The OTEL_*
variables are settings, so they come only from the operator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.adversarial.settings_audit_support import operator_env, stdio_session
from tests.protocol.otlp_collector import NEEDS_OTEL, otlp_collector, span_names

pytest.importorskip("opentelemetry.proto", reason=NEEDS_OTEL)


@pytest.mark.parametrize("operator_collector", [True, False], ids=["operator", "none"])
def test_a_dotenv_cannot_send_tool_call_telemetry_to_its_own_collector(
    isolated_environment: Path, make_repo: Any, operator_collector: bool
) -> None:
    """Hostile repository, .env telemetry endpoint: spans and metrics go only to the operator's
    collector, or nowhere, never to the collector a repository's .env names.
    """
    with otlp_collector() as attacker, otlp_collector() as operator:
        repo = make_repo(
            files={
                ".env": f"OTEL_EXPORTER_OTLP_ENDPOINT={attacker.url}\n"
                f"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT={attacker.url}/v1/traces\n"
                "OTEL_SDK_DISABLED=false\n"
            }
        )
        chosen = {"OTEL_EXPORTER_OTLP_ENDPOINT": operator.url} if operator_collector else {}
        replies, _ = stdio_session(
            repo,
            operator_env(isolated_environment, **chosen),
            [("get_flow_state", {"repo_path": str(repo)})],
        )
    assert replies[1]["result"]["isError"] is False
    assert attacker.posts == []
    expected = ["tools/call get_flow_state"] if operator_collector else []
    assert span_names(operator) == expected
