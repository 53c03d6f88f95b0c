"""Helpers shared by the benchmarks: a cached synthetic repository, and timing the product
and its baseline alike."""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path


def seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def interleaved_medians(
    first: Callable[[], object], second: Callable[[], object], runs: int
) -> tuple[float, float]:
    """Alternate the two so that load from other processes hits both alike."""
    first()  # warm the page cache
    second()
    timings = [(seconds(first), seconds(second)) for _ in range(runs)]
    return (statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings))


def cached_repository(cache: Path, build: Callable[[Path], None], rebuild: bool) -> Path:
    """`cache`/repo, built once by `build` and reused until `rebuild` (a half-built cache,
    without its completion mark, is rebuilt)."""
    repo = cache / "repo"
    if rebuild or not (cache / "complete").exists():
        shutil.rmtree(cache, ignore_errors=True)
        started = time.perf_counter()
        build(repo)
        (cache / "complete").touch()
        print(f"built {repo} in {time.perf_counter() - started:.1f} s")
    return repo
