"""Turn redacted hits into located findings, and cap how many one call returns.

A flood of findings (2 MB of e-mail addresses once gave a 158 MB response) is cut to
``MAX_FINDINGS_PER_FILE`` per file and ``MAX_FINDINGS_PER_CALL`` per call. The most severe
findings are the ones kept, listed in file and line order; the counts (summary, highest
severity) still cover every finding, and ``truncated`` says the list was cut.

Lines and columns point into the scanned text, not the redacted one: a line ends at LF (CRLF
counts once, a lone CR ends nothing), as git diff, blame and grep count them.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TypeVar

from flowcheck.guardian.block import line_starts
from flowcheck.guardian.models import SEVERITY_RANK, Finding, Severity, Source
from flowcheck.guardian.redact import Placed
from flowcheck.guardian.rule import RuleMeta

MAX_FINDINGS_PER_FILE = 100
MAX_FINDINGS_PER_CALL = 1000
_EXCERPT_CHARS = 160
_Item = TypeVar("_Item")


class FindingsCollector:
    """Findings of many texts (the files of a change set) within the caps; exact counts."""

    def __init__(self) -> None:
        self.metas: list[RuleMeta] = []  # one per finding, kept or not: the exact counts
        self._kept: list[Finding] = []
        self._per_path: Counter[str | None] = Counter()

    def add(
        self,
        text: str,
        redacted: tuple[str, list[Placed]],
        path: str | None,
        first_line: int,
        source: Source,
    ) -> None:
        sanitized, placed = redacted
        self.metas += [item.hit.meta for item in placed]
        room = MAX_FINDINGS_PER_FILE - self._per_path[path]
        chosen = most_severe(placed, room, lambda item: item.hit.meta.severity)
        self._per_path[path] += len(chosen)
        self._kept += located(text, sanitized, chosen, path, first_line, source)
        if len(self._kept) > 2 * MAX_FINDINGS_PER_CALL:  # prune as we go: memory stays flat
            self._kept = self.findings

    @property
    def findings(self) -> list[Finding]:
        return most_severe(self._kept, MAX_FINDINGS_PER_CALL, lambda f: f.severity)

    @property
    def truncated(self) -> bool:
        return len(self.metas) > min(len(self._kept), MAX_FINDINGS_PER_CALL)


def most_severe(
    items: Sequence[_Item], limit: int, severity: Callable[[_Item], Severity]
) -> list[_Item]:
    """Up to ``limit`` of ``items``, the most severe chosen first, in their original order."""
    if len(items) <= limit:
        return list(items)
    chosen = heapq.nsmallest(
        max(limit, 0), range(len(items)), key=lambda i: (-SEVERITY_RANK[severity(items[i])], i)
    )
    return [items[index] for index in sorted(chosen)]


def located(
    text: str,
    sanitized: str,
    placed: Sequence[Placed],
    path: str | None,
    first_line: int,
    source: Source,
) -> list[Finding]:
    """One finding per placed hit: line and column of the hit in ``text``, and the redacted
    line around its token as the excerpt."""
    if not placed:
        return []
    starts = line_starts(text)
    output_starts = line_starts(sanitized)
    findings = []
    for item in placed:
        line = bisect_right(starts, item.hit.start) - 1
        output_line = bisect_right(output_starts, item.output_start) - 1
        output_line_start = output_starts[output_line]
        line_end = sanitized.find("\n", item.output_start)
        excerpt_line = sanitized[output_line_start : line_end if line_end != -1 else None]
        findings.append(
            Finding(
                category=item.hit.meta.category,
                rule_id=item.hit.meta.rule_id,
                kind=item.hit.meta.kind,
                severity=item.hit.meta.severity,
                confidence=item.hit.meta.confidence,
                path=path,
                line=first_line + line,
                column=item.hit.start - starts[line] + 1,
                source=source,
                excerpt=_excerpt(excerpt_line, item.output_start - output_line_start, item.token),
            )
        )
    return findings


def _excerpt(line: str, column: int, token: str) -> str:
    """The redacted line around the token, cut on both sides to a fixed width."""
    start = max(0, column - (_EXCERPT_CHARS - len(token)) // 2)
    return line[start : start + _EXCERPT_CHARS].strip()
