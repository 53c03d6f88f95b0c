"""Search a repository's commit history by words in messages and changed paths (parity A10).

Each repository gets its own index in one SQLite file, keyed by its real top-level path and
full commit ids, refreshed to HEAD before every search, and ranked by SQLite FTS5's BM25.
"""

from flowcheck.history.models import CommitMatch, IndexStats, SearchResult
from flowcheck.history.query import QueryError
from flowcheck.history.service import (
    DEFAULT_INDEX_LIMIT,
    MAX_TOP_K,
    index_command,
    index_repository,
    search,
)

__all__ = [
    "DEFAULT_INDEX_LIMIT",
    "MAX_TOP_K",
    "CommitMatch",
    "IndexStats",
    "QueryError",
    "SearchResult",
    "index_command",
    "index_repository",
    "search",
]
