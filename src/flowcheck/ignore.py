"""`.flowcheckignore`: paths excluded from every metric and from security scanning.

The file sits at the repository's top level and uses gitignore syntax and semantics
(negation with `!`, directory patterns with a trailing `/`, anchoring with a leading `/`),
translated by the pathspec library's GitIgnoreSpec and matched in linear time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pathspec

from flowcheck.pathmatch import Program, UnsupportedPattern

IGNORE_FILE_NAME = ".flowcheckignore"
MAX_IGNORE_PATTERNS = 1000  # each costs one linear pass per path looked up
MAX_PATTERN_CHARS = 1024
MAX_COMPLEX = 100  # patterns with several wildcards run on a slower (linear) matcher
_MAX_IGNORE_FILE_BYTES = 1 << 20
_MAX_LINE_WARNINGS = 20  # then one summary: the warnings list stays small
_DIRECTORY_MARKER = "ps_d"  # the group pathspec's regexes set when a directory pattern matched


class IgnoreMatcher:
    """Answers whether a repository-relative path is excluded.

    The patterns come from the repository, so matching them must stay cheap whatever they
    are: each runs as a linear-time program (`flowcheck.pathmatch`), at most
    ``MAX_IGNORE_PATTERNS`` of them, each at most ``MAX_PATTERN_CHARS`` long. A line that breaks
    a limit or does not parse is skipped with a warning naming its line number (never its
    text, which could be anything); the others still apply.
    """

    def __init__(
        self,
        patterns: Sequence[str],
        *,
        origin: str = IGNORE_FILE_NAME,
        warnings: Sequence[str] = (),
    ) -> None:
        compiled, invalid = _compile_patterns(patterns, origin)
        self.warnings = [*warnings, *invalid]
        self._patterns = compiled

    def ignored(self, relpath: str) -> bool:
        """True when `relpath` (relative to the top level, `/`-separated) is excluded.

        The last pattern that matches the path itself decides; failing that, the last one
        that matches a directory above it (`GitIgnoreSpec`'s rule, reproduced here)."""
        path = pathspec.util.normalize_file(relpath)
        by_directory: bool | None = None
        for include, program in reversed(self._patterns):
            match = program.search(path)
            if match is not None and not match.marked:
                return include
            if match is not None and by_directory is None:
                by_directory = include
        return bool(by_directory)


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


def _compile_patterns(
    patterns: Sequence[str], origin: str
) -> tuple[list[tuple[bool, Program]], list[str]]:
    """Compile the lines that are patterns; report the others by line number."""
    compiled: list[tuple[bool, Program]] = []
    warnings: list[str] = []
    skipped = complex_count = 0
    for number, line in enumerate(patterns, start=1):
        if len(compiled) == MAX_IGNORE_PATTERNS:
            warnings.append(
                f"{origin}:{number}: only the first {MAX_IGNORE_PATTERNS} patterns are used; "
                "this line and the ones after it are skipped"
            )
            break
        try:
            pattern = _compile(line)
            if pattern is not None and pattern[1].complex and complex_count == MAX_COMPLEX:
                raise _Skipped(f"more than {MAX_COMPLEX} patterns with several wildcards")
        except _Skipped as reason:
            skipped += 1
            if skipped <= _MAX_LINE_WARNINGS:
                warnings.append(f"{origin}:{number}: pattern skipped: {reason}")
            continue
        if pattern is not None:
            compiled.append(pattern)
            complex_count += pattern[1].complex
    if skipped > _MAX_LINE_WARNINGS:
        warnings.append(f"{origin}: {skipped - _MAX_LINE_WARNINGS} more lines skipped")
    return compiled, warnings


class _Skipped(Exception):
    """Why one line of the ignore file is not used."""


def _compile(line: str) -> tuple[bool, Program] | None:
    """(include, program) for a pattern line; None for blank lines and comments."""
    if len(line) > MAX_PATTERN_CHARS:
        raise _Skipped(f"longer than {MAX_PATTERN_CHARS} characters")
    try:
        parsed = pathspec.GitIgnoreSpec.from_lines([line]).patterns
    except (ValueError, re.error) as error:  # a bad range such as [z-a] is a re.error
        raise _Skipped("not a valid gitignore pattern") from error
    pattern = parsed[0] if parsed else None  # pathspec drops blank lines and comments
    if pattern is None or pattern.include is None or pattern.regex is None:
        return None
    try:
        return pattern.include, Program(pattern.regex.pattern, _DIRECTORY_MARKER)
    except UnsupportedPattern as error:
        raise _Skipped("too complex to match in linear time") from error
