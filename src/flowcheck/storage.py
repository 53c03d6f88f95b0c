"""The state directory: created on first need with mode 0700, never at import."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

from flowcheck.errors import StorageError


def ensure_storage(path: Path) -> Path:
    """Create the directory if needed and prove it writable. Raises StorageError with the fix."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise StorageError(
            f"FLOWCHECK_STORAGE_PATH={path} is not writable by uid {os.getuid()} "
            f"({exc.strerror}): mount a volume that uid owns there, or point "
            "FLOWCHECK_STORAGE_PATH at a writable directory"
        ) from None
    return path


def check_index(path: Path) -> None:
    """Open the search index database read-write, as the server would."""
    try:
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA schema_version").fetchone()
    except sqlite3.Error as exc:
        raise StorageError(
            f"FLOWCHECK_SEMANTIC_INDEX_PATH={path} cannot be opened ({exc}): "
            "check the path and its permissions"
        ) from None
