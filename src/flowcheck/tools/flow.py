"""Git-hygiene tools: flow state, recommendations, rules."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from flowcheck import flow
from flowcheck.git.repo import resolve_repository
from flowcheck.guardian.rules import RuleSet
from flowcheck.guardian.service import change_scanner, redacted_name
from flowcheck.rules import model
from flowcheck.settings import Settings
from flowcheck.tools import ToolSpec, off_loop

RepoPath = Annotated[
    str | None,
    Field(
        description="Path of the git repository (any directory inside it). "
        "Omit it to use the server's default repository."
    ),
]


def resolve(settings: Settings, repo_path: str | None) -> Path:
    """The repository's top level, confined to the allowed roots."""
    return resolve_repository(
        repo_path, allowed_roots=settings.allowed_roots, default=settings.git_repo_path
    )


def tools(settings: Settings, rules: RuleSet) -> list[ToolSpec]:
    scan = change_scanner(rules)
    names = partial(redacted_name, rules=rules)

    async def get_flow_state(repo_path: RepoPath = None) -> flow.FlowState:
        """Measure the repository's git hygiene right now: minutes since the last commit,
        uncommitted lines and files (staged, unstaged and untracked), branch age from the fork
        point, drift from the default branch, security findings in the uncommitted changes
        (security_flags), and an overall status (ok, warning, danger).
        Call it before you start changing code and before you commit."""

        def measure() -> flow.FlowState:
            repo = resolve(settings, repo_path)
            return flow.flow_state(repo, settings.storage_path, scan, names)

        return await off_loop(measure)

    async def get_recommendations(repo_path: RepoPath = None) -> flow.Recommendations:
        """Concrete next steps for the repository (commit now, split the work, rebase on the
        default branch, ...), derived from the flow state and the configured thresholds."""

        def recommend() -> flow.Recommendations:
            repo = resolve(settings, repo_path)
            return flow.recommendations(repo, settings.storage_path, scan, names)

        return await off_loop(recommend)

    async def set_rules(
        rules: Annotated[
            dict[str, Any],
            Field(
                description='Thresholds to set, e.g. {"max_minutes_without_commit": 45, '
                '"max_lines_uncommitted": 300}. Thresholds are positive integers (at most '
                f"{model.MAX_MINUTES} minutes, {model.MAX_LINES} lines, {model.MAX_FILES} "
                f"files, {model.MAX_DAYS} days, {model.MAX_COMMITS} commits); danger_factor "
                f"and split_work_factor are numbers from 1 to {model.MAX_FACTOR:g}."
            ),
        ],
        scope: Annotated[
            Literal["global", "repo"],
            Field(description="global: every repository; repo: only repo_path's repository."),
        ] = "global",
        repo_path: RepoPath = None,
    ) -> flow.RulesResult:
        """Change FlowCheck's thresholds and return the rules now in effect."""

        def apply() -> flow.RulesResult:
            repo = resolve(settings, repo_path) if scope == "repo" or repo_path else None
            return flow.apply_rules(rules, scope, repo, settings.storage_path)

        return await off_loop(apply)

    return [
        ToolSpec(get_flow_state),
        ToolSpec(get_recommendations),
        ToolSpec(set_rules, read_only=False, idempotent=True, persistent=True),
    ]
