"""The Kubernetes example (docs/deployment/kubernetes) renders, validates against the
Kubernetes JSON schemas offline, and matches the image's runtime contract and the server's checks.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import kubernetes_validate
import pytest
import yaml

from flowcheck.http_app import build_app
from flowcheck.settings_sources import load_settings
from tests.http.conftest import INITIALIZE
from tests.unit.deployment.kustomize import render
from tests.unit.deployment.project import DEPLOYMENT_DOCS, SPEC, VERSION, image_reference

KUBERNETES = DEPLOYMENT_DOCS / "kubernetes"
TOKEN = "k8s-example-token-5d1e"  # a test value, not a secret
# The oldest Kubernetes minor still in common support, and the newest the package knows.
KUBERNETES_VERSIONS = ["1.30", kubernetes_validate.utils.latest_version()]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example with the token file an operator would create."""
    copy = tmp_path_factory.mktemp("kubernetes") / "kubernetes"
    shutil.copytree(KUBERNETES, copy)
    (copy / "base" / "token").write_text(TOKEN + "\n")
    return copy


@pytest.fixture(scope="module")
def objects(example: Path) -> dict[str, dict[str, Any]]:
    """The ingress overlay (base plus Ingress), by kind."""
    rendered = render(example / "ingress")
    kinds = [item["kind"] for item in rendered]
    assert len(kinds) == len(set(kinds)), f"one object per kind expected, got {kinds}"
    return {item["kind"]: item for item in rendered}


def container(objects: dict[str, dict[str, Any]]) -> dict[str, Any]:
    containers = objects["Deployment"]["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return dict(containers[0])


def environment(objects: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container(objects)["env"]}


def test_the_overlay_renders_every_object_of_the_guide(
    objects: dict[str, dict[str, Any]],
) -> None:
    assert sorted(objects) == [
        "Deployment",
        "Ingress",
        "Namespace",
        "NetworkPolicy",
        "PersistentVolumeClaim",
        "Secret",
        "Service",
    ]
    assert {item["metadata"].get("namespace") for item in objects.values()} == {"flowcheck", None}
    assert objects["Namespace"]["metadata"]["name"] == "flowcheck"


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_validates_against_the_strict_kubernetes_schema(
    objects: dict[str, dict[str, Any]], version: str
) -> None:
    """Strict schemas reject unknown fields, so a misspelt key fails here, not in the cluster."""
    for item in objects.values():
        kubernetes_validate.validate(item, version, strict=True)


def test_a_misspelt_field_is_rejected_by_the_validation(
    objects: dict[str, dict[str, Any]],
) -> None:
    broken = yaml.safe_load(yaml.safe_dump(objects["Deployment"]))
    broken["spec"]["template"]["spec"]["containers"][0]["readOnlyRootFileSystem"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)


def test_the_deployment_runs_the_released_image_as_its_user(
    objects: dict[str, dict[str, Any]],
) -> None:
    pod = objects["Deployment"]["spec"]["template"]["spec"]
    assert container(objects)["image"] == image_reference(VERSION)
    assert pod["securityContext"]["runAsUser"] == SPEC["user"]["uid"]
    assert pod["securityContext"]["runAsGroup"] == SPEC["user"]["gid"]
    assert pod["securityContext"]["fsGroup"] == SPEC["user"]["gid"]


def test_the_pod_is_locked_down(objects: dict[str, dict[str, Any]]) -> None:
    pod = objects["Deployment"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    assert pod["enableServiceLinks"] is False
    assert container(objects)["securityContext"] == {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    resources = container(objects)["resources"]
    assert set(resources["requests"]) == {"cpu", "memory"}
    assert set(resources["limits"]) == {"cpu", "memory"}


def test_probes_use_the_health_and_readiness_endpoints(
    objects: dict[str, dict[str, Any]],
) -> None:
    spec = container(objects)
    assert spec["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert spec["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    exposed = [f"{port['containerPort']}/tcp" for port in spec["ports"] if port["name"] == "http"]
    assert exposed == SPEC["contract"]["exposed_ports"]
    assert objects["Service"]["spec"]["ports"][0]["targetPort"] == "http"
    pod_labels = objects["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert objects["Service"]["spec"]["selector"].items() <= pod_labels.items()


def test_one_replica_owns_the_data_volume(objects: dict[str, dict[str, Any]]) -> None:
    deployment = objects["Deployment"]["spec"]
    assert deployment["replicas"] == 1
    assert deployment["strategy"] == {"type": "Recreate"}
    assert objects["PersistentVolumeClaim"]["spec"]["accessModes"] == ["ReadWriteOnce"]
    mounts = {mount["name"]: mount for mount in container(objects)["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in deployment["template"]["spec"]["volumes"]}
    claim = objects["PersistentVolumeClaim"]["metadata"]["name"]
    data = [name for name, volume in volumes.items()
            if volume.get("persistentVolumeClaim", {}).get("claimName") == claim]
    assert [mounts[name]["mountPath"] for name in data] == SPEC["contract"]["volumes"]
    assert SPEC["contract"]["env"]["FLOWCHECK_STORAGE_PATH"] == mounts[data[0]]["mountPath"]
    workspace = SPEC["contract"]["env"]["FLOWCHECK_ALLOWED_ROOTS"]
    assert [m["readOnly"] for m in mounts.values() if m["mountPath"] == workspace] == [True]
    assert "/tmp" in {mount["mountPath"] for mount in mounts.values()}


def test_the_token_file_is_the_mounted_secret(
    objects: dict[str, dict[str, Any]],
) -> None:
    token_file = Path(environment(objects)["FLOWCHECK_AUTH_TOKEN_FILE"])
    mounts = {mount["name"]: mount for mount in container(objects)["volumeMounts"]}
    volumes = objects["Deployment"]["spec"]["template"]["spec"]["volumes"]
    [secret_volume] = [volume for volume in volumes if "secret" in volume]
    assert secret_volume["secret"]["secretName"] == objects["Secret"]["metadata"]["name"]
    assert mounts[secret_volume["name"]]["mountPath"] == str(token_file.parent)
    assert list(objects["Secret"]["data"]) == [token_file.name]


async def initialize_statuses(
    objects: dict[str, dict[str, Any]], tmp_path: Path, hosts: list[str]
) -> list[int]:
    """POST initialize with each Host header to the server built as in the pod: the image's
    environment plus the Deployment's (paths moved into `tmp_path`)."""
    (tmp_path / "token").write_text(TOKEN + "\n")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            **SPEC["contract"]["env"],
            **environment(objects),
            "FLOWCHECK_STORAGE_PATH": str(tmp_path / "data"),
            "FLOWCHECK_ALLOWED_ROOTS": str(tmp_path),
            "FLOWCHECK_AUTH_TOKEN_FILE": str(tmp_path / "token"),
        }.items():
            patch.setenv(name, value)
        app = build_app(load_settings())
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json, text/event-stream"}
    transport = httpx.ASGITransport(app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://pod") as client,
    ):
        return [
            (await client.post("/mcp", json=INITIALIZE, headers={**headers, "Host": host}))
            .status_code
            for host in hosts
        ]


async def test_the_server_accepts_the_ingress_host_and_refuses_others(
    objects: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    ingress_hosts = [rule["host"] for rule in objects["Ingress"]["spec"]["rules"]]
    assert ingress_hosts
    hosts = [*ingress_hosts, "flowcheck.flowcheck.svc:8000", "attacker.example:8000"]
    statuses = await initialize_statuses(objects, tmp_path, hosts)
    assert statuses == [200] * len(ingress_hosts) + [200, 421]


def test_the_ingress_routes_mcp_to_the_service(objects: dict[str, dict[str, Any]]) -> None:
    [rule] = objects["Ingress"]["spec"]["rules"]
    [path] = rule["http"]["paths"]
    assert path["path"] == "/mcp"
    assert path["backend"]["service"] == {
        "name": objects["Service"]["metadata"]["name"],
        "port": {"name": "http"},
    }


def sort_key(item: dict[str, Any]) -> tuple[str, str]:
    return item["kind"], item["metadata"]["name"]


@pytest.mark.parametrize("overlay", ["base", "ingress"])
def test_kubectl_kustomize_renders_the_same_objects(example: Path, overlay: str) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: only the documented renderer was checked")
    output = subprocess.run(
        [kubectl, "kustomize", str(example / overlay)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    by_kubectl = sorted(yaml.safe_load_all(output), key=sort_key)
    assert by_kubectl == sorted(render(example / overlay), key=sort_key)
