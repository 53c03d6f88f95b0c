"""Run every enabled detector over a text and settle the hits: allow-lists, pragmas, overlaps."""

from __future__ import annotations

from collections.abc import Iterator

from flowcheck.guardian.models import SEVERITY_RANK
from flowcheck.guardian.rule import Hit
from flowcheck.guardian.rules import RuleSet

BLOCK_CHARS = 1 << 20  # detectors see at most ~1 MiB at once: memory stays flat on big inputs
PRAGMA = "flowcheck:allow"
_CATEGORY_RANK = {"secret": 0, "pii": 1, "injection": 2}


def scan_text(text: str, rules: RuleSet, path: str | None = None) -> list[Hit]:
    """Hits in document order; secret/PII hits never overlap each other."""
    if path is not None and rules.path_allowed(path):
        return []
    hits: list[Hit] = []
    for offset, block in _blocks(text):
        lowered = block.lower()
        for detector in rules.detectors:
            for hit in detector.detect(block, lowered):
                hits.append(Hit(hit.start + offset, hit.end + offset, hit.meta) if offset else hit)
    kept = [h for h in hits if not rules.value_allowed(text[h.start : h.end])
            and not _has_pragma(text, h.start)]
    return _settle(kept)


def _blocks(text: str) -> Iterator[tuple[int, str]]:
    if len(text) <= BLOCK_CHARS:
        yield 0, text
        return
    start = 0
    while start < len(text):
        cut = text.rfind("\n", start, start + BLOCK_CHARS)
        end = len(text) if start + BLOCK_CHARS >= len(text) else (
            cut + 1 if cut > start else start + BLOCK_CHARS)
        yield start, text[start:end]
        start = end


def _has_pragma(text: str, position: int) -> bool:
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position)
    return PRAGMA in text[line_start : line_end if line_end != -1 else len(text)]


def _settle(hits: list[Hit]) -> list[Hit]:
    """Keep the best of overlapping secret/PII hits; injection hits (whole lines) stand alone."""
    def preference(hit: Hit) -> tuple[int, int, int, int]:
        return (_CATEGORY_RANK[hit.meta.category], -SEVERITY_RANK[hit.meta.severity],
                -(hit.end - hit.start), hit.start)

    values = sorted((h for h in hits if h.meta.category != "injection"), key=preference)
    chosen: list[Hit] = []
    for hit in values:
        if all(hit.end <= c.start or hit.start >= c.end for c in chosen):
            chosen.append(hit)
    injections = {(h.start, h.end): h for h in hits if h.meta.category == "injection"}
    return sorted([*chosen, *injections.values()], key=lambda h: (h.start, h.end, h.meta.rule_id))
