"""The Nix CI workflow (.github/workflows/nix.yml): what every run prints and enforces."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.nix.nixflake import REPO

pytestmark = pytest.mark.nix

WORKFLOW = REPO / ".github" / "workflows" / "nix.yml"
# nix-community/cache-nix-action v7, action.yml: every input it declares.
CACHE_INPUTS = {
    "primary-key", "restore-prefixes-first-match", "restore-prefixes-all-matches", "lookup-only",
    "fail-on", "nix", "save", "paths", "paths-macos", "paths-linux", "backend",
    "gc-max-store-size", "gc-max-store-size-macos", "gc-max-store-size-linux", "purge",
    "purge-primary-key", "purge-prefixes", "purge-last-accessed", "purge-created",
    "upload-chunk-size", "token",
}


def steps() -> list[dict[str, Any]]:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    return list(workflow["jobs"]["build"]["steps"])


def step_named(name: str) -> dict[str, Any]:
    return next(step for step in steps() if step.get("name") == name)


def test_checkout_v5_then_disk_space_nix_and_a_free_store_cache_in_that_order() -> None:
    uses = [step.get("uses", step.get("name")) for step in steps()][:4]
    assert uses == ["actions/checkout@v5", "Disk space", "cachix/install-nix-action@v31",
                    "nix-community/cache-nix-action@v7"]
    cache = steps()[3]["with"]
    assert set(cache) <= CACHE_INPUTS
    assert cache["primary-key"].startswith("nix-${{ matrix.system }}-")


def test_each_image_prints_its_closure_and_the_budgets_come_from_the_spec(
    spec: dict[str, Any]
) -> None:
    """issue 9: the budgets were typed into the workflow and no closure was ever shown."""
    script = step_named("Closure breakdown and size budgets")["run"]
    assert "for output in image image-slim image-dev; do" in script
    assert 'nix path-info -rsSh "$closure" | sort -h -k2 | tail -20' in script
    assert 'docker load -i "$output"' in script
    assert script.rstrip().endswith("python3 nix/checks/image_sizes.py --spec nix/images.toml")
    text = WORKFLOW.read_text()
    for variant in spec["variants"].values():
        assert str(variant["size_budget_mb"]) not in text
