"""The search_history tool: find past commits by what they did, not by scrolling `git log`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from flowcheck.guardian.rules import RuleSet
from flowcheck.guardian.service import sanitize
from flowcheck.history import MAX_TOP_K, SearchResult, search
from flowcheck.history.query import MAX_QUERY_CHARS
from flowcheck.history.ranking import shown_message
from flowcheck.settings import Settings
from flowcheck.tools import ToolSpec, off_loop
from flowcheck.tools.flow import RepoPath, resolve


def tools(settings: Settings, rules: RuleSet) -> list[ToolSpec]:
    def search_redacted(repo_path: str | None, query: str, top_k: int) -> SearchResult:
        # Messages, author names and paths are untrusted text anyone who commits writes:
        # secrets, e-mail addresses and planted instructions in them come back as tokens.
        repo = resolve(settings, repo_path)
        found = search(
            repo, settings.effective_index_path, query, top_k, settings.history_index_limit
        )
        hits = [
            hit.model_copy(
                update={
                    "message": shown_message(clean(hit.message)),
                    "author": clean(hit.author),
                    "files_changed": [clean(path) for path in hit.files_changed],
                }
            )
            for hit in found.results
        ]
        return found.model_copy(update={"results": hits})

    def clean(text: str) -> str:
        return sanitize(text, rules).sanitized_text

    async def search_history(
        query: Annotated[
            str,
            Field(
                min_length=1,
                max_length=MAX_QUERY_CHARS,
                description="Words to look for in commit messages and changed file paths, "
                "e.g. 'login timeout' or 'settings.py'. Word forms match ('fixed' finds "
                "'fix'); parts of words do not ('fix' never finds 'prefix').",
            ),
        ],
        repo_path: RepoPath = None,
        top_k: Annotated[
            int, Field(ge=1, le=MAX_TOP_K, description="How many commits to return.")
        ] = 5,
    ) -> SearchResult:
        """Search the commits of HEAD and the local branches (merges left out; a first
        search on a long history answers from the newest 1,000 while the rest is indexed in
        the background) by the words of their messages and changed paths: which commit fixed,
        added or changed something, who made it, and when. Commits with all the query's words
        first, then most (BM25 relevance; "the", "when" and the like are ignored). Secrets,
        personal data and injected instructions in messages, author names and paths are
        redacted. Prefer this to reading raw git log."""
        return await off_loop(search_redacted, repo_path, query, top_k)

    # It writes only FlowCheck's own index (a cache of git history), never the repository.
    return [ToolSpec(search_history, read_only=True, idempotent=True)]
