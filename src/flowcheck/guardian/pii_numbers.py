"""Numeric PII (phone numbers, SSNs, payment cards, IPv4): rules tried inside runs of digits.

A rule is tried on a run of digits and separators (plus a short tail) only when the run has
the digits and characters a valid match needs. To keep clear of the thousands of runs a
megabyte of code holds (dates, timestamps, ids, versions), each rule first searches the whole
block for what every valid match contains: a layout of digits in the block's shape (one fast
literal-led pass) or a context word before it. Only runs near those places are examined.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from flowcheck.guardian.block import Block
from flowcheck.guardian.pii_checks import (
    PHONE_CONTEXT,
    SSN_CONTEXT,
    card_ok,
    international_phone_ok,
    national_phone_ok,
    phone_ok,
    ssn_ok,
)
from flowcheck.guardian.rule import Hit, PatternRule, RuleMeta, Validator

_NUMBER_RUN = re.compile(r"[+(]{0,1}\d[\d .()/-]{5,200}")
# The same runs in the shape (digits are '0'), found from their first digit (a literal, so
# ``re`` skips ahead in C) and only when three more digits follow within the run: no rule
# matches fewer than four. A '+' or '(' just before the digit starts the run, as above.
_RUN_FROM_DIGIT = re.compile(rb"0(?=(?:[ .()/-]{0,200}0){3})[0 .()/-]{5,200}")
_CONTEXT_WIDTH = 48  # how far before a match the validators look for context words
_TAIL = 8  # characters after a run a match may reach: boundary checks, an "x123" extension
_LONGEST_RUN = 202  # '+' or '(', a digit, then at most 200 more
_RUN_CHARACTERS = b"0 .()/+-"
_Gate = re.Pattern[bytes] | re.Pattern[str]


@dataclass(frozen=True)
class NumberRule:
    """A numeric rule and what a run must have before the rule is tried on it: ``min_digits``
    digits and the character ``needs``. Every valid match contains a place where one of
    ``gates`` matches (bytes patterns search the shape, str patterns the text) or has one of
    ``context`` within 48 characters before it; with neither, every run is tried."""

    rule: PatternRule
    min_digits: int
    needs: str = ""
    gates: tuple[_Gate, ...] = ()
    context: tuple[str, ...] = field(default=())

    def places(
        self, block: Block, searched: dict[int, list[tuple[int, int]]]
    ) -> Iterator[tuple[int, int]]:
        """Spans (first, last) holding the start of every gate match or of a valid match."""
        if not self.gates and not self.context:
            yield 0, len(block.text)
        for gate in self.gates:  # rules sharing a gate share its search (``searched``)
            if id(gate) not in searched:
                view = block.text if isinstance(gate.pattern, str) else block.shape
                # a span, not a start: a later gate match may begin inside this one
                searched[id(gate)] = [m.span() for m in gate.finditer(view)]  # type: ignore[arg-type]
            yield from searched[id(gate)]
        for word in (w for w in self.context if block.contains(w)):
            position = block.lowered.find(word)
            while position != -1:
                yield position + len(word), position + _CONTEXT_WIDTH
                position = block.lowered.find(word, position + 1)


@dataclass(frozen=True)
class NumberDetector:
    rules: tuple[NumberRule, ...]

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.rule.meta.rule_id for r in self.rules))

    @cached_property
    def _by_digits(self) -> tuple[tuple[NumberRule, ...], ...]:
        """The rules a run with n digits may hold, at index min(n, most digits a rule needs)."""
        most = max(r.min_digits for r in self.rules)
        return tuple(tuple(r for r in self.rules if r.min_digits <= n) for n in range(most + 1))

    def detect(self, block: Block) -> Iterator[Hit]:
        text, shape = block.text, block.shape
        if shape is None or len(block.lowered) != len(text):
            yield from self._every_run(text)  # offsets of the views differ: no shortcuts
            return
        runs = _Runs(shape)
        searched: dict[int, list[tuple[int, int]]] = {}
        for candidate in self.rules:
            tried: set[int] = set()
            for first, last in _spans(candidate.places(block, searched)):
                for start, run_end, digits in runs.near(first, last):
                    if start in tried or digits < candidate.min_digits:
                        continue
                    tried.add(start)
                    if text.find(candidate.needs, start, run_end) != -1:
                        end = min(len(text), run_end + _TAIL)
                        yield from _matches(candidate.rule, text, start, end)

    def _every_run(self, text: str) -> Iterator[Hit]:
        table = self._by_digits
        for run in _NUMBER_RUN.finditer(text):
            window = run.group()
            digits = sum(map(str.isdigit, window))
            end = min(len(text), run.end() + _TAIL)
            for candidate in table[min(digits, len(table) - 1)]:
                if candidate.needs in window:
                    yield from _matches(candidate.rule, text, run.start(), end)


def _spans(places: Iterator[tuple[int, int]]) -> list[tuple[int, int]]:
    """The places in order, those close enough to share a run merged."""
    merged: list[tuple[int, int]] = []
    for first, last in sorted(places):
        if merged and first <= merged[-1][1] + _LONGEST_RUN:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


class _Runs:
    """The runs of one block's shape, searched for near the places asked about."""

    def __init__(self, shape: bytes) -> None:
        self.shape = shape
        self._all: list[tuple[int, int, int]] | None = None
        self._ends: list[int] = []

    def near(self, first: int, last: int) -> Iterator[tuple[int, int, int]]:
        """(start, end, digits) of the runs whose window (run and tail) reaches [first, last]."""
        origin = self._clean_start(first - _TAIL - _LONGEST_RUN)
        if origin is None:  # deep inside a stretch of run characters: search the block once
            if self._all is None:
                self._all = list(self._scan(0))
                self._ends = [end for _, end, _ in self._all]
            from_index = bisect_right(self._ends, first - _TAIL)
            runs: Iterator[tuple[int, int, int]] = iter(self._all[from_index:])
        else:
            runs = self._scan(origin)
        for start, end, digits in runs:
            if start > last:
                return
            if end + _TAIL > first:
                yield start, end, digits

    def _clean_start(self, position: int) -> int | None:
        """A place at or before ``position`` that no run spans (the runs found from there are
        the runs of the whole block), or None when none is near."""
        if position <= 0:
            return 0
        lookback = max(0, position - 1024)
        kept = self.shape[lookback:position].rstrip(_RUN_CHARACTERS)
        if kept:
            return lookback + len(kept)
        return 0 if lookback == 0 else None

    def _scan(self, origin: int) -> Iterator[tuple[int, int, int]]:
        shape, last_end = self.shape, origin
        for run in _RUN_FROM_DIGIT.finditer(shape, origin):
            start, end = run.span()
            if start > last_end and shape[start - 1] in b"+(":
                start -= 1
            last_end = end
            yield start, end, shape.count(b"0", start, end)


def _matches(rule: PatternRule, text: str, start: int, end: int) -> Iterator[Hit]:
    for match in rule.pattern.finditer(text, start, end):
        if rule.validator is None or rule.validator(text, *match.span()):
            yield Hit(match.start(), match.end(), rule.meta)


def _rule(meta: RuleMeta, pattern: str, validator: Validator) -> PatternRule:
    return PatternRule(meta, re.compile(pattern), (), 0, validator)


_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)"
_PHONE = RuleMeta("phone", "PHONE", "pii", "medium", 0.8)
_SSN = RuleMeta("ssn", "SSN", "pii", "high", 0.9)
_CARD = RuleMeta("credit-card", "CREDIT_CARD", "pii", "high", 0.95)


# Gates two rules share, so the block is searched once: international numbers start '+d';
# NANP numbers (ddd-ddd-dddd) and dashed SSNs (ddd-dd-dddd) start three digits and a dash.
_PLUS_GATE = re.compile(rb"\+0(?=0{0,2}[ .-]|0{7})")
_DASHED_GATE = re.compile(rb"000(?=[.-]000[.-]0000|-00-0000)")


def number_detector(ip: RuleMeta, ip_check: Validator) -> NumberDetector:
    return NumberDetector(
        (
            NumberRule(
                _rule(
                    _PHONE,
                    r"(?<![\w+])\+[1-9]\d{0,2}(?:[ .-](?:\(\d{1,4}\)\d{0,4}|\d{1,8})){1,6}"
                    r"(?:x\d{1,6}){0,1}(?![\w-])",
                    international_phone_ok,
                ),
                8,
                "+",
                (_PLUS_GATE,),
            ),
            NumberRule(
                _rule(_PHONE, r"(?<![\w+])\+[1-9]\d{7,14}(?![\w-])", international_phone_ok),
                8,
                "+",
                (_PLUS_GATE,),
            ),
            NumberRule(
                _rule(_PHONE, r"(?<![\w.-])00[1-9]\d{0,2}(?:[ .-]\d{1,5}){2,5}(?![\w-])", phone_ok),
                8,
                gates=(re.compile(r"00(?=[1-9]\d{0,2}[ .-]\d)"),),
            ),
            NumberRule(
                _rule(
                    _PHONE,
                    r"(?<![\w-])\(\d{3}\)[ .-]{0,1}\d{3}[ .-]\d{4}(?:x\d{1,6}){0,1}(?![\w-])",
                    phone_ok,
                ),
                10,
                "(",
                (re.compile(rb"\(0(?=00\))"),),
            ),
            NumberRule(
                _rule(
                    _PHONE,
                    r"(?<![\w.-])[2-9]\d{2}(?P<phone_separator>[.-])\d{3}(?P=phone_separator)"
                    r"\d{4}(?:x\d{1,6}){0,1}(?![\w-]|\.\d)",
                    phone_ok,
                ),
                10,
                gates=(_DASHED_GATE,),
            ),
            NumberRule(
                _rule(_PHONE, r"(?<![\w.-])0[1-9](?:[ .]\d{2}){4}(?![\w-])", phone_ok),
                10,
                gates=(re.compile(rb"00[ .](?=00[ .]00[ .]00[ .]00)"),),
            ),
            NumberRule(
                _rule(
                    _PHONE,
                    r"(?<![\w.-])(?:(?:0\d{2,4}|[2-9]\d{2})(?:[ /-]\d{2,8}){1,3}|[2-9]\d{9}"
                    r"|0\d{9,10})(?![\w-])",
                    national_phone_ok,
                ),
                8,
                context=PHONE_CONTEXT,
            ),
            NumberRule(
                _rule(
                    _SSN,
                    r"(?<![\w-])\d{3}(?P<ssn_separator>[- ]{0,1})\d{2}(?P=ssn_separator)\d{4}"
                    r"(?![\w-])",
                    ssn_ok,
                ),
                9,
                gates=(_DASHED_GATE,),
                context=SSN_CONTEXT,
            ),
            NumberRule(
                _rule(
                    _CARD,
                    r"(?<![\w.-])(?:\d{13,19}|\d{4}(?:[ -]\d{4,6}){2,3}(?:[ -]\d{1,4}){0,1})"
                    r"(?![\w-])",
                    card_ok,
                ),
                13,
                gates=(re.compile(rb"0000(?=0{9}|[ -]0{4,6}[ -]0000)"),),
            ),
            NumberRule(
                _rule(
                    ip, r"(?<![\w.])" + _OCTET + r"(?:\." + _OCTET + r"){3}(?![\w]|\.\d)", ip_check
                ),
                4,
                ".",
                (re.compile(rb"0\.(?=0{1,3}\.0{1,3}\.0)"),),
            ),
        )
    )
