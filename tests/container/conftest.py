"""Session fixtures of the container tests: a Docker engine, the stand-in images, a workspace.

Without an engine these tests skip, unless FLOWCHECK_REQUIRE_CONTAINERS=1 (set by the test
command and CI): then the fixture installs the tools, starts a `dockerd` (and stops only that one
at the end), and any failure fails the tests instead of skipping them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from container_helpers import MEASURED, ImageSpec, engine, load_spec, make_workspace, standins

REQUIRED = os.environ.get("FLOWCHECK_REQUIRE_CONTAINERS") == "1"


def _missing_tools() -> list[str]:
    return sorted(
        name for name in [*engine.APT_TOOLS, *engine.PIP_TOOLS] if engine.tool_path(name) is None
    )


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[None]:
    missing = _missing_tools()
    answers = not missing and engine.engine_answers()
    if not answers and not REQUIRED:
        pytest.skip(
            f"no Docker engine or tools ({', '.join(missing) or 'engine down'}); "
            "FLOWCHECK_REQUIRE_CONTAINERS=1 installs and starts them"
        )
    engine.ensure_tools()
    started = engine.start_engine()
    yield
    if started is not None:
        engine.stop_engine(started)


@pytest.fixture(scope="session")
def spec() -> ImageSpec:
    return load_spec()


@pytest.fixture(scope="session")
def images(docker_engine: None, spec: ImageSpec) -> dict[str, str]:
    """Every variant's stand-in image plus Traefik, built once per session."""
    started = time.monotonic()
    built = standins.build_all(list(spec.variants))
    MEASURED["stand-in build (s)"] = f"{time.monotonic() - started:.1f}"
    for name, ref in built.items():
        MEASURED[f"image size {name} (MB, Debian-based stand-in)"] = (
            f"{standins.image_size_mb(ref):.1f}"
        )
    return built


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
