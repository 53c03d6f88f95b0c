"""`nixfmt --check` over the files the flake's formatting check covers, which are also the files
`nix fmt` formats (nixfmt-tree: every *.nix file in the tree)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.nix.nixflake import REPO, Flake

pytestmark = pytest.mark.nix

# nixfmt 1.2.0 built for the developers' machines (../shared/tools/README.md).
SHARED_NIXFMT = REPO.parent / "shared" / "tools" / "nixfmt"


def find_nixfmt() -> str:
    """The shared nixfmt or one on PATH; otherwise a skip, even with FLOWCHECK_REQUIRE_NIX=1,
    because a user's fresh clone has no ../shared (`nix fmt` formats it there)."""
    if os.access(SHARED_NIXFMT, os.X_OK):
        return str(SHARED_NIXFMT)
    found = shutil.which("nixfmt")
    if found is None:
        pytest.skip(f"no nixfmt: neither {SHARED_NIXFMT} nor `nixfmt` on PATH "
                    "(`nix develop` provides one)")
    return found


def formatting_set(flake: Flake) -> list[str]:
    """The files of checks.<system>.formatting, as the flake computes them."""
    files: list[str] = flake.eval("checks.x86_64-linux.formatting.source.files")
    return sorted(files)


def tracked_nix_files() -> list[str]:
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "*.nix"],
        cwd=REPO, capture_output=True, check=True,
    )
    return sorted(name for name in listing.stdout.decode().split("\0") if name)


def test_the_formatting_check_covers_every_nix_file_as_nix_fmt_does(flake: Flake) -> None:
    """issue 9: the check saw flake.nix and nix/ while `nix fmt` also formats the stub nixpkgs."""
    assert formatting_set(flake) == tracked_nix_files()


def test_every_nix_file_is_nixfmt_formatted(request: pytest.FixtureRequest) -> None:
    """issue 9: nixfmt 1.x reported `flake.nix: not formatted`, which failed
    checks.<system>.formatting, so `nix flake check` failed on both systems."""
    nixfmt = find_nixfmt()
    flake: Flake = request.getfixturevalue("flake")
    files = formatting_set(flake)
    assert "flake.nix" in files
    result = subprocess.run([nixfmt, "--check", *files], cwd=REPO, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
