"""Every place git reads a repository's metadata from, so that all of them can be confined.

Besides the working tree, git reads the common git directory (objects, refs, config), a linked
worktree's own directory (HEAD, index, config.worktree: a `.git` file may put it anywhere),
whatever links in those directories point at, and object stores borrowed through
`objects/info/alternates` (and theirs, five levels deep).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

_ALTERNATES_DEPTH = 5
_ALTERNATES_MAX_BYTES = 1 << 16


def metadata_locations(
    top: Path, common_dir: Path, worktree_dir: Path
) -> list[tuple[Path, str]]:
    """(real path, description) of each place git may read for the top level `top`; the two
    git directories are real paths already."""
    found = [
        (git_dir, f"the git directory {git_dir} of {top}")
        for git_dir in dict.fromkeys((common_dir, worktree_dir))
    ]
    objects = common_dir / "objects"
    for folder in (common_dir, worktree_dir, objects, objects / "info", objects / "pack"):
        found += [
            (Path(os.path.realpath(link)), f"the link {link} in the git directory of {top}")
            for link in _links_in(folder)
        ]
    found += [
        (store, f"the object store {store} that {top} borrows (objects/info/alternates)")
        for store in _borrowed_stores(Path(os.path.realpath(objects)))
    ]
    return found


def _links_in(folder: Path) -> Iterator[Path]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    yield from (Path(entry.path) for entry in entries if entry.is_symlink())


def _borrowed_stores(objects: Path) -> list[Path]:
    """Real paths of the object stores `objects` borrows, theirs, and so on. A listing that is
    itself a link is reported as where it points and never read: its lines would end up in
    the refusal's text."""
    found: list[Path] = []
    pending = [(objects, 0)]
    while pending:
        store, depth = pending.pop()
        listing = store / "info" / "alternates"
        if listing.is_symlink():
            found.append(Path(os.path.realpath(listing)))
            continue
        for line in _alternates_lines(listing) if depth < _ALTERNATES_DEPTH else []:
            borrowed = Path(os.path.realpath(store / line))
            if borrowed not in found:
                found.append(borrowed)
                pending.append((borrowed, depth + 1))
    return found


def _alternates_lines(listing: Path) -> list[str]:
    try:
        descriptor = os.open(listing, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
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
