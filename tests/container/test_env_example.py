""".env.example and the compose files agree with the settings model and the image spec.

No Docker needed: these read files and run `flowcheck config env` on the host.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from container_helpers import COMPOSE_DIR, REPO_ROOT, ImageSpec, env_example, load_spec

ENV_EXAMPLE = REPO_ROOT / ".env.example"
COMPOSE_FILES = (COMPOSE_DIR / "compose.yaml", COMPOSE_DIR / "compose.dev.yaml")
ASSIGNMENT = re.compile(r"^#? ?([A-Z][A-Z0-9_]*)=", re.MULTILINE)
REFERENCE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)")


@pytest.fixture(scope="module")
def settings_dotenv() -> str:
    return env_example.settings_dotenv()


def compose_section(settings_dotenv: str) -> str:
    return env_example.compose_section(ENV_EXAMPLE.read_text())


def compose_references() -> set[str]:
    return {name for path in COMPOSE_FILES for name in REFERENCE.findall(path.read_text())}


def compose_service(file: Path, service: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(file.read_text())
    return dict(loaded["services"][service])


def interpolation_default(value: str) -> str:
    match = re.fullmatch(r"\$\{[A-Z_]+:-(.+)\}", value)
    assert match is not None, value
    return match.group(1)


def test_env_example_is_flowcheck_config_env_plus_the_compose_section(
    settings_dotenv: str,
) -> None:
    """Regenerate with `python scripts/containers/env_example.py` when this fails."""
    text = ENV_EXAMPLE.read_text()
    assert text == env_example.settings_section() + env_example.compose_section(text)


def test_env_example_sets_no_server_setting(settings_dotenv: str) -> None:
    """Issue 9 defect 2.3: copied to compose/.env, its active settings overrode
    compose/config/config.yaml (log_format) and dropped flowcheck:* from the allowed hosts."""
    settings_part = ENV_EXAMPLE.read_text().split(env_example.COMPOSE_MARKER)[0]
    active = re.findall(r"^([A-Z][A-Z0-9_]*)=", settings_part, re.MULTILINE)
    assert active == []


def test_every_variable_the_compose_files_read_is_in_env_example() -> None:
    documented = set(ASSIGNMENT.findall(ENV_EXAMPLE.read_text()))
    assert sorted(compose_references() - documented) == []


def test_every_compose_level_variable_in_env_example_is_read_by_a_compose_file(
    settings_dotenv: str,
) -> None:
    compose_level = set(ASSIGNMENT.findall(compose_section(settings_dotenv)))
    assert sorted(compose_level - compose_references()) == []


def test_compose_pins_the_spec_env_of_the_flowcheck_variables() -> None:
    spec = load_spec()
    environment = compose_service(COMPOSE_FILES[0], "flowcheck")["environment"]
    contract = {k: v for k, v in spec.env.items() if k.startswith("FLOWCHECK_")}
    assert {key: str(environment[key]) for key in contract} == contract


def test_compose_defaults_name_the_spec_images_and_user() -> None:
    spec: ImageSpec = load_spec()
    server = compose_service(COMPOSE_FILES[0], "flowcheck")
    dev = compose_service(COMPOSE_FILES[1], "flowcheck")
    observed = (interpolation_default(server["image"]), interpolation_default(dev["image"]))
    expected = (spec.image_ref("latest"), spec.image_ref("dev"))
    assert (observed, server["user"], dev["user"]) == (expected, spec.user, spec.user)


def test_env_example_image_values_are_the_compose_defaults(settings_dotenv: str) -> None:
    values = dict(re.findall(r"^([A-Z_]+)=(.*)$", compose_section(settings_dotenv), re.MULTILINE))
    server = compose_service(COMPOSE_FILES[0], "flowcheck")
    traefik = compose_service(COMPOSE_FILES[0], "traefik")
    dev = compose_service(COMPOSE_FILES[1], "flowcheck")
    observed = [
        values["FLOWCHECK_IMAGE"],
        values["FLOWCHECK_TRAEFIK_IMAGE"],
        values["FLOWCHECK_DEV_IMAGE"],
    ]
    assert observed == [interpolation_default(s["image"]) for s in (server, traefik, dev)]
