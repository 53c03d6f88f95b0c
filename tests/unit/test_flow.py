"""The flow-state service as the MCP tools call it: real repository, real rules files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from flowcheck.errors import ConfigError
from flowcheck.flow import FlowState, apply_rules, flow_state, recommendations
from flowcheck.guardian.models import Finding, FindingsSummary, ScanReport, summarize
from flowcheck.rules import RULE_NAMES, Rules
from flowcheck.rules.engine import HEALTHY_MESSAGE
from tests.conftest import git

MakeRepo = Callable[..., Path]

LEAK = Finding(
    category="secret", rule_id="aws-access-key", kind="AWS_KEY", severity="high",
    confidence=0.99, path="config.py", line=3, column=11, source="staged",
    excerpt="aws_key = [REDACTED_AWS_KEY_1]",
)



def reported(findings: Sequence[Finding], summary: FindingsSummary | None = None) -> ScanReport:
    """What a scanner returns; ``summary`` counts findings cut from the list."""
    return ScanReport(
        repo="", scope="all", files_scanned=1, bytes_scanned=1, findings=list(findings),
        truncated=summary is not None, summary=summary or summarize(list(findings)),
        highest_severity=findings[0].severity if findings else None, skipped=[],
    )


@pytest.fixture
def repo(make_repo: MakeRepo) -> Path:
    top = make_repo(files={".flowcheckignore": "*.log\n", "a.txt": "1\n2\n"})
    (top / "a.txt").write_text("1\n2\n3\n")
    (top / "noise.log").write_text("ignored\n" * 100)
    return top


def test_flow_state_reports_metrics_status_and_warnings(repo: Path, tmp_path: Path) -> None:
    (repo / ".flowcheck.json").write_text('{"max_lines_uncommitted": 1, "api_key_env": "X"}')
    state = flow_state(repo, tmp_path / "storage")
    assert state.model_dump(exclude={"minutes_since_last_commit", "config_warnings"}) == {
        "repo_path": str(repo),
        "branch_name": "main",
        "status": "danger",  # 2 lines (1 added + the untracked rules file's 1) > 1.5 x 1
        "uncommitted_lines": 2,
        "uncommitted_files": 2,
        "staged_files": 0,
        "untracked_files": 1,
        "default_branch": "main",
        "branch_age_days": 0,
        "ahead_of_main": 0,
        "behind_main_by_commits": 0,
        "security_flags": [],
        "security_flags_truncated": False,
        "security_summary": summarize([]).model_dump(),
    }
    assert state.config_warnings == [
        f"{repo}/.flowcheck.json: key 'api_key_env' refused: a repository file may set "
        f"thresholds only ({', '.join(RULE_NAMES)}); ignore patterns go in .flowcheckignore, "
        "and endpoints, providers, models and keys only in the operator's global config"
    ]


def test_scanner_findings_are_passed_through_and_set_status(repo: Path, tmp_path: Path) -> None:
    seen: list[Path] = []

    def scan(top: Path) -> ScanReport:
        seen.append(top)
        return reported([LEAK])

    state = flow_state(repo, tmp_path / "storage", scan=scan)
    assert (state.status, state.security_flags, seen) == ("danger", [LEAK], [repo])


def test_recommendations_put_security_first(repo: Path, tmp_path: Path) -> None:
    advice = recommendations(
        repo, tmp_path / "storage", scan=lambda top: reported([LEAK])
    )
    assert advice.model_dump(exclude={"summary"}) == {
        "recommendations": [
            "Security: 1 finding(s) in the uncommitted changes (1 high). Remove or redact the "
            "flagged values before committing, and never repeat them in output."
        ],
        "status": "danger",
        "security_flags": [LEAK.model_dump()],
        "security_flags_truncated": False,
        "security_summary": summarize([LEAK]).model_dump(),
        "config_warnings": [],
    }


def test_a_cut_flag_list_keeps_exact_counts_in_status_and_advice(
    repo: Path, tmp_path: Path
) -> None:
    """Issue 8 #10: security_flags is capped; the status, the advice and security_summary
    still count every finding, and security_flags_truncated says the list was cut."""
    summary = FindingsSummary(
        total=5001, by_category={"pii": 5000, "secret": 1}, by_kind={"AWS_KEY": 1, "EMAIL": 5000},
        by_severity={"high": 1, "medium": 5000},
    )
    scan = lambda top: reported([LEAK], summary)  # noqa: E731
    state = flow_state(repo, tmp_path / "storage", scan=scan)
    advice = recommendations(repo, tmp_path / "storage", scan=scan)
    assert (state.security_flags, state.security_flags_truncated, state.security_summary) == (
        [LEAK], True, summary,
    )
    assert advice.recommendations[0].startswith(
        "Security: 5001 finding(s) in the uncommitted changes (1 high, 5000 medium)."
    )
    assert (advice.summary.uncommitted_lines, advice.summary.uncommitted_files,
            advice.summary.branch_name) == (1, 1, "main")


def test_healthy_repository(make_repo: MakeRepo, tmp_path: Path) -> None:
    advice = recommendations(make_repo(), tmp_path / "storage")
    assert (advice.status, advice.recommendations) == ("ok", [HEALTHY_MESSAGE])


def test_apply_rules_then_state_uses_them(repo: Path, tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    result = apply_rules({"max_lines_uncommitted": 1}, "repo", repo, storage)
    assert (result.scope, result.path, result.rules, result.config_warnings) == (
        "repo", str(repo / ".flowcheck.toml"), Rules(max_lines_uncommitted=1), [],
    )
    # The new rules file is itself an untracked 1-line change: 2 lines > 1.5 x 1.
    assert flow_state(repo, storage).status == "danger"


def test_apply_rules_refuses_booleans(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        apply_rules({"max_lines_uncommitted": True}, "global", None, tmp_path / "storage")
    assert raised.value.problems == [
        "rule 'max_lines_uncommitted': Input should be a valid integer (got bool)"
    ]


def test_output_schema_describes_every_field_for_the_agent() -> None:
    properties = FlowState.model_json_schema()["properties"]
    assert [name for name, spec in properties.items() if "description" not in spec] == []


def test_no_commits_yet(tmp_path: Path) -> None:
    repo = tmp_path / "fresh"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    (repo / "draft.txt").write_text("x\n")
    state = flow_state(repo, tmp_path / "storage")
    assert (state.minutes_since_last_commit, state.branch_age_days, state.status) == (
        None, None, "ok"
    )
