"""Service functions the server and CLI call: sanitize free text, scan a repository's changes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from flowcheck.errors import FlowcheckError, ScanError
from flowcheck.guardian import sources
from flowcheck.guardian.engine import scan_text
from flowcheck.guardian.findings import FindingsCollector, located
from flowcheck.guardian.models import (
    Finding,
    SanitizeResult,
    ScanReport,
    Scope,
    Source,
    highest_severity,
    summarize,
)
from flowcheck.guardian.normalize import without_surrogates
from flowcheck.guardian.redact import redact
from flowcheck.guardian.rules import RuleSet
from flowcheck.ignore import IgnoreMatcher

log = logging.getLogger(__name__)
_SCOPES: dict[Scope, tuple[str, ...]] = {
    "all": ("staged", "unstaged", "untracked"),
    "staged": ("staged",),
    "unstaged": ("unstaged",),
    "untracked": ("untracked",),
}


def sanitize(content: str, rules: RuleSet) -> SanitizeResult:
    """Redact every secret, personal datum and injection in ``content`` (lone surrogates come
    back as U+FFFD)."""
    content = without_surrogates(content)
    sanitized, placed = redact(content, scan_text(content, rules))
    counted = [item.hit.meta for item in placed]
    categories = {meta.category for meta in counted}
    log.info("sanitize: %d findings, %d chars", len(counted), len(content))
    return SanitizeResult(
        sanitized_text=sanitized,
        pii_detected="pii" in categories,
        secrets_detected="secret" in categories,
        injection_detected="injection" in categories,
        redacted_count=len({p.token for p in placed}),
        summary=summarize(counted),
    )


def scan_text_findings(
    text: str, rules: RuleSet, path: str | None = None, first_line: int = 1, source: Source = "text"
) -> list[Finding]:
    """Findings in one text (a file, a run of added lines, or free text), uncapped: for texts
    of bounded size. Anything an attacker can make long goes through ``scan_text_report``."""
    sanitized, placed = redact(text, scan_text(text, rules, path))
    return located(text, sanitized, placed, path, first_line, source)


def scan_text_report(text: str, rules: RuleSet) -> ScanReport:
    """A free text's findings as a capped report (``flowcheck scan -``)."""
    text = without_surrogates(text)
    collector = FindingsCollector()
    collector.add(text, redact(text, scan_text(text, rules)), None, 1, "text")
    return _capped("<stdin>", "all", collector, files=1, scanned=len(text), skipped=[])


# The security scan honours no `.flowcheckignore`: that file lives in the repository, so an
# agent or the repository's author could write `*` into it and walk a secret past the
# pre-commit gate. It shapes the flow metrics only; paths are excluded from scanning by the
# operator's rules (`allow: paths:`).
_NOTHING_IGNORED = IgnoreMatcher(())
MAX_LISTED_SKIPS = 100


def scan_changes(
    repo: Path, scope: Scope, rules: RuleSet, index_file: Path | None = None
) -> ScanReport:
    """Scan the uncommitted changes of the repository whose top level is ``repo``;
    ``index_file`` replaces the repository's index for the staged part (a hook's temporary
    index)."""
    collected = [_collect(repo, part, index_file, rules) for part in _SCOPES[scope]]
    return _report(repo, scope, collected, rules)


def change_scanner(rules: RuleSet) -> Callable[[Path], ScanReport]:
    """Scans everything not yet committed: what get_flow_state reports as security_flags."""

    def scan(repo: Path) -> ScanReport:
        return scan_changes(repo, "all", rules)

    return scan


def scan_commits(repo: Path, base: str, head: str, rules: RuleSet) -> ScanReport:
    """Scan what the commits from ``base`` to ``head`` added (``scope`` reads 'all')."""
    return _report(
        repo,
        "all",
        [
            _guarded(
                repo,
                lambda: sources.commit_range(repo, _NOTHING_IGNORED, base, head),
                rules,
            )
        ],
        rules,
    )


def _collect(
    repo: Path, part: str, index_file: Path | None, rules: RuleSet
) -> sources.Collected:
    if part == "staged":
        return _guarded(repo, lambda: sources.staged(repo, _NOTHING_IGNORED, index_file), rules)
    reader = {"unstaged": sources.unstaged, "untracked": sources.untracked}[part]
    return _guarded(repo, lambda: reader(repo, _NOTHING_IGNORED), rules)


def _guarded(
    repo: Path, read: Callable[[], sources.Collected], rules: RuleSet
) -> sources.Collected:
    """Failures as a ScanError whose text (it names files) is redacted like any answer."""
    try:
        return read()
    except FlowcheckError as exc:
        message = f"scan of {repo} failed: {exc}; fix the repository and retry"
        raise ScanError(redacted_name(message, rules)) from exc
    except OSError as exc:
        message = f"scan of {repo} failed reading {exc.filename}: {exc.strerror}"
        raise ScanError(redacted_name(message, rules)) from exc


def _report(repo: Path, scope: Scope, parts: list[sources.Collected], rules: RuleSet) -> ScanReport:
    collector = FindingsCollector()
    scanned = 0
    names: dict[str, str] = {}
    for part in parts:
        for segment in part.segments:
            scanned += len(segment.text)
            hits = scan_text(segment.text, rules, segment.path)
            redacted = redact(segment.text, hits)
            if segment.path not in names:
                names[segment.path] = redacted_name(segment.path, rules)
            path = names[segment.path]
            collector.add(segment.text, redacted, path, segment.first_line, segment.source)
    log.info("scan %s (%s): %d findings in %d chars", repo, scope, len(collector.metas), scanned)
    return _capped(
        str(repo),
        scope,
        collector,
        files=sum(part.files for part in parts),
        scanned=scanned,
        skipped=_listed_skips([reason for part in parts for reason in part.skipped], rules),
    )


def _listed_skips(skipped: list[str], rules: RuleSet) -> list[str]:
    """The first MAX_LISTED_SKIPS skipped files (names redacted), then one line counting the
    rest: 20,000 skipped files made a 3.8 MB answer."""
    listed = [redacted_name(reason, rules) for reason in skipped[:MAX_LISTED_SKIPS]]
    unlisted = len(skipped) - len(listed)
    return [*listed, f"... and {unlisted} more skipped files"] if unlisted else listed


def redacted_name(name: str, rules: RuleSet) -> str:
    """A file or branch name with every secret or personal datum in it replaced by its token:
    whoever wrote the repository chose the names. Lone surrogates (a non-UTF-8 file name) come
    back as U+FFFD, so the answer stays encodable."""
    name = without_surrogates(name)
    return redact(name, scan_text(name, rules))[0]


def _capped(
    repo: str,
    scope: Scope,
    collector: FindingsCollector,
    *,
    files: int,
    scanned: int,
    skipped: list[str],
) -> ScanReport:
    return ScanReport(
        repo=repo,
        scope=scope,
        files_scanned=files,
        bytes_scanned=scanned,
        findings=collector.findings,
        truncated=collector.truncated,
        summary=summarize(collector.metas),
        highest_severity=highest_severity(collector.metas),
        skipped=skipped,
    )
