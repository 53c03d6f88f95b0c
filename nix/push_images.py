#!/usr/bin/env python3
"""Push FlowCheck's image tarballs to a registry, as nix/images.toml names and tags them.

Each variant goes to <registry>/<repository>:<tag> and :<version><version_suffix>, the version
coming from pyproject.toml. With --arch-suffix, every tag gets -<suffix> (one run per
architecture); a later run with --manifest-list joins those per-architecture tags into
multi-architecture manifest lists under the plain tags, with regctl.

Credentials come only from REGISTRY_USERNAME and REGISTRY_PASSWORD. They are written to a
private auth file for skopeo and regctl, never put on a command line, and never printed.
Compressed tarballs are unpacked to a scratch directory before skopeo reads them.

Stdlib only (Python >= 3.11), so it runs the same inside `nix run .#push` and outside Nix.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
USERNAME_VARIABLE = "REGISTRY_USERNAME"
PASSWORD_VARIABLE = "REGISTRY_PASSWORD"  # noqa: S105 (a variable name, not a secret)
MASK = "***"
# Docker Hub's credentials live under this key in docker's own config.json.
DOCKER_HUB_KEY = "https://index.docker.io/v1/"
GZIP_MAGIC = b"\x1f\x8b"


class PushError(Exception):
    """A problem with the arguments or environment; the message says what and how to fix it."""


class CommandFailed(PushError):
    """skopeo or regctl ran and failed; its own output says why."""


@dataclass(frozen=True)
class Plan:
    registry: str
    repository: str
    version: str
    variants: dict[str, dict[str, Any]]
    images: dict[str, Path]
    arch_suffix: str | None
    manifest_suffixes: list[str]
    insecure: bool

    def tags(self, variant: str) -> list[str]:
        spec = self.variants[variant]
        return [spec["tag"], f"{self.version}{spec['version_suffix']}"]

    def ref(self, tag: str) -> str:
        return f"{self.registry}/{self.repository}:{tag}"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--spec", type=Path, default=HERE / "images.toml")
    parser.add_argument("--pyproject", type=Path, default=HERE.parent / "pyproject.toml")
    parser.add_argument("--image", action="append", default=[], metavar="VARIANT=TARBALL",
                        help="a docker-archive tarball (nix build .#image...); repeatable")
    parser.add_argument("--registry", help="HOST[:PORT]; default: the spec's registry")
    parser.add_argument("--repository", help="default: the spec's repository")
    parser.add_argument("--variants", help="comma-separated; default: every variant of the spec")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--arch-suffix", help="push every tag as <tag>-<suffix>, e.g. x86_64-linux")
    mode.add_argument("--manifest-list", metavar="SUFFIXES",
                      help="join the <tag>-<suffix> tags (comma-separated suffixes) into lists")
    tls = parser.add_mutually_exclusive_group()
    tls.add_argument("--insecure-registry", action="store_true",
                     help="plain HTTP / unverified TLS, for a local test registry")
    tls.add_argument("--dest-tls-verify", choices=["true", "false"], default="true",
                     help="skopeo's spelling of the same switch")
    parser.add_argument("--anonymous", action="store_true",
                        help="push without credentials (a registry without auth)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the commands, with credentials masked, and run nothing")
    return parser.parse_args(argv)


def load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as error:
        message = f"{path} does not exist; pass --spec/--pyproject with the right path"
        raise PushError(message) from error


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def select_variants(spec: dict[str, Any], requested: str | None) -> dict[str, dict[str, Any]]:
    known: dict[str, dict[str, Any]] = spec["variants"]
    names = split_list(requested) if requested is not None else list(known)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise PushError(f"unknown variant {unknown[0]!r}; the spec has: {', '.join(known)}")
    if not names:
        raise PushError("--variants is empty; name at least one of: " + ", ".join(known))
    return {name: known[name] for name in names}


def parse_images(items: list[str], variants: dict[str, dict[str, Any]]) -> dict[str, Path]:
    images: dict[str, Path] = {}
    for item in items:
        variant, separator, tarball = item.partition("=")
        if not separator or not tarball:
            raise PushError(f"--image {item!r} is not VARIANT=TARBALL")
        if variant not in variants:
            raise PushError(f"--image names variant {variant!r}, not one of: {', '.join(variants)}")
        path = Path(tarball)
        if not path.is_file():
            raise PushError(f"tarball for {variant} does not exist: {path} (run nix build first)")
        images[variant] = path
    return images


def build_plan(args: argparse.Namespace) -> Plan:
    spec = load_toml(args.spec)
    version = load_toml(args.pyproject)["project"]["version"]
    variants = select_variants(spec, args.variants)
    repository = args.repository or spec["repository"]
    if repository != repository.lower():
        raise PushError(f"repository {repository!r} has upper case; registries reject it")
    images = parse_images(args.image, variants)
    suffixes = split_list(args.manifest_list) if args.manifest_list is not None else []
    if args.manifest_list is not None and (images or not suffixes):
        raise PushError("--manifest-list takes architecture suffixes and no --image")
    missing = [name for name in variants if name not in images]
    if args.manifest_list is None and missing:
        raise PushError(f"no --image for variant {missing[0]!r} (or leave it out of --variants)")
    return Plan(
        registry=args.registry or spec["registry"],
        repository=repository,
        version=version,
        variants=variants,
        images=images,
        arch_suffix=args.arch_suffix,
        manifest_suffixes=suffixes,
        insecure=args.insecure_registry or args.dest_tls_verify == "false",
    )


def read_credentials(anonymous: bool, required: bool) -> tuple[str, str] | None:
    username = os.environ.get(USERNAME_VARIABLE, "")
    password = os.environ.get(PASSWORD_VARIABLE, "")
    if anonymous:
        return None
    if username and password:
        return username, password
    if username or password or required:
        raise PushError(
            f"set both {USERNAME_VARIABLE} and {PASSWORD_VARIABLE}, "
            "or pass --anonymous for a registry without auth"
        )
    return None


def skopeo_commands(plan: Plan, authfile: str | None) -> list[list[str]]:
    options = ["--dest-tls-verify=false"] if plan.insecure else []
    if authfile is not None:
        options += ["--dest-authfile", authfile]
    suffix = f"-{plan.arch_suffix}" if plan.arch_suffix else ""
    return [
        ["skopeo", "--insecure-policy", "copy", *options,
         f"docker-archive:{plan.images[variant]}", f"docker://{plan.ref(tag + suffix)}"]
        for variant in plan.variants
        for tag in plan.tags(variant)
    ]


def regctl_commands(plan: Plan) -> list[list[str]]:
    host = ["--host", f"reg={plan.registry},tls=disabled"] if plan.insecure else []
    return [
        ["regctl", "index", "create", plan.ref(tag), *host,
         *[option for suffix in plan.manifest_suffixes
           for option in ("--ref", plan.ref(f"{tag}-{suffix}"))]]
        for variant in plan.variants
        for tag in plan.tags(variant)
    ]


def write_auth(directory: Path, registry: str, credentials: tuple[str, str] | None) -> Path | None:
    """config.json with the credentials, private to this user; None without credentials.

    skopeo reads it as --dest-authfile, regctl as $DOCKER_CONFIG/config.json.
    """
    if credentials is None:
        return None
    token = base64.b64encode(":".join(credentials).encode()).decode()
    keys = [registry, DOCKER_HUB_KEY] if registry == "docker.io" else [registry]
    path = directory / "config.json"
    path.touch(mode=0o600)
    path.write_text(json.dumps({"auths": {key: {"auth": token} for key in keys}}))
    return path


def uncompressed(tarball: Path, directory: Path) -> Path:
    """The tarball, gunzipped into `directory` if it is compressed.

    buildLayeredImage writes .tar.gz; older skopeo (Debian's 1.9) fails on compressed
    docker-archive input with "unexpected EOF", and newer ones unpack to a temp file anyway.
    """
    with tarball.open("rb") as handle:
        if handle.read(2) != GZIP_MAGIC:
            return tarball
    target = directory / tarball.name.removesuffix(".gz")
    with gzip.open(tarball, "rb") as source, target.open("wb") as sink:
        shutil.copyfileobj(source, sink)
    return target


def run(commands: list[list[str]], config: Path | None) -> None:
    environment = dict(os.environ)
    if config is not None:
        environment["DOCKER_CONFIG"] = str(config.parent)
    for command in commands:
        print("+ " + shlex.join(mask(command, config)), flush=True)
        try:
            result = subprocess.run(command, env=environment, check=False)
        except FileNotFoundError as error:
            raise PushError(f"{command[0]} is not on PATH (nix run .#push brings it)") from error
        if result.returncode != 0:
            raise CommandFailed(f"{command[0]} failed with exit code {result.returncode}")


def mask(command: list[str], config: Path | None) -> list[str]:
    return [MASK if config is not None and word == str(config) else word for word in command]


def commands_for(plan: Plan, authfile: str | None) -> list[list[str]]:
    return regctl_commands(plan) if plan.manifest_suffixes else skopeo_commands(plan, authfile)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        plan = build_plan(args)
        credentials = read_credentials(args.anonymous, required=not args.dry_run)
        if args.dry_run:
            for command in commands_for(plan, MASK if credentials is not None else None):
                print(shlex.join(command))
            return 0
        with tempfile.TemporaryDirectory(prefix="flowcheck-push-") as scratch:
            config = write_auth(Path(scratch), plan.registry, credentials)
            images = {name: uncompressed(path, Path(scratch)) for name, path in plan.images.items()}
            authfile = str(config) if config is not None else None
            run(commands_for(replace(plan, images=images), authfile), config)
    except CommandFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except PushError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0

if __name__ == "__main__":
    sys.exit(main())
