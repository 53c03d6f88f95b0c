"""`flowcheck check`: the flow state of one repository, for people and for CI."""

from __future__ import annotations

from functools import partial

from flowcheck import flow
from flowcheck.cli_output import terminal_safe
from flowcheck.git.repo import resolve_repository
from flowcheck.git.runner import trusting
from flowcheck.guardian.rules import load_rules
from flowcheck.guardian.service import change_scanner, redacted_name
from flowcheck.settings import Settings

EXIT_OK, EXIT_WARN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2, 3


def run_check(settings: Settings, path: str, *, as_json: bool, strict: bool) -> int:
    with trusting(settings.allowed_roots):
        repo = resolve_repository(path, allowed_roots=settings.allowed_roots, default=None)
        rules = load_rules(settings.effective_rules_path)
        names = partial(redacted_name, rules=rules)
        state, advice = flow.report(repo, settings.storage_path, change_scanner(rules), names)
    print(state.model_dump_json(indent=2) if as_json else terminal_safe(render(state, advice)))
    return exit_code(state, strict=strict)


def exit_code(state: flow.FlowState, *, strict: bool) -> int:
    if strict and state.config_warnings:
        return EXIT_ERROR
    if state.security_flags:
        return EXIT_FINDINGS
    return EXIT_OK if state.status == "ok" else EXIT_WARN


def render(state: flow.FlowState, advice: flow.Recommendations) -> str:
    minutes = state.minutes_since_last_commit
    rows = [
        ("status", state.status.upper()),
        ("repository", state.repo_path),
        ("branch", _branch(state)),
        ("last commit", "no commits yet" if minutes is None else f"{minutes} min ago"),
        (
            "uncommitted",
            f"{state.uncommitted_lines} lines in {state.uncommitted_files} files "
            f"({state.staged_files} staged, {state.untracked_files} untracked)",
        ),
        ("security", _flags(state)),
    ]
    lines = [f"{label:<12} {value}" for label, value in rows]
    lines += [f"{'warning':<12} {warning}" for warning in state.config_warnings]
    lines += ["", *(f"- {text}" for text in advice.recommendations)]
    return "\n".join(lines)


def _branch(state: flow.FlowState) -> str:
    if state.branch_age_days is None:
        return f"{state.branch_name} (no default branch to compare with)"
    details = [f"{state.branch_age_days} days old"]
    if state.ahead_of_main or state.behind_main_by_commits:
        details.append(f"{state.ahead_of_main} ahead, {state.behind_main_by_commits} behind")
    return f"{state.branch_name} ({', '.join(details)})"


def _flags(state: flow.FlowState) -> str:
    if not state.security_flags:
        return "no findings"
    return "; ".join(
        f"{flag.severity} {flag.rule_id} at {flag.path or '-'}:{flag.line}"
        for flag in state.security_flags
    )
