"""Ranking: the right commit first, whole words only, word forms, paths, scores (parity A10)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flowcheck.history import search
from tests.unit.history.conftest import commit

HISTORY = [
    ("Initial project layout", {"README.md": "app\n", "src/app.py": "print()\n"}),
    ("Add login form with session cookie", {"src/auth/login.py": "form\n"}),
    ("Fix login timeout when the session expires", {"src/auth/session.py": "ttl\n"}),
    ("Add prefix option to the CLI", {"src/cli.py": "prefix\n"}),
    ("Document the configuration file", {"docs/config.md": "keys\n"}),
    ("Fixes crash in the YAML parser", {"src/parser.py": "yaml\n"}),
    ("Refactor session storage", {"src/auth/storage.py": "store\n"}),
    ("Fixed typo in README", {"README.md": "app!\n"}),
    ("Bump version", {"pyproject.toml": "v2\n"}),
]


@pytest.fixture
def ids(new_repo: Callable[[str], Path]) -> dict[str, str]:
    """The HISTORY repository; maps each message's first two words to its 12-hex id."""
    repo = new_repo("repo")
    return {
        " ".join(message.split()[:2]): commit(repo, message, files, day)[:12]
        for day, (message, files) in enumerate(HISTORY)
    }


def found(repo: Path, db: Path, query: str, top_k: int = 10) -> list[str]:
    return [hit.commit_hash for hit in search(repo, db, query, top_k).results]


def test_best_match_first_in_exact_order(tmp_path: Path, db: Path, ids: dict[str, str]) -> None:
    """0.4 defect B2.6: the README's own example query returned nothing."""
    assert found(tmp_path / "repo", db, "login timeout") == [ids["Fix login"], ids["Add login"]]


def test_word_boundaries_fix_never_matches_prefix(
    tmp_path: Path, db: Path, ids: dict[str, str]
) -> None:
    """0.4 defect B2.6: "fix" matched "prefix" (substring matching)."""
    repo = tmp_path / "repo"
    assert found(repo, db, "fix") == [ids["Fixed typo"], ids["Fixes crash"], ids["Fix login"]]
    assert found(repo, db, "prefix") == [ids["Add prefix"]]


@pytest.mark.parametrize("form", ["fix", "fixes", "fixed", "fixing", "FIX"])
def test_word_forms_share_a_stem(tmp_path: Path, db: Path, ids: dict[str, str], form: str) -> None:
    hits = found(tmp_path / "repo", db, form)
    assert hits == [ids["Fixed typo"], ids["Fixes crash"], ids["Fix login"]]


def test_plural_query_finds_singular_words(tmp_path: Path, db: Path, ids: dict[str, str]) -> None:
    """ "Fix login" says session in its message and its path (session.py), so it ranks first."""
    assert found(tmp_path / "repo", db, "sessions") == [
        ids["Fix login"],
        ids["Refactor session"],
        ids["Add login"],
    ]


def test_file_paths_are_searchable(tmp_path: Path, db: Path, ids: dict[str, str]) -> None:
    repo = tmp_path / "repo"
    assert found(repo, db, "parser.py") == [ids["Fixes crash"]]
    assert found(repo, db, "config") == [ids["Document the"]]  # only its path says "config"
    assert found(repo, db, "auth") == [ids["Refactor session"], ids["Add login"], ids["Fix login"]]


def test_result_fields(tmp_path: Path, db: Path, ids: dict[str, str]) -> None:
    result = search(tmp_path / "repo", db, "yaml parser crash", top_k=1)
    assert result.model_dump() == {
        "query": "yaml parser crash",
        "count": 1,
        "indexed_commits": 9,
        "indexing": False,
        "results": [
            {
                "commit_hash": ids["Fixes crash"],
                "message": "Fixes crash in the YAML parser",
                "author": "Test Author",
                "timestamp": "2026-01-06T00:00:00+00:00",
                "files_changed": ["src/parser.py"],
                "insertions": 1,
                "deletions": 0,
                "score": 0.463,
                "matched_terms": ["yaml", "parser", "crash"],
            }
        ],
    }


def test_top_k_cuts_the_ranking(tmp_path: Path, db: Path, ids: dict[str, str]) -> None:
    assert found(tmp_path / "repo", db, "fix", top_k=2) == [ids["Fixed typo"], ids["Fixes crash"]]


def test_no_match_is_an_empty_result(tmp_path: Path, db: Path, ids: dict[str, str]) -> None:
    result = search(tmp_path / "repo", db, "kubernetes")
    assert (result.count, result.results) == (0, [])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('fix" OR prefix', ["Add prefix", "Fixed typo", "Fixes crash", "Fix login"]),
        ("fix* AND", ["Fixed typo", "Fixes crash", "Fix login"]),
        ("(^fix", ["Fixed typo", "Fixes crash", "Fix login"]),
        ("NEAR(fix prefix)", ["Add prefix"]),  # "near fix" is a phrase no commit has
        ("message:fix", []),  # the phrase "message fix", not a column filter
    ],
)
def test_query_syntax_is_searched_as_text(
    tmp_path: Path, db: Path, ids: dict[str, str], query: str, expected: list[str]
) -> None:
    """FTS5 operators in a query are plain words: no error and no operator semantics."""
    assert found(tmp_path / "repo", db, query) == [ids[name] for name in expected]
