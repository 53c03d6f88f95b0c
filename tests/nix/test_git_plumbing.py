"""The git FlowCheck runs (nix/git-plumbing.nix) and the flake check that exercises it."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from tests.nix.nixflake import REPO, Flake

pytestmark = pytest.mark.nix

CHECK_SCRIPT = REPO / "nix" / "checks" / "git-plumbing.sh"


def subcommands_in_source() -> set[str]:
    """Every git subcommand src/flowcheck runs: `run_git(repo, "sub", ...)` calls and argv
    literals that start `["git", "-C", repo, "sub", ...]`."""
    found: set[str] = set()
    for path in (REPO / "src" / "flowcheck").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "run_git" and len(node.args) > 1):
                argument = node.args[1]
            elif (isinstance(node, ast.List) and len(node.elts) > 3
                  and isinstance(node.elts[0], ast.Constant) and node.elts[0].value == "git"):
                argument = node.elts[3]
            else:
                continue
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.add(argument.value)
    return found


def subcommands_in_check(script: Path) -> set[str]:
    return set(re.findall(r'"\$git" ([a-z][a-z-]*)', script.read_text()))


def test_the_check_runs_exactly_the_subcommands_flowcheck_uses() -> None:
    """A subcommand FlowCheck starts to use must be proven to work with the binary alone."""
    used = subcommands_in_source()
    assert used >= {"status", "diff", "log", "rev-parse", "config", "remote"}
    assert subcommands_in_check(CHECK_SCRIPT) == used


def test_flowcheck_gets_the_git_binary_alone_without_gitminimals_closure(flake: Flake) -> None:
    """issue 9: gitMinimal on PATH put curl, krb5, gettext, bash and coreutils in every image.
    The copy keeps no reference to gitMinimal or to the shell, and the build enforces it."""
    expression = f"""
      let
        nixpkgs = (import {flake.stub}/flake.nix).outputs {{ self = nixpkgs; }};
        pkgs = nixpkgs.legacyPackages.x86_64-linux;
        plumbing = import {flake.root}/nix/git-plumbing.nix {{
          inherit (pkgs) runCommand gitMinimal removeReferencesTo runtimeShellPackage;
        }};
      in
      {{
        out = plumbing.outPath;
        inherit (plumbing.stubArgs) buildCommand;
        env = builtins.removeAttrs plumbing.stubArgs.env [ "meta" ];
        git = pkgs.gitMinimal.outPath;
        shell = pkgs.runtimeShellPackage.outPath;
        tool = pkgs.removeReferencesTo.outPath;
      }}
    """
    result = flake.nix("eval", "--json", "--impure", "--expr", expression, override=False)
    assert result.returncode == 0, result.stderr
    plumbing = json.loads(result.stdout)
    git, shell = plumbing["git"], plumbing["shell"]
    assert plumbing["env"] == {"nativeBuildInputs": [plumbing["tool"]],
                               "disallowedReferences": [git, shell]}
    assert plumbing["buildCommand"] == (
        f'install -D -m 0555 {git}/bin/git "$out/bin/git"\n'
        f'remove-references-to -t {git} -t {shell} "$out/bin/git"\n'
    )
    wrapper = flake.eval("packages.x86_64-linux.default.stubArgs.makeWrapperArgs")
    assert wrapper[3] == f"{plumbing['out']}/bin"


def test_the_flake_check_runs_the_script_on_the_plumbing_git(flake: Flake) -> None:
    command = flake.eval("checks.x86_64-linux.git-plumbing.stubArgs.buildCommand")
    assert re.fullmatch(
        r"/nix/store/\w{32}-bash/bin/bash /nix/store/\w{32}-git-plumbing\.sh "
        r"/nix/store/\w{32}-git-plumbing/bin/git /nix/store/\w{32}-git/bin/git\n"
        r'touch "\$out"\n',
        command,
    )
