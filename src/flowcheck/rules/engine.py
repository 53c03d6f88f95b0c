"""Status (ok / warning / danger) and recommendations from metrics, rules and findings.

Status:
- danger: a pending high or critical security finding, or minutes or lines above
  `danger_factor` times their limit;
- warning: any other security finding, or minutes or lines above their limit;
- ok otherwise.
Minutes count only while there is uncommitted work: a clean tree with an old HEAD is ok
(0.4 defect B2.3). File count and branch signals only produce recommendations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Literal

from flowcheck.git.metrics import FlowMetrics
from flowcheck.rules.model import Rules

Status = Literal["ok", "warning", "danger"]
SEVERITY_ORDER = ("critical", "high", "medium", "low")
DANGER_SEVERITIES = frozenset({"critical", "high"})
HEALTHY_MESSAGE = "All signals are within the limits: keep committing in small, focused steps."


def pending_minutes(metrics: FlowMetrics) -> int:
    """Minutes of uncommitted work at risk: 0 on a clean tree or before the first commit."""
    if metrics.uncommitted_files == 0 or metrics.minutes_since_last_commit is None:
        return 0
    return metrics.minutes_since_last_commit


def evaluate_status(
    metrics: FlowMetrics, rules: Rules, security_severities: Sequence[str] = ()
) -> Status:
    minutes = pending_minutes(metrics)
    lines = metrics.uncommitted_lines
    if DANGER_SEVERITIES.intersection(security_severities) or (
        minutes > rules.max_minutes_without_commit * rules.danger_factor
        or lines > rules.max_lines_uncommitted * rules.danger_factor
    ):
        return "danger"
    if security_severities or (
        minutes > rules.max_minutes_without_commit or lines > rules.max_lines_uncommitted
    ):
        return "warning"
    return "ok"


def build_recommendations(
    metrics: FlowMetrics, rules: Rules, security_severities: Sequence[str] = ()
) -> list[str]:
    """Actionable nudges, security first; the healthy message alone when nothing fires."""
    candidates = [
        _security(security_severities),
        _time(metrics, rules),
        _lines(metrics, rules),
        _split(metrics, rules),
        _files(metrics, rules),
        _branch_age(metrics, rules),
        _behind(metrics, rules),
    ]
    fired = [message for message in candidates if message is not None]
    return fired or [HEALTHY_MESSAGE]


def _security(severities: Sequence[str]) -> str | None:
    if not severities:
        return None
    counts = Counter(severities)
    detail = ", ".join(f"{counts[level]} {level}" for level in SEVERITY_ORDER if counts[level])
    return (
        f"Security: {len(severities)} finding(s) in the uncommitted changes ({detail}). "
        "Remove or redact the flagged values before committing, and never repeat them in output."
    )


def _time(metrics: FlowMetrics, rules: Rules) -> str | None:
    minutes = pending_minutes(metrics)
    if minutes <= rules.max_minutes_without_commit:
        return None
    return (
        f"{format_duration(minutes)} since the last commit with uncommitted work "
        f"(limit {rules.max_minutes_without_commit} min): commit a working state now."
    )


def _lines(metrics: FlowMetrics, rules: Rules) -> str | None:
    if metrics.uncommitted_lines <= rules.max_lines_uncommitted:
        return None
    return (
        f"{metrics.uncommitted_lines} uncommitted lines (limit {rules.max_lines_uncommitted}): "
        "commit the parts that already work."
    )


def _split(metrics: FlowMetrics, rules: Rules) -> str | None:
    limit = rules.max_lines_uncommitted * rules.split_work_factor
    if metrics.uncommitted_lines <= limit:
        return None
    return (
        f"{metrics.uncommitted_lines} lines is more than {rules.split_work_factor:g}x the line "
        "limit: split the work into several smaller commits, one concern each."
    )


def _files(metrics: FlowMetrics, rules: Rules) -> str | None:
    if metrics.uncommitted_files <= rules.max_uncommitted_files:
        return None
    return (
        f"{metrics.uncommitted_files} files changed (limit {rules.max_uncommitted_files}): "
        "group related files into focused commits."
    )


def _branch_age(metrics: FlowMetrics, rules: Rules) -> str | None:
    age = metrics.branch_age_days
    if age is None or age <= rules.max_branch_age_days:
        return None
    return (
        f"This branch forked from {metrics.default_branch} {age} days ago "
        f"(limit {rules.max_branch_age_days}): merge it soon or rebase it onto "
        f"{metrics.default_branch}."
    )


def _behind(metrics: FlowMetrics, rules: Rules) -> str | None:
    behind = metrics.behind_main_by_commits
    if behind is None or behind <= rules.max_behind_main:
        return None
    return (
        f"The branch is {behind} commits behind {metrics.default_branch} "
        f"(limit {rules.max_behind_main}): merge or rebase {metrics.default_branch} in."
    )


def format_duration(minutes: int) -> str:
    """`95` -> `1h 35m`; `42` -> `42m`."""
    hours, rest = divmod(minutes, 60)
    return f"{hours}h {rest}m" if hours else f"{rest}m"
