"""Shared tools of the hostile-content cases: call a tool as an MCP client does, run the CLI as
a user does, and prove that no planted value reaches an answer or the audit log."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp.shared.memory import create_connected_server_and_client_session
from mcp.types import TextContent

from flowcheck.server import build_server
from flowcheck.settings import Settings

AWS_KEY = "AKIAQ3EGZ7N2LQWX5T4M"
GITHUB_TOKEN = "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5"
EMAIL = "jane.doe@example.org"
FLOWCHECK = Path(sys.executable).parent / "flowcheck"


@dataclass(frozen=True)
class Answer:
    """Everything a client received from one call, and the audit log after it."""

    text: str  # structured content and every text block, as the client saw them
    structured: dict[str, Any]
    is_error: bool
    audit: str


def settings_for(repo: Path | None, storage: Path, **extra: Any) -> Settings:
    return Settings(storage_path=storage, git_repo_path=repo, **extra)


async def call_tool(settings: Settings, name: str, arguments: dict[str, Any]) -> Answer:
    server = build_server(settings, http=False)
    async with create_connected_server_and_client_session(server._mcp_server) as client:
        result = await client.call_tool(name, arguments)
    blocks = [block.text for block in result.content if isinstance(block, TextContent)]
    structured = result.structuredContent or {}
    audit_path = settings.effective_audit_log_path
    audit = audit_path.read_text(encoding="utf-8") if audit_path.exists() else ""
    assert f'"tool:{name}"' in audit, "every call leaves an audit entry"
    return Answer(json.dumps(structured) + "\n".join(blocks), structured, result.isError, audit)


def run_cli(*args: str, stdin: bytes = b"", cwd: Path | None = None) -> tuple[int, str, str]:
    """The installed `flowcheck` command, as a user or a hook runs it."""
    done = subprocess.run(
        [str(FLOWCHECK), *args], input=stdin, capture_output=True, cwd=cwd, timeout=300
    )
    return (
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def assert_never_leaks(values: tuple[str, ...], *texts: str) -> None:
    """None of ``values`` appears in any of ``texts`` (answers, output, audit log)."""
    leaked = [value for value in values if any(value in text for text in texts)]
    assert leaked == [], f"leaked: {[value[:4] + '...' for value in leaked]}"
