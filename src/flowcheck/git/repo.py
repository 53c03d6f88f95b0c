"""Resolve a caller-supplied path to a git top level, confined to the allowed roots."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from flowcheck.errors import RepoAccessError
from flowcheck.git.metadata import metadata_locations
from flowcheck.git.runner import GitExitError, run_git

_SHOWN_CHARS = 200


def resolve_repository(
    path: str | None, *, allowed_roots: Sequence[Path], default: Path | None
) -> Path:
    """Return the real path of the git top level that contains `path`.

    `path` None or empty means `default`. With `allowed_roots` empty any repository is
    accepted (local stdio use); otherwise the path, its top level and its git directory must
    all lie inside one root after resolving symlinks and `..`.
    """
    roots = [_checked_root(root) for root in allowed_roots]
    candidate = _candidate(path, default)
    real = Path(os.path.realpath(candidate))
    # Confinement first: outside the roots, an existing and a missing path get the same answer.
    _require_inside(real, roots, what=f"repository path {candidate}")
    if not _exists(real):
        raise RepoAccessError(
            f"repository path {candidate} does not exist; pass an existing directory"
        )
    if ".git" in real.parts:
        raise RepoAccessError(
            f"repository path {candidate} points into a .git directory; "
            "pass the working tree instead"
        )
    top, common_dir, worktree_dir = _git_locations(real, candidate)
    enclosing = f"{candidate} is not a git repository itself; its enclosing repository {top}"
    _require_inside(top, roots, what=enclosing)
    if roots:
        for location, what in metadata_locations(top, common_dir, worktree_dir):
            _require_inside(location, roots, what=what)
    return top


def _candidate(path: str | None, default: Path | None) -> Path:
    if path and "\0" in path:
        raise RepoAccessError(
            f"repository path {path[:_SHOWN_CHARS]!r} contains a NUL byte, which no file name "
            "can hold; pass the repository's directory"
        )
    if path:
        return Path(path).expanduser()
    if default is None:
        raise RepoAccessError(
            "no repo_path given and no default repository configured; "
            "pass repo_path or set FLOWCHECK_GIT_REPO_PATH"
        )
    return default


def _exists(real: Path) -> bool:
    try:
        return real.exists()
    except OSError:  # a name too long for the file system, for one: no such directory
        return False


def _checked_root(root: Path) -> Path:
    real = Path(os.path.realpath(root))
    if not real.exists():
        raise RepoAccessError(
            f"allowed root {root} does not exist; "
            "fix FLOWCHECK_ALLOWED_ROOTS or mount the directory"
        )
    if not real.is_dir():
        raise RepoAccessError(
            f"allowed root {root} is not a directory; list directories in FLOWCHECK_ALLOWED_ROOTS"
        )
    return real


def _require_inside(real: Path, roots: Sequence[Path], *, what: str) -> None:
    if roots and not any(real.is_relative_to(root) for root in roots):
        listed = ", ".join(str(root) for root in roots)
        raise RepoAccessError(
            f"{what} is outside the allowed roots ({listed}); pass a repository inside one of "
            "them or extend FLOWCHECK_ALLOWED_ROOTS"
        )


def _git_locations(real: Path, candidate: Path) -> tuple[Path, Path, Path]:
    try:
        output = run_git(
            real,
            "rev-parse",
            "--path-format=absolute",
            "--show-toplevel",
            "--git-common-dir",
            "--absolute-git-dir",
        )
    except GitExitError as error:
        raise RepoAccessError(
            f"{candidate} is not a git repository working tree; pass the path of a checked-out "
            f"repository (git said: {error.stderr})"
        ) from error
    top, common_dir, worktree_dir = (
        Path(os.path.realpath(found)) for found in os.fsdecode(output).splitlines()[:3]
    )
    return top, common_dir, worktree_dir


def hook_index_file(top: Path) -> Path | None:
    """The index a running git hook was given (GIT_INDEX_FILE: `git commit -a` and
    `git commit <paths>` stage into a temporary index), or None outside such a hook.
    Refused unless it lies inside the repository's git directory."""
    raw = os.environ.get("GIT_INDEX_FILE")
    if not raw:
        return None
    git_dir = Path(os.fsdecode(run_git(top, "rev-parse", "--absolute-git-dir").strip()))
    index = (top / raw).resolve()
    common = Path(os.fsdecode(run_git(top, "rev-parse", "--git-common-dir").strip()))
    allowed = [git_dir.resolve(), (top / common).resolve()]
    if not any(index.is_relative_to(folder) for folder in allowed):
        raise RepoAccessError(
            f"GIT_INDEX_FILE={raw} lies outside {git_dir}: refusing to scan another index"
        )
    return index
