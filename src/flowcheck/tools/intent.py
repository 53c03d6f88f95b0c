"""verify_intent: does the uncommitted change set implement its GitHub issue?"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from flowcheck.guardian.rules import RuleSet
from flowcheck.intent.models import IntentResult
from flowcheck.intent.service import verify_intent as verify
from flowcheck.settings import Settings
from flowcheck.tools import ToolSpec, off_loop
from flowcheck.tools.flow import RepoPath, resolve


def tools(settings: Settings, rules: RuleSet) -> list[ToolSpec]:
    async def verify_intent(
        ticket_id: Annotated[
            str,
            Field(description="Number of the GitHub issue the work is for, e.g. '42' or '#42'."),
        ],
        repo_path: RepoPath = None,
        context: Annotated[
            str,
            Field(
                description="Optional notes for the LLM judge about the change. Advisory only: "
                "the real uncommitted diff is always what gets judged."
            ),
        ] = "",
    ) -> IntentResult:
        """Check whether the repository's uncommitted changes (staged, unstaged and untracked)
        do what GitHub issue `ticket_id` of the origin remote asks. Call it before committing.
        Only verdict "aligned" means the change matches; "unknown" means it could not be
        checked (no issue, no remote, judge unavailable) and must not be treated as a pass.
        Secrets and personal data are redacted before anything is sent to an LLM judge."""

        def judge() -> IntentResult:
            return verify(resolve(settings, repo_path), ticket_id, context, settings, rules)

        return await off_loop(judge)

    return [ToolSpec(verify_intent, open_world=True)]
