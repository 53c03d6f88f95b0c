"""`.flowcheckignore` follows gitignore semantics (0.4 used git pathspecs, parity A5)."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from pathlib import Path

import pathspec
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
    """Issue 8 #9: `[z-a]` escaped as a re.error and disabled FlowCheck for the repository.
    A bad line is skipped by number; its text (it could be anything) is never quoted."""
    (tmp_path / ".flowcheckignore").write_text("*.tmp\n!\ntrailing\\\n[z-a]\n*.bak\n")
    matcher = load_ignore(tmp_path)
    assert (matcher.ignored("x.tmp"), matcher.ignored("y.bak")) == (True, True)
    assert matcher.warnings == [
        f"{tmp_path}/.flowcheckignore:{line}: pattern skipped: not a valid gitignore pattern"
        for line in (2, 3, 4)
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


def test_matching_equals_pathspec_on_every_pattern_shape() -> None:
    """The linear matcher gives GitIgnoreSpec's answer (negation, directory marks included;
    `*/` compiles to an unanchored expression that pathspec searches for)."""
    patterns = [
        "*.pyc", "/build/", "**/node_modules/**", "a/**/b", "*.log", "!keep.log", "doc/*.txt",
        "[abc]?x*", "foo/", "**/x", "x/**", "a?b[!c]d", "x[a-c]y/", "!a/x",
        "*a*b", "a/**/b/**/x", "*.x.*", "*", "!*/", "*/", "**/", "!**/a/",
    ]
    rng = random.Random(8)
    paths = [
        "/".join("".join(rng.choice("abx.y") for _ in range(rng.randint(1, 5)))
                 for _ in range(rng.randint(1, 4)))
        for _ in range(1500)
    ] + ["keep.log", "a.log", "build/q", "node_modules/x", "doc/a.txt", "foo/bar", "a/x/b"]
    for count in range(1, len(patterns) + 1):
        chosen = patterns[:count]
        spec = pathspec.GitIgnoreSpec.from_lines(chosen)
        matcher = IgnoreMatcher(chosen)
        assert [p for p in paths if matcher.ignored(p)] == [p for p in paths if spec.match_file(p)]


def test_catastrophic_pattern_matches_in_linear_time() -> None:
    """Issue 8 #9: `*a*a*a*a*a*a*a*a*a*a*b` against 28 a's took 0.3 s in `re` (exponential, GIL
    held). Now a path four times longer costs about four times the steps, never more than 8x."""
    def seconds(length: int) -> float:
        fresh = IgnoreMatcher(["*a*a*a*a*a*a*a*a*a*a*b", "a/**/a/**/a/**/a/**/b"])
        path = "".join(random.Random(length).choice("a/") for _ in range(length)) + "c"
        started = time.perf_counter()
        assert fresh.ignored(path) is False
        return time.perf_counter() - started

    short, long = min(seconds(5_000) for _ in range(3)), min(seconds(20_000) for _ in range(3))
    assert long < 8 * short + 0.05


def test_pattern_count_and_length_are_capped_with_one_warning_each() -> None:
    lines = ["x" * 1025, *[f"f{n}.txt" for n in range(1005)]]
    matcher = IgnoreMatcher(lines, origin="ig")
    assert matcher.warnings == [
        "ig:1: pattern skipped: longer than 1024 characters",
        "ig:1002: only the first 1000 patterns are used; this line and the ones after it are "
        "skipped",
    ]
    assert (matcher.ignored("f999.txt"), matcher.ignored("f1000.txt")) == (True, False)


def test_a_flood_of_bad_lines_gives_a_bounded_warning_list() -> None:
    matcher = IgnoreMatcher(["[z-a]"] * 500 + ["*.log"], origin="ig")
    assert len(matcher.warnings) == 21
    assert matcher.warnings[-1] == "ig: 480 more lines skipped"
    assert matcher.ignored("a.log") is True


def test_patterns_with_several_wildcards_are_capped() -> None:
    """Each runs on the linear VM (about 20x slower than re); more than 100 is an attack."""
    matcher = IgnoreMatcher([f"*a*.n{n}" for n in range(101)] + ["*.log"], origin="ig")
    assert matcher.warnings == [
        "ig:101: pattern skipped: more than 100 patterns with several wildcards"
    ]
    assert (matcher.ignored("xa.n99"), matcher.ignored("xa.n100"), matcher.ignored("a.log")) == (
        True, False, True,
    )
