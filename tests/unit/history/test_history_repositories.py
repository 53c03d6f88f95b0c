"""One index per repository, keyed by its real top level and full ids (0.4 defect B2.6)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flowcheck.history import index_repository, search
from tests.conftest import git
from tests.unit.history.conftest import commit


def hashes(repo: Path, db: Path, query: str) -> list[str]:
    return [hit.commit_hash for hit in search(repo, db, query, top_k=50).results]


def test_two_repositories_in_one_file_never_mix(new_repo: Callable[[str], Path], db: Path) -> None:
    """0.4 defect B2.6: the 12-char hash was the primary key across repositories.

    Both repositories start with the very same commit (same tree, message, author and date,
    hence the same id); amending it in one must not touch the other's copy.
    """
    one, two = new_repo("one"), new_repo("two")
    shared = commit(one, "Shared start", {"a.txt": "a\n"})
    assert commit(two, "Shared start", {"a.txt": "a\n"}) == shared
    only_two = commit(two, "Billing export", {"b.txt": "b\n"}, day=1)
    assert (hashes(one, db, "shared"), hashes(two, db, "shared")) == ([shared[:12]], [shared[:12]])
    git(one, "commit", "-q", "--amend", "-m", "Renamed start")
    assert hashes(one, db, "shared") == []
    assert hashes(two, db, "shared") == [shared[:12]]
    assert (hashes(one, db, "billing"), hashes(two, db, "billing")) == ([], [only_two[:12]])


def test_term_weights_come_from_the_searched_repository_only(
    new_repo: Callable[[str], Path], db: Path
) -> None:
    """0.4 defect B2.6: one vocabulary fitted on the first repository indexed, used for all."""
    small = new_repo("small")
    for day, message in enumerate(["Parser rewrite", "Docs", "Tests", "Build"]):
        commit(small, message, {"f.txt": f"{day}\n"}, day)
    before = search(small, db, "parser docs").model_dump()
    noisy = new_repo("noisy")
    for day in range(30):
        commit(noisy, f"parser tweak {day}", {"p.txt": f"{day}\n"}, day)
    assert len(search(noisy, db, "parser").results) == 5
    assert search(small, db, "parser docs").model_dump() == before


@pytest.mark.parametrize(
    "spelling",
    [
        lambda repo: repo / "src",
        lambda repo: repo / "src" / ".." / ".",
        lambda repo: repo.parent / "link",
        lambda repo: Path("repo"),  # relative to the working directory
        lambda repo: Path("~/repo"),  # HOME is the repository's parent here
    ],
    ids=["subdirectory", "dot-segments", "symlink", "relative", "home-relative"],
)
def test_every_spelling_of_a_repository_shares_one_index(
    new_repo: Callable[[str], Path],
    db: Path,
    monkeypatch: pytest.MonkeyPatch,
    spelling: Callable[[Path], Path],
) -> None:
    """0.4 defect B2.6: ".", "~/x" and "/x" were three repositories, so hooks indexed in vain."""
    repo = new_repo("repo")
    commit(repo, "initial", {"src/a.py": "a\n"})
    (repo.parent / "link").symlink_to(repo)
    monkeypatch.chdir(repo.parent)
    monkeypatch.setenv("HOME", str(repo.parent))
    first = index_repository(repo, db)
    again = index_repository(spelling(repo), db)
    assert (first.added, again.added, again.repository) == (1, 0, str(repo))
