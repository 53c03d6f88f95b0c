"""The Telemetry sections of Docker.md and Kubernetes.md (issue 12 #6): their snippets parse,
name only variables FlowCheck or the SDK reads, and point the server at the collector they
configure."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import yaml

from flowcheck.settings import Settings
from flowcheck.settings_sources import env_names
from tests.journey.docblocks import under_heading
from tests.unit.deployment.project import DEPLOYMENT_DOCS, REPO

SETTINGS = {
    name for field, info in Settings.model_fields.items() for name in env_names(field, info)
}
READ_BY_THE_SDK = {"OTEL_RESOURCE_ATTRIBUTES"}  # named by Docker.md's Telemetry section


def telemetry_yaml(page: str) -> list[Any]:
    text = (DEPLOYMENT_DOCS / page).read_text()
    return [yaml.safe_load(block.body) for block in under_heading(text, "Telemetry", "yaml")]


def test_compose_snippet_sends_to_the_collector_it_starts_on_the_stacks_network() -> None:
    (compose,) = telemetry_yaml("Docker.md")
    environment = compose["services"]["flowcheck"]["environment"]
    assert set(environment) <= SETTINGS
    endpoint = urlsplit(environment["OTEL_EXPORTER_OTLP_ENDPOINT"])
    collector = compose["services"][endpoint.hostname]
    stack = yaml.safe_load((REPO / "compose" / "compose.yaml").read_text())
    assert collector["networks"] == stack["services"]["flowcheck"]["networks"]
    (mount,) = collector["configs"]
    config = yaml.safe_load(compose["configs"][mount["source"]]["content"])
    receiver = config["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
    assert receiver == f"0.0.0.0:{endpoint.port}"
    pipelines = config["service"]["pipelines"]
    assert {name: pipe["receivers"] for name, pipe in pipelines.items()} == {
        "traces": ["otlp"],
        "metrics": ["otlp"],
    }


def test_kubernetes_snippets_name_known_variables_and_open_the_collectors_port() -> None:
    env, egress = telemetry_yaml("Kubernetes.md")
    names = {item["name"] for item in env["env"]}
    assert names <= SETTINGS | READ_BY_THE_SDK
    endpoint = urlsplit(next(i["value"] for i in env["env"] if "ENDPOINT" in i["name"]))
    namespace = egress[0]["to"][0]["namespaceSelector"]["matchLabels"]
    assert endpoint.hostname == f"otel-collector.{namespace['kubernetes.io/metadata.name']}.svc"
    assert egress[0]["ports"] == [{"protocol": "TCP", "port": endpoint.port}]
