"""The flake's shape, its lock file, and the Nix tooling's view of it, all evaluated offline."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.nix.nixflake import REPO, Flake, require_binary

pytestmark = pytest.mark.nix

LINUX = ["aarch64-linux", "x86_64-linux"]
ALL_SYSTEMS = ["aarch64-darwin", *LINUX]
ATTR_NAMES = "builtins.mapAttrs (system: builtins.attrNames)"
NIX_FILES = sorted(
    [REPO / "flake.nix", *REPO.glob("nix/**/*.nix"), *REPO.glob("tests/nix/stub-nixpkgs/*.nix")]
)

PINNED_LOCK: dict[str, Any] = {
    "nodes": {
        "nixpkgs": {
            "locked": {
                "lastModified": 1791426274,
                "narHash": "sha256-MWhktfFtFE8Jl7bf9Pkp7TR5MSdYCjCswSo0Gkb4ywc=",
                "owner": "NixOS",
                "repo": "nixpkgs",
                "rev": "7c8764b7c7b09b34f632464276218ef9090eaa11",
                "type": "github",
            },
            "original": {
                "owner": "NixOS",
                "ref": "nixos-26.05",
                "repo": "nixpkgs",
                "type": "github",
            },
        },
        "root": {"inputs": {"nixpkgs": "nixpkgs"}},
    },
    "root": "root",
    "version": 7,
}


@pytest.mark.parametrize("path", NIX_FILES, ids=lambda path: str(path.relative_to(REPO)))
def test_every_nix_file_parses(path: Path) -> None:
    require_binary("nix-instantiate")
    result = subprocess.run(["nix-instantiate", "--parse", str(path)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_flake_lock_pins_the_reviewed_nixpkgs_revision() -> None:
    assert json.loads((REPO / "flake.lock").read_text()) == PINNED_LOCK


def test_flake_lock_matches_the_input_url_without_relocking(flake: Flake) -> None:
    """A lock whose `original` differs from flake.nix's URL would be re-locked (a fetch)."""
    result = flake.nix("flake", "metadata", "--json", "--no-update-lock-file", flake.ref,
                       override=False)
    assert result.returncode == 0, result.stderr
    locked = json.loads(result.stdout)["locks"]["nodes"]["nixpkgs"]
    assert locked == PINNED_LOCK["nodes"]["nixpkgs"]


def test_packages_per_system(flake: Flake) -> None:
    assert flake.eval("packages", apply=ATTR_NAMES) == {
        "aarch64-darwin": ["default"],
        "aarch64-linux": ["default", "image", "image-dev", "image-slim"],
        "x86_64-linux": ["default", "image", "image-dev", "image-slim"],
    }


def test_apps_dev_shells_and_formatter_per_system(flake: Flake) -> None:
    apps = flake.eval("apps", apply=ATTR_NAMES)
    assert apps == {system: ["default", "push"] for system in ALL_SYSTEMS}
    shells = flake.eval("devShells", apply=ATTR_NAMES)
    assert shells == {system: ["default"] for system in ALL_SYSTEMS}
    assert sorted(flake.eval("formatter", apply="builtins.attrNames")) == ALL_SYSTEMS


def test_checks_per_system_with_the_vm_test_on_x86_64_only(flake: Flake) -> None:
    common = ["flowcheck", "formatting", "git-plumbing", "image", "image-dev", "image-slim",
              "pytest", "spec-consistency"]
    assert flake.eval("checks", apply=ATTR_NAMES) == {
        "aarch64-linux": common,
        "x86_64-linux": ["compose-vm", *common],
    }


def test_apps_run_the_server_and_the_push_script(flake: Flake) -> None:
    apps = flake.eval("apps.x86_64-linux")
    assert apps["default"]["type"] == "app"
    assert apps["default"]["program"].endswith("-flowcheck-0.5.0/bin/flowcheck-server")
    assert apps["push"]["type"] == "app"
    assert apps["push"]["program"].endswith("-flowcheck-push/bin/flowcheck-push")


def test_flake_show_lists_the_outputs(flake: Flake) -> None:
    result = flake.nix("flake", "show", flake.ref)
    assert result.returncode == 0, result.stderr
    shown = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    for line in ("image-slim: package 'flowcheck.tar.gz'", "default: package 'flowcheck-0.5.0'",
                 "compose-vm: derivation 'vm-test-run-flowcheck-compose'", "NixOS module"):
        assert line in shown


def test_flake_check_evaluates_every_output(flake: Flake) -> None:
    result = flake.nix("flake", "check", "--no-build", flake.ref)
    assert result.returncode == 0, result.stderr
