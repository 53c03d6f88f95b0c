"""nix/checks/image_sizes.py, the CI step that fails an image over its size budget."""

from __future__ import annotations

from typing import Any

from tests.nix.nixflake import REPO, load_module

# image_sizes imports spec_consistency by name, as it does beside it in nix/checks.
load_module("spec_consistency", REPO / "nix" / "checks" / "spec_consistency.py")
sizes = load_module("image_sizes", REPO / "nix" / "checks" / "image_sizes.py")


def budgets_in_bytes(spec: dict[str, Any], delta: int) -> dict[str, int]:
    return {name: v["size_budget_mb"] * 1_000_000 + delta for name, v in spec["variants"].items()}


def test_images_at_their_budget_pass_with_one_line_each(spec: dict[str, Any]) -> None:
    lines, over = sizes.verdicts(spec, budgets_in_bytes(spec, 0))
    assert not over
    assert lines == [
        f"{spec['repository'] + ':' + v['tag']:32} {v['size_budget_mb']:8.1f} MB  "
        f"budget {v['size_budget_mb']} MB  ok"
        for v in spec["variants"].values()
    ]


def test_one_byte_over_a_budget_fails_and_names_the_image(spec: dict[str, Any]) -> None:
    """issue 9: the budgets are read from nix/images.toml, never retyped in the workflow."""
    measured = budgets_in_bytes(spec, 0)
    measured["dev"] += 1
    lines, over = sizes.verdicts(spec, measured)
    assert over
    assert [line.endswith("OVER BUDGET") for line in lines] == [False, False, True]
    assert lines[2].startswith(f"{spec['repository']}:dev ")


def test_budgets_are_the_estimates_in_the_deployment_note(spec: dict[str, Any]) -> None:
    """docs/deployment/Nix.md gives each estimate; the budget is it plus 10 %, rounded up."""
    note = (REPO / "docs" / "deployment" / "Nix.md").read_text()
    for name, variant in spec["variants"].items():
        assert f"| `{name}` | " in note
        assert f"| {variant['size_budget_mb']} MB |" in note
