"""Search a repository's commit history by words in messages and changed paths (parity A10).

Each repository gets its own index in one SQLite file, keyed by its real top-level path and
full commit ids, covering the whole history of HEAD and the local branches (merges left out),
refreshed before every search, and ranked by SQLite FTS5's BM25, AND-biased.
"""

from flowcheck.history.models import CommitMatch, IndexStats, SearchResult
from flowcheck.history.query import QueryError
from flowcheck.history.service import (
    MAX_TOP_K,
    index_command,
    index_repository,
    search,
)

__all__ = [
    "MAX_TOP_K",
    "CommitMatch",
    "IndexStats",
    "QueryError",
    "SearchResult",
    "index_command",
    "index_repository",
    "search",
]
