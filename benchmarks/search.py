"""search_history on 5,000 synthetic commits, against the git commands it replaces.

    python benchmarks/search.py [--runs N] [--rebuild]

The repository (5,000 commits by fast-import, each changing 1-3 of 2,000 files with a message
of 4-12 words from a 400-word vocabulary) is built once and cached under the temp directory.
Indexing is compared with the one `git log -z --numstat` of the same commits that it runs; a
query is compared with `git log -i --grep`, what an agent would run instead. Every index
measurement starts from a new index file. Targets: a full index within 2x of its git log
(git's diffs are the floor; parsing and the FTS5 inserts may at most double it), a first
search (which indexes the newest 1,000 commits, leaving the rest to a background thread)
under 250 ms, a refresh after 10 new commits under
100 ms, and a query under 50 ms.
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from flowcheck.history import backfill, index_repository, search
from timing import cached_repository, interleaved_medians, seconds

COMMITS = 5_000
FILES = 2_000
VOCABULARY = 400
FIRST_SECOND = 1_700_000_000
CACHE = Path(tempfile.gettempdir()) / "flowcheck-bench-search-v1"
QUERIES = ["fix", "login timeout", "w17 w203 w388", "module01234.py", "refactor parser cache"]
GIT_ENV = {"PATH": "/usr/bin:/bin", "HOME": str(CACHE), "GIT_CONFIG_NOSYSTEM": "1"}
LOG = (
    "log",
    "--no-walk=unsorted",
    "--stdin",
    "-z",
    "--numstat",
    "--no-renames",
    "--diff-merges=off",
    "--encoding=UTF-8",
    "--format=%H%x00%an%x00%at%x00%B",
)


def git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(
        ["git", "-C", str(repo), *args], input=stdin, check=True, capture_output=True, env=GIT_ENV
    ).stdout


def fast_import_stream(seed: int = 7) -> bytes:
    """COMMITS commits on main: dated one minute apart, messages and edits drawn from `seed`."""
    rng = random.Random(seed)
    words = [f"w{n}" for n in range(VOCABULARY - 8)]
    words += ["fix", "login", "timeout", "refactor", "parser", "cache", "add", "remove"]
    chunks: list[bytes] = []
    for number in range(COMMITS):
        message = " ".join(rng.choices(words, k=rng.randint(4, 12))).encode()
        when = FIRST_SECOND + 60 * number
        lines = [
            b"commit refs/heads/main",
            f"author Bench {number % 7} <bench@example.test> {when} +0000".encode(),
            f"committer Bench <bench@example.test> {when} +0000".encode(),
            b"data %d" % len(message),
            message,
        ]
        for _ in range(rng.randint(1, 3)):
            path = f"pkg{rng.randrange(40):02d}/module{rng.randrange(FILES):05d}.py"
            body = f"value = {number}\nname = '{rng.choice(words)}'\n".encode()
            lines += [f"M 100644 inline {path}".encode(), b"data %d" % len(body), body]
        chunks.append(b"\n".join(lines) + b"\n")
    return b"".join(chunks)


def build(repo: Path) -> None:
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "fast-import", "--quiet", stdin=fast_import_stream())
    git(repo, "checkout", "-q", "main")


def with_new_index(action: Callable[[Path], object]) -> Callable[[], object]:
    def run() -> object:
        db = CACHE / "bench.db"
        db.unlink(missing_ok=True)
        return action(db)

    return run


def raw_log(repo: Path, count: int | None) -> Callable[[], object]:
    listing = git(repo, "rev-list", *([f"--max-count={count}"] if count else []), "HEAD")
    return lambda: git(repo, *LOG, stdin=listing)


Row = tuple[str, float, str, float, str, bool]


def index_rows(repo: Path, runs: int) -> list[Row]:
    full, full_log = interleaved_medians(
        with_new_index(lambda db: index_repository(repo, db, None)), raw_log(repo, None), runs
    )
    # Time to the first answer: the thread that indexes the older 4,000 commits afterwards
    # is not started, or the next run would wait for it.
    started = backfill.start
    backfill.start = lambda db_path, top_level, job: None  # type: ignore[assignment]
    first, first_log = interleaved_medians(
        with_new_index(lambda db: search(repo, db, "login timeout")), raw_log(repo, 1_000), runs
    )
    backfill.start = started  # type: ignore[assignment]
    return [
        (
            "index all 5,000 commits (index --full)",
            full,
            "git log -z --numstat, 5,000 commits",
            full_log,
            "<= 2.0x",
            full <= 2.0 * full_log,
        ),
        (
            "first search: index the newest 1,000, then rank",
            first,
            "git log -z --numstat, 1,000 commits",
            first_log,
            "< 0.250 s",
            first < 0.25,
        ),
    ]


def incremental_row(repo: Path, db: Path, runs: int) -> Row:
    """Index at HEAD~10, then time the refresh that adds the 10 newest commits."""
    timings = []
    for _ in range(runs):
        git(repo, "checkout", "-q", "--detach", "HEAD~10")
        index_repository(repo, db)
        git(repo, "checkout", "-q", "main")
        timings.append(seconds(lambda: index_repository(repo, db)))
    newest = git(repo, "rev-list", "--max-count=10", "HEAD")
    baseline = statistics.median(
        seconds(lambda: git(repo, *LOG, stdin=newest)) for _ in range(runs)
    )
    ours = statistics.median(timings)
    return (
        "refresh after 10 new commits (index of 5,000)",
        ours,
        "git log -z --numstat, 10 commits",
        baseline,
        "< 0.100 s",
        ours < 0.1,
    )


def query_rows(repo: Path, db: Path, runs: int) -> list[Row]:
    rows: list[Row] = []
    for query in QUERIES:
        word = query.split()[0]
        ours, grep = interleaved_medians(
            functools.partial(search, repo, db, query),
            functools.partial(git, repo, "log", "-i", f"--grep={word}", "--format=%H"),
            runs,
        )
        rows.append(
            (f"search {query!r}", ours, f"git log -i --grep={word}", grep, "< 0.050 s", ours < 0.05)
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached repository")
    options = parser.parse_args()
    repo = cached_repository(CACHE, build, options.rebuild)
    rows = index_rows(repo, options.runs)
    db = CACHE / "bench.db"
    print(f"full index: {index_repository(repo, db, None)}")
    rows.append(incremental_row(repo, db, options.runs))
    rows += query_rows(repo, db, 4 * options.runs)  # each search also checks HEAD first
    print(
        f"\n| measurement (median of {options.runs}, queries {4 * options.runs}) | seconds "
        "| baseline | baseline seconds | ratio | target |"
    )
    print("|---|---|---|---|---|---|")
    for name, ours, label, baseline, target, met in rows:
        print(
            f"| {name} | {ours:.3f} | {label} | {baseline:.3f} | {ours / baseline:.2f} "
            f"| {target} {'ok' if met else 'MISSED'} |"
        )


if __name__ == "__main__":
    main()
