"""Prompt-injection detector: hidden-Unicode disguises plus phrase patterns on folded text.

Phrases are matched on a window of lines with comment markers and diff prefixes removed, so an
instruction split across comment lines, docstrings or YAML values is read as one sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from flowcheck.guardian import normalize
from flowcheck.guardian.block import Block, line_starts
from flowcheck.guardian.injection_patterns import PHRASES, Phrase
from flowcheck.guardian.injection_triggers import TRIGGERS, present_triggers
from flowcheck.guardian.models import Severity
from flowcheck.guardian.rule import Hit, RuleMeta

_WINDOW = 3  # lines joined after a trigger line: catches splits over up to four lines
_MAX_LINE = 4096  # longer lines are examined in their first part only, bounding the work
_LINE_PREFIX = re.compile(
    r"^[ \t]{0,64}(?:[+ -](?![-+]))?[ \t]{0,64}(?:#{1,3}|//|/?\*{1,2}|--|;{1,2}"
    r"|<!--|%|>|\"{3}|'{3}|- )?[ \t]{0,16}"
)


def _meta(category: str, weight: float) -> RuleMeta:
    severity: Severity = "high" if weight >= 0.8 else "medium"
    return RuleMeta(
        f"injection-{category.replace('_', '-')}", "INJECTION", "injection", severity, weight
    )


# An assignment, assert, return or call: chat-template tokens here are data, not a fake turn.
_CODE_STATEMENT = re.compile(
    r"^[ \t+-]{0,16}(?:[A-Za-z_][\w.]{0,64}(?:[ \t]{0,4},[ \t]{0,4}[A-Za-z_][\w.]{0,64}){0,8}"
    r"[ \t]{0,4}(?:[:+]?=(?!=))|assert\b|return\b|yield\b|[A-Za-z_][\w.]{0,64}\()"
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]{1,10000}")
_HIDDEN = _meta("hidden_unicode", 0.95)
_METAS = {(p.category, p.weight): _meta(p.category, p.weight) for p in PHRASES}


@dataclass(frozen=True)
class InjectionDetector:
    min_weight: float = 0.6

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(sorted({m.rule_id for m in (*_METAS.values(), _HIDDEN)}))

    def detect(self, block: Block) -> Iterator[Hit]:
        text = block.text
        present = present_triggers(block)
        hidden_in_base64 = _base64_trigger_lines(text)
        if text.isascii() and not present and not hidden_in_base64:
            return
        lines = _Lines(text)
        flagged: set[int] = set()
        if not text.isascii():
            for first in lines.non_ascii_starts():
                if _hidden_unicode(lines.line(first)):
                    flagged.add(first)
                    yield Hit(*lines.content_span(first, first), _HIDDEN)
        checked_until = -1
        for first in sorted(_trigger_lines(block, present) | hidden_in_base64):
            if first <= checked_until:
                continue
            checked_until = first
            hit = self._phrase_hit(lines, first, flagged)
            if hit is not None:
                checked_until = lines.start_of(hit.end - 1)
                yield hit

    def _phrase_hit(self, lines: _Lines, first: int, flagged: set[int]) -> Hit | None:
        """A phrase that starts on the line starting at ``first``, read with the next lines."""
        if first in flagged:
            return None
        window = lines.following(first, _WINDOW)
        pieces = [normalize.fold(_strip_prefix(lines.line(i)[:_MAX_LINE])) for i in window]
        found = _best_phrase(" ".join(pieces), limit=len(pieces[0]))
        for run in normalize.decoded_base64_runs(lines.line(first)[:_MAX_LINE]):
            decoded = _best_phrase(normalize.fold(run), limit=len(run))
            if decoded is not None and (found is None or decoded[0].weight > found[0].weight):
                found = (decoded[0], 0)
        if found is None or found[0].weight < self.min_weight:
            return None
        if found[0].category == "delimiter_or_special_tokens" and _CODE_STATEMENT.match(
            lines.line(first)
        ):
            return None  # prompt-building code quotes chat-template tokens
        phrase, match_end = found
        taken, consumed = 0, len(pieces[0])
        while consumed < match_end and taken < len(window) - 1:
            taken += 1
            consumed += 1 + len(pieces[taken])
        return Hit(
            *lines.content_span(first, window[taken]), _METAS[(phrase.category, phrase.weight)]
        )


def _best_phrase(text: str, limit: int) -> tuple[Phrase, int] | None:
    """The heaviest phrase whose match starts before ``limit``."""
    best: tuple[Phrase, int] | None = None
    for phrase in PHRASES:
        head_end = min(len(text), limit + phrase.head_length)  # a match starts before limit
        if phrase.heads is not None and phrase.heads.search(text, 0, head_end) is None:
            continue
        match = phrase.pattern.search(text, 0, len(text))
        if match is None or match.start() >= limit:
            continue
        if best is None or phrase.weight > best[0].weight:
            best = (phrase, match.end())
    return best


def _trigger_lines(block: Block, words: list[str]) -> set[int]:
    """Start offsets of the lines holding one of ``words``."""
    lowered = block.lowered
    found: set[int] = set()
    for word in words:
        position = lowered.find(word)
        while position != -1:
            found.add(lowered.rfind("\n", 0, position) + 1)
            line_end = lowered.find("\n", position)
            if line_end == -1:
                break
            position = lowered.find(word, line_end)
    if len(lowered) == len(block.text):
        return found
    # lower() lengthened some characters: carry the lines over by their numbers
    numbers = line_starts(lowered)
    return {block.line_starts[bisect_right(numbers, start) - 1] for start in found}


def _base64_trigger_lines(text: str) -> set[int]:
    """Start offsets of lines holding a base64 run that decodes to text with a trigger: a
    line of base64 alone carries no trigger word the plain-text filter could see."""
    starts: set[int] = set()
    for start, decoded in normalize.base64_runs_with_starts(text):
        if any(trigger in decoded.lower() for trigger in TRIGGERS):
            starts.add(text.rfind("\n", 0, start) + 1)
    return starts


def _strip_prefix(line: str) -> str:
    return line[_LINE_PREFIX.match(line).end() :]  # type: ignore[union-attr]


def _hidden_unicode(line: str) -> bool:
    if normalize.has_tags_or_bidi_overrides(line):
        return True
    return normalize.interleaved_zero_width(line) >= 3 or normalize.mixed_script_words(line) >= 2


class _Lines:
    """Lines of a text, each named by the offset it starts at; found on demand, so a block
    with few candidate lines never maps them all."""

    def __init__(self, text: str) -> None:
        self.text = text

    def start_of(self, position: int) -> int:
        return self.text.rfind("\n", 0, position) + 1

    def line(self, start: int) -> str:
        end = self.text.find("\n", start)
        return self.text[start : len(self.text) if end == -1 else end]

    def following(self, start: int, count: int) -> list[int]:
        """``start`` and the starts of up to ``count`` lines after it."""
        starts = [start]
        while len(starts) <= count:
            end = self.text.find("\n", starts[-1])
            if end == -1:
                break
            starts.append(end + 1)
        return starts

    def content_span(self, first: int, last: int) -> tuple[int, int]:
        start = first + len(self.line(first)) - len(self.line(first).lstrip())
        end = last + len(self.line(last).rstrip())
        return (start, max(end, start + 1))

    def non_ascii_starts(self) -> Iterator[int]:
        """Lines holding a non-ASCII character, in order. After a hit the search resumes at
        the next line: one long line with many non-ASCII runs is visited once, not once per
        run (each visit looked back to the line start, quadratic within the line)."""
        match = _NON_ASCII.search(self.text)
        while match is not None:
            start = self.start_of(match.start())
            yield start
            end = self.text.find("\n", match.end())
            if end == -1:
                return
            match = _NON_ASCII.search(self.text, end + 1)
