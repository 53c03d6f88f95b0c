"""Scores: FTS5's BM25 scaled by the best score the query could reach; matched_terms."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from flowcheck.history import search
from tests.unit.history.conftest import commit

K1, B = 1.2, 0.75


def saturation(frequency: float, length: int, average_length: float) -> float:
    """BM25's term-frequency factor divided by its limit k1 + 1."""
    norm = K1 * (1 - B + B * length / average_length)
    return frequency / (frequency + norm)


def test_score_is_bm25_over_its_bound(new_repo: Callable[[str], Path], db: Path) -> None:
    """Empty commits, so each document is its message: lengths 2, 1 and 2 words."""
    repo = new_repo("repo")
    commit(repo, "alpha beta", day=0)
    commit(repo, "gamma", day=1)
    commit(repo, "gamma delta", day=2)
    alpha_idf = math.log((3 - 1 + 0.5) / (1 + 0.5))
    gamma_idf = 1e-6  # in 2 of 3 commits: FTS5 floors the negative idf
    bound = alpha_idf + gamma_idf
    expected_alpha = round(alpha_idf * saturation(1, 2, 5 / 3) / bound, 3)
    expected_gamma = round(gamma_idf * saturation(1, 1, 5 / 3) / bound, 3)
    expected_gamma_delta = round(gamma_idf * saturation(1, 2, 5 / 3) / bound, 3)
    hits = search(repo, db, "alpha gamma").results
    assert [(h.message, h.score, h.matched_terms) for h in hits] == [
        ("alpha beta", expected_alpha, ["alpha"]),
        ("gamma", expected_gamma, ["gamma"]),
        ("gamma delta", expected_gamma_delta, ["gamma"]),  # same term, longer commit: last
    ]
    assert (expected_alpha, expected_gamma) == (0.42, 0.0)


def test_single_commit_repository_still_scores(new_repo: Callable[[str], Path], db: Path) -> None:
    """A word in every commit has the floor idf; with one term the idf cancels out."""
    repo = new_repo("repo")
    commit(repo, "initial import", day=0)
    hits = search(repo, db, "import").results
    assert [(h.message, h.score) for h in hits] == [
        ("initial import", round(saturation(1, 2, 2), 3))
    ]


def test_matched_terms_rarest_first_at_most_five(new_repo: Callable[[str], Path], db: Path) -> None:
    repo = new_repo("repo")
    commit(repo, "one two three four five six seven common", day=0)
    commit(repo, "common filler", day=1)
    commit(repo, "common more", day=2)
    hits = search(repo, db, "common seven six five four three two one").results
    assert [h.matched_terms for h in hits] == [
        ["seven", "six", "five", "four", "three"],
        ["common"],
        ["common"],
    ]
