"""flow_state against raw git on a large synthetic repository.

    python benchmarks/flow_state.py [--runs N] [--rebuild]

The repository (20,000 tracked files, 2,000 of them modified for exactly 100,000 changed
lines, half of those staged, plus 500 untracked files) is built once and cached under the
temp directory. The table compares the median of `flow_state` with the median of the raw
`git status --porcelain=v2 -z` plus `git diff --numstat HEAD` it must stay close to.
Targets: ratio <= 1.5 and flow_state < 0.5 s.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from flowcheck.flow import flow_state
from timing import cached_repository, interleaved_medians

TRACKED_FILES = 20_000
MODIFIED_FILES = 2_000
LINES_PER_FILE = 30
REWRITTEN_LINES_PER_FILE = 25  # 25 deleted + 25 added = 50 changed lines per modified file
UNTRACKED_FILES = 500
UNTRACKED_LINES = 20
FILES_PER_DIRECTORY = 100
CACHE = Path(tempfile.gettempdir()) / "flowcheck-bench-flow-state-v1"
FIXED_DATE = {
    "GIT_AUTHOR_DATE": "@1700000000 +0000",
    "GIT_COMMITTER_DATE": "@1700000000 +0000",
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.test",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.test",
}


def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(CACHE), **FIXED_DATE},
    ).stdout


def source_path(repo: Path, number: int) -> Path:
    return repo / f"pkg{number // FILES_PER_DIRECTORY:03d}" / f"module{number:05d}.py"


def build(repo: Path) -> None:
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for number in range(TRACKED_FILES):
        path = source_path(repo, number)
        path.parent.mkdir(exist_ok=True)
        path.write_text("".join(f"value_{number}_{n} = {n}\n" for n in range(LINES_PER_FILE)))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "synthetic base")
    for number in range(0, TRACKED_FILES, TRACKED_FILES // MODIFIED_FILES):
        path = source_path(repo, number)
        lines = path.read_text().splitlines(keepends=True)
        rewritten = [f"changed_{number}_{n} = {n}\n" for n in range(REWRITTEN_LINES_PER_FILE)]
        path.write_text("".join(rewritten + lines[REWRITTEN_LINES_PER_FILE:]))
    every_other_modified = range(0, TRACKED_FILES, 2 * TRACKED_FILES // MODIFIED_FILES)
    staged = [str(source_path(repo, n)) for n in every_other_modified]
    git(repo, "add", "--", *staged)
    scratch = repo / "scratch"
    scratch.mkdir()
    for number in range(UNTRACKED_FILES):
        (scratch / f"note{number:03d}.txt").write_text("draft line\n" * UNTRACKED_LINES)
    git(repo, "status", "--porcelain")  # refresh the index's stat data once, as any user would


def raw_git(repo: Path) -> None:
    git(repo, "status", "--porcelain=v2", "-z")
    git(repo, "diff", "--numstat", "HEAD")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached repository")
    options = parser.parse_args()
    repo = cached_repository(CACHE, build, options.rebuild)
    storage = CACHE / "storage"
    state = flow_state(repo, storage)
    print(
        f"flow_state: {state.uncommitted_files} files, {state.uncommitted_lines} lines "
        f"({state.staged_files} staged files, {state.untracked_files} untracked)"
    )
    ours, baseline = interleaved_medians(
        lambda: flow_state(repo, storage), lambda: raw_git(repo), options.runs
    )
    ratio = ours / baseline
    print(f"\n| measurement (median of {options.runs}) | seconds | target |")
    print("|---|---|---|")
    print(f"| flow_state | {ours:.3f} | < 0.500 {'ok' if ours < 0.5 else 'MISSED'} |")
    print(f"| git status --porcelain=v2 -z + git diff --numstat HEAD | {baseline:.3f} | |")
    print(f"| ratio | {ratio:.2f} | <= 1.50 {'ok' if ratio <= 1.5 else 'MISSED'} |")


if __name__ == "__main__":
    main()
