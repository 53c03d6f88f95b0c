"""The flow-state service behind get_flow_state, get_recommendations and set_rules.

Synchronous and stateless: every call reads git, the rules files and `.flowcheckignore`
afresh, so the caller may run it in a worker thread. `repo` is always a git top level
returned by `flowcheck.git.repo.resolve_repository`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import BaseModel, Field

from flowcheck.git.metrics import FlowMetrics, collect_metrics
from flowcheck.guardian.models import Finding, FindingsSummary, ScanReport, summarize
from flowcheck.ignore import load_ignore
from flowcheck.rules import (
    Rules,
    Scope,
    Status,
    build_recommendations,
    evaluate_status,
    load_rules,
    set_rules,
)

# Scans the uncommitted change set of a top level (all of it: see guardian.service).
SecurityScan = Callable[[Path], ScanReport]
# Cleans names a repository chose (branches) before they reach an answer.
NameFilter = Callable[[str], str]

_FLAGS_DESCRIPTION = (
    "Security findings in the uncommitted changes, the most severe kept when there are more "
    "than 1000 (see security_flags_truncated); never echo what they point at."
)
_TRUNCATED_DESCRIPTION = "True when security_flags was cut; security_summary counts every finding."
_SUMMARY_DESCRIPTION = "Counts of every security finding by category, kind and severity."
_WARNINGS_DESCRIPTION = "Problems in rules or ignore files; defaults were used where they failed."
_NOT_SCANNED = ScanReport(
    repo="",
    scope="all",
    files_scanned=0,
    bytes_scanned=0,
    findings=[],
    summary=summarize([]),
    highest_severity=None,
    skipped=[],
)


class FlowState(BaseModel):
    """Git hygiene of a repository right now. Fix a warning or danger status before new work."""

    repo_path: str = Field(description="Git top level these numbers describe.")
    branch_name: str = Field(description="Current branch; a short commit id when HEAD is detached.")
    status: Status = Field(description="ok, warning or danger; see recommendations for why.")
    minutes_since_last_commit: int | None = Field(
        description="Minutes since the HEAD commit; null before the first commit."
    )
    uncommitted_lines: int = Field(
        description="Added plus deleted lines not yet committed (staged, unstaged and untracked "
        "text files), each line counted once."
    )
    uncommitted_files: int = Field(description="Paths with uncommitted changes, new ones included.")
    staged_files: int = Field(description="Paths with changes in the index.")
    untracked_files: int = Field(description="New files git does not track yet.")
    default_branch: str | None = Field(
        description="Branch the branch signals compare with (origin/HEAD, main or master)."
    )
    branch_age_days: int | None = Field(
        description="Days since this branch forked from the default branch; 0 on the default "
        "branch; null when there is no default branch or no shared history."
    )
    ahead_of_main: int | None = Field(description="Commits on this branch the default lacks.")
    behind_main_by_commits: int | None = Field(
        description="Commits on the default branch this branch lacks."
    )
    security_flags: list[Finding] = Field(description=_FLAGS_DESCRIPTION)
    security_flags_truncated: bool = Field(description=_TRUNCATED_DESCRIPTION)
    security_summary: FindingsSummary = Field(description=_SUMMARY_DESCRIPTION)
    config_warnings: list[str] = Field(description=_WARNINGS_DESCRIPTION)


class FlowSummary(BaseModel):
    minutes_since_last_commit: int | None
    uncommitted_lines: int
    uncommitted_files: int
    branch_name: str


class Recommendations(BaseModel):
    """What to do next, most urgent first."""

    recommendations: list[str] = Field(description="Actionable steps; security comes first.")
    status: Status = Field(description="ok, warning or danger.")
    security_flags: list[Finding] = Field(description=_FLAGS_DESCRIPTION)
    security_flags_truncated: bool = Field(description=_TRUNCATED_DESCRIPTION)
    security_summary: FindingsSummary = Field(description=_SUMMARY_DESCRIPTION)
    summary: FlowSummary = Field(description="The numbers the recommendations are based on.")
    config_warnings: list[str] = Field(description=_WARNINGS_DESCRIPTION)


class RulesResult(BaseModel):
    """Outcome of set_rules."""

    scope: Scope = Field(description="global (all repositories) or repo (this repository).")
    path: str = Field(description="Rules file that was written.")
    rules: Rules = Field(description="Effective rules after the write, all layers applied.")
    config_warnings: list[str] = Field(description=_WARNINGS_DESCRIPTION)


@dataclass(frozen=True)
class _Evaluation:
    metrics: FlowMetrics
    rules: Rules
    scan: ScanReport
    status: Status
    warnings: list[str]


def flow_state(
    repo: Path, storage_path: Path, scan: SecurityScan | None = None, names: NameFilter = str
) -> FlowState:
    return _state(repo, _evaluate(repo, storage_path, scan, names))


def recommendations(
    repo: Path, storage_path: Path, scan: SecurityScan | None = None, names: NameFilter = str
) -> Recommendations:
    return _advice(_evaluate(repo, storage_path, scan, names))


def report(
    repo: Path, storage_path: Path, scan: SecurityScan | None = None, names: NameFilter = str
) -> tuple[FlowState, Recommendations]:
    """Both views from one measurement (one round of git calls)."""
    evaluation = _evaluate(repo, storage_path, scan, names)
    return _state(repo, evaluation), _advice(evaluation)


def _state(repo: Path, evaluation: _Evaluation) -> FlowState:
    metrics = evaluation.metrics
    return FlowState(
        repo_path=str(repo),
        branch_name=metrics.branch_name,
        status=evaluation.status,
        minutes_since_last_commit=metrics.minutes_since_last_commit,
        uncommitted_lines=metrics.uncommitted_lines,
        uncommitted_files=metrics.uncommitted_files,
        staged_files=metrics.staged_files,
        untracked_files=metrics.untracked_files,
        default_branch=metrics.default_branch,
        branch_age_days=metrics.branch_age_days,
        ahead_of_main=metrics.ahead_of_main,
        behind_main_by_commits=metrics.behind_main_by_commits,
        security_flags=evaluation.scan.findings,
        security_flags_truncated=evaluation.scan.truncated,
        security_summary=evaluation.scan.summary,
        config_warnings=evaluation.warnings,
    )


def _advice(evaluation: _Evaluation) -> Recommendations:
    metrics = evaluation.metrics
    return Recommendations(
        recommendations=build_recommendations(
            metrics, evaluation.rules, _severities(evaluation.scan)
        ),
        status=evaluation.status,
        security_flags=evaluation.scan.findings,
        security_flags_truncated=evaluation.scan.truncated,
        security_summary=evaluation.scan.summary,
        summary=FlowSummary(
            minutes_since_last_commit=metrics.minutes_since_last_commit,
            uncommitted_lines=metrics.uncommitted_lines,
            uncommitted_files=metrics.uncommitted_files,
            branch_name=metrics.branch_name,
        ),
        config_warnings=evaluation.warnings,
    )


def apply_rules(
    rules: Mapping[str, object], scope: Scope, repo: Path | None, storage_path: Path
) -> RulesResult:
    """Validate and write rules; raises ConfigError listing every problem."""
    written = set_rules(rules, scope, repo, storage_path)
    return RulesResult(
        scope=scope,
        path=str(written.path),
        rules=written.effective,
        config_warnings=written.warnings,
    )


def _evaluate(
    repo: Path, storage_path: Path, scan: SecurityScan | None, names: NameFilter
) -> _Evaluation:
    ignore = load_ignore(repo)
    loaded = load_rules(repo, storage_path)
    metrics = collect_metrics(repo, ignore)
    default = metrics.default_branch
    metrics = replace(
        metrics,
        branch_name=names(metrics.branch_name),
        default_branch=None if default is None else names(default),
    )
    scanned = scan(repo) if scan is not None else _NOT_SCANNED
    status = evaluate_status(metrics, loaded.rules, _severities(scanned))
    return _Evaluation(metrics, loaded.rules, scanned, status, [*loaded.warnings, *ignore.warnings])


def _severities(scanned: ScanReport) -> list[str]:
    """Every finding's severity, the ones cut from the list included."""
    return list(Counter(scanned.summary.by_severity).elements())
