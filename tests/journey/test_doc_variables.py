"""Issue 9 §3.5: a pasted shell block uses only variables the page defines (in that block or an
earlier one), those every shell has, or ones given a default or a `:?` guard. The compose
section's smoke line read `$TOKEN_FILE`, which nothing set, and sent an empty token."""

from __future__ import annotations

import re

from tests.journey.client_configs import ROOT
from tests.journey.docblocks import fenced_blocks

EVERY_SHELL = {"HOME", "PATH", "PWD", "USER"}
DEFINED = re.compile(r"(?:^|[\s;(&|])(?:export\s+)?([A-Za-z_]\w*)=")
# $NAME or ${NAME}; ${NAME:-x}, ${NAME-x} and ${NAME:?x} carry their own fallback.
USED = re.compile(r"\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))")


def undefined_variables(markdown: str) -> list[str]:
    defined, undefined = set(EVERY_SHELL), []
    for block in fenced_blocks(markdown):
        if block.lang not in ("sh", "bash", "shell"):
            continue
        for line in block.body.splitlines():
            for match in USED.finditer(line):
                name = match.group(1) or match.group(2)
                if name not in defined and name not in DEFINED.findall(line):
                    undefined.append(f"${name} in: {line.strip()}")
            defined.update(DEFINED.findall(line))
    return undefined


def test_every_shell_block_uses_only_variables_it_can_have() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    found = [
        f"{page.relative_to(ROOT)}: {problem}"
        for page in pages
        for problem in undefined_variables(page.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_an_unset_variable_is_named() -> None:
    """The check above can fail, with the exact line."""
    page = '```sh\ncd compose\npython ../tests/smoke.py URL "$(cat "$TOKEN_FILE")"\n```\n'
    assert undefined_variables(page) == [
        '$TOKEN_FILE in: python ../tests/smoke.py URL "$(cat "$TOKEN_FILE")"'
    ]
