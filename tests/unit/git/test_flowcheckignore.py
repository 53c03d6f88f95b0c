"""`.flowcheckignore` follows gitignore semantics (0.4 used git pathspecs, parity A5)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from flowcheck.ignore import IgnoreMatcher, load_ignore

PATTERNS = [
    "# generated output",
    "",
    "*.log",
    "!keep.log",
    "build/",
    "/root-only.txt",
    "docs/**/draft.md",
]


@pytest.mark.parametrize(
    ("path", "ignored"),
    [
        ("app.log", True),
        ("deep/nested/app.log", True),
        ("keep.log", False),
        ("deep/keep.log", False),
        ("build/out.o", True),
        ("src/build/out.o", True),
        ("build", False),  # a file named build is not the directory build/
        ("root-only.txt", True),
        ("sub/root-only.txt", False),
        ("docs/draft.md", True),
        ("docs/a/b/draft.md", True),
        ("src/main.py", False),
        ("# generated output", False),
    ],
)
def test_gitignore_semantics(path: str, ignored: bool) -> None:
    assert IgnoreMatcher(PATTERNS).ignored(path) is ignored


def test_no_file_ignores_nothing(tmp_path: Path) -> None:
    matcher = load_ignore(tmp_path)
    assert (matcher.ignored("anything.log"), matcher.warnings) == (False, [])


def test_invalid_pattern_is_skipped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / ".flowcheckignore").write_text("*.tmp\n!\ntrailing\\\n")
    matcher = load_ignore(tmp_path)
    assert matcher.ignored("x.tmp") is True
    assert matcher.warnings == [
        f"{tmp_path}/.flowcheckignore:2: invalid gitignore pattern '!' is skipped",
        f"{tmp_path}/.flowcheckignore:3: invalid gitignore pattern 'trailing\\\\' is skipped",
    ]


@pytest.mark.parametrize("make_special", [Path.mkdir, os.mkfifo])
def test_special_file_is_a_warning_and_never_blocks(
    tmp_path: Path, make_special: Callable[[Path], None]
) -> None:
    make_special(tmp_path / ".flowcheckignore")
    matcher = load_ignore(tmp_path)
    assert (matcher.ignored("x"), matcher.warnings) == (
        False, [f"{tmp_path}/.flowcheckignore: not a regular file; nothing is ignored"],
    )


def test_link_outside_the_repository_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (tmp_path / "secret.txt").write_text("token-value\\\n")
    (repo / ".flowcheckignore").symlink_to(tmp_path / "secret.txt")
    assert load_ignore(repo).warnings == [
        f"{repo}/.flowcheckignore: links outside the repository; nothing is ignored"
    ]


def test_unreadable_file_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / ".flowcheckignore"
    path.write_text("*.log\n")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)  # root can read any file, so simulate EACCES
    assert load_ignore(tmp_path).warnings == [
        f"{path}: cannot be read (Permission denied); nothing is ignored"
    ]
