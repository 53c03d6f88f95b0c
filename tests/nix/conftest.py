"""Session fixtures for the nix tests; the machinery lives in nixflake.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.nix.nixflake import REPO, Flake, load_toml, snapshot_flake


@pytest.fixture(scope="session")
def flake(tmp_path_factory: pytest.TempPathFactory) -> Flake:
    return snapshot_flake(tmp_path_factory.mktemp("nix-flake"))


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    return load_toml(REPO / "nix" / "images.toml")


@pytest.fixture(scope="session")
def pyproject() -> dict[str, Any]:
    return load_toml(REPO / "pyproject.toml")
