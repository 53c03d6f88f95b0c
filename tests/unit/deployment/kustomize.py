"""A small, offline renderer for the kustomizations in docs/deployment/kubernetes.

No kustomize binary ships on PyPI or in Debian's archive for this machine (Debian's
kubernetes-client is kubectl 1.20 with a 2019 kustomize), so the tests render with this.
It implements exactly the features those kustomizations use and refuses anything else:

- ``resources``: YAML files (every document in them) and directories holding a
  ``kustomization.yaml``, rendered recursively;
- ``namespace``: set on every namespaced object (a Namespace object keeps its name);
- ``secretGenerator`` with ``files`` and ``options.disableNameSuffixHash: true``: an Opaque
  Secret whose keys are the file names and whose values are the files' bytes, base64.

Where kubectl is installed, tests compare this output with `kubectl kustomize`.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import yaml

SUPPORTED_KEYS = {"apiVersion", "kind", "namespace", "resources", "secretGenerator"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume"}


class UnsupportedKustomization(Exception):
    """The kustomization uses a feature this renderer does not implement."""


def render(directory: Path) -> list[dict[str, Any]]:
    """Every object the kustomization in `directory` produces."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED_KEYS
    if unknown:
        raise UnsupportedKustomization(f"{directory}: unsupported keys {sorted(unknown)}")
    objects: list[dict[str, Any]] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        objects += render(path) if path.is_dir() else _documents(path)
    objects += [_secret(directory, item) for item in kustomization.get("secretGenerator", [])]
    namespace = kustomization.get("namespace")
    if namespace is not None:
        for item in objects:
            if item["kind"] not in CLUSTER_SCOPED:
                item["metadata"]["namespace"] = namespace
    return objects


def _documents(path: Path) -> list[dict[str, Any]]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def _secret(directory: Path, generator: dict[str, Any]) -> dict[str, Any]:
    if set(generator) - {"name", "files", "options"} or not generator.get("options", {}).get(
        "disableNameSuffixHash"
    ):
        raise UnsupportedKustomization(f"{directory}: secretGenerator {generator}")
    data = {}
    for entry in generator["files"]:
        key, _, source = entry.partition("=")
        data[Path(key).name] = base64.b64encode((directory / (source or key)).read_bytes()).decode()
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": generator["name"]},
        "type": "Opaque",
        "data": data,
    }
