"""The user's path: a fresh clone of this work tree's HEAD, installed once per session by the
Quick-Start's own install block, and the environment of a new user's shell (a HOME of its own,
no FlowCheck on PATH until the docs put it there). Uncommitted changes are not in the clone."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ALIASED, GIT_IDENTITY
from tests.http.conftest import start_server  # noqa: F401  (a fixture the HTTP snippets use)
from tests.journey.client_configs import ROOT
from tests.journey.docblocks import Block, marked

README = "README.md"
QUICK_START = "docs/deployment/Quick-Start.md"
TIMINGS: dict[str, str] = {}


@dataclass(frozen=True)
class Journey:
    clone: Path
    home: Path
    install: subprocess.CompletedProcess[str]

    def block(self, page: str, name: str) -> Block:
        """The block marked `name` on `page` as the clone has it."""
        return marked((self.clone / page).read_text(encoding="utf-8"), name)

    def shell(self, *, flowcheck_on_path: bool) -> dict[str, str]:
        """A user's shell; with the ~/.local/bin the Quick-Start puts on PATH, or without."""
        local_bin = [str(self.home / ".local" / "bin")] if flowcheck_on_path else []
        return user_environment(self.home, local_bin)


def user_environment(home: Path, first_on_path: list[str]) -> dict[str, str]:
    """This process's environment without FlowCheck settings, venvs or a `flowcheck` on PATH."""
    path = [
        folder
        for folder in os.environ["PATH"].split(os.pathsep)
        if folder and not (Path(folder) / "flowcheck").exists()
    ]
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("FLOWCHECK_") and name not in (*ALIASED, "VIRTUAL_ENV")
    }
    return {
        **kept,
        **GIT_IDENTITY,
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(home),
        "PATH": os.pathsep.join([*first_on_path, *path]),
    }


def run_block(script: str, cwd: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@pytest.fixture(scope="session")
def journey(tmp_path_factory: pytest.TempPathFactory) -> Journey:
    if not (ROOT / ".git").exists():
        pytest.skip(
            f"the journey clones this work tree's HEAD, and {ROOT} is no git checkout "
            "(the suite bundled in the dev image or the Nix sandbox)"
        )
    root = tmp_path_factory.mktemp("journey")
    clone, home = root / "flowcheck", root / "home"
    home.mkdir()
    started = time.monotonic()
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    TIMINGS["git clone of HEAD (s)"] = f"{time.monotonic() - started:.1f}"
    started = time.monotonic()
    install = run_block(
        marked((clone / QUICK_START).read_text(encoding="utf-8"), "qs-install").body,
        clone,
        user_environment(home, []),
    )
    TIMINGS["first install, Quick-Start step 1 (s)"] = f"{time.monotonic() - started:.1f}"
    assert install.returncode == 0, install.stderr
    return Journey(clone, home, install)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.section("journey measurements")
        for name, value in TIMINGS.items():
            terminalreporter.write_line(f"{name:55} {value}")
