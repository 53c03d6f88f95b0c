"""Every variant's own health check turns the container healthy within 10 s of `docker run`."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from container_helpers import MEASURED, TOKEN, docker, load_spec, wait_until_healthy

pytestmark = pytest.mark.container
VARIANTS = list(load_spec().variants)


@pytest.fixture(scope="module")
def seconds_to_healthy(images: dict[str, str]) -> Iterator[dict[str, float]]:
    """All variants started at once (cold: new containers, new anonymous /data volumes)."""
    names = {variant: f"flowcheck-health-{variant}-{uuid.uuid4().hex[:6]}" for variant in VARIANTS}
    started: dict[str, float] = {}
    try:
        for variant, name in names.items():
            started[variant] = time.monotonic()
            docker(
                "run", "-d", "--rm", "-v", "/data", "--name", name, "--read-only",
                "--tmpfs", "/tmp", "-e", f"FLOWCHECK_AUTH_TOKEN={TOKEN}", images[variant],
            )  # fmt: skip
        seconds: dict[str, float] = {}
        for variant, name in names.items():
            wait_until_healthy(name, timeout_s=30)
            seconds[variant] = time.monotonic() - started[variant]
            MEASURED[f"cold start to healthy, {variant}, 3 at once (s)"] = f"{seconds[variant]:.1f}"
        yield seconds
    finally:
        for name in names.values():
            docker("rm", "-f", "-v", name, check=False)


@pytest.mark.parametrize("variant", VARIANTS)
def test_variant_turns_healthy_within_10_seconds(
    seconds_to_healthy: dict[str, float], variant: str
) -> None:
    assert seconds_to_healthy[variant] <= 10
