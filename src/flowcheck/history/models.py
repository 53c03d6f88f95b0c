"""What search_history and `flowcheck index` return (fields as in 0.4, parity A2 and A10)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CommitMatch(BaseModel):
    commit_hash: str = Field(description="Commit id, abbreviated to 12 hex digits.")
    message: str = Field(description="Commit message, at most 500 characters.")
    author: str = Field(description="Author name.")
    timestamp: str = Field(description="Author date, ISO 8601 in UTC.")
    files_changed: list[str] = Field(description="Changed paths, the first 20 at most.")
    insertions: int = Field(description="Lines added by the commit (binary files count 0).")
    deletions: int = Field(description="Lines deleted by the commit.")
    score: float = Field(
        description="Relevance from 0 to 1, 3 decimals: the commit's BM25 score divided by the "
        "highest score this query could reach, weighted by the share of the query's words "
        "(rarer ones count more) it contains. Compare scores within one answer only."
    )
    matched_terms: list[str] = Field(
        description="Query words found in the commit's message or paths, the rarest first, "
        "at most 5."
    )


class SearchResult(BaseModel):
    query: str = Field(description="The query as given.")
    count: int = Field(description="Number of results.")
    indexed_commits: int = Field(
        description="How many commits (reachable from HEAD and the local branches, merges "
        "left out) were searched."
    )
    indexing: bool = Field(
        False,
        description="True while older commits are still being indexed in the background: "
        "they may be missing from these results.",
    )
    results: list[CommitMatch] = Field(description="Best match first.")


class IndexStats(BaseModel):
    repository: str = Field(description="The repository's top-level directory.")
    head: str | None = Field(description="Full id of the indexed HEAD; null without commits.")
    commits: int = Field(description="Commits now in the repository's index.")
    added: int = Field(description="Commits indexed by this call.")
    removed: int = Field(description="Commits dropped: rewritten away or beyond the depth.")
    depth: int | None = Field(description="Commits kept from HEAD; null means all of them.")
