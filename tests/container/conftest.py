"""Session fixtures of the container tests: a Docker engine, the stand-in images, a workspace.

Without an engine these tests skip, unless FLOWCHECK_REQUIRE_CONTAINERS=1 (set by the test
command and CI): then the fixture installs the tools, starts a `dockerd` (and stops only that one
at the end), and any failure fails the tests instead of skipping them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from container_helpers import (
    MEASURED,
    ImageSpec,
    build_standins,
    docker,
    engine_session,
    load_spec,
    make_workspace,
)


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[None]:
    yield from engine_session()


@pytest.fixture(scope="session")
def spec() -> ImageSpec:
    return load_spec()


@pytest.fixture(scope="session")
def images(docker_engine: None, spec: ImageSpec) -> dict[str, str]:
    """Every variant's stand-in image plus Traefik, built once per session."""
    return build_standins(spec)


@pytest.fixture
def volume(docker_engine: None) -> Iterator[str]:
    """A named volume of its own for one test, removed afterwards."""
    name = f"flowcheck-test-data-{uuid.uuid4().hex[:8]}"
    docker("volume", "create", name)
    yield name
    docker("volume", "rm", "-f", name, check=False)


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory, spec: ImageSpec) -> Path:
    """A host directory with one repository, to bind-mount read-only at /workspace."""
    root: Path = tmp_path_factory.mktemp("workspace")
    return make_workspace(root, spec.uid, spec.gid)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if MEASURED:
        terminalreporter.section("container measurements")
        for name, value in MEASURED.items():
            terminalreporter.write_line(f"{name:55} {value}")
