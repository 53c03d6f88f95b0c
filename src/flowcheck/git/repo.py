"""Resolve a caller-supplied path to a git top level, confined to the allowed roots."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from flowcheck.errors import RepoAccessError
from flowcheck.git.runner import GitExitError, run_git

_ALTERNATES_DEPTH = 5
_ALTERNATES_MAX_BYTES = 1 << 16
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
    # git reads both: the common directory (objects, refs, config) and a linked worktree's
    # own directory (HEAD, index, config.worktree), which a `.git` file may place anywhere.
    for git_dir in dict.fromkeys((common_dir, worktree_dir)):
        _require_inside(git_dir, roots, what=f"the git directory {git_dir} of {top}")
    if roots:
        for store in borrowed_object_stores(common_dir / "objects"):
            what = f"the object store {store} that {top} borrows (objects/info/alternates)"
            _require_inside(store, roots, what=what)
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


def borrowed_object_stores(objects: Path) -> list[Path]:
    """Every object directory git would read besides `objects`: its alternates, theirs, and
    so on (git follows five levels), as real paths. A listing that is a link is reported as
    where it points."""
    found: list[Path] = []
    pending = [(objects, 0)]
    while pending:
        store, depth = pending.pop()
        listing = store / "info" / "alternates"
        real = Path(os.path.realpath(listing))
        if real != listing:
            found.append(real)
        for line in _alternates_lines(listing) if depth < _ALTERNATES_DEPTH else []:
            borrowed = Path(os.path.realpath(store / line))
            if borrowed not in found:
                found.append(borrowed)
                pending.append((borrowed, depth + 1))
    return found


def _alternates_lines(listing: Path) -> list[str]:
    try:
        descriptor = os.open(listing, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return []  # no alternates: the common case
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return []  # a FIFO or device: never wait on it
        raw = handle.read(_ALTERNATES_MAX_BYTES)
    lines = os.fsdecode(raw).splitlines()
    return [_unquoted(line.strip()) for line in lines if line.strip() and line[0] != "#"]


def _unquoted(line: str) -> str:
    """git C-quotes an alternate that starts with a double quote."""
    if len(line) > 1 and line[0] == line[-1] == '"':
        return line[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return line


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
