"""The package, dev shell, push app, NixOS module and VM test, as the flake evaluates them."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest

from flowcheck.settings import Settings
from tests.nix.nixflake import REPO, Flake

pytestmark = pytest.mark.nix

PACKAGE = "packages.x86_64-linux.default.stubArgs"
SETTINGS_VARIABLES = {f"FLOWCHECK_{name.upper()}" for name in Settings.model_fields}


def nixpkgs_name(requirement: str) -> str:
    """The pinned package set's attribute for a PEP 508 requirement ("types-PyYAML" -> ...)."""
    name = re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def pnames(flake: Flake, attribute: str) -> Any:
    return flake.eval(attribute, apply="builtins.map (m: m.pname)")


def test_version_is_pyprojects(flake: Flake, pyproject: dict[str, Any]) -> None:
    package = flake.eval("packages.x86_64-linux.default", apply="p: { inherit (p) version pname; }")
    assert package == {"pname": "flowcheck", "version": pyproject["project"]["version"]}


def test_runtime_source_has_no_tests_docs_or_compose(flake: Flake) -> None:
    expected = ["pyproject.toml", *(["README.md"] if (REPO / "README.md").is_file() else []), "src"]
    assert flake.eval(f"{PACKAGE}.src.files") == expected


def test_build_is_pyproject_with_hatchling_and_an_import_check(flake: Flake) -> None:
    args = flake.eval(PACKAGE, apply="a: { inherit (a) pyproject doCheck pythonImportsCheck; }")
    assert args == {"pyproject": True, "doCheck": False, "pythonImportsCheck": ["flowcheck"]}
    assert pnames(flake, f"{PACKAGE}.build-system") == ["hatchling"]


def test_dependencies_are_pyprojects_from_the_pinned_set(
    flake: Flake, pyproject: dict[str, Any]
) -> None:
    project = pyproject["project"]
    assert pnames(flake, f"{PACKAGE}.dependencies") == [
        nixpkgs_name(requirement) for requirement in project["dependencies"]
    ]
    extras = flake.eval(f"{PACKAGE}.optional-dependencies",
                        apply="builtins.mapAttrs (extra: builtins.map (m: m.pname))")
    assert extras == {
        extra: [nixpkgs_name(requirement) for requirement in requirements]
        for extra, requirements in project["optional-dependencies"].items()
    }


def test_git_is_on_the_wrapped_programs_path(flake: Flake) -> None:
    """0.4 defect: GitPython found no git executable in the slim image. (Which git it is:
    tests/nix/test_git_plumbing.py.)"""
    wrapper = flake.eval(f"{PACKAGE}.makeWrapperArgs")
    assert wrapper[:3] == ["--prefix", "PATH", ":"]
    assert re.fullmatch(r"/nix/store/[a-z0-9]{32}-git-plumbing/bin", wrapper[3])


def test_push_app_wraps_the_push_script_with_skopeo_and_regctl(flake: Flake) -> None:
    """The push logic is nix/push_images.py, runnable outside Nix; the app only wraps it."""
    program = flake.eval("apps.x86_64-linux.push.program")
    assert re.fullmatch(r"/nix/store/[a-z0-9]{32}-flowcheck-push/bin/flowcheck-push", program)
    expression = f"""
      let
        pkgs = import {flake.stub}/pkgs.nix {{
          lib = import {flake.stub}/lib.nix;
          system = "x86_64-linux";
        }};
      in
      (import {flake.root}/nix/push.nix {{
        inherit (pkgs) writeShellApplication python3 skopeo regclient;
      }}).stubArgs
    """
    result = flake.nix("eval", "--json", "--impure", "--expr", expression, override=False)
    assert result.returncode == 0, result.stderr
    app = json.loads(result.stdout)
    assert [path.split("-", 1)[1] for path in app["runtimeInputs"]] == [
        "python3-3.13.8", "skopeo", "regctl",
    ]
    assert re.fullmatch(
        r'exec python3 /nix/store/[a-z0-9]{32}-push_images\.py '
        r'--spec /nix/store/[a-z0-9]{32}-images\.toml '
        r'--pyproject /nix/store/[a-z0-9]{32}-pyproject\.toml "\$@"\n',
        app["text"],
    )


def test_dev_shell_has_the_tools_and_a_banner(flake: Flake) -> None:
    shell = flake.eval("devShells.x86_64-linux.default.stubArgs")
    names = [path.split("-", 1)[1] for path in shell["packages"]]
    assert names == ["python3-3.13.8-env", "docker-compose", "git", "mypy", "nixfmt", "ruff",
                     "skopeo"]
    assert "FlowCheck dev shell" in shell["shellHook"]


def module_config(flake: Flake, settings: str) -> Any:
    """The module's config for `services.flowcheck = settings`, evaluated with the stub lib."""
    apply = f"""
      module:
      let
        lib = import {flake.stub}/lib.nix;
        evaluated = module {{
          inherit lib;
          pkgs.stdenv.hostPlatform.system = "x86_64-linux";
          config.services.flowcheck = {settings};
        }};
      in
      {{
        options = builtins.attrNames evaluated.options.services.flowcheck;
        inherit (evaluated.config) condition;
        service = evaluated.config.content.systemd.services.flowcheck;
      }}
    """
    return flake.eval("nixosModules.default", apply=apply, impure=True)


MODULE_SETTINGS = """{
  enable = true;
  package = { outPath = "/nix/store/0000-flowcheck"; meta.mainProgram = "flowcheck"; };
  host = "0.0.0.0";
  port = 8100;
  authTokenFile = "/run/keys/flowcheck-token";
  allowedRoots = [ "/srv/a" "/srv/b" ];
  allowedHosts = [ ];
  environment = { FLOWCHECK_LOG_LEVEL = "DEBUG"; };
}"""


def test_module_options(flake: Flake) -> None:
    assert module_config(flake, MODULE_SETTINGS)["options"] == [
        "allowedHosts", "allowedRoots", "authTokenFile", "enable", "environment", "host",
        "package", "port",
    ]


def test_module_passes_settings_as_flowcheck_environment(flake: Flake) -> None:
    config = module_config(flake, MODULE_SETTINGS)
    assert config["condition"] is True
    assert config["service"]["environment"] == {
        "FLOWCHECK_TRANSPORT": "http",
        "FLOWCHECK_SERVER_HOST": "0.0.0.0",
        "FLOWCHECK_SERVER_PORT": "8100",
        "FLOWCHECK_STORAGE_PATH": "/var/lib/flowcheck",
        "FLOWCHECK_ALLOWED_ROOTS": "/srv/a,/srv/b",
        "FLOWCHECK_AUTH_TOKEN_FILE": "%d/token",
        "FLOWCHECK_LOG_LEVEL": "DEBUG",
    }
    names = {name.removesuffix("_FILE") for name in config["service"]["environment"]}
    assert names <= SETTINGS_VARIABLES


def test_module_unit_is_hardened(flake: Flake) -> None:
    service = module_config(flake, MODULE_SETTINGS)["service"]["serviceConfig"]
    assert service["ExecStart"] == "/nix/store/0000-flowcheck/bin/flowcheck serve --transport http"
    assert service["LoadCredential"] == ["token:/run/keys/flowcheck-token"]
    hardening = {key: service[key] for key in (
        "DynamicUser", "StateDirectory", "ProtectSystem", "ProtectHome", "PrivateTmp",
        "NoNewPrivileges", "CapabilityBoundingSet", "RestartPreventExitStatus")}
    assert hardening == {
        "DynamicUser": True,
        "StateDirectory": "flowcheck",
        "ProtectSystem": "strict",
        "ProtectHome": "read-only",
        "PrivateTmp": True,
        "NoNewPrivileges": True,
        "CapabilityBoundingSet": "",
        "RestartPreventExitStatus": 2,
    }


def test_vm_test_loads_the_images_runs_compose_and_the_smoke_script(flake: Flake) -> None:
    vm = flake.eval("checks.x86_64-linux.compose-vm.stubArgs",
                    apply="t: { inherit (t) name testScript; "
                          "machine = builtins.removeAttrs t.nodes.machine [ \"imports\" ]; }")
    assert vm["name"] == "flowcheck-compose"
    assert vm["machine"]["virtualisation"] == {
        "docker": {"enable": True}, "diskSize": 4096, "memorySize": 2048,
    }
    assert vm["machine"]["services"]["flowcheck"]["enable"] is True
    script = vm["testScript"]
    image = flake.eval("packages.x86_64-linux.image")
    assert f"docker load -i {image}" in script
    assert re.search(r"FLOWCHECK_TRAEFIK_IMAGE=flowcheck-vm/traefik:nix docker compose "
                     r"-f /nix/store/[a-z0-9]{32}-compose/compose\.yaml up -d --wait", script)
    assert "test -f $(docker volume inspect" in script
    smoke_runs = re.findall(r"python3 /nix/store/[a-z0-9]{32}-smoke\.py ([^\s\"]+) ([^\s\"]+)",
                            script)
    assert smoke_runs == [("http://127.0.0.1:8000", "vm-token"),
                          ("http://127.0.0.1:8000", "vm-token"),
                          ("http://127.0.0.1:8100", "module-token")]


def test_stub_rejects_an_argument_nixpkgs_does_not_declare(flake: Flake) -> None:
    """The stand-in is only useful if a misspelt argument fails as it would against nixpkgs."""

    def image_name(contents_argument: str) -> subprocess.CompletedProcess[str]:
        expression = f"""
          ((import {flake.stub}/pkgs.nix {{
            lib = import {flake.stub}/lib.nix;
            system = "x86_64-linux";
          }}).dockerTools.buildLayeredImage {{ name = "x"; {contents_argument} = [ ]; }}).name
        """
        return flake.nix("eval", "--json", "--impure", "--expr", expression, override=False)

    misspelt = image_name("contnets")
    assert misspelt.returncode != 0
    assert "called with unexpected argument 'contnets'" in misspelt.stderr
    assert json.loads(image_name("contents").stdout) == "x.tar.gz"
