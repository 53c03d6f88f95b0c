"""Check FlowCheck's images against the one spec, nix/images.toml.

The expected image config is derived here from the spec and pyproject.toml, exactly as
nix/images.nix derives it. The flake's `spec-consistency` check compares it with the config
inside each built image tarball; tests/nix compares it with the evaluated flake.

Usage: spec_consistency.py --spec nix/images.toml --pyproject pyproject.toml
           --compose compose/compose.yaml --revision REV VARIANT=TARBALL...
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tarfile
import tomllib
from pathlib import Path
from typing import Any

# Compose image references look like ${VARIABLE:-default}; the default is what runs.
_COMPOSE_DEFAULT = re.compile(r"^\$\{[A-Z0-9_]+:-(?P<default>[^}]+)\}$")


def load_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def expected_config(spec: dict[str, Any], version: str, revision: str) -> dict[str, Any]:
    """The Docker image config every variant carries (variants differ only in contents)."""
    contract, user = spec["contract"], spec["user"]
    health = contract["healthcheck"]
    labels = {
        **contract["labels"],
        "io.modelcontextprotocol.server.name": spec["mcp_server_name"],
        "org.opencontainers.image.source": spec["source_url"],
        "org.opencontainers.image.description": spec["description"],
        "org.opencontainers.image.version": version,
        "org.opencontainers.image.revision": revision,
    }
    return {
        "Cmd": contract["cmd"],
        # Nix attribute sets are ordered by name, so the Env list is too.
        "Env": [f"{name}={value}" for name, value in sorted(contract["env"].items())],
        "ExposedPorts": {port: {} for port in contract["exposed_ports"]},
        "User": f"{user['uid']}:{user['gid']}",
        "WorkingDir": contract["working_dir"],
        "Volumes": {volume: {} for volume in contract["volumes"]},
        "Healthcheck": {
            "Test": health["test"],
            "Interval": health["interval"],
            "Timeout": health["timeout"],
            "Retries": health["retries"],
            "StartPeriod": health["start_period"],
        },
        "Labels": labels,
    }


def expected_refs(spec: dict[str, Any]) -> dict[str, str]:
    """Variant name -> the `repository:tag` the image is loaded as."""
    return {name: f"{spec['repository']}:{v['tag']}" for name, v in spec["variants"].items()}


def compose_problems(spec: dict[str, Any], compose: dict[str, Any]) -> list[str]:
    """Every FlowCheck image a compose service runs by default must be a spec variant."""
    known = set(expected_refs(spec).values())
    problems = []
    for service, definition in compose.get("services", {}).items():
        image = str(definition.get("image", ""))
        match = _COMPOSE_DEFAULT.match(image)
        ref = match.group("default") if match else image
        if ref.startswith(spec["repository"] + ":") and ref not in known:
            problems.append(f"compose service {service} runs {ref}, not one of {sorted(known)}")
    return problems


def read_image(tarball: Path) -> tuple[list[str], dict[str, Any]]:
    """RepoTags and config of a docker-archive tarball (gzip-compressed or not)."""
    with tarball.open("rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
    opener = gzip.open if compressed else Path.open
    with opener(tarball, "rb") as stream, tarfile.open(fileobj=stream, mode="r|") as archive:
        members: dict[str, bytes] = {}
        for member in archive:
            if member.name.endswith(".json"):
                extracted = archive.extractfile(member)
                if extracted is not None:
                    members[member.name] = extracted.read()
    manifest = json.loads(members["manifest.json"])[0]
    config = json.loads(members[manifest["Config"]])["config"]
    return manifest["RepoTags"], config


def image_problems(
    variant: str, tarball: Path, spec: dict[str, Any], version: str, revision: str
) -> list[str]:
    if variant not in spec["variants"]:
        return [f"{variant}: not a variant of the spec ({', '.join(spec['variants'])})"]
    tags, config = read_image(tarball)
    problems = []
    if tags != [expected_refs(spec)[variant]]:
        problems.append(f"{variant}: tagged {tags}, spec says {expected_refs(spec)[variant]}")
    expected = expected_config(spec, version, revision)
    for key, value in expected.items():
        if config.get(key) != value:
            problems.append(f"{variant}: config {key} is {config.get(key)!r}, spec says {value!r}")
    return problems


def main(argv: list[str] | None = None) -> int:
    # Imported here: image_sizes.py reuses this module on a CI runner's python, without PyYAML.
    import yaml

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, required=True)
    parser.add_argument("--pyproject", type=Path, required=True)
    parser.add_argument("--compose", type=Path, required=True)
    parser.add_argument("--revision", required=True)
    parser.add_argument("images", nargs="*", metavar="VARIANT=TARBALL")
    args = parser.parse_args(argv)

    spec = load_toml(args.spec)
    version = load_toml(args.pyproject)["project"]["version"]
    problems = compose_problems(spec, yaml.safe_load(args.compose.read_text()))
    for item in args.images:
        variant, _, tarball = item.partition("=")
        problems += image_problems(variant, Path(tarball), spec, version, args.revision)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
