"""Static check that a pattern is linear-time under Python's backtracking ``re``.

Accepted: every repetition has a finite upper bound no larger than ``MAX_REPEAT``, and no
repetition contains another variable-width repetition unless the inner one is immediately
followed, inside the repeated group, by a character set disjoint from its own (so the inner
repetition can end in one place only). Built-in and custom rules both pass through it.
"""

from __future__ import annotations

import re
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

MAX_REPEAT = 10_000
_REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT}


def unsafe_reason(pattern: str | bytes) -> str | None:
    """None when the pattern is linear by construction, else why it is not."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as exc:
        return f"does not compile ({exc.msg})"
    return _check(list(parsed), inside_repeat=False)


def _check(
    items: list[tuple[Any, Any]], inside_repeat: bool, after: list[Any] | None = None
) -> str | None:
    """``after`` is what may follow this sequence (the enclosing repetition's restart and tail)."""
    tail = after or []
    for index, (op, arg) in enumerate(items):
        following = items[index + 1 :] or tail
        if op in _REPEATS:
            low, high, body = arg
            if high == sre_parse.MAXREPEAT or high > MAX_REPEAT:
                return "has an unbounded repetition (use {m,n} with n <= 10000, not * or +)"
            if inside_repeat and low != high and not _delimited(body, following):
                return "nests a variable-width repetition inside another repetition"
            body_items = list(body)
            restart = body_items[:1] if high > 1 else []
            reason = _check(body_items, inside_repeat or high > 1, after=restart + following[:1])
        elif op == sre_parse.SUBPATTERN:
            reason = _check(list(arg[-1]), inside_repeat, following)
        elif op == sre_parse.BRANCH:
            reason = next(
                (r for b in arg[1] if (r := _check(list(b), inside_repeat, following))), None
            )
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
            reason = _check(list(arg[1]), inside_repeat)
        else:
            reason = None
        if reason:
            return reason
    return None


def _delimited(body: Any, following: list[tuple[Any, Any]]) -> bool:
    """The inner repetition is a single set followed only by sets its characters never match."""
    body_items = list(body)
    if len(body_items) != 1 or body_items[0][0] not in (sre_parse.IN, sre_parse.LITERAL):
        return False
    for item in following:
        if not _disjoint(body_items[0], item):
            return False
        if not _optional(item):
            break
    return True


def _optional(item: tuple[Any, Any]) -> bool:
    return item[0] in _REPEATS and item[1][0] == 0


def _disjoint(inner: tuple[Any, Any], item: tuple[Any, Any]) -> bool:
    op, arg = item
    if op in _REPEATS:  # an optional item may be skipped: the caller checks the next one too
        op, arg = next(iter(arg[2]))
    if op == sre_parse.SUBPATTERN:
        return _disjoint(inner, next(iter(arg[-1])))
    if op == sre_parse.BRANCH:
        return all(_disjoint(inner, next(iter(b))) for b in arg[1])
    if op == sre_parse.ASSERT_NOT and arg[0] == 1:
        # a negative lookahead on the inner's own characters forbids stopping mid-run
        body = list(arg[1])
        return (
            len(body) == 1
            and body[0][0] in (sre_parse.IN, sre_parse.LITERAL)
            and (_chars(inner) <= _chars(body[0]))
        )
    if op == sre_parse.AT:
        return True  # an anchor that fails mid-run leaves the inner repetition one end
    if op not in (sre_parse.IN, sre_parse.LITERAL, sre_parse.NOT_LITERAL):
        return False
    return not _chars(inner) & _chars((op, arg))


def _chars(item: tuple[Any, Any]) -> frozenset[int]:
    """Code points below 0x3000 an item can match (enough to decide disjointness of our sets)."""
    compiled = re.compile(char_class_pattern(item))
    return frozenset(c for c in range(0x3000) if compiled.fullmatch(chr(c)))


def char_class_pattern(item: tuple[Any, Any]) -> str:
    """A regular expression matching exactly the characters one parsed LITERAL/IN item does."""
    op, arg = item
    if op == sre_parse.LITERAL:
        return re.escape(chr(arg))
    if op == sre_parse.NOT_LITERAL:
        return "[^" + re.escape(chr(arg)) + "]"
    return "[" + "".join(_unparse_set_item(i) for i in arg) + "]"


def _unparse_set_item(item: tuple[Any, Any]) -> str:
    op, arg = item
    if op == sre_parse.NEGATE:
        return "^"
    if op == sre_parse.LITERAL:
        return re.escape(chr(arg))
    if op == sre_parse.RANGE:
        return re.escape(chr(arg[0])) + "-" + re.escape(chr(arg[1]))
    categories = {
        sre_parse.CATEGORY_DIGIT: r"\d",
        sre_parse.CATEGORY_NOT_DIGIT: r"\D",
        sre_parse.CATEGORY_SPACE: r"\s",
        sre_parse.CATEGORY_NOT_SPACE: r"\S",
        sre_parse.CATEGORY_WORD: r"\w",
        sre_parse.CATEGORY_NOT_WORD: r"\W",
    }
    return categories[arg]
