"""Every store path in an image comes from the binary cache, except FlowCheck's own derivations,
the image layers and the rebuilds nix/images.toml lists with their reason and cost.

The stub nixpkgs marks what a `.override` returns (`stubRebuilt`), and every stub derivation
takes its arguments as inputs, so an image's derivation graph (`nix show-derivation -r`)
reaches every package it is built from, whether it was passed as a value or inside a string.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.nix.nixflake import Flake

pytestmark = pytest.mark.nix

OUTPUT = {"latest": "image", "slim": "image-slim", "dev": "image-dev"}


def rebuilt_in(flake: Flake, drv_path: str) -> set[str]:
    """The nixpkgs packages changed by `.override` anywhere in the derivation's graph."""
    result = flake.nix("show-derivation", "-r", drv_path, override=False)
    assert result.returncode == 0, result.stderr
    graph = json.loads(result.stdout)
    return {drv["env"]["stubRebuilt"] for drv in graph.values() if "stubRebuilt" in drv["env"]}


def image_rebuilds(flake: Flake, variant: str) -> set[str]:
    return rebuilt_in(flake, flake.eval(f"packages.x86_64-linux.{OUTPUT[variant]}.drvPath"))


@pytest.mark.parametrize("variant", list(OUTPUT))
def test_an_image_rebuilds_only_what_images_toml_lists(
    flake: Flake, spec: dict[str, Any], variant: str
) -> None:
    """issue 9: slim's python3.override { stripTests ... } changed CPython's hash, so CPython and
    every Python package (pydantic-core, rpds-py and jiter are Rust builds) built from source."""
    assert image_rebuilds(flake, variant) == {"fake-nss"}
    assert set(spec["rebuilds"]) == {"fake-nss"}


def test_every_listed_rebuild_is_used_and_says_why_and_what_it_costs(
    flake: Flake, spec: dict[str, Any]
) -> None:
    used = set().union(*(image_rebuilds(flake, variant) for variant in OUTPUT))
    assert set(spec["rebuilds"]) == used
    for entry in spec["rebuilds"].values():
        assert sorted(entry) == ["cost", "reason"]
        assert all(isinstance(value, str) and value.strip() for value in entry.values())


def test_an_overridden_interpreter_is_found_through_the_packages_built_with_it(
    flake: Flake,
) -> None:
    """The detector itself: the old slim build (FlowCheck on python3.override) is reported,
    although the interpreter reaches the app only as its Python packages' interpreter."""
    expression = f"""
      let
        nixpkgs = (import {flake.stub}/flake.nix).outputs {{ self = nixpkgs; }};
        pkgs = nixpkgs.legacyPackages.x86_64-linux;
        trimmed = pkgs.python3.override {{ self = trimmed; stripTests = true; }};
      in
      (import {flake.root}/nix/package.nix {{
        inherit (pkgs) lib;
        git = pkgs.gitMinimal;
        python = trimmed;
        extras = [ ];
      }}).drvPath
    """
    result = flake.nix("eval", "--raw", "--impure", "--expr", expression, override=False)
    assert result.returncode == 0, result.stderr
    assert rebuilt_in(flake, result.stdout) == {"python3"}
