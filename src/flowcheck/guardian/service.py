"""Service functions the server and CLI call: sanitize free text, scan a repository's changes."""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from collections.abc import Callable
from pathlib import Path

from flowcheck.errors import FlowcheckError, ScanError
from flowcheck.guardian import sources
from flowcheck.guardian.engine import scan_text
from flowcheck.guardian.models import (
    Finding,
    SanitizeResult,
    ScanReport,
    Scope,
    Source,
    highest_severity,
    summarize,
)
from flowcheck.guardian.redact import Placed, redact
from flowcheck.guardian.rules import RuleSet
from flowcheck.ignore import IgnoreMatcher, load_ignore

log = logging.getLogger(__name__)
_EXCERPT_CHARS = 160
_SCOPES: dict[Scope, tuple[str, ...]] = {
    "all": ("staged", "unstaged", "untracked"),
    "staged": ("staged",),
    "unstaged": ("unstaged",),
    "untracked": ("untracked",),
}


def sanitize(content: str, rules: RuleSet) -> SanitizeResult:
    """Redact every secret, personal datum and injection in ``content``."""
    hits = scan_text(content, rules)
    sanitized, placed = redact(content, hits)
    findings = _findings(sanitized, placed, path=None, first_line=1, source="text")
    categories = {f.category for f in findings}
    log.info("sanitize: %d findings, %d chars", len(findings), len(content))
    return SanitizeResult(
        sanitized_text=sanitized,
        pii_detected="pii" in categories,
        secrets_detected="secret" in categories,
        injection_detected="injection" in categories,
        redacted_count=len({p.token for p in placed}),
        summary=summarize(findings),
    )


def scan_text_findings(
    text: str, rules: RuleSet, path: str | None = None, first_line: int = 1, source: Source = "text"
) -> list[Finding]:
    """Findings in one text (a file, a run of added lines, or free text)."""
    sanitized, placed = redact(text, scan_text(text, rules, path))
    return _findings(sanitized, placed, path, first_line, source)


def scan_changes(
    repo: Path,
    scope: Scope,
    rules: RuleSet,
    ignore: IgnoreMatcher | None = None,
    index_file: Path | None = None,
) -> ScanReport:
    """Scan the uncommitted changes of the repository whose top level is ``repo``;
    ``ignore`` defaults to the repository's ``.flowcheckignore``; ``index_file`` replaces the
    repository's index for the staged part (a hook's temporary index)."""
    ignore = ignore if ignore is not None else load_ignore(repo)
    collected = [_collect(repo, ignore, part, index_file) for part in _SCOPES[scope]]
    return _report(repo, scope, collected, rules)


def change_scanner(rules: RuleSet) -> Callable[[Path, IgnoreMatcher], list[Finding]]:
    """Scans everything not yet committed: what get_flow_state reports as security_flags."""

    def scan(repo: Path, ignore: IgnoreMatcher) -> list[Finding]:
        return scan_changes(repo, "all", rules, ignore).findings

    return scan


def scan_commits(repo: Path, base: str, head: str, rules: RuleSet) -> ScanReport:
    """Scan what the commits from ``base`` to ``head`` added (``scope`` reads 'all')."""
    ignore = load_ignore(repo)
    return _report(
        repo, "all", [_guarded(repo, lambda: sources.commit_range(repo, ignore, base, head))], rules
    )


def _collect(
    repo: Path, ignore: IgnoreMatcher, part: str, index_file: Path | None
) -> sources.Collected:
    if part == "staged":
        return _guarded(repo, lambda: sources.staged(repo, ignore, index_file))
    reader = {"unstaged": sources.unstaged, "untracked": sources.untracked}[part]
    return _guarded(repo, lambda: reader(repo, ignore))


def _guarded(repo: Path, read: Callable[[], sources.Collected]) -> sources.Collected:
    try:
        return read()
    except FlowcheckError as exc:
        raise ScanError(f"scan of {repo} failed: {exc}; fix the repository and retry") from exc
    except OSError as exc:
        raise ScanError(f"scan of {repo} failed reading {exc.filename}: {exc.strerror}") from exc


def _report(repo: Path, scope: Scope, parts: list[sources.Collected], rules: RuleSet) -> ScanReport:
    findings: list[Finding] = []
    scanned = 0
    for part in parts:
        for segment in part.segments:
            scanned += len(segment.text)
            findings += scan_text_findings(
                segment.text, rules, segment.path, segment.first_line, segment.source
            )
    log.info("scan %s (%s): %d findings in %d chars", repo, scope, len(findings), scanned)
    return ScanReport(
        repo=str(repo),
        scope=scope,
        files_scanned=sum(part.files for part in parts),
        bytes_scanned=scanned,
        findings=findings,
        summary=summarize(findings),
        highest_severity=highest_severity(findings),
        skipped=[reason for part in parts for reason in part.skipped],
    )


def _findings(
    sanitized: str, placed: list[Placed], path: str | None, first_line: int, source: Source
) -> list[Finding]:
    if not placed:
        return []
    line_starts = [0, *(m.end() for m in re.finditer("\n", sanitized))]
    findings = []
    for item in placed:
        index = bisect_right(line_starts, item.output_start) - 1
        line_start = line_starts[index]
        line_end = sanitized.find("\n", item.output_start)
        line = sanitized[line_start : line_end if line_end != -1 else len(sanitized)]
        findings.append(
            Finding(
                category=item.hit.meta.category,
                rule_id=item.hit.meta.rule_id,
                kind=item.hit.meta.kind,
                severity=item.hit.meta.severity,
                confidence=item.hit.meta.confidence,
                path=path,
                line=first_line + index,
                column=item.output_start - line_start + 1,
                source=source,
                excerpt=_excerpt(line, item.output_start - line_start, item.token),
            )
        )
    return findings


def _excerpt(line: str, column: int, token: str) -> str:
    """The redacted line around the token, cut on both sides to a fixed width."""
    start = max(0, column - (_EXCERPT_CHARS - len(token)) // 2)
    return line[start : start + _EXCERPT_CHARS].strip()
