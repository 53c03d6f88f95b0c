"""Publishing: the project's push script (nix/push_images.py) sends `docker save` tarballs of the
stand-ins to a local `docker-registry`; pulled back, they are the same images."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from container_helpers import (
    REPO_ROOT,
    ImageSpec,
    docker,
    free_port,
    load_spec,
    project_version,
    require_tool,
)

pytestmark = pytest.mark.container
VARIANTS = list(load_spec().variants)
PUSH_SCRIPT = REPO_ROOT / "nix" / "push_images.py"


@dataclass(frozen=True)
class Registry:
    address: str


@dataclass(frozen=True)
class Pushed:
    registry: Registry
    tarballs: dict[str, Path]
    result: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """Debian's docker-registry on 127.0.0.1 with its config and storage in a temp dir."""
    root, port = tmp_path_factory.mktemp("registry"), free_port()
    config = root / "config.yml"
    config.write_text(
        "version: 0.1\nlog:\n  level: warn\n"
        f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    process = subprocess.Popen(
        [require_tool("docker-registry"), "serve", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_registry(port)
        yield Registry(f"127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for_registry(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        probe = subprocess.run(
            [require_tool("skopeo"), "list-tags", "--tls-verify=false",
             f"docker://127.0.0.1:{port}/probe"],
            capture_output=True, check=False,
        )  # fmt: skip
        if b"connection refused" not in probe.stderr.lower():
            return
        time.sleep(0.3)
    raise AssertionError(f"docker-registry did not listen on 127.0.0.1:{port}")


@pytest.fixture(scope="module")
def pushed(
    images: dict[str, str], registry: Registry, tmp_path_factory: pytest.TempPathFactory
) -> Pushed:
    directory = tmp_path_factory.mktemp("tarballs")
    tarballs = {variant: directory / f"{variant}.tar" for variant in VARIANTS}
    for variant, tarball in tarballs.items():
        docker("save", "-o", str(tarball), images[variant], timeout=600)
    image_args = [arg for v, t in tarballs.items() for arg in ("--image", f"{v}={t}")]
    result = subprocess.run(
        [sys.executable, str(PUSH_SCRIPT), *image_args, "--registry", registry.address,
         "--insecure-registry", "--anonymous"],
        capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip
    return Pushed(registry, tarballs, result)


def registry_ref(pushed: Pushed, spec: ImageSpec, tag: str) -> str:
    return f"{pushed.registry.address}/{spec.repository}:{tag}"


def test_push_script_succeeds_against_the_local_registry(pushed: Pushed) -> None:
    assert (pushed.result.returncode, pushed.result.stderr) == (0, "")


def test_registry_holds_the_tag_and_the_version_tag_of_every_variant(
    pushed: Pushed, spec: ImageSpec
) -> None:
    listing = subprocess.run(
        [require_tool("skopeo"), "list-tags", "--tls-verify=false",
         f"docker://{pushed.registry.address}/{spec.repository}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    version = project_version()
    expected = [
        tag for v in spec.variants.values() for tag in (v.tag, f"{version}{v.version_suffix}")
    ]
    assert sorted(json.loads(listing)["Tags"]) == sorted(expected)


@pytest.mark.parametrize("variant", VARIANTS)
def test_pulled_image_is_the_image_that_was_saved(
    pushed: Pushed, images: dict[str, str], spec: ImageSpec, variant: str
) -> None:
    ref = registry_ref(pushed, spec, spec.variants[variant].tag)
    docker("pull", "-q", ref)
    try:
        ids = [
            docker("image", "inspect", "-f", "{{.Id}}", name).stdout
            for name in (ref, images[variant])
        ]
        repo_digests = docker("image", "inspect", "-f", "{{json .RepoDigests}}", ref).stdout
    finally:
        docker("rmi", ref, check=False)
    manifest = subprocess.run(
        [require_tool("skopeo"), "inspect", "--tls-verify=false", f"docker://{ref}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    registry_digest = f"{ref.rsplit(':', 1)[0]}@{json.loads(manifest)['Digest']}"
    assert (ids[0], registry_digest in json.loads(repo_digests)) == (ids[1], True)


def test_dry_run_prints_the_docker_hub_targets_and_pushes_nothing(
    pushed: Pushed, spec: ImageSpec
) -> None:
    image_args = [arg for v, t in pushed.tarballs.items() for arg in ("--image", f"{v}={t}")]
    result = subprocess.run(
        [sys.executable, str(PUSH_SCRIPT), *image_args, "--dry-run"],
        capture_output=True, text=True, check=True, timeout=60, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    version = project_version()
    expected = {
        f"docker://{spec.registry}/{spec.repository}:{tag}"
        for v in spec.variants.values()
        for tag in (v.tag, f"{version}{v.version_suffix}")
    }
    assert set(re.findall(r"docker://\S+", result.stdout)) == expected
