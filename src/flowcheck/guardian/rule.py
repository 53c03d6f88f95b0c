"""The one detector interface and the regex rule every family builds on.

Linear time by construction: every pattern uses bounded repetitions only (``{m,n}``, never
``*``/``+``), and a repeated group never contains a variable-width repeat whose characters
overlap the group's delimiter. Each start position therefore costs a bounded number of steps,
so a search is linear in the text length. ``tests/unit/guardian/test_linear.py`` checks the
bound on every pattern and times adversarial input.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from flowcheck.guardian.block import Block
from flowcheck.guardian.models import Category, Severity


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """What a rule reports; shared by every hit of the rule."""

    rule_id: str
    kind: str
    category: Category
    severity: Severity
    confidence: float


@dataclass(frozen=True, slots=True)
class Hit:
    """A detection as offsets into the scanned text. Holds no value, so its repr leaks nothing."""

    start: int
    end: int
    meta: RuleMeta


class Detector(Protocol):
    """Anything that finds hits in a block of text (offsets into ``block.text``)."""

    @property
    def rule_ids(self) -> tuple[str, ...]: ...

    def detect(self, block: Block) -> Iterator[Hit]: ...


Validator = Callable[[str, int, int], bool]
"""(text, start, end) -> keep the candidate?"""


@dataclass(frozen=True)
class PatternRule:
    """A regex rule gated by a keyword pre-filter: it runs only if a keyword occurs in the text.

    ``shape_pattern``, when given, is ``pattern`` rewritten for ``Block.shape`` (digits as
    '0', capitals as 'A'), finding the same spans on ASCII text; its literal start ("AA00")
    lets ``re`` skip ahead in C where ``pattern`` starts with a class it tests at every place.
    """

    meta: RuleMeta
    pattern: re.Pattern[str]
    keywords: tuple[str, ...] = ()
    group: int | str = 0
    validator: Validator | None = field(default=None)
    shape_pattern: re.Pattern[bytes] | None = None
    keywords_cased: bool = False  # a keyword must also occur in the text exactly as written

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return (self.meta.rule_id,)

    def detect(self, block: Block) -> Iterator[Hit]:
        if self.keywords and not any(block.contains(k) for k in self.keywords):
            return
        if self.keywords_cased and not any(k in block.text for k in self.keywords):
            return
        text, shape = block.text, block.shape
        matches = (
            self.pattern.finditer(text)
            if self.shape_pattern is None or shape is None
            else self.shape_pattern.finditer(shape)
        )
        for match in matches:
            start, end = match.span(self.group)
            if start < end and (self.validator is None or self.validator(text, start, end)):
                yield Hit(start, end, self.meta)


def shannon_entropy(value: str) -> float:
    """Bits per character; random keys score high, words and repeated characters low."""
    if not value:
        return 0.0
    counts: dict[str, int] = {}
    for char in value:
        counts[char] = counts.get(char, 0) + 1
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())
