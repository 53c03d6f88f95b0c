#!/usr/bin/env python3
"""What a released image contains, as the release workflow reports it.

  store-paths IMAGE_TARBALL
      the top-level /nix/store paths inside a docker-archive image (gzip or plain), one a line;
  sbom --variant VARIANT --system SYSTEM PATH_INFO_JSON
      a CycloneDX 1.5 JSON SBOM from `nix path-info -r --json PATHS...` (either output
      shape: Nix >= 2.19 keys objects by path, older Nix lists them with a "path" field),
      describing the image as pushed: <registry>/<repository>:<version><suffix>-<system>,
      names from nix/images.toml and the version from pyproject.toml;
  gate VULNIX_JSON --allow FILE [--threshold 9.0]
      exit 1 when `vulnix --json` reports a CVE at or above the threshold (CVSS v3 9.0 is
      "critical") that the allow file does not list; exit 2 when the allow file is invalid.
      The allow file is vulnix's whitelist (TOML); every entry must name its CVEs and give
      the reason in `comment`.

Stdlib only, so it runs with any python3 the runner has.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import sys
import tarfile
import tomllib
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
STORE_PATH = re.compile(r"^(?:\./|/)?nix/store/([0-9a-z]{32}-[^/]+)")
CRITICAL = 9.0


class AllowFileError(Exception):
    """The allow file breaks the policy; the message names the entry and the fix."""


def store_paths(image: Path) -> list[str]:
    with tarfile.open(image, mode="r:*") as archive:  # gzip or plain
        manifest = json.load(_member(archive, "manifest.json"))
        found: set[str] = set()
        for layer in manifest[0]["Layers"]:
            with tarfile.open(fileobj=_member(archive, layer), mode="r:") as contents:
                found |= {
                    f"/nix/store/{match.group(1)}"
                    for name in contents.getnames()
                    if (match := STORE_PATH.match(name))
                }
    return sorted(found)


def _member(archive: tarfile.TarFile, name: str) -> Any:
    handle = archive.extractfile(name)
    if handle is None:
        raise SystemExit(f"{name} is not a file in the image archive")
    return handle


def split_name(store_path: str) -> tuple[str, str]:
    """(name, version) the way Nix splits a derivation name: the version starts at the first
    dash followed by a digit."""
    name = Path(store_path).name.split("-", 1)[1]
    match = re.search(r"-(?=\d)", name)
    return (name[: match.start()], name[match.end() :]) if match else (name, "")


def path_infos(document: Any) -> dict[str, dict[str, Any]]:
    if isinstance(document, dict):
        return document
    return {item["path"]: item for item in document}


def sha256_hex(nar_hash: str) -> str | None:
    if not nar_hash.startswith("sha256-"):
        return None  # Nix's base32 form; CycloneDX wants hex, so the property keeps it
    return base64.b64decode(nar_hash.removeprefix("sha256-")).hex()


def component(path: str, info: dict[str, Any]) -> dict[str, Any]:
    name, version = split_name(path)
    entry: dict[str, Any] = {
        "type": "library",
        "bom-ref": path,
        "name": name,
        "version": version,
        "purl": f"pkg:nix/{name}@{version}" if version else f"pkg:nix/{name}",
        "properties": [
            {"name": "nix:store_path", "value": path},
            {"name": "nix:nar_hash", "value": info.get("narHash", "")},
            {"name": "nix:nar_size", "value": str(info.get("narSize", ""))},
        ],
    }
    digest = sha256_hex(str(info.get("narHash", "")))
    if digest:
        entry["hashes"] = [{"alg": "SHA-256", "content": digest}]
    return entry


def image_identity(spec_file: Path, pyproject: Path, variant: str, system: str) -> tuple[str, str]:
    """(name, tag) of the per-architecture image nix/push_images.py pushes for `variant`."""
    spec = tomllib.loads(spec_file.read_text())
    version = tomllib.loads(pyproject.read_text())["project"]["version"]
    if variant not in spec["variants"]:
        known = ", ".join(spec["variants"])
        raise SystemExit(f"unknown variant {variant!r}; {spec_file} has: {known}")
    suffix = spec["variants"][variant]["version_suffix"]
    return f"{spec['registry']}/{spec['repository']}", f"{version}{suffix}-{system}"


def sbom(name: str, tag: str, infos: dict[str, dict[str, Any]]) -> dict[str, Any]:
    image = f"{name}:{tag}"
    paths = sorted(infos)
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        # Derived from the content, so the same closure always yields the same document.
        "serialNumber": uuid.uuid5(uuid.NAMESPACE_URL, image + "\n" + "\n".join(paths)).urn,
        "version": 1,
        "metadata": {
            "component": {"type": "container", "bom-ref": image, "name": name, "version": tag}
        },
        "components": [component(path, infos[path]) for path in paths],
        "dependencies": [
            {
                "ref": path,
                "dependsOn": sorted(r for r in infos[path].get("references", []) if r != path),
            }
            for path in paths
        ],
    }


def allow_entries(allow_file: Path) -> dict[str, dict[str, Any]]:
    try:
        entries = tomllib.loads(allow_file.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise AllowFileError(f"{allow_file}: cannot read it as TOML ({error})") from None
    for package, entry in entries.items():
        if not isinstance(entry, dict) or not entry.get("cve"):
            raise AllowFileError(f'{allow_file}: ["{package}"] must list its CVEs in cve = [...]')
        if not str(entry.get("comment", "")).strip():
            raise AllowFileError(
                f'{allow_file}: ["{package}"] needs comment = "<why this CVE is acceptable>"'
            )
    return entries


def critical_findings(report: Iterable[dict[str, Any]], threshold: float) -> list[str]:
    """'<package> <CVE> <score>' for each unlisted CVE at or above the threshold."""
    return [
        f"{item['name']} {cve} {item['cvssv3_basescore'][cve]}"
        for item in report
        for cve in item.get("affected_by", [])
        if (item.get("cvssv3_basescore", {}).get(cve) or 0) >= threshold
    ]


def gate(report_file: Path, allow_file: Path, threshold: float) -> int:
    try:
        allow_entries(allow_file)
    except AllowFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    report = json.loads(report_file.read_text() or "[]")
    failures = critical_findings(report, threshold)
    listed = sum(len(item.get("whitelisted", [])) for item in report)
    below = sum(len(item.get("affected_by", [])) for item in report) - len(failures)
    for failure in failures:
        print(f"CRITICAL {failure}: fix it, or list it with a reason in {allow_file}")
    print(f"{len(failures)} critical, {below} below {threshold}, {listed} allowed by {allow_file}")
    return 1 if failures else 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    paths = commands.add_parser("store-paths")
    paths.add_argument("image", type=Path)
    bom = commands.add_parser("sbom")
    bom.add_argument("--variant", required=True, help="a variant of nix/images.toml")
    bom.add_argument("--system", required=True, help="e.g. x86_64-linux")
    bom.add_argument("--spec", type=Path, default=HERE.parents[1] / "nix" / "images.toml")
    bom.add_argument("--pyproject", type=Path, default=HERE.parents[1] / "pyproject.toml")
    bom.add_argument("path_info", type=Path)
    check = commands.add_parser("gate")
    check.add_argument("report", type=Path)
    check.add_argument("--allow", type=Path, required=True)
    check.add_argument("--threshold", type=float, default=CRITICAL)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command == "store-paths":
        print("\n".join(store_paths(args.image)))
        return 0
    if args.command == "sbom":
        infos = path_infos(json.loads(args.path_info.read_text()))
        name, tag = image_identity(args.spec, args.pyproject, args.variant, args.system)
        print(json.dumps(sbom(name, tag, infos), indent=2, sort_keys=True))
        return 0
    return gate(args.report, args.allow, args.threshold)


if __name__ == "__main__":
    sys.exit(main())
