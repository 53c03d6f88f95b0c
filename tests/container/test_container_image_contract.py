"""Every stand-in image carries exactly the runtime contract of nix/images.toml."""

from __future__ import annotations

import json
from typing import Any

import pytest
from container_helpers import ImageSpec, docker, load_spec, standins

pytestmark = pytest.mark.container
VARIANTS = list(load_spec().variants)


def image_config(images: dict[str, str], variant: str) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(
        docker("image", "inspect", "--format", "{{json .Config}}", images[variant]).stdout
    )
    return config


@pytest.mark.parametrize("variant", VARIANTS)
def test_image_is_named_repository_colon_tag_from_the_spec(
    images: dict[str, str], spec: ImageSpec, variant: str
) -> None:
    assert images[variant] == f"{spec.repository}:{spec.variants[variant].tag}"


@pytest.mark.parametrize("variant", VARIANTS)
def test_image_runs_as_the_spec_uid_and_gid(
    images: dict[str, str], spec: ImageSpec, variant: str
) -> None:
    assert image_config(images, variant)["User"] == f"{spec.uid}:{spec.gid}"


@pytest.mark.parametrize("variant", VARIANTS)
def test_image_env_is_exactly_the_spec_env_path_included(
    images: dict[str, str], spec: ImageSpec, variant: str
) -> None:
    """Issue 9: runtimes other than Docker add no default PATH, so the spec sets it."""
    expected = [f"{key}={value}" for key, value in spec.env.items()]
    assert image_config(images, variant)["Env"] == expected


@pytest.mark.parametrize("variant", VARIANTS)
def test_image_exposes_exactly_the_spec_ports(
    images: dict[str, str], spec: ImageSpec, variant: str
) -> None:
    assert image_config(images, variant)["ExposedPorts"] == {p: {} for p in spec.exposed_ports}


@pytest.mark.parametrize("variant", VARIANTS)
def test_image_declares_exactly_the_spec_volumes(
    images: dict[str, str], spec: ImageSpec, variant: str
) -> None:
    assert image_config(images, variant)["Volumes"] == {v: {} for v in spec.volumes}


@pytest.mark.parametrize("variant", VARIANTS)
def test_image_working_dir_and_command_are_the_spec_ones(
    images: dict[str, str], spec: ImageSpec, variant: str
) -> None:
    config = image_config(images, variant)
    assert (config["WorkingDir"], config["Cmd"]) == (spec.working_dir, list(spec.cmd))


@pytest.mark.parametrize("variant", VARIANTS)
def test_image_labels_are_the_spec_and_derived_labels(
    images: dict[str, str], spec: ImageSpec, variant: str
) -> None:
    assert image_config(images, variant)["Labels"] == spec.labels


@pytest.mark.parametrize("variant", VARIANTS)
def test_image_health_check_is_the_spec_one(
    images: dict[str, str], spec: ImageSpec, variant: str
) -> None:
    health = spec.healthcheck
    assert image_config(images, variant)["Healthcheck"] == {
        "Test": list(health.test),
        "Interval": health.interval_ns,
        "Timeout": health.timeout_ns,
        "Retries": health.retries,
        "StartPeriod": health.start_period_ns,
    }


@pytest.mark.parametrize("variant", VARIANTS)
def test_writable_dirs_belong_to_the_spec_user_and_group_0_and_tmp_is_sticky(
    images: dict[str, str], spec: ImageSpec, variant: str
) -> None:
    """0.4 defect B4.3: a root-owned home made the non-root server crash at import. Group 0,
    group-writable: issue 9 defect 2.2, an arbitrary uid (OpenShift) could not write /data."""
    paths = [*spec.writable_dirs, spec.sticky_tmp]
    listing = docker("run", "--rm", images[variant], "stat", "-c", "%n %u:%g %a", *paths).stdout
    expected = [f"{d} {spec.uid}:0 775" for d in spec.writable_dirs]
    assert listing.splitlines() == [*expected, f"{spec.sticky_tmp} 0:0 1777"]


def test_traefik_image_answers_to_the_compose_default_name(images: dict[str, str]) -> None:
    assert images["traefik"] == standins.traefik_image_ref()
