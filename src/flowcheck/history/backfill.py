"""Background indexing of the older commits a first search left for later, one thread per index.

The thread runs the ordinary indexer (`service.index_repository`), which commits one batch at
a time: searches meanwhile see every batch written so far, and a process that stops halfway
leaves a consistent index that the next search or `flowcheck index` completes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from flowcheck.errors import FlowcheckError

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_threads: dict[tuple[Path, Path], threading.Thread] = {}


def running(db_path: Path, top_level: Path) -> bool:
    """Whether this process is already completing this repository's index."""
    with _lock:
        thread = _threads.get((db_path, top_level))
        return thread is not None and thread.is_alive()


def start(db_path: Path, top_level: Path, job: Callable[[], object]) -> None:
    """Run `job` in a daemon thread unless one already runs for this index and repository."""
    key = (db_path, top_level)
    with _lock:
        if key in _threads and _threads[key].is_alive():
            return
        thread = threading.Thread(
            target=_run, args=(key, job), name=f"flowcheck-index {top_level}", daemon=True
        )
        _threads[key] = thread
        thread.start()


def wait(timeout: float | None = None) -> None:
    """Wait for every background indexer of this process (tests and shutdown)."""
    with _lock:
        threads = list(_threads.values())
    for thread in threads:
        thread.join(timeout)


def _run(key: tuple[Path, Path], job: Callable[[], object]) -> None:
    try:
        job()
    except FlowcheckError as error:
        # The next search retries from where this stopped; nothing is lost.
        _log.warning("background indexing of %s stopped: %s", key[1], error)
    finally:
        with _lock:
            if _threads.get(key) is threading.current_thread():
                del _threads[key]
