"""Each image, as the flake asks dockerTools to build it, against nix/images.toml."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.nix.nixflake import REPO, Flake, load_module

pytestmark = pytest.mark.nix

spec_consistency = load_module("spec_consistency", REPO / "nix" / "checks" / "spec_consistency.py")

OUTPUT = {"latest": "image", "slim": "image-slim", "dev": "image-dev"}
# Store paths end in the derivation name; these are what each variant's contents are made of.
CONTENTS = {
    "latest": ["flowcheck-0.5.0", "fake-nss", "ca-certificates"],
    "slim": ["flowcheck-0.5.0", "fake-nss", "ca-certificates"],
    "dev": ["flowcheck-0.5.0", "fake-nss", "ca-certificates", "bin-sh", "bash", "coreutils",
            "pytest", "python"],
}


def image_args(flake: Flake, variant: str, system: str = "x86_64-linux") -> Any:
    return flake.eval(f"packages.{system}.{OUTPUT[variant]}.stubArgs")


def app_field(flake: Flake, variant: str, expression: str) -> Any:
    """Evaluate `expression` with `app` bound to the FlowCheck package inside the image."""
    return flake.eval(f"packages.x86_64-linux.{OUTPUT[variant]}.stubArgs.contents",
                      apply=f"contents: let app = builtins.head contents; in {expression}")


def test_spec_variants_are_the_three_flake_images(spec: dict[str, Any]) -> None:
    assert list(spec["variants"]) == list(OUTPUT)


@pytest.mark.parametrize("system", ["x86_64-linux", "aarch64-linux"])
@pytest.mark.parametrize("variant", list(OUTPUT))
def test_image_config_equals_the_spec(
    flake: Flake, spec: dict[str, Any], pyproject: dict[str, Any], variant: str, system: str
) -> None:
    """Nix 2.8 drops `self.rev` when an input is overridden, so the label reads "unknown" here;
    test_revision_label_is_the_flake_revision covers the revision itself."""
    expected = spec_consistency.expected_config(spec, pyproject["project"]["version"], "unknown")
    assert image_args(flake, variant, system)["config"] == expected


@pytest.mark.parametrize("variant", list(OUTPUT))
def test_image_name_and_tag_come_from_the_spec(
    flake: Flake, spec: dict[str, Any], variant: str
) -> None:
    args = image_args(flake, variant)
    assert (args["name"], args["tag"]) == (spec["repository"], spec["variants"][variant]["tag"])
    assert "created" not in args and "mtime" not in args


@pytest.mark.parametrize("variant", list(OUTPUT))
def test_image_contents_per_variant(flake: Flake, variant: str) -> None:
    paths = image_args(flake, variant)["contents"]
    assert [path.split("-", 1)[1] for path in paths] == CONTENTS[variant]


RUNTIME = ["mcp", "pydantic-settings", "uvicorn", "pyyaml", "pathspec"]
DEV = ["pytest", "pytest-asyncio", "pytest-timeout", "hypothesis", "httpx", "ruff", "mypy",
       "types-pyyaml", "jsonschema", "kubernetes-validate"]


OTEL = ["opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-http"]


@pytest.mark.parametrize(
    ("variant", "modules"),
    [("latest", RUNTIME + OTEL), ("slim", RUNTIME), ("dev", RUNTIME + DEV + OTEL)],
)
def test_app_in_each_image_carries_its_extras(
    flake: Flake, variant: str, modules: list[str]
) -> None:
    """issue 9: latest carried the anthropic SDKs, which FlowCheck never imports; issue 12:
    latest and dev carry the OpenTelemetry exporter that src/flowcheck/telemetry.py uses, and
    slim stays without it."""
    assert app_field(flake, variant, "map (m: m.pname) app.stubArgs.dependencies") == modules


def test_service_user_is_in_passwd_and_group(flake: Flake) -> None:
    nss = flake.eval("packages.x86_64-linux.image.stubArgs.contents",
                     apply="contents: (builtins.elemAt contents 1).stubArgs")
    assert nss == {
        "extraPasswdLines": ["flowcheck:x:1000:1000:flowcheck:/home/flowcheck:/sbin/nologin"],
        "extraGroupLines": ["flowcheck:x:1000:"],
    }


def test_tmp_is_sticky_and_state_dirs_belong_to_the_service_user_and_group_0(
    flake: Flake,
) -> None:
    """0.4 defect B4.3: a root-owned home made the non-root server crash at startup. Issue 9
    defect 2.2: an arbitrary uid in group 0 (OpenShift) could not write /data."""
    args = image_args(flake, "slim")
    assert args["extraCommands"] == "mkdir -p ./tmp\nchmod 1777 ./tmp\n"
    assert args["fakeRootCommands"] == (
        "mkdir -p ./data ./home/flowcheck\nchown 1000:0 ./data ./home/flowcheck\n"
        "chmod 775 ./data ./home/flowcheck\n"
    )


def test_dev_image_python_is_the_interpreter_that_imports_flowcheck_and_pytest(
    flake: Flake,
) -> None:
    """Issue 9 defect 2.3: the dev image had no `python` command."""
    python = flake.eval("packages.x86_64-linux.image-dev.stubArgs.contents",
                        apply="contents: (builtins.elemAt contents 7).stubArgs")
    assert (python["name"], python["text"]) == (
        "python", f'exec {python["text"].split()[1]} "$@"'
    )
    assert re.fullmatch(r"/nix/store/[a-z0-9]{32}-python3-[\d.]+-env/bin/python",
                        python["text"].split()[1])


def test_dev_image_pytest_runs_the_suite_against_the_installed_app(flake: Flake) -> None:
    """0.4 defect B4.4: the CI "test" job ran pytest in an image that had no pytest."""
    runner = flake.eval("packages.x86_64-linux.image-dev.stubArgs.contents",
                        apply="contents: let args = (builtins.elemAt contents 6).stubArgs; in "
                              "args // { suite = args.passthru.suite.files; }")
    assert runner["name"] == "pytest"
    assert re.fullmatch(
        r'cd "\$\(mktemp -d\)"\n'
        r"exec pytest -c (/nix/store/[a-z0-9]{32}-source)/pyproject\.toml --rootdir \1 "
        r'-p no:cacheprovider \\\n  -m "not container and not nix" \1/tests "\$@"\n',
        runner["text"],
    )
    present = [name for name in ("docs", "compose") if (REPO / name).is_dir()]
    tests = sorted(path.name for path in (REPO / "tests").iterdir()
                   if path.name not in ("container", "__pycache__"))
    assert sorted(runner["suite"]) == sorted(
        ["pyproject.toml", "README.md", *[f"tests/{name}" for name in tests], *present,
         "nix/images.toml", "nix/push_images.py", "nix/checks/spec_consistency.py",
         "nix/checks/image_sizes.py"]
    )
    assert [path.split("-", 1)[1] for path in runner["runtimeInputs"]] == [
        "python3-3.13.8-env",
        "git",
        "coreutils",
        "dash",
        "bash",
    ]


@pytest.mark.parametrize(
    ("source_info", "revision"),
    [('{ rev = "0123abcd"; }', "0123abcd"), ('{ dirtyRev = "0123abcd-dirty"; }', "0123abcd-dirty"),
     ("{ }", "unknown")],
)
def test_revision_label_is_the_flake_revision(
    flake: Flake, source_info: str, revision: str
) -> None:
    """The flake's outputs function called directly, with `self` carrying the source info."""
    expression = f"""
      let
        nixpkgs = (import {flake.stub}/flake.nix).outputs {{ self = nixpkgs; }};
        self = (import {flake.root}/flake.nix).outputs {{ inherit self nixpkgs; }} // {source_info};
      in
      self.packages.x86_64-linux.image.stubArgs.config.Labels
    """
    result = flake.nix("eval", "--json", "--impure", "--expr", expression, override=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["org.opencontainers.image.revision"] == revision


def test_every_image_sets_path_in_its_env(flake: Flake, spec: dict[str, Any]) -> None:
    """issue 9: only Docker adds a default PATH, and the images' Cmd and health check name
    `flowcheck` (the VM test's Traefik image: `traefik`) without a directory."""
    path = spec["contract"]["env"]["PATH"]
    assert path.split(":")[-1] == "/bin"
    for variant in OUTPUT:
        assert f"PATH={path}" in image_args(flake, variant)["config"]["Env"]
    traefik = flake.eval("checks.x86_64-linux.compose-vm.stubArgs.passthru.traefikImage.stubArgs")
    assert traefik["config"] == {"Entrypoint": ["traefik"], "Env": ["PATH=/bin"]}


@pytest.mark.parametrize("variant", list(OUTPUT))
def test_contents_closure_refers_to_every_store_path_in_the_image(
    flake: Flake, variant: str
) -> None:
    """CI prints `nix path-info -rsSh` of this file as the image's closure breakdown."""
    closure = flake.eval(f"packages.x86_64-linux.{OUTPUT[variant]}.contentsClosure.stubArgs.text")
    args = image_args(flake, variant)
    assert closure.split("\n") == [*args["contents"], json.dumps(args["config"],
                                                                   separators=(",", ":"))]
