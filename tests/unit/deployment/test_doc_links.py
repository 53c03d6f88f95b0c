"""Every relative link in the deployment guides and the rules page resolves: the file or
directory exists, and a #fragment names a heading of the target (GitHub's anchor rules)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.nix.nixflake import REPO
from tests.unit.deployment.project import DEPLOYMENT_DOCS, needs_repository_files

DOCS = [*sorted(DEPLOYMENT_DOCS.glob("*.md")), REPO / "docs" / "rules.md"]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
# The guides link to files outside docs/ as well.
pytestmark = needs_repository_files("README.md", "server.json", ".github", "nix/images.nix")


def anchors(markdown: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens,
    repeats numbered."""
    seen: dict[str, int] = {}
    result = set()
    text = FENCE.sub("", markdown.read_text())
    for heading in re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


def relative_links(doc: Path) -> list[str]:
    text = FENCE.sub("", doc.read_text())
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target)]


def test_the_guides_have_links_to_check() -> None:
    assert sum(len(relative_links(doc)) for doc in DOCS) > 40


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.name)
def test_every_relative_link_resolves(doc: Path) -> None:
    broken = []
    for target in relative_links(doc):
        path_part, _, fragment = target.partition("#")
        path = (doc.parent / path_part).resolve() if path_part else doc
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif fragment and (path.suffix != ".md" or fragment not in anchors(path)):
            broken.append(f"{target}: no heading with anchor #{fragment}")
    assert broken == []


def test_the_anchor_rules_match_githubs() -> None:
    sample = REPO / "docs" / "deployment" / "CI-CD.md"
    assert "releaseyml-from-a-tag-to-published-images" in anchors(sample)
    assert "flowcheck-as-a-gate-in-your-pipeline" in anchors(sample)
