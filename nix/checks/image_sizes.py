"""Compare each loaded image's size with its budget in nix/images.toml; exit 1 when one is over.

`docker image inspect` reports .Size in bytes; budgets are decimal MB (size_budget_mb), the
closure estimate plus 10 % (docs/deployment/Nix.md). CI runs this after `docker load`.

Usage: image_sizes.py --spec nix/images.toml
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

from spec_consistency import expected_refs, load_toml


def verdicts(spec: dict[str, Any], sizes: dict[str, int]) -> tuple[list[str], bool]:
    """One report line per variant, and whether any image is over its budget."""
    lines, over = [], False
    for name, ref in expected_refs(spec).items():
        budget = spec["variants"][name]["size_budget_mb"]
        size_mb = sizes[name] / 1e6
        verdict = "ok" if size_mb <= budget else "OVER BUDGET"
        over |= size_mb > budget
        lines.append(f"{ref:32} {size_mb:8.1f} MB  budget {budget} MB  {verdict}")
    return lines, over


def inspected_size(ref: str) -> int:
    output = subprocess.run(["docker", "image", "inspect", "--format", "{{.Size}}", ref],
                            capture_output=True, text=True, check=True).stdout
    return int(output)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, required=True)
    args = parser.parse_args()
    spec = load_toml(args.spec)
    sizes = {name: inspected_size(ref) for name, ref in expected_refs(spec).items()}
    lines, over = verdicts(spec, sizes)
    print("\n".join(lines))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
