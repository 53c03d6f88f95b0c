"""What the deployment artefacts must agree with: the image spec and the package version."""

from __future__ import annotations

from typing import Any

from tests.nix.nixflake import REPO, load_toml

SPEC: dict[str, Any] = load_toml(REPO / "nix" / "images.toml")
VERSION: str = load_toml(REPO / "pyproject.toml")["project"]["version"]
DEPLOYMENT_DOCS = REPO / "docs" / "deployment"


def image_reference(tag: str) -> str:
    """The pushed name of an image tag, as nix/push_images.py writes it."""
    return f"{SPEC['registry']}/{SPEC['repository']}:{tag}"
