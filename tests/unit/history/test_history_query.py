"""Query parsing and the caller errors search raises before touching git or the index."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowcheck.history import QueryError, search
from flowcheck.history.query import Term, parse_query


def test_query_words_become_quoted_phrases() -> None:
    assert parse_query('Fix "parser.py" fix; (timeout)* NEAR') == [
        Term("fix", '"fix"'),
        Term("parser.py", '"parser py"', exact=True),
        Term("timeout", '"timeout"'),
        Term("near", '"near"'),
    ]


NO_WORDS = (
    "query has no words to search for, only spaces or punctuation; pass words from commit "
    "messages or file paths, e.g. 'fix login timeout'"
)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", NO_WORDS),
        ("  \t\n", NO_WORDS),
        ("?! -- ***", NO_WORDS),
        ("x" * 1001, "query is 1001 characters long; use at most 1000"),
        (" ".join(f"w{n}" for n in range(33)), "query has 33 distinct words; use at most 32"),
    ],
    ids=["empty", "whitespace", "punctuation", "too-long", "too-many-words"],
)
def test_unsearchable_query_is_an_error(tmp_path: Path, query: str, message: str) -> None:
    with pytest.raises(QueryError) as raised:
        search(tmp_path / "no-repo", tmp_path / "index.db", query)
    assert str(raised.value) == message
    assert not (tmp_path / "index.db").exists()


@pytest.mark.parametrize("top_k", [0, -1, 51])
def test_top_k_out_of_range_is_an_error(tmp_path: Path, top_k: int) -> None:
    with pytest.raises(QueryError) as raised:
        search(tmp_path, tmp_path / "index.db", "fix", top_k)
    assert str(raised.value) == f"top_k is {top_k}; pass a number from 1 to 50"
