"""Linear time by construction: every pattern passes the static check; adversarial input is fast."""

from __future__ import annotations

import re
import time
from types import ModuleType

import pytest

from flowcheck.guardian import (
    assignments,
    injection,
    injection_patterns,
    injection_triggers,
    normalize,
    pii,
    pii_numbers,
    rules,
    secrets,
    values,
)
from flowcheck.guardian.engine import scan_text
from flowcheck.guardian.linear import unsafe_reason
from flowcheck.guardian.rule import PatternRule

MODULES: tuple[ModuleType, ...] = (
    assignments,
    injection,
    injection_patterns,
    injection_triggers,
    normalize,
    pii,
    pii_numbers,
    secrets,
    values,
)
Pattern = re.Pattern[str] | re.Pattern[bytes]


def all_patterns() -> list[Pattern]:
    """Module-level patterns, phrases and their head gates, rules with their shape patterns,
    numeric rules with their gates."""
    found: list[Pattern] = [
        v for m in MODULES for v in vars(m).values() if isinstance(v, re.Pattern)
    ]
    found += [p.pattern for p in injection_patterns.PHRASES]
    found += [p.heads for p in injection_patterns.PHRASES if p.heads is not None]
    for detector in rules.default_rules().detectors:
        if isinstance(detector, PatternRule):
            found += [detector.pattern, *filter(None, [detector.shape_pattern])]
        if isinstance(detector, pii_numbers.NumberDetector):
            found += [g for r in detector.rules for g in (r.rule.pattern, *r.gates)]
    return found


@pytest.mark.parametrize("pattern", all_patterns(), ids=lambda p: str(p.pattern[:40]))
def test_every_pattern_is_linear_by_construction(pattern: Pattern) -> None:
    assert unsafe_reason(pattern.pattern) is None


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("a+", "has an unbounded repetition (use {m,n} with n <= 10000, not * or +)"),
        ("(?:a{1,3}){1,3}", "nests a variable-width repetition inside another repetition"),
        ("x{1,20000}", "has an unbounded repetition (use {m,n} with n <= 10000, not * or +)"),
        ("(", "does not compile (missing ), unterminated subpattern)"),
    ],
)
def test_unsafe_patterns_are_named(pattern: str, reason: str) -> None:
    assert unsafe_reason(pattern) == reason


@pytest.mark.parametrize(
    "line",
    [
        "x@" + "a-" * 500_000 + "!",  # 0.4 defect B1.9: 16.8 s on one 80 KB line
        "a" * 1_000_000,
        "1" * 1_000_000,
        "password=" * 111_112,
        "+1 " * 333_334,
        "ignore " * 142_858,
        "ab:" * 333_334,
    ],
    ids=["email-redos", "letters", "digits", "keywords", "phone", "phrase", "ipv6"],
)
def test_one_megabyte_adversarial_line_scans_under_one_second(line: str) -> None:
    """0.4 defect B1.9: a quadratic email regex took 16.8 s on one line."""
    started = time.perf_counter()
    scan_text(line, rules.default_rules())
    assert time.perf_counter() - started < 1.0
