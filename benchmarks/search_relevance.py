"""search_history's relevance on labelled queries over two real histories, next to `git log --grep`.

    python benchmarks/search_relevance.py [--per-query]

The queries and their relevant commits are in `search_relevance.json` (keyword, paraphrase and
concept queries over BurntSushi/ripgrep and expressjs/express, each pinned to a head). No
third-party history is committed: each repository is read from
`$FLOWCHECK_BENCH_HISTORIES/<owner>+<name>/repo` (the layout a mirror fetch makes; default
/work/.mirror), or `$FLOWCHECK_BENCH_HISTORIES/<name>`, e.g. after
`git clone --mirror https://github.com/BurntSushi/ripgrep $FLOWCHECK_BENCH_HISTORIES/ripgrep`.
A missing repository is skipped with a message. Each is cloned locally once into the temp
directory with only its pinned head as a branch, so results do not move when upstream does.

Metrics per query kind: recall@5 and recall@10, the share of a query's relevant commits in its
top k (out of at most k: a query with 30 relevant commits scores 1.0 when the top 5 are all
relevant), and MRR@10, the mean of 1 / rank of the first relevant commit in the top 10.
The baseline is `git log -i -F --grep=<word>` for every query word (any word matches), newest
first: what an agent runs instead.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from flowcheck.history import index_repository, search

HERE = Path(__file__).parent
LABELS = HERE / "search_relevance.json"
CACHE = Path(tempfile.gettempdir()) / "flowcheck-bench-relevance-v1"
DEFAULT_HISTORIES = "/work/.mirror"
GIT_ENV = {"PATH": "/usr/bin:/bin", "HOME": str(CACHE), "GIT_CONFIG_NOSYSTEM": "1"}
KINDS = ("keyword", "paraphrase", "concept")
DEPTH = 10

Ranker = Callable[[Path, str], list[str]]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, env=GIT_ENV, text=True
    ).stdout


def source_of(name: str, spec: dict[str, str]) -> Path | None:
    histories = Path(os.environ.get("FLOWCHECK_BENCH_HISTORIES", DEFAULT_HISTORIES))
    owner_name = spec["source"].removeprefix("github:").replace("/", "+")
    for candidate in (histories / owner_name / "repo", histories / name):
        if (candidate / "HEAD").exists() or (candidate / ".git").exists():
            return candidate
    return None


def pinned_clone(name: str, spec: dict[str, str]) -> Path | None:
    """A local clone whose only branch is the pinned head (built once, then reused)."""
    clone = CACHE / name
    if (clone / ".git" / "bench-complete").exists():
        return clone
    source = source_of(name, spec)
    if source is None:
        print(
            f"skipped {name}: no copy of {spec['source']} under $FLOWCHECK_BENCH_HISTORIES "
            f"(default {DEFAULT_HISTORIES}); clone it there as <owner>+<name>/repo or <name>"
        )
        return None
    subprocess.run(["rm", "-rf", str(clone)], check=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    git(CACHE, "clone", "-q", "--no-checkout", "--single-branch", "--no-tags", str(source), name)
    git(clone, "checkout", "-q", "-B", "bench", spec["head"])
    for branch in git(clone, "for-each-ref", "--format=%(refname:short)", "refs/heads").split():
        if branch != "bench":
            git(clone, "branch", "-q", "-D", branch)
    (clone / ".git" / "bench-complete").touch()
    return clone


def grep_ranker(repo: Path, query: str) -> list[str]:
    greps = [f"--grep={word}" for word in query.split()]
    listing = git(repo, "log", "-i", "-F", *greps, f"--max-count={DEPTH}", "--format=%H")
    return listing.split()


def lexical_ranker(db: Path) -> Ranker:
    def rank(repo: Path, query: str) -> list[str]:
        found = search(repo, db, query, DEPTH)
        return [hit.commit_hash for hit in found.results]

    return rank


def scores(ranked: Sequence[str], relevant: set[str]) -> tuple[float, float, float]:
    """recall@5, recall@10 (out of at most k relevant) and reciprocal rank within the top 10;
    `ranked` may hold abbreviated ids."""
    hits = [any(full.startswith(short) for full in relevant) for short in ranked[:DEPTH]]
    recall = [sum(hits[:k]) / min(k, len(relevant)) for k in (5, DEPTH)]
    first = next((rank for rank, hit in enumerate(hits, 1) if hit), None)
    return recall[0], recall[1], 0.0 if first is None else 1 / first


def evaluate(
    queries: list[dict[str, object]],
    rankers: dict[str, Ranker],
    repos: dict[str, Path],
    per_query: bool = False,
) -> dict[str, dict[str, list[tuple[float, float, float]]]]:
    table: dict[str, dict[str, list[tuple[float, float, float]]]] = {s: {} for s in rankers}
    for query in queries:
        repo = repos.get(str(query["repository"]))
        if repo is None:
            continue
        relevant = {str(h) for h in query["relevant"]}  # type: ignore[attr-defined]
        for stage, ranker in rankers.items():
            result = scores(ranker(repo, str(query["query"])), relevant)
            table[stage].setdefault(str(query["kind"]), []).append(result)
            if per_query:
                print(
                    f"{stage[:24]:24} {query['kind']:10} r@5 {result[0]:.2f} "
                    f"rr {result[2]:.2f}  {query['query']}"
                )
    return table


def print_table(table: dict[str, dict[str, list[tuple[float, float, float]]]]) -> None:
    print("\n| stage | queries | recall@5 | recall@10 | MRR@10 |")
    print("|---|---|---|---|---|")
    for stage, by_kind in table.items():
        every = [row for kind in KINDS for row in by_kind.get(kind, [])]
        for label, rows in [*((k, by_kind.get(k, [])) for k in KINDS), ("all", every)]:
            if rows:
                means = [sum(column) / len(rows) for column in zip(*rows, strict=True)]
                cells = " | ".join(f"{value:.3f}" for value in means)
                print(f"| {stage} | {label} ({len(rows)}) | {cells} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-query", action="store_true", help="print each query's scores")
    options = parser.parse_args()
    labels = json.loads(LABELS.read_text())
    repos = {
        name: clone
        for name, spec in labels["repositories"].items()
        if (clone := pinned_clone(name, spec)) is not None
    }
    if not repos:
        print("search_relevance: no repository available; nothing measured")
        return
    db = CACHE / "relevance.db"
    db.unlink(missing_ok=True)
    for repo in repos.values():
        index_repository(repo, db, None)  # the whole history: relevance, not freshness
    rankers = {"git log --grep (any word)": grep_ranker, "lexical": lexical_ranker(db)}
    print_table(evaluate(labels["queries"], rankers, repos, options.per_query))


if __name__ == "__main__":
    main()
