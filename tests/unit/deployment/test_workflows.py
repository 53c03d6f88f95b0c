"""The GitHub workflows and templates: they parse, pin their actions, run the README's test
command, and the release pushes the flake's images under the spec's variant names."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.nix.nixflake import REPO, load_module
from tests.unit.deployment.project import (
    SPEC,
    VERSION,
    image_reference,
    needs_repository_files,
)

GITHUB = REPO / ".github"
WORKFLOWS = {path.name: path for path in (GITHUB / "workflows").glob("*.yml")}
ALLOW_FILE = GITHUB / "vulnix-allow.toml"
FLAKE = (REPO / "flake.nix").read_text() if (REPO / "flake.nix").exists() else ""
PUSH = load_module("push_images", REPO / "nix" / "push_images.py")
pytestmark = needs_repository_files(".github", "flake.nix", "README.md", "scripts/release")


def workflow(name: str) -> dict[str, Any]:
    # PyYAML reads the key `on` as True (YAML 1.1); keep it under its real name.
    document = yaml.safe_load(WORKFLOWS[name].read_text())
    document["on"] = document.pop(True)
    return dict(document)


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job["steps"])


def run_scripts(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in steps(job))


def flake_outputs() -> dict[str, str]:
    """Flake package name -> nix/images.toml variant it builds."""
    return dict(re.findall(r"^\s*([\w-]+) = images\.(\w+);", FLAKE, re.MULTILINE))


def flake_linux_systems() -> list[str]:
    block = re.search(r"linuxSystems = \[(.*?)\];", FLAKE, re.DOTALL)
    assert block is not None
    return re.findall(r'"([^"]+)"', block.group(1))


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_every_action_is_pinned_to_a_release(name: str) -> None:
    for job in workflow(name)["jobs"].values():
        for step in steps(job):
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+(\.\d+){0,2}", step["uses"]), step


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text()
    assert "```sh\nscripts/test\n```" in readme
    ci = workflow("ci.yml")
    assert set(ci["on"]) == {"push", "pull_request", "workflow_dispatch"}
    [job] = ci["jobs"].values()
    assert steps(job)[-1]["run"] == "scripts/test"
    # scripts/test installs Debian packages and may start dockerd: root in a Debian container.
    assert job["container"]["image"].startswith("debian:")
    assert "--privileged" in job["container"]["options"]


def test_the_release_runs_on_version_tags_only() -> None:
    release = workflow("release.yml")
    assert release["on"] == {"push": {"tags": ["v*.*.*"]}}
    assert release["permissions"] == {"contents": "read"}
    assert release["jobs"]["publish"]["permissions"] == {"contents": "write"}


def build_job() -> dict[str, Any]:
    return dict(workflow("release.yml")["jobs"]["build"])


def variant_outputs() -> dict[str, str]:
    pairs = build_job()["env"]["VARIANTS"].split()
    return dict(pair.split("=") for pair in pairs)


def test_the_release_builds_every_variant_of_the_spec_from_its_flake_output() -> None:
    variants = variant_outputs()
    assert sorted(variants) == sorted(SPEC["variants"])
    outputs = flake_outputs()
    assert {variant: outputs[output] for variant, output in variants.items()} == {
        variant: variant for variant in variants
    }
    assert 'nix build -L --no-update-lock-file ".#$output" --out-link "$output"' in run_scripts(
        build_job()
    )


def test_the_release_builds_on_each_linux_system_of_the_flake() -> None:
    matrix = build_job()["strategy"]["matrix"]["include"]
    assert [entry["system"] for entry in matrix] == flake_linux_systems()
    assert [entry["runner"] for entry in matrix] == ["ubuntu-24.04", "ubuntu-24.04-arm"]


def dry_run(arguments: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(PUSH.USERNAME_VARIABLE, "release-bot")
    monkeypatch.setenv(PUSH.PASSWORD_VARIABLE, "not-a-real-password")
    output = io.StringIO()
    with redirect_stdout(output):
        assert PUSH.main([*arguments, "--dry-run"]) == 0
    return output.getvalue()


def test_the_push_step_pushes_every_tag_per_architecture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = run_scripts(build_job())
    assert 'for pair in $VARIANTS; do images+=(--image "$pair"); done' in script
    push = 'nix run --no-update-lock-file .#push -- "${images[@]}" --arch-suffix'
    assert f'{push} "${{{{ matrix.system }}}}"' in script
    assert "push = app (" in FLAKE
    for output in variant_outputs().values():
        (tmp_path / output).write_bytes(b"a docker-archive tarball")
    pairs = build_job()["env"]["VARIANTS"].split()
    images = [word for pair in pairs for word in ("--image", pair)]
    printed = dry_run([*images, "--arch-suffix", "aarch64-linux"], tmp_path, monkeypatch)
    expected = [
        image_reference(f"{tag}-aarch64-linux")
        for variant in SPEC["variants"].values()
        for tag in (variant["tag"], f"{VERSION}{variant['version_suffix']}")
    ]
    assert re.findall(r"docker://(\S+)", printed) == expected


def test_the_manifest_lists_join_the_architectures_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = workflow("release.yml")["jobs"]["manifest"]
    [command] = [step["run"] for step in steps(manifest) if ".#push" in step.get("run", "")]
    suffixes = command.split("--manifest-list ")[1].split()[0]
    systems = [entry["system"] for entry in build_job()["strategy"]["matrix"]["include"]]
    assert suffixes.split(",") == systems
    printed = dry_run(["--manifest-list", suffixes], tmp_path, monkeypatch)
    assert printed.count("regctl index create") == 2 * len(SPEC["variants"])
    assert f"--ref {image_reference('latest-aarch64-linux')}" in printed


def test_registry_credentials_come_from_secrets_under_the_push_scripts_names() -> None:
    release = workflow("release.yml")
    for job_name in ("build", "manifest"):
        [step] = [s for s in steps(release["jobs"][job_name]) if ".#push" in s.get("run", "")]
        assert step["env"] == {
            PUSH.USERNAME_VARIABLE: "${{ secrets.REGISTRY_USERNAME }}",
            PUSH.PASSWORD_VARIABLE: "${{ secrets.REGISTRY_PASSWORD }}",
        }


def test_the_scan_gates_on_the_allow_file_which_exists_and_parses() -> None:
    script = run_scripts(build_job())
    relative = ALLOW_FILE.relative_to(REPO)
    assert f"--whitelist {relative}" in script
    assert f"scripts/release/closure.py gate \"$report\" --allow {relative}" in script
    assert "nixpkgs#vulnix" in script
    closure = load_module("release_closure", REPO / "scripts" / "release" / "closure.py")
    assert closure.allow_entries(ALLOW_FILE) == {}
    scan = script.index("closure.py gate")
    assert scan < script.index(".#push"), "images are scanned before they are pushed"


def test_sboms_and_reports_reach_the_release() -> None:
    release = workflow("release.yml")
    build = steps(release["jobs"]["build"])
    [upload] = [s for s in build if "upload-artifact" in s.get("uses", "")]
    [download] = [
        s for s in steps(release["jobs"]["publish"]) if "download-artifact" in s.get("uses", "")
    ]
    assert upload["with"]["path"] == "reports/"
    assert download["with"]["path"] == "reports"
    assert "gh release create" in run_scripts(release["jobs"]["publish"])
    assert "reports/sbom-$variant-" in run_scripts(release["jobs"]["build"])


def test_the_pull_request_template_asks_for_the_image_change() -> None:
    template = (GITHUB / "pull_request_template.md").read_text()
    section = template[template.index("## Image change") :]
    for variant in SPEC["variants"]:
        assert f"| `{variant}` |" in section
    assert "delta" in section
    assert "Vulnerability scan" in section


@pytest.mark.parametrize("name", ["bug.yml", "feature.yml"])
def test_issue_forms_are_well_formed(name: str) -> None:
    form = yaml.safe_load((GITHUB / "ISSUE_TEMPLATE" / name).read_text())
    assert {"name", "description", "body"} <= set(form)
    fields = [item for item in form["body"] if item["type"] != "markdown"]
    ids = [item["id"] for item in fields]
    assert len(ids) == len(set(ids))
    assert all(item["attributes"]["label"] for item in fields)
    assert any(item.get("validations", {}).get("required") for item in fields)
