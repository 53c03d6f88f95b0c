"""Helpers for evaluating the flake offline against the stand-in nixpkgs.

`nix build` cannot run here, so these tests evaluate everything short of it: the flake is
copied into a temporary git repository (so, as for a real checkout, only tracked files count) and
evaluated with `--override-input nixpkgs path:tests/nix/stub-nixpkgs` into a private store.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
STUB_RELATIVE = "tests/nix/stub-nixpkgs"
# What the flake reads; README.md, docs/ and compose/ only when present in the checkout.
FLAKE_INPUTS = ["flake.nix", "flake.lock", "pyproject.toml", "README.md", "nix", "src", "tests",
                "docs", "compose"]
# Read at import: tests/conftest.py clears FLOWCHECK_* variables before each test runs.
REQUIRE_NIX = os.environ.get("FLOWCHECK_REQUIRE_NIX") == "1"
NIX_FEATURES = ["--extra-experimental-features", "nix-command flakes"]


def load_module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def load_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def require_binary(name: str) -> str:
    """The binary's path; a skip without it, or a failure when FLOWCHECK_REQUIRE_NIX=1."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (Debian: apt-get install -y nix-bin)"
        if REQUIRE_NIX:
            pytest.fail(message)
        pytest.skip(message)
    return path


@dataclass(frozen=True)
class Flake:
    root: Path
    env: dict[str, str]
    store: Path

    @property
    def ref(self) -> str:
        return f"git+file://{self.root}"

    @property
    def stub(self) -> Path:
        return self.root / STUB_RELATIVE

    def nix(self, *args: str, override: bool = True) -> subprocess.CompletedProcess[str]:
        flags = ["--store", str(self.store), "--offline", "--no-write-lock-file"]
        if override:
            flags += ["--override-input", "nixpkgs", f"path:{self.stub}"]
        return subprocess.run(
            ["nix", *NIX_FEATURES, *args, *flags],
            cwd=self.root, env=self.env, capture_output=True, text=True, timeout=120,
            check=False,
        )

    def eval(self, attribute: str, apply: str | None = None, impure: bool = False) -> Any:
        args = ["eval", "--json", f"{self.ref}#{attribute}"]
        args += ["--apply", apply] if apply else []
        args += ["--impure"] if impure else []
        result = self.nix(*args)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


def snapshot_flake(base: Path) -> Flake:
    """Copy the flake's inputs into a fresh git repository under `base` (nix sees tracked files)."""
    require_binary("nix")
    require_binary("git")
    root = base / "flake"
    root.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", ".mypy_cache", "*.pyc")
    for name in FLAKE_INPUTS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=ignore)
        elif source.is_file():
            shutil.copy2(source, root / name)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(base / "home"),
        "XDG_CACHE_HOME": str(base / "cache"),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    git = ["git", "-c", "user.name=nix-tests", "-c", "user.email=nix-tests@localhost",
           "-c", "commit.gpgsign=false"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run([*git, *command], cwd=root, env=env, check=True, capture_output=True)
    return Flake(root=root, env=env, store=base / "store")
