"""The two MCP tools as plain async functions: thread offloading, repository resolution."""

from __future__ import annotations

from typing import Any

from flowcheck.guardian.rules import default_rules
from flowcheck.settings import Settings
from flowcheck.tools.guardian import tools
from tests.conftest import git


def by_name(repo_default: Any = None) -> dict[str, Any]:
    specs = tools(Settings(git_repo_path=repo_default), default_rules())
    return {spec.fn.__name__: spec.fn for spec in specs}


async def test_sanitize_content_tool() -> None:
    result = await by_name()["sanitize_content"]("mail a@x.io")
    assert (result.sanitized_text, result.pii_detected, result.redacted_count) == (
        "mail [REDACTED_EMAIL_1]",
        True,
        1,
    )


async def test_scan_changes_tool_reports_staged_file_and_line(make_repo: Any) -> None:
    repo = make_repo()
    (repo / "k.env").write_text("K=AKIAQ3EGZ7N2LQWX5T4M\n")
    git(repo, "add", "k.env")
    report = await by_name()["scan_changes"](repo_path=str(repo), scope="staged")
    assert [(f.path, f.line, f.source) for f in report.findings] == [("k.env", 1, "staged")]
