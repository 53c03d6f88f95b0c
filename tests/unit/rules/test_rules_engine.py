"""Status and recommendations: exact thresholds, all of them from the rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flowcheck.git.metrics import FlowMetrics
from flowcheck.rules import Rules, build_recommendations, evaluate_status
from flowcheck.rules.engine import HEALTHY_MESSAGE, format_duration

CALM = FlowMetrics(
    branch_name="feature", head_commit="a" * 40, head_commit_time=0,
    minutes_since_last_commit=5, uncommitted_files=1, uncommitted_lines=10, staged_files=0,
    untracked_files=0, default_branch="main", branch_age_days=1, ahead_of_main=1,
    behind_main_by_commits=0,
)


def metrics(**changes: object) -> FlowMetrics:
    return replace(CALM, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({}, "ok"),
        ({"uncommitted_lines": 500}, "ok"),
        ({"uncommitted_lines": 501}, "warning"),
        ({"uncommitted_lines": 750}, "warning"),
        ({"uncommitted_lines": 751}, "danger"),
        ({"minutes_since_last_commit": 60}, "ok"),
        ({"minutes_since_last_commit": 61}, "warning"),
        ({"minutes_since_last_commit": 90}, "warning"),
        ({"minutes_since_last_commit": 91}, "danger"),
        ({"minutes_since_last_commit": None, "uncommitted_lines": 20}, "ok"),
        ({"uncommitted_files": 50, "branch_age_days": 90, "behind_main_by_commits": 99}, "ok"),
    ],
)
def test_status_thresholds(changes: dict[str, object], status: str) -> None:
    assert evaluate_status(metrics(**changes), Rules()) == status


def test_clean_tree_with_an_old_commit_is_ok() -> None:
    """0.4 defect B2.3: a clean tree with an old HEAD was danger, failing CI's --strict check."""
    clean = metrics(minutes_since_last_commit=10_000, uncommitted_files=0, uncommitted_lines=0)
    assert (evaluate_status(clean, Rules()), build_recommendations(clean, Rules())) == (
        "ok", [HEALTHY_MESSAGE]
    )


@pytest.mark.parametrize(
    ("severities", "status"),
    [(["low"], "warning"), (["medium"], "warning"), (["high"], "danger"),
     (["low", "critical"], "danger")],
)
def test_security_findings_drive_status(severities: list[str], status: str) -> None:
    assert evaluate_status(CALM, Rules(), severities) == status


def test_custom_thresholds_move_status() -> None:
    rules = Rules(max_lines_uncommitted=10, max_minutes_without_commit=5, danger_factor=3)
    assert [evaluate_status(metrics(uncommitted_lines=lines), rules) for lines in (10, 11, 31)] == [
        "ok", "warning", "danger",
    ]


def test_every_recommendation_fires_security_first() -> None:
    busy = metrics(minutes_since_last_commit=95, uncommitted_lines=1200, uncommitted_files=14,
                   branch_age_days=9, behind_main_by_commits=12)
    assert build_recommendations(busy, Rules(), ["high", "low", "high"]) == [
        "Security: 3 finding(s) in the uncommitted changes (2 high, 1 low). Remove or redact "
        "the flagged values before committing, and never repeat them in output.",
        "1h 35m since the last commit with uncommitted work (limit 60 min): "
        "commit a working state now.",
        "1200 uncommitted lines (limit 500): commit the parts that already work.",
        "1200 lines is more than 2x the line limit: split the work into several smaller "
        "commits, one concern each.",
        "14 files changed (limit 10): group related files into focused commits.",
        "This branch forked from main 9 days ago (limit 7): merge it soon or rebase it onto main.",
        "The branch is 12 commits behind main (limit 10): merge or rebase main in.",
    ]


def test_recommendation_thresholds_come_from_the_rules() -> None:
    rules = Rules(max_uncommitted_files=2, max_branch_age_days=1, max_behind_main=1,
                  max_lines_uncommitted=5, split_work_factor=1.5)
    busy = metrics(uncommitted_files=3, branch_age_days=2, behind_main_by_commits=2,
                   uncommitted_lines=8)
    assert build_recommendations(busy, rules) == [
        "8 uncommitted lines (limit 5): commit the parts that already work.",
        "8 lines is more than 1.5x the line limit: split the work into several smaller "
        "commits, one concern each.",
        "3 files changed (limit 2): group related files into focused commits.",
        "This branch forked from main 2 days ago (limit 1): merge it soon or rebase it onto main.",
        "The branch is 2 commits behind main (limit 1): merge or rebase main in.",
    ]


def test_at_the_limits_nothing_fires() -> None:
    edge = metrics(minutes_since_last_commit=60, uncommitted_lines=500, uncommitted_files=10,
                   branch_age_days=7, behind_main_by_commits=10)
    assert build_recommendations(edge, Rules()) == [HEALTHY_MESSAGE]


def test_unknown_branch_signals_stay_silent() -> None:
    unknown = metrics(branch_age_days=None, behind_main_by_commits=None, default_branch=None)
    assert build_recommendations(unknown, Rules(max_branch_age_days=1)) == [HEALTHY_MESSAGE]


@pytest.mark.parametrize(("minutes", "text"), [(0, "0m"), (59, "59m"), (60, "1h 0m"),
                                               (1505, "25h 5m")])
def test_duration_format(minutes: int, text: str) -> None:
    assert format_duration(minutes) == text
