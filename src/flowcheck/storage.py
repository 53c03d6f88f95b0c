"""The state directory: created on first need with mode 0700, never at import."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing
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


def check_writable(path: Path, setting: str) -> None:
    """Prove that `path` (a file or directory, which may not exist yet) could be written,
    without creating or changing anything. Raises StorageError with the fix."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    needed = os.W_OK | (os.X_OK if existing.is_dir() else 0)
    if not os.access(existing, needed):
        what = "" if existing == path else f" (its nearest existing parent {existing} is not)"
        raise StorageError(
            f"{setting}={path} is not writable by uid {os.getuid()}{what}: mount a volume that "
            f"uid owns there, or point {setting} at a writable location"
        )


def check_index(path: Path) -> None:
    """Open an existing search index read-only, as a check that never creates the file."""
    if not path.exists():
        return
    try:
        read_only = f"{path.absolute().as_uri()}?mode=ro"
        with closing(sqlite3.connect(read_only, uri=True)) as connection:
            connection.execute("PRAGMA schema_version").fetchone()
    except sqlite3.Error as exc:
        raise StorageError(
            f"FLOWCHECK_SEMANTIC_INDEX_PATH={path} cannot be opened ({exc}): "
            "check the path and its permissions"
        ) from None
