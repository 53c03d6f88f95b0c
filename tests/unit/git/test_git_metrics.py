"""collect_metrics against real repositories built in each test."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from flowcheck.git.metrics import FlowMetrics, collect_metrics
from flowcheck.ignore import IgnoreMatcher, load_ignore
from tests.conftest import git

MakeRepo = Callable[..., Path]

TEN_LINES = "".join(f"line {n}\n" for n in range(10))
DAY = 86400


def commit_at(repo: Path, message: str, seconds_ago: int) -> None:
    stamp = f"@{int(time.time()) - seconds_ago} +0000"
    git(repo, "commit", "-q", "--allow-empty", "-m", message,
        env={"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})


def measure(repo: Path) -> FlowMetrics:
    return collect_metrics(repo, IgnoreMatcher([]))


def counts(metrics: FlowMetrics) -> tuple[int, int, int, int]:
    return (metrics.uncommitted_files, metrics.uncommitted_lines, metrics.staged_files,
            metrics.untracked_files)


def rewrite_three_lines(path: Path) -> None:
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(["changed\n"] * 3 + lines[3:]))


def test_staged_only(make_repo: MakeRepo) -> None:
    repo = make_repo(files={"a.txt": TEN_LINES})
    rewrite_three_lines(repo / "a.txt")
    git(repo, "add", "a.txt")
    assert counts(measure(repo)) == (1, 6, 1, 0)


def test_untracked_only_counts_every_line(make_repo: MakeRepo) -> None:
    """0.4 defect B2.2: untracked files counted 0 lines."""
    repo = make_repo()
    (repo / "new.txt").write_text("1\n2\n3\n4")  # the last line has no newline and still counts
    (repo / "dir").mkdir()
    (repo / "dir" / "deep.txt").write_text("x\n")
    assert counts(measure(repo)) == (2, 5, 0, 2)


def test_mixed_changes_count_each_line_once(make_repo: MakeRepo) -> None:
    repo = make_repo(files={"a.txt": TEN_LINES, "c.txt": TEN_LINES})
    rewrite_three_lines(repo / "a.txt")
    git(repo, "add", "a.txt")
    with (repo / "c.txt").open("a") as handle:
        handle.write("more\nmore\n")
    (repo / "b.txt").write_text("1\n2\n3\n4\n")
    assert counts(measure(repo)) == (3, 12, 1, 1)


def test_file_rewritten_in_index_and_again_in_worktree_counts_once(make_repo: MakeRepo) -> None:
    """0.4 defect B2.2: staged and unstaged shortstats were summed (15 000 vs 5 000)."""
    repo = make_repo(files={"a.txt": TEN_LINES})
    (repo / "a.txt").write_text("".join(f"staged {n}\n" for n in range(10)))
    git(repo, "add", "a.txt")
    (repo / "a.txt").write_text("".join(f"unstaged {n}\n" for n in range(10)))
    assert counts(measure(repo)) == (1, 20, 1, 0)


def test_branch_age_is_measured_from_the_fork_point(tmp_path: Path) -> None:
    """0.4 defect B2.1: branch age was the age of the tip commit."""
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    commit_at(repo, "base", 6 * DAY + 3600)
    git(repo, "switch", "-q", "-c", "feature")
    commit_at(repo, "old work", 5 * DAY)
    commit_at(repo, "fresh work", 60)
    metrics = measure(repo)
    assert (metrics.branch_name, metrics.default_branch, metrics.branch_age_days,
            metrics.minutes_since_last_commit) == ("feature", "main", 6, 1)


def test_ahead_and_behind_the_default_branch(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    commit_at(repo, "base", 3 * DAY)
    git(repo, "switch", "-q", "-c", "feature")
    commit_at(repo, "f1", 2 * DAY)
    commit_at(repo, "f2", DAY)
    git(repo, "switch", "-q", "main")
    for number in range(3):
        commit_at(repo, f"m{number}", 100)
    git(repo, "switch", "-q", "feature")
    metrics = measure(repo)
    assert (metrics.ahead_of_main, metrics.behind_main_by_commits, metrics.branch_age_days) == (
        2, 3, 3,
    )


def test_on_the_default_branch_age_is_zero(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "master", str(repo))
    commit_at(repo, "old", 30 * DAY)
    metrics = measure(repo)
    assert (metrics.default_branch, metrics.branch_age_days, metrics.ahead_of_main,
            metrics.behind_main_by_commits, metrics.minutes_since_last_commit) == (
        "master", 0, 0, 0, 30 * 24 * 60,
    )


def test_origin_head_wins_over_local_main(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    commit_at(repo, "trunk base", 4 * DAY)
    git(repo, "update-ref", "refs/remotes/origin/trunk", "HEAD")
    git(repo, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")
    commit_at(repo, "local only", 10)
    metrics = measure(repo)
    assert (metrics.default_branch, metrics.branch_age_days, metrics.ahead_of_main,
            metrics.behind_main_by_commits) == ("trunk", 4, 1, 0)


def test_no_default_branch_leaves_branch_signals_empty(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "dev", str(repo))
    commit_at(repo, "only", 10)
    metrics = measure(repo)
    assert (metrics.default_branch, metrics.branch_age_days, metrics.ahead_of_main,
            metrics.behind_main_by_commits) == (None, None, None, None)


def test_unrelated_history_has_no_branch_age(make_repo: MakeRepo) -> None:
    repo = make_repo()
    git(repo, "switch", "-q", "--orphan", "island")
    commit_at(repo, "island", 10)
    metrics = measure(repo)
    assert (metrics.branch_age_days, metrics.ahead_of_main, metrics.behind_main_by_commits) == (
        None, 1, 1,
    )


def test_detached_head_reports_a_short_sha(make_repo: MakeRepo) -> None:
    repo = make_repo()
    head = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "switch", "-q", "--detach", "HEAD")
    metrics = measure(repo)
    assert (metrics.branch_name, metrics.head_commit) == (head[:12], head)


def test_repository_without_commits(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    (repo / "staged.txt").write_text("a\nb\n")
    git(repo, "add", "staged.txt")
    (repo / "loose.txt").write_text("c\nd\ne\n")
    assert measure(repo) == FlowMetrics(
        branch_name="main", head_commit=None, head_commit_time=None,
        minutes_since_last_commit=None, uncommitted_files=2, uncommitted_lines=5,
        staged_files=1, untracked_files=1, default_branch=None, branch_age_days=None,
        ahead_of_main=None, behind_main_by_commits=None,
    )


def test_linked_worktree(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo()
    worktree = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "side", str(worktree))
    (worktree / "wip.txt").write_text("a\nb\n")
    (repo / "main-only.txt").write_text("not in the worktree\n")
    metrics = measure(worktree)
    assert (metrics.branch_name, metrics.branch_age_days, *counts(metrics)) == (
        "side", 0, 1, 2, 0, 1,
    )


def test_binary_files_count_as_files_not_lines(make_repo: MakeRepo) -> None:
    repo = make_repo()
    (repo / "image.bin").write_bytes(b"\x89PNG\x00\x01\x02\n\n")
    git(repo, "add", "image.bin")
    git(repo, "commit", "-q", "-m", "binary")
    (repo / "image.bin").write_bytes(b"\x89PNG\x00\x03\n")
    (repo / "new.bin").write_bytes(b"\x00\x00\n\n\n")
    assert counts(measure(repo)) == (2, 0, 0, 1)


def test_untracked_symlink_is_one_line_and_never_followed(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = make_repo()
    (tmp_path / "outside.txt").write_text("secret\n" * 50)
    (repo / "link").symlink_to(tmp_path / "outside.txt")
    assert counts(measure(repo)) == (1, 1, 0, 1)


def test_submodule_counts_as_a_changed_path(make_repo: MakeRepo) -> None:
    library = make_repo("library")
    repo = make_repo("repo")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "lib")
    git(repo, "commit", "-q", "-m", "add submodule")
    checkout = repo / "lib"
    (checkout / "more.txt").write_text("1\n2\n")
    git(checkout, "add", "more.txt")
    git(checkout, "commit", "-q", "-m", "advance")
    (checkout / "scratch.txt").write_text("edits inside the submodule are its own business\n")
    assert counts(measure(repo)) == (1, 0, 0, 0)


def test_flowcheckignore_applies_to_every_count(make_repo: MakeRepo) -> None:
    repo = make_repo(files={
        ".flowcheckignore": "*.log\n!keep.log\nbuild/\n/generated.txt\n",
        "tracked.log": "a\n",
        "generated.txt": "g\n",
    })
    (repo / "tracked.log").write_text("changed\n")
    (repo / "generated.txt").write_text("g\nh\n")
    git(repo, "add", "generated.txt")
    (repo / "a.log").write_text("1\n2\n3\n4\n5\n")
    (repo / "keep.log").write_text("1\n2\n")
    (repo / "build").mkdir()
    (repo / "build" / "out.txt").write_text("1\n2\n3\n")
    (repo / "src" / "build").mkdir(parents=True)
    (repo / "src" / "build" / "x.txt").write_text("1\n")
    (repo / "src" / "generated.txt").write_text("1\n")
    (repo / "notes.txt").write_text("1\n")
    assert counts(measure(repo)) == (8, 16, 1, 6)
    assert counts(collect_metrics(repo, load_ignore(repo))) == (3, 4, 0, 3)
