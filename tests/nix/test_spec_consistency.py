"""nix/checks/spec_consistency.py, the flake check that compares built images with the spec."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.nix.nixflake import REPO, load_module

check = load_module("spec_consistency", REPO / "nix" / "checks" / "spec_consistency.py")


def docker_archive(path: Path, repo_tags: list[str], config: dict[str, Any]) -> Path:
    """A gzip-compressed docker-archive with just the manifest and the image config."""
    files = {
        "manifest.json": json.dumps([{"Config": "abc.json", "RepoTags": repo_tags,
                                      "Layers": []}]),
        "abc.json": json.dumps({"architecture": "amd64", "config": config}),
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, text in files.items():
            data = text.encode()
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    path.write_bytes(gzip.compress(buffer.getvalue()))
    return path


def test_matching_image_has_no_problems(tmp_path: Path, spec: dict[str, Any]) -> None:
    config = check.expected_config(spec, "0.5.0", "abc123")
    tarball = docker_archive(tmp_path / "slim.tar.gz", ["backslash-ux/flowcheck:slim"], config)
    assert check.image_problems("slim", tarball, spec, "0.5.0", "abc123") == []


def test_each_difference_is_named(tmp_path: Path, spec: dict[str, Any]) -> None:
    config = check.expected_config(spec, "0.5.0", "abc123")
    config["User"] = "0:0"
    del config["Healthcheck"]
    tarball = docker_archive(tmp_path / "dev.tar.gz", ["backslash-ux/flowcheck:latest"], config)
    healthcheck = check.expected_config(spec, "0.5.0", "abc123")["Healthcheck"]
    assert check.image_problems("dev", tarball, spec, "0.5.0", "abc123") == [
        "dev: tagged ['backslash-ux/flowcheck:latest'], spec says backslash-ux/flowcheck:dev",
        "dev: config User is '0:0', spec says '1000:1000'",
        f"dev: config Healthcheck is None, spec says {healthcheck!r}",
    ]


def test_unknown_variant(tmp_path: Path, spec: dict[str, Any]) -> None:
    assert check.image_problems("fat", tmp_path / "x", spec, "0.5.0", "r") == [
        "fat: not a variant of the spec (latest, slim, dev)"
    ]


def test_compose_default_images_are_spec_variants(spec: dict[str, Any]) -> None:
    compose = yaml.safe_load((REPO / "compose" / "compose.yaml").read_text())
    assert check.compose_problems(spec, compose) == []


def test_compose_image_outside_the_spec_is_reported(spec: dict[str, Any]) -> None:
    compose = {"services": {"app": {"image": "${FLOWCHECK_IMAGE:-backslash-ux/flowcheck:fat}"},
                            "proxy": {"image": "traefik:v3"}}}
    assert check.compose_problems(spec, compose) == [
        "compose service app runs backslash-ux/flowcheck:fat, not one of "
        "['backslash-ux/flowcheck:dev', 'backslash-ux/flowcheck:latest', "
        "'backslash-ux/flowcheck:slim']"
    ]


@pytest.mark.parametrize("compressed", [True, False])
def test_command_line_exit_status(
    tmp_path: Path, spec: dict[str, Any], compressed: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    config = check.expected_config(spec, "0.5.0", "rev1")
    tarball = docker_archive(tmp_path / "latest.tar.gz", ["backslash-ux/flowcheck:latest"], config)
    if not compressed:
        tarball.write_bytes(gzip.decompress(tarball.read_bytes()))
    common = ["--spec", str(REPO / "nix/images.toml"), "--pyproject", str(REPO / "pyproject.toml"),
              "--compose", str(REPO / "compose/compose.yaml")]
    assert check.main([*common, "--revision", "rev1", f"latest={tarball}"]) == 0
    assert check.main([*common, "--revision", "rev2", f"latest={tarball}"]) == 1
    assert "org.opencontainers.image.revision" in capsys.readouterr().err
