"""The image spec (nix/images.toml) as the stand-in builder and the container tests see it.

Everything an image must carry is read from the spec or derived from it here, so no name, tag,
uid, env value, port, label or health value is typed a second time anywhere else.
"""

from __future__ import annotations

import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO_ROOT / "nix" / "images.toml"


@dataclass(frozen=True)
class Variant:
    """One image variant: its tag and what it contains."""

    name: str
    tag: str
    version_suffix: str
    extras: tuple[str, ...]
    shell: bool
    tests: bool
    size_budget_mb: int


@dataclass(frozen=True)
class Healthcheck:
    """Docker's health check, durations in integer nanoseconds as the spec stores them."""

    test: tuple[str, ...]
    interval_ns: int
    timeout_ns: int
    retries: int
    start_period_ns: int


@dataclass(frozen=True)
class ImageSpec:
    """The runtime contract shared by every variant, plus the variants."""

    repository: str
    registry: str
    uid: int
    gid: int
    user_name: str
    home: str
    cmd: tuple[str, ...]
    working_dir: str
    exposed_ports: tuple[str, ...]
    volumes: tuple[str, ...]
    writable_dirs: tuple[str, ...]
    writable_group: int
    writable_mode: str
    sticky_tmp: str
    env: dict[str, str]
    healthcheck: Healthcheck
    labels: dict[str, str]
    variants: dict[str, Variant]

    def image_ref(self, variant: str) -> str:
        """The local `<repository>:<tag>` name of a variant's image."""
        return f"{self.repository}:{self.variants[variant].tag}"

    @property
    def user(self) -> str:
        """The image's `User` value: numeric uid:gid, which needs no passwd lookup."""
        return f"{self.uid}:{self.gid}"


def project_version(root: Path = REPO_ROOT) -> str:
    """The version in pyproject.toml, which every image carries as a label."""
    with (root / "pyproject.toml").open("rb") as handle:
        version: str = tomllib.load(handle)["project"]["version"]
    return version


def git_revision(root: Path = REPO_ROOT) -> str:
    """The checked-out commit, or "unknown" outside a git work tree (as the flake does)."""
    result = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() if result.returncode == 0 else "unknown"


def _derived_labels(raw: dict[str, Any], root: Path) -> dict[str, str]:
    """The labels the spec's comment says every image carries besides [contract.labels]."""
    return {
        "io.modelcontextprotocol.server.name": raw["mcp_server_name"],
        "org.opencontainers.image.source": raw["source_url"],
        "org.opencontainers.image.description": raw["description"],
        "org.opencontainers.image.version": project_version(root),
        "org.opencontainers.image.revision": git_revision(root),
    }


def _variant(name: str, raw: dict[str, Any]) -> Variant:
    return Variant(
        name=name,
        tag=raw["tag"],
        version_suffix=raw["version_suffix"],
        extras=tuple(raw["extras"]),
        shell=raw["shell"],
        tests=raw["tests"],
        size_budget_mb=raw["size_budget_mb"],
    )


def load_spec(path: Path = SPEC_PATH, root: Path = REPO_ROOT) -> ImageSpec:
    """Read the spec file and derive the per-build labels."""
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    contract, health = raw["contract"], raw["contract"]["healthcheck"]
    return ImageSpec(
        repository=raw["repository"],
        registry=raw["registry"],
        uid=raw["user"]["uid"],
        gid=raw["user"]["gid"],
        user_name=raw["user"]["name"],
        home=raw["user"]["home"],
        cmd=tuple(contract["cmd"]),
        working_dir=contract["working_dir"],
        exposed_ports=tuple(contract["exposed_ports"]),
        volumes=tuple(contract["volumes"]),
        writable_dirs=tuple(contract["writable_dirs"]),
        writable_group=contract["writable_group"],
        writable_mode=contract["writable_mode"],
        sticky_tmp=contract["sticky_tmp"],
        env=dict(contract["env"]),
        healthcheck=Healthcheck(
            test=tuple(health["test"]),
            interval_ns=health["interval"],
            timeout_ns=health["timeout"],
            retries=health["retries"],
            start_period_ns=health["start_period"],
        ),
        labels={**contract["labels"], **_derived_labels(raw, root)},
        variants={name: _variant(name, body) for name, body in raw["variants"].items()},
    )
