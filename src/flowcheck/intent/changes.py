"""The change set a ticket is checked against: the added lines of everything not yet
committed (staged, unstaged, untracked text files), collected by the guardian's readers, plus
the tracked paths that changed without adding a line (deleted, only lines removed, binary)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from flowcheck.errors import ScanError
from flowcheck.git.changes import parse_status
from flowcheck.git.runner import run_git
from flowcheck.guardian import sources
from flowcheck.guardian.rules import RuleSet
from flowcheck.guardian.service import sanitize
from flowcheck.ignore import load_ignore

JUDGE_DIFF_CHARS = 12_000
# Whole segments are redacted before the cut to JUDGE_DIFF_CHARS, so no value is ever split;
# later segments are left out because the cut would drop them anyway.
_REDACTION_WINDOW = 256 * 1024


@dataclass(frozen=True)
class ChangeSet:
    segments: tuple[sources.Segment, ...]
    without_additions: tuple[str, ...] = ()  # changed paths that add no line

    @property
    def empty(self) -> bool:
        return not self.without_additions and not any(s.text.strip() for s in self.segments)

    @property
    def paths(self) -> list[str]:
        added = (segment.path for segment in self.segments)
        return list(dict.fromkeys([*added, *self.without_additions]))

    def judged_segments(self) -> list[sources.Segment]:
        """The leading segments an LLM judge could see: whole segments up to the redaction
        window (the first one always)."""
        judged: list[sources.Segment] = []
        size = 0
        for segment in self.segments:
            if size >= _REDACTION_WINDOW:
                break
            judged.append(segment)
            size += len(segment.text)
        return judged

    def text_by_path(self) -> dict[str, str]:
        """Every added line of each file, paths first (they are part of what changed)."""
        texts = {path: path for path in self.without_additions}
        for segment in self.segments:
            texts[segment.path] = texts.get(segment.path, segment.path) + "\n" + segment.text
        return texts


@dataclass(frozen=True)
class JudgeDiff:
    """The change set as sent to an LLM: redacted, then cut to JUDGE_DIFF_CHARS."""

    text: str
    truncated: bool


def collect_changes(repo: Path) -> ChangeSet:
    """The uncommitted changes of the top level `repo`, honouring `.flowcheckignore`."""
    ignore = load_ignore(repo)
    try:
        parts = [
            read(repo, ignore) for read in (sources.staged, sources.unstaged, sources.untracked)
        ]
    except OSError as error:
        raise ScanError(
            f"reading the changes of {repo} failed at {error.filename}: {error.strerror}; "
            "fix the file's permissions and retry"
        ) from error
    segments = tuple(segment for part in parts for segment in part.segments)
    added = {segment.path for segment in segments}
    status = parse_status(
        run_git(repo, "status", "--porcelain=v2", "-z", "--untracked-files=no", "--no-renames")
    )
    shown = (sources.display_path(os.fsencode(entry.path)) for entry in status.paths)
    without_additions = tuple(
        path for path in shown if path not in added and not ignore.ignored(path)
    )
    return ChangeSet(segments, without_additions)


def judge_diff(changes: ChangeSet, rules: RuleSet) -> JudgeDiff:
    judged = changes.judged_segments()
    rendered = "".join(_render(segment) for segment in judged) + "".join(
        f"--- {path} (deleted, lines removed only, or binary)\n"
        for path in changes.without_additions
    )
    text, cut = cut_at_line(sanitize(rendered, rules).sanitized_text, JUDGE_DIFF_CHARS)
    return JudgeDiff(text, cut or len(judged) < len(changes.segments))


def cut_at_line(text: str, limit: int) -> tuple[str, bool]:
    """`text` cut to at most `limit` characters, at a line end when there is one; and
    whether anything was cut. Cut only redacted text: a cut value could escape detection."""
    if len(text) <= limit:
        return text, False
    end = text.rfind("\n", 0, limit) + 1
    return text[: end or limit], True


def _render(segment: sources.Segment) -> str:
    header = f"+++ {segment.path} ({segment.source}, from line {segment.first_line})\n"
    return header + "".join(f"+{line}\n" for line in segment.text.split("\n"))
