"""What the deployment artefacts must agree with: the image spec and the package version."""

from __future__ import annotations

from typing import Any

import pytest

from tests.nix.nixflake import REPO, load_toml

SPEC: dict[str, Any] = load_toml(REPO / "nix" / "images.toml")
VERSION: str = load_toml(REPO / "pyproject.toml")["project"]["version"]
DEPLOYMENT_DOCS = REPO / "docs" / "deployment"


def image_reference(tag: str) -> str:
    """The pushed name of an image tag, as nix/push_images.py writes it."""
    return f"{SPEC['registry']}/{SPEC['repository']}:{tag}"


def needs_repository_files(*paths: str) -> pytest.MarkDecorator:
    """Skip where the suite runs without these files of the repository: the dev image and the
    Nix check run a copy of tests/, docs/ and compose/ only (nix/tests.nix)."""
    missing = [path for path in paths if not (REPO / path).exists()]
    return pytest.mark.skipif(
        bool(missing), reason=f"{', '.join(missing)} not in this copy of the suite"
    )
