"""Reading commits: one `git log -z --numstat` parsed exactly, whatever the names and messages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flowcheck.errors import GitError
from flowcheck.git.runner import GitExitError
from flowcheck.history import search
from flowcheck.history.gitlog import Commit, branch_tips, parse_log, reachable, read_commits
from flowcheck.history.ranking import shown_message
from tests.conftest import git
from tests.unit.history.conftest import DAY, EPOCH, commit


def test_odd_paths_binary_files_renames_and_messages(
    new_repo: Callable[[str], Path],
) -> None:
    repo = new_repo("repo")
    names = {"tab\there.txt": "1\n2\n", "new\nline.txt": "x\n", "spa ce/ünï.md": "y\n"}
    first = commit(repo, "Odd names\n\nBody with\ttab and more.", names)
    (repo / "blob.bin").write_bytes(b"\0\1\2")
    git(repo, "mv", "spa ce/ünï.md", "moved.md")
    (repo / "tab\there.txt").write_text("1\n")
    git(repo, "add", "-A")
    date = f"@{EPOCH + DAY} +0000"
    dated = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    git(repo, "commit", "-q", "--allow-empty-message", "-m", "", env=dated)
    second = git(repo, "rev-parse", "HEAD").strip()
    assert read_commits(repo, [second, first]) == [
        Commit(
            second,
            "Test Author",
            EPOCH + DAY,
            "",
            ("blob.bin", "moved.md", "spa ce/ünï.md", "tab\there.txt"),
            1,
            2,
        ),
        Commit(
            first,
            "Test Author",
            EPOCH,
            "Odd names\n\nBody with\ttab and more.",
            ("new\nline.txt", "spa ce/ünï.md", "tab\there.txt"),
            4,
            0,
        ),
    ]


def test_merge_commit_lists_no_files(new_repo: Callable[[str], Path]) -> None:
    repo = new_repo("repo")
    commit(repo, "base", {"a.txt": "a\n"})
    git(repo, "checkout", "-q", "-b", "side")
    commit(repo, "side work", {"b.txt": "b\n"}, day=1)
    git(repo, "checkout", "-q", "main")
    commit(repo, "main work", {"c.txt": "c\n"}, day=2)
    git(repo, "merge", "-q", "--no-edit", "side")
    merge = git(repo, "rev-parse", "HEAD").strip()
    assert [(c.message, c.paths) for c in read_commits(repo, [merge])] == [
        ("Merge branch 'side'", ())
    ]


def test_tips_are_head_and_every_local_branch(new_repo: Callable[[str], Path]) -> None:
    repo = new_repo("repo")
    assert branch_tips(repo) == (None, ())
    base = commit(repo, "base", {"f": "0\n"})
    git(repo, "checkout", "-q", "-b", "side")
    side = commit(repo, "side", {"f": "1\n"}, day=1)
    git(repo, "checkout", "-q", "main")
    assert branch_tips(repo) == (base, tuple(sorted({base, side})))
    git(repo, "checkout", "-q", "--detach", side)
    detached = commit(repo, "detached", {"f": "2\n"}, day=2)
    assert branch_tips(repo) == (detached, tuple(sorted({base, side, detached})))


def test_reachable_is_newest_first_without_merges(new_repo: Callable[[str], Path]) -> None:
    """Issue 11: merge commits took about 2 of every 10 result slots."""
    repo = new_repo("repo")
    base = commit(repo, "base", {"a.txt": "a\n"})
    git(repo, "checkout", "-q", "-b", "side")
    side = commit(repo, "side work", {"b.txt": "b\n"}, day=1)
    git(repo, "checkout", "-q", "main")
    main = commit(repo, "main work", {"c.txt": "c\n"}, day=2)
    git(repo, "merge", "-q", "--no-edit", "side")
    merge = git(repo, "rev-parse", "HEAD").strip()
    assert reachable(repo, [merge]) == [main, side, base]
    assert reachable(repo, [merge], limit=2) == [main, side]
    assert reachable(repo, [merge], exclude=[side]) == [main]
    with pytest.raises(GitExitError):
        reachable(repo, [merge], exclude=["0" * 40])  # gone after a rewrite and gc


def test_unexpected_output_is_a_git_error() -> None:
    with pytest.raises(GitError) as raised:
        parse_log(b"not-a-hash\0name\x001\0message\0")
    assert str(raised.value) == "unexpected git log output near commit 'not-a-hash'"


def test_shown_message_and_files_are_capped_but_all_paths_are_searchable(
    new_repo: Callable[[str], Path], db: Path
) -> None:
    repo = new_repo("repo")
    files = {f"pkg/module{n:02d}.py": "x\n" for n in range(25)}
    long_message = "Vendor the toolkit " + "padding " * 80
    commit(repo, long_message, files)
    (hit,) = search(repo, db, "module24.py").results
    assert (hit.message, hit.files_changed) == (
        long_message.strip(),  # whole, for redaction; the tool shortens it afterwards
        [f"pkg/module{n:02d}.py" for n in range(20)],
    )
    assert shown_message(hit.message) == long_message[:499] + "…"
    assert (hit.insertions, hit.deletions) == (25, 0)


def test_sha256_repository(tmp_path: Path, db: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main", "--object-format=sha256")
    full = commit(repo, "Hash migration", {"h.txt": "h\n"})
    assert len(full) == 64
    assert [hit.commit_hash for hit in search(repo, db, "migration").results] == [full[:12]]
