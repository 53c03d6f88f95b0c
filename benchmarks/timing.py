"""Timing helpers shared by the benchmarks: the product and its baseline, measured alike."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


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
