"""Replace hits by ``[REDACTED_<TYPE>_<n>]``: numbered per type in document order, one token per
distinct value within a call, overlapping hits merged so no fragment of a value survives."""

from __future__ import annotations

from dataclasses import dataclass

from flowcheck.guardian.rule import Hit


@dataclass(frozen=True, slots=True)
class Placed:
    """A hit and where its token landed in the redacted text."""

    hit: Hit
    token: str
    output_start: int


def redact(text: str, hits: list[Hit]) -> tuple[str, list[Placed]]:
    tokens: dict[tuple[str, str], str] = {}
    counters: dict[str, int] = {}
    pieces: list[str] = []
    placed: list[Placed] = []
    cursor = 0
    length = 0
    for span_start, span_end, span_hits in _merge(hits):
        if span_start < cursor:
            continue
        kind = span_hits[0].meta.kind
        key = (kind, text[span_start:span_end])
        if key not in tokens:
            counters[kind] = counters.get(kind, 0) + 1
            tokens[key] = f"[REDACTED_{kind}_{counters[kind]}]"
        pieces.append(text[cursor:span_start])
        length += span_start - cursor
        placed.extend(Placed(h, tokens[key], length) for h in span_hits)
        pieces.append(tokens[key])
        length += len(tokens[key])
        cursor = span_end
    pieces.append(text[cursor:])
    return "".join(pieces), placed


def _merge(hits: list[Hit]) -> list[tuple[int, int, list[Hit]]]:
    """Group overlapping hits; the widest hit of a group names its type."""
    groups: list[tuple[int, int, list[Hit]]] = []
    for hit in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        if groups and hit.start < groups[-1][1]:
            start, end, members = groups[-1]
            groups[-1] = (start, max(end, hit.end), [*members, hit])
        else:
            groups.append((hit.start, hit.end, [hit]))
    return groups
