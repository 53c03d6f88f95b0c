"""server.json (MCP registry metadata) is valid against the registry's published schema,
names the images' server-name label, and describes images and settings that exist."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest

from flowcheck.settings import Settings
from flowcheck.settings_sources import env_names, is_secret
from tests.nix.nixflake import REPO
from tests.unit.deployment.project import (
    SPEC,
    VERSION,
    image_reference,
    needs_repository_files,
)

SERVER_PATH = REPO / "server.json"
SERVER_JSON: dict[str, Any] = json.loads(SERVER_PATH.read_text()) if SERVER_PATH.exists() else {}
SCHEMA: dict[str, Any] = json.loads((REPO / "tests" / "schemas" / "server.schema.json").read_text())
# The registry's rule for names (also in the schema), and the OCI registries it accepts.
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$")
ACCEPTED_OCI_REGISTRIES = ("docker.io", "ghcr.io", "quay.io", "mcr.microsoft.com")
LABEL = "io.modelcontextprotocol.server.name"
pytestmark = needs_repository_files("server.json", "nix/images.nix")


def validate(document: dict[str, Any]) -> None:
    jsonschema.validate(
        document, SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


def test_server_json_is_valid_against_the_vendored_registry_schema() -> None:
    assert SERVER_JSON["$schema"] == SCHEMA["$id"]
    validate(SERVER_JSON)


@pytest.mark.parametrize(
    ("path", "bad_value"),
    [
        (("name",), "flowcheck"),  # no namespace
        (("description",), "x" * 101),
        (("packages", 1, "transport", "url"), "localhost:8000/mcp"),  # no scheme
    ],
)
def test_the_schema_check_rejects_what_the_registry_would(
    path: tuple[str | int, ...], bad_value: str
) -> None:
    broken = json.loads(json.dumps(SERVER_JSON))
    target: Any = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = bad_value
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)


def test_the_name_is_the_images_server_name_label() -> None:
    images_nix = (REPO / "nix" / "images.nix").read_text()
    assert f'"{LABEL}" = spec.mcp_server_name;' in images_nix
    assert SERVER_JSON["name"] == SPEC["mcp_server_name"]
    assert NAME_PATTERN.fullmatch(SERVER_JSON["name"])


def test_version_description_and_repository_follow_the_project() -> None:
    assert SERVER_JSON["version"] == VERSION
    assert SERVER_JSON["description"] == SPEC["description"]
    assert SERVER_JSON["repository"] == {"url": SPEC["source_url"], "source": "github"}


def test_every_package_is_the_released_image_on_an_accepted_registry() -> None:
    packages = SERVER_JSON["packages"]
    assert [package["transport"]["type"] for package in packages] == ["stdio", "streamable-http"]
    for package in packages:
        assert package["registryType"] == "oci"
        assert package["identifier"] == image_reference(VERSION)
        assert package["identifier"].split("/")[0] in ACCEPTED_OCI_REGISTRIES
        assert package["runtimeHint"] == "docker"


def forwarded_names(package: dict[str, Any]) -> list[str]:
    """Variables passed as `-e NAME` (by name only, so the value stays out of argv)."""
    return [
        argument["value"]
        for argument in package["runtimeArguments"]
        if argument["name"] == "-e" and "=" not in argument["value"]
    ]


def secret_variables() -> set[str]:
    return {
        name
        for field_name, field in Settings.model_fields.items()
        if is_secret(field)
        for name in env_names(field_name, field)
    }


def test_secrets_are_forwarded_by_name_and_marked_secret() -> None:
    setting_names = {
        name
        for field_name, field in Settings.model_fields.items()
        for name in env_names(field_name, field)
    }
    secrets = secret_variables()
    assert {"FLOWCHECK_AUTH_TOKEN", "GITHUB_TOKEN"} <= secrets
    for package in SERVER_JSON["packages"]:
        variables = {item["name"]: item for item in package["environmentVariables"]}
        assert sorted(variables) == sorted(forwarded_names(package))
        assert set(variables) <= setting_names
        assert all(variables[name]["isSecret"] is True for name in set(variables) & secrets)
        assigned = [
            argument["value"].partition("=")[0]
            for argument in package["runtimeArguments"]
            if argument["name"] == "-e" and "=" in argument["value"]
        ]
        assert set(assigned) <= setting_names - secrets


def test_the_stdio_package_mounts_the_repository_inside_the_allowed_root() -> None:
    stdio, http = SERVER_JSON["packages"]
    root = SPEC["contract"]["env"]["FLOWCHECK_ALLOWED_ROOTS"]
    [mount] = [a for a in stdio["runtimeArguments"] if a["name"] == "--mount"]
    assert mount["value"] == f"type=bind,src={{repo_path}},dst={root}/repo,readonly"
    assert mount["variables"]["repo_path"]["format"] == "filepath"
    command = [a.get("name", a.get("value")) for a in stdio["packageArguments"]]
    assert command == ["flowcheck", "serve", "--transport"]
    assert stdio["packageArguments"][-1]["value"] == "stdio"
    mounts = [a["value"] for a in http["runtimeArguments"] if a["name"] == "--mount"]
    assert f"type=bind,src={{workspace}},dst={root},readonly" in mounts
    data = SPEC["contract"]["env"]["FLOWCHECK_STORAGE_PATH"]
    assert f"type=volume,src=flowcheck-data,dst={data}" in mounts


def test_the_http_package_publishes_the_image_port_on_loopback() -> None:
    http = SERVER_JSON["packages"][1]
    [port] = SPEC["contract"]["exposed_ports"]
    container_port = port.removesuffix("/tcp")
    [publish] = [a["value"] for a in http["runtimeArguments"] if a["name"] == "-p"]
    host_address, host_port, published = publish.split(":")
    assert (host_address, published) == ("127.0.0.1", container_port)
    assert http["transport"]["url"] == f"http://localhost:{host_port}/mcp"
    [header] = http["transport"]["headers"]
    assert (header["name"], header["value"], header["isSecret"]) == (
        "Authorization",
        "Bearer {token}",
        True,
    )
