"""`.flowcheckignore`: paths excluded from every metric and from security scanning.

The file sits at the repository's top level and uses gitignore syntax and semantics
(negation with `!`, directory patterns with a trailing `/`, anchoring with a leading `/`),
implemented by the pathspec library's GitIgnoreSpec.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pathspec

IGNORE_FILE_NAME = ".flowcheckignore"
_MAX_IGNORE_FILE_BYTES = 1 << 20


class IgnoreMatcher:
    """Answers whether a repository-relative path is excluded."""

    def __init__(
        self,
        patterns: Sequence[str],
        *,
        origin: str = IGNORE_FILE_NAME,
        warnings: Sequence[str] = (),
    ) -> None:
        valid, invalid = _valid_patterns(patterns, origin)
        self.warnings = [*warnings, *invalid]
        self._spec = pathspec.GitIgnoreSpec.from_lines(valid) if valid else None

    def ignored(self, relpath: str) -> bool:
        """True when `relpath` (relative to the top level, `/`-separated) is excluded."""
        return self._spec is not None and self._spec.match_file(relpath)


def load_ignore(top: Path) -> IgnoreMatcher:
    """Read `.flowcheckignore` at the git top level `top`; no file means nothing is ignored.

    Unreadable files and invalid patterns end up in `IgnoreMatcher.warnings`.
    """
    path = top / IGNORE_FILE_NAME
    if not path.exists():
        return IgnoreMatcher([])
    if not path.is_file():  # a FIFO or device would block or never end
        return IgnoreMatcher([], warnings=[f"{path}: not a regular file; nothing is ignored"])
    if not path.resolve().is_relative_to(top.resolve()):  # warnings quote the file's lines
        return IgnoreMatcher(
            [], warnings=[f"{path}: links outside the repository; nothing is ignored"]
        )
    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_IGNORE_FILE_BYTES + 1)
    except OSError as error:
        return IgnoreMatcher(
            [], warnings=[f"{path}: cannot be read ({error.strerror}); nothing is ignored"]
        )
    truncated = len(raw) > _MAX_IGNORE_FILE_BYTES
    return IgnoreMatcher(
        raw[:_MAX_IGNORE_FILE_BYTES].decode("utf-8", "replace").splitlines(),
        origin=str(path),
        warnings=[f"{path}: only the first 1 MiB is used"] if truncated else [],
    )


def _valid_patterns(patterns: Sequence[str], origin: str) -> tuple[list[str], list[str]]:
    """Keep the patterns pathspec accepts; report the others with their line numbers."""
    valid: list[str] = []
    warnings: list[str] = []
    for number, line in enumerate(patterns, start=1):
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except ValueError:
            warnings.append(f"{origin}:{number}: invalid gitignore pattern {line!r} is skipped")
            continue
        valid.append(line)
    return valid, warnings
