"""Run every enabled detector over a text and settle the hits: allow-lists, pragmas, overlaps."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator

from flowcheck.guardian.block import Block
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
    for offset, block_text in _blocks(text):
        block = Block(block_text)
        for detector in rules.detectors:
            for hit in detector.detect(block):
                hits.append(Hit(hit.start + offset, hit.end + offset, hit.meta) if offset else hit)
    on_pragma_line = _pragma_lines(text)
    kept = [
        h
        for h in hits
        if rules.rule_enabled(h.meta.rule_id)
        and not rules.value_allowed(text[h.start : h.end])
        and not on_pragma_line(h.start)
    ]
    return _settle(kept)


def scan_stream(chunks: Iterable[str], rules: RuleSet) -> Iterator[Hit]:
    """Hits over text arriving in pieces (a file read block by block): memory stays at about
    one block however long the input is. Offsets count from the start of the whole stream."""
    offset = 0
    carry = ""
    for chunk in chunks:
        data = carry + chunk
        cut = data.rfind("\n") + 1
        if cut == 0 and len(data) < BLOCK_CHARS:
            carry = data
            continue
        cut = cut or len(data)
        for hit in scan_text(data[:cut], rules):
            yield Hit(hit.start + offset, hit.end + offset, hit.meta)
        offset += cut
        carry = data[cut:]
    for hit in scan_text(carry, rules):
        yield Hit(hit.start + offset, hit.end + offset, hit.meta)


def _blocks(text: str) -> Iterator[tuple[int, str]]:
    if len(text) <= BLOCK_CHARS:
        yield 0, text
        return
    start = 0
    while start < len(text):
        cut = text.rfind("\n", start, start + BLOCK_CHARS)
        end = (
            len(text)
            if start + BLOCK_CHARS >= len(text)
            else (cut + 1 if cut > start else start + BLOCK_CHARS)
        )
        yield start, text[start:end]
        start = end


def _pragma_lines(text: str) -> Callable[[int], bool]:
    """Whether an offset lies on a line carrying the allow pragma: a binary search over the
    lines found once, so thousands of hits and pragmas cost n log n, not n x m."""
    starts: list[int] = []
    ends: list[int] = []
    position = text.find(PRAGMA)
    while position != -1:
        line_end = text.find("\n", position)
        line_end = len(text) if line_end == -1 else line_end
        starts.append(text.rfind("\n", 0, position) + 1)
        ends.append(line_end)
        position = text.find(PRAGMA, line_end)

    def on_pragma_line(offset: int) -> bool:
        index = bisect_right(starts, offset) - 1
        return index >= 0 and offset <= ends[index]

    return on_pragma_line


def _settle(hits: list[Hit]) -> list[Hit]:
    """Keep the best of overlapping secret/PII hits; injection hits (whole lines) stand alone."""

    def preference(hit: Hit) -> tuple[int, int, int, int]:
        return (
            _CATEGORY_RANK[hit.meta.category],
            -SEVERITY_RANK[hit.meta.severity],
            -(hit.end - hit.start),
            hit.start,
        )

    chosen: list[Hit] = []
    for cluster in _overlapping_clusters([h for h in hits if h.meta.category != "injection"]):
        picked: list[Hit] = []
        for hit in sorted(cluster, key=preference):
            if all(hit.end <= c.start or hit.start >= c.end for c in picked):
                picked.append(hit)
        chosen += picked
    injections = {(h.start, h.end): h for h in hits if h.meta.category == "injection"}
    return sorted([*chosen, *injections.values()], key=lambda h: (h.start, h.end, h.meta.rule_id))


def _overlapping_clusters(hits: list[Hit]) -> Iterator[list[Hit]]:
    """Runs of hits connected by overlap; the best-of choice happens within a run only."""
    cluster: list[Hit] = []
    cluster_end = -1
    for hit in sorted(hits, key=lambda h: (h.start, h.end)):
        if cluster and hit.start >= cluster_end:
            yield cluster
            cluster = []
        cluster.append(hit)
        cluster_end = max(cluster_end, hit.end) if len(cluster) > 1 else hit.end
    if cluster:
        yield cluster
