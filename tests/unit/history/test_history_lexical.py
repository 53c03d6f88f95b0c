"""The lexical stage of issue 11: stop words out, AND-biased ranking, exact tokens, no merges."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flowcheck.history import search
from flowcheck.history.query import parse_query, tiers
from tests.conftest import git
from tests.unit.history.conftest import commit


def found(repo: Path, db: Path, query: str) -> list[str]:
    return [hit.message for hit in search(repo, db, query, top_k=10).results]


def test_stop_words_match_nothing(new_repo: Callable[[str], Path], db: Path) -> None:
    """Issue 11: "the" and "when" were OR-ed in, so every commit that said "the" came back."""
    repo = new_repo("repo")
    commit(repo, "Fix the parser when the input is empty", day=0)
    commit(repo, "Add login page", day=1)
    commit(repo, "Document the API for the team", day=2)
    assert found(repo, db, "the login") == ["Add login page"]
    assert found(repo, db, "the") == [  # nothing but stop words: they are searched
        "Document the API for the team",
        "Fix the parser when the input is empty",
    ]


def test_commits_with_every_word_come_first(new_repo: Callable[[str], Path], db: Path) -> None:
    """Issue 11: OR-ed BM25 ranked a shorter commit holding one rare word above one holding
    all the words."""
    repo = new_repo("repo")
    commit(repo, "Raise upload timeout for slow links", day=0)
    for day in range(1, 4):
        commit(repo, f"timeout {day}", day=day)
    commit(repo, "upload", day=4)
    commit(repo, "Upload retries", day=5)
    for day in range(6, 15):
        commit(repo, f"unrelated change {day}", day=day)
    assert found(repo, db, "upload timeout")[:3] == [
        "Raise upload timeout for slow links",
        "upload",
        "Upload retries",
    ]


def test_exact_tokens_are_kept_in_every_tier() -> None:
    """A version, identifier or issue number is never the word a looser tier drops."""
    terms = parse_query("fix timeout 4.19.1")
    assert [term.exact for term in terms] == [False, False, True]
    assert tiers(terms) == [
        '"fix" AND "timeout" AND "4 19 1"',
        '("timeout" AND "4 19 1") OR ("fix" AND "4 19 1")',
        '"fix" OR "timeout" OR "4 19 1"',
    ]
    assert [t.exact for t in parse_query("res.sendFile #1234 sendFile max_count plain")] == [
        True,
        True,
        True,
        True,
        False,
    ]


def test_a_named_version_outranks_generic_words(new_repo: Callable[[str], Path], db: Path) -> None:
    repo = new_repo("repo")
    commit(repo, "Fix timeout handling in the client", day=0)
    commit(repo, "Release 4.19.1 with the timeout work", day=1)
    commit(repo, "Release 4.19.0", day=2)
    for day in range(3, 13):
        commit(repo, f"unrelated change {day}", day=day)
    assert found(repo, db, "fix timeout 4.19.1") == [
        "Release 4.19.1 with the timeout work",
        "Fix timeout handling in the client",
    ]


def test_merge_commits_are_not_results(new_repo: Callable[[str], Path], db: Path) -> None:
    """Issue 11: "Merge branch ..." commits took about 2 of every 10 result slots."""
    repo = new_repo("repo")
    commit(repo, "base", {"a.txt": "a\n"})
    git(repo, "checkout", "-q", "-b", "widget")
    commit(repo, "Add the widget", {"w.txt": "w\n"}, day=1)
    git(repo, "checkout", "-q", "main")
    commit(repo, "main work", {"m.txt": "m\n"}, day=2)
    git(repo, "merge", "-q", "--no-edit", "-m", "Merge the widget branch", "widget")
    result = search(repo, db, "widget")
    assert ([hit.message for hit in result.results], result.indexed_commits) == (
        ["Add the widget"],
        3,
    )
