"""The verify_intent tool: the async wrapper, and its answers through an MCP client session."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp.shared.memory import create_connected_server_and_client_session

from flowcheck import mcp_compat
from flowcheck.errors import RepoAccessError
from flowcheck.guardian.rules import default_rules
from flowcheck.settings import Settings
from flowcheck.tools.intent import tools
from tests.unit.intent import samples
from tests.unit.intent.conftest import FakeServer, make_settings, serve_issue


def verify_tool(settings: Settings):  # type: ignore[no-untyped-def]
    (spec,) = tools(settings, default_rules())
    assert (spec.fn.__name__, spec.read_only, spec.open_world) == ("verify_intent", True, True)
    return spec.fn


async def test_tool_judges_the_default_repository(widgets: Path, github: FakeServer) -> None:
    serve_issue(github, 7, samples.RETRY_TITLE, samples.RETRY_BODY)
    samples.implement_retry(widgets)
    result = await verify_tool(make_settings(github, git_repo_path=widgets))(ticket_id="7")
    assert (result.verdict, result.alignment_score) == ("aligned", 0.46)


async def test_tool_refuses_a_repository_outside_the_allowed_roots(
    widgets: Path, github: FakeServer, tmp_path: Path
) -> None:
    outside = make_settings(github, allowed_roots=[tmp_path / "home-of-nothing"])
    (tmp_path / "home-of-nothing").mkdir()
    with pytest.raises(RepoAccessError):
        await verify_tool(outside)(ticket_id="7", repo_path=str(widgets))
    assert github.requests == []


async def test_over_mcp_a_bad_ticket_is_an_error_and_a_verdict_is_structured(
    widgets: Path, github: FakeServer
) -> None:
    """0.4 returned {"error": ..., "alignment_score": 0} as a normal result (B3.1)."""
    serve_issue(github, 7, samples.RETRY_TITLE, samples.RETRY_BODY)
    server = mcp_compat.build_server("FlowCheck", "test", "")
    for spec in tools(make_settings(github), default_rules()):
        mcp_compat.register_tool(server, spec)
    async with create_connected_server_and_client_session(server._mcp_server) as client:
        failed = await client.call_tool(
            "verify_intent", {"ticket_id": "seven", "repo_path": str(widgets)}
        )
        judged = await client.call_tool(
            "verify_intent", {"ticket_id": "#7", "repo_path": str(widgets)}
        )
    assert failed.isError is True
    assert [block.text for block in failed.content] == [  # type: ignore[union-attr]
        "Error executing tool verify_intent: ticket_id 'seven' is not a GitHub issue number; "
        "pass the number of the issue, e.g. '42' or '#42'"
    ]
    assert judged.isError is False
    assert judged.structuredContent is not None
    assert {key: judged.structuredContent[key] for key in ("verdict", "is_aligned", "mode")} == {
        "verdict": "not_aligned",
        "is_aligned": False,
        "mode": "heuristic",
    }
