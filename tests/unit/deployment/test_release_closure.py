"""scripts/release/closure.py: the store paths in an image, the SBOM, and the CVE gate."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.nix.nixflake import REPO, load_module
from tests.unit.deployment.project import (
    SPEC,
    VERSION,
    image_reference,
    needs_repository_files,
)

SCRIPT = REPO / "scripts" / "release" / "closure.py"
pytestmark = needs_repository_files("scripts/release/closure.py")
CLOSURE = load_module("release_closure", SCRIPT) if SCRIPT.exists() else None
PYTHON = "/nix/store/" + "a" * 32 + "-python3-3.13.1"
OPENSSL = "/nix/store/" + "b" * 32 + "-openssl-3.0.14"
FLOWCHECK = "/nix/store/" + "c" * 32 + "-flowcheck-0.5.0"
NAME, TAG = "docker.io/example/flowcheck", "0.5.0-slim-x86_64-linux"
NAR_HASH = "sha256-" + base64.b64encode(bytes(range(32))).decode()


def tar_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def docker_archive(path: Path, layers: list[list[str]], *, gzip: bool) -> Path:
    """A docker-archive like buildLayeredImage's: manifest.json and one tar per layer."""
    members = {f"layer{n}/layer.tar": tar_bytes(dict.fromkeys(names, b"x"))
               for n, names in enumerate(layers)}
    manifest = [{"Config": "config.json", "Layers": list(members), "RepoTags": ["x:y"]}]
    members["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(path, mode="w:gz" if gzip else "w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize("gzip", [True, False])
def test_store_paths_lists_each_top_level_store_path_once(tmp_path: Path, gzip: bool) -> None:
    image = docker_archive(
        tmp_path / "image",
        [
            [f"{PYTHON[1:]}/bin/python3", f"{PYTHON[1:]}/lib/libpython.so", f"./{OPENSSL[1:]}/x"],
            [f"{FLOWCHECK[1:]}/bin/flowcheck", "etc/passwd", "tmp/"],
        ],
        gzip=gzip,
    )
    assert CLOSURE.store_paths(image) == sorted([PYTHON, OPENSSL, FLOWCHECK])


def path_info() -> dict[str, dict[str, Any]]:
    return {
        FLOWCHECK: {"narHash": NAR_HASH, "narSize": 10, "references": [FLOWCHECK, PYTHON]},
        PYTHON: {"narHash": NAR_HASH, "narSize": 20, "references": [OPENSSL]},
        OPENSSL: {"narHash": "sha256:0abc", "narSize": 30, "references": []},
    }


def test_the_sbom_is_the_same_for_both_path_info_shapes() -> None:
    new = CLOSURE.sbom(NAME, TAG, CLOSURE.path_infos(path_info()))
    old_shape = [{"path": path, **info} for path, info in path_info().items()]
    assert CLOSURE.sbom(NAME, TAG, CLOSURE.path_infos(old_shape)) == new


def test_the_sbom_names_versions_hashes_and_dependencies() -> None:
    document = CLOSURE.sbom(NAME, TAG, path_info())
    assert (document["bomFormat"], document["specVersion"]) == ("CycloneDX", "1.5")
    components = {c["bom-ref"]: c for c in document["components"]}
    assert [(c["name"], c["version"], c["purl"]) for c in components.values()] == [
        ("python3", "3.13.1", "pkg:nix/python3@3.13.1"),
        ("openssl", "3.0.14", "pkg:nix/openssl@3.0.14"),
        ("flowcheck", "0.5.0", "pkg:nix/flowcheck@0.5.0"),
    ]
    assert components[PYTHON]["hashes"] == [{"alg": "SHA-256", "content": bytes(range(32)).hex()}]
    assert "hashes" not in components[OPENSSL]  # base32 form: kept as a property only
    dependencies = {d["ref"]: d["dependsOn"] for d in document["dependencies"]}
    assert dependencies[FLOWCHECK] == [PYTHON]  # a path's reference to itself is dropped
    assert dependencies[PYTHON] == [OPENSSL]
    assert document["serialNumber"] == CLOSURE.sbom(NAME, TAG, path_info())[
        "serialNumber"
    ]


def vulnix_item(name: str, affected: dict[str, float], allowed: dict[str, float]) -> dict[str, Any]:
    return {
        "name": name,
        "affected_by": sorted(affected),
        "whitelisted": sorted(allowed),
        "cvssv3_basescore": {**affected, **allowed},
    }


def run_gate(tmp_path: Path, report: list[dict[str, Any]], allow: str) -> tuple[int, str]:
    (tmp_path / "report.json").write_text(json.dumps(report))
    (tmp_path / "allow.toml").write_text(allow)
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        status = CLOSURE.main(["gate", str(tmp_path / "report.json"), "--allow",
                               str(tmp_path / "allow.toml")])
    return status, output.getvalue()


def test_an_unlisted_critical_cve_fails_the_release(tmp_path: Path) -> None:
    report = [
        vulnix_item("openssl-3.0.14", {"CVE-2099-0001": 9.8, "CVE-2099-0002": 5.3}, {}),
        vulnix_item("zlib-1.3", {}, {"CVE-2099-0003": 9.1}),
    ]
    status, output = run_gate(tmp_path, report, "")
    assert status == 1
    assert output.splitlines()[0].startswith("CRITICAL openssl-3.0.14 CVE-2099-0001 9.8: ")
    assert output.splitlines()[-1].startswith("1 critical, 1 below 9.0, 1 allowed by ")


def test_findings_below_critical_or_allowed_pass(tmp_path: Path) -> None:
    report = [vulnix_item("git-2.50", {"CVE-2099-0004": 8.9}, {"CVE-2099-0005": 10.0})]
    allow = '["git-2.50"]\ncve = ["CVE-2099-0005"]\ncomment = "not reachable: no git daemon"\n'
    assert run_gate(tmp_path, report, allow)[0] == 0
    assert run_gate(tmp_path, [], allow)[0] == 0


@pytest.mark.parametrize(
    ("allow", "message"),
    [
        ('["git-2.50"]\ncve = ["CVE-2099-0005"]\n', 'needs comment = "<why'),
        ('["git-2.50"]\ncomment = "why"\n', "must list its CVEs"),
        ("[git\n", "cannot read it as TOML"),
    ],
)
def test_an_allow_entry_without_cves_or_reason_is_refused(
    tmp_path: Path, allow: str, message: str
) -> None:
    status, output = run_gate(tmp_path, [], allow)
    assert status == 2
    assert message in output


def test_the_sbom_names_the_pushed_per_architecture_image(tmp_path: Path) -> None:
    (tmp_path / "info.json").write_text(json.dumps(path_info()))
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        status = CLOSURE.main(
            ["sbom", "--variant", "slim", "--system", "aarch64-linux", str(tmp_path / "info.json")]
        )
    assert status == 0
    variant = SPEC["variants"]["slim"]
    assert json.loads(output.getvalue())["metadata"]["component"] == {
        "type": "container",
        "bom-ref": image_reference(f"{VERSION}{variant['version_suffix']}-aarch64-linux"),
        "name": image_reference("").removesuffix(":"),
        "version": f"{VERSION}{variant['version_suffix']}-aarch64-linux",
    }
