"""Linear-time matching of the regular expressions pathspec builds from gitignore patterns.

Python's ``re`` backtracks: the expression of ``*a*a*a*a*a*b`` against a long file name takes
exponential time, with the GIL held, so one line of a repository's ``.flowcheckignore`` could
freeze the server. This runs the same expression as a Pike VM (a Thompson NFA simulation that
keeps thread priority), so its answer equals ``re.search``'s (what pathspec calls), including
whether the directory marker group took part, in O(len(path) x len(program)) steps. Thread
lists are numbered and their transitions memoised, so a character usually costs one dictionary
look-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from re import _parser as sre  # type: ignore[attr-defined]
from typing import Any

from flowcheck.guardian.linear import char_class_pattern

MAX_PROGRAM = 4096  # instructions; bounded repetitions are unrolled, so cap the result
_MEMO_LIMIT = 50_000  # transitions kept per program; past it the cache starts over
_CHAR, _SPLIT, _JMP, _MARK, _BEGIN, _END, _END_STRING, _MATCH = range(8)
_CTX_MIDDLE, _CTX_START, _CTX_END, _CTX_BEFORE_FINAL_NEWLINE = 0, 1, 2, 4
_ANCHORS = {
    sre.AT_BEGINNING: _BEGIN,
    sre.AT_BEGINNING_STRING: _BEGIN,
    sre.AT_END: _END,
    sre.AT_END_STRING: _END_STRING,
}
_CONSUMING = {sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY}
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT}

Thread = tuple[int, bool]  # program counter, whether the marker group was entered
State = tuple[tuple[Thread, ...], bool | None]  # live threads; a match found (its marker)


class UnsupportedPattern(ValueError):
    """The expression uses a construct this matcher does not run (none pathspec emits)."""


@dataclass(frozen=True, slots=True)
class Match:
    marked: bool  # the group named by ``marker`` took part in the match


class Program:
    """``re.search(regex, text)`` in linear time; ``marker`` names the one group reported.

    Most gitignore patterns (``*.pyc``, ``build/``, ``a/**/b``) hold at most one unbounded
    repetition that can cross a ``/`` and one that cannot; ``re`` backtracks over them in
    O(len(path) x len(pattern)), so they run there, about twenty times faster than the VM.
    ``complex`` tells which kind this program is."""

    def __init__(self, regex: str, marker: str) -> None:
        parsed = sre.parse(regex)
        if parsed.state.flags & ~re.UNICODE:
            raise UnsupportedPattern("inline flags")
        self._marker = marker
        self._marker_group = parsed.state.groupdict.get(marker)
        items = list(parsed)
        crossing, confined = _unbounded_repeats(items)
        anchored = bool(items) and items[0] == (sre.AT, sre.AT_BEGINNING)
        # unanchored, re.search retries every start: any unbounded repetition is then quadratic
        self.complex = crossing > 1 or confined > 1 or (not anchored and crossing + confined > 0)
        self._backtracking = None if self.complex else re.compile(regex)
        self._code: list[tuple[int, Any, Any]] = []
        self._emit(items)
        self._add(_MATCH)
        self._states: dict[tuple[Thread, ...], int] = {}
        self._threads: list[tuple[Thread, ...]] = []
        self._memo: dict[tuple[int, str, int, bool], tuple[int, bool | None]] = {}

    def search(self, text: str) -> Match | None:
        if self._backtracking is not None:
            matched = self._backtracking.search(text)
            return None if matched is None else Match(self._marked(matched))
        threads, found = self._closure(((0, False),), None, self._context(text, 0))
        state = self._number(threads)
        for position, char in enumerate(text):
            if not self._threads[state] and found is not None:
                break
            context = self._context(text, position + 1)
            state, ended = self._step(state, char, context, restart=found is None)
            found = ended if ended is not None else found
        return None if found is None else Match(found)

    def _marked(self, matched: re.Match[str]) -> bool:
        return self._marker_group is not None and matched.group(self._marker) is not None

    # compilation

    def _add(self, op: int, first: Any = None, second: Any = None) -> int:
        self._code.append((op, first, second))
        if len(self._code) > MAX_PROGRAM:
            raise UnsupportedPattern(f"more than {MAX_PROGRAM} instructions")
        return len(self._code) - 1

    def _patch(self, at: int, first: Any, second: Any = None) -> None:
        self._code[at] = (self._code[at][0], first, second)

    def _emit(self, items: list[tuple[Any, Any]]) -> None:
        for op, arg in items:
            if op in _CONSUMING:
                source = "." if op == sre.ANY else char_class_pattern((op, arg))
                self._add(_CHAR, re.compile(source))
            elif op in _REPEATS:
                low, high, body = arg
                self._repeat(low, high, list(body), greedy=op == sre.MAX_REPEAT)
            elif op == sre.SUBPATTERN:
                group, add_flags, del_flags, body = arg
                if add_flags or del_flags:
                    raise UnsupportedPattern("inline flags")
                if group is not None and group == self._marker_group:
                    self._add(_MARK)
                self._emit(list(body))
            elif op == sre.BRANCH:
                self._branch([list(alternative) for alternative in arg[1]])
            elif op == sre.AT and arg in _ANCHORS:
                self._add(_ANCHORS[arg])
            else:
                raise UnsupportedPattern(f"construct {op}")

    def _split(self, at: int, body: int, out: int, greedy: bool) -> None:
        self._patch(at, *((body, out) if greedy else (out, body)))

    def _repeat(self, low: int, high: int, body: list[tuple[Any, Any]], greedy: bool) -> None:
        for _ in range(low):
            self._emit(body)
        if high == sre.MAXREPEAT:
            loop = self._add(_SPLIT)
            self._emit(body)
            self._add(_JMP, loop)
            self._split(loop, loop + 1, len(self._code), greedy)
            return
        splits = []
        for _ in range(high - low):
            splits.append(self._add(_SPLIT))
            self._emit(body)
        for at in splits:
            self._split(at, at + 1, len(self._code), greedy)

    def _branch(self, alternatives: list[list[tuple[Any, Any]]]) -> None:
        jumps = []
        for index, alternative in enumerate(alternatives):
            last = index == len(alternatives) - 1
            split = -1 if last else self._add(_SPLIT)
            self._emit(alternative)
            if not last:
                jumps.append(self._add(_JMP))
                self._patch(split, split + 1, len(self._code))
        for at in jumps:
            self._patch(at, len(self._code))

    # simulation

    @staticmethod
    def _context(text: str, position: int) -> int:
        context = _CTX_START if position == 0 else _CTX_MIDDLE
        if position == len(text):
            context |= _CTX_END
        elif position == len(text) - 1 and text[position] == "\n":
            context |= _CTX_BEFORE_FINAL_NEWLINE
        return context

    def _number(self, threads: tuple[Thread, ...]) -> int:
        number = self._states.get(threads)
        if number is None:
            number = self._states[threads] = len(self._threads)
            self._threads.append(threads)
        return number

    def _step(
        self, state: int, char: str, context: int, restart: bool
    ) -> tuple[int, bool | None]:
        """Advance every thread over ``char``; with ``restart`` (no match yet) a new attempt
        also starts after it, at the lowest priority: leftmost matches win, as in re.search."""
        key = (state, char, context, restart)
        known = self._memo.get(key)
        if known is not None:
            return known
        advanced = tuple(
            (pc + 1, marked)
            for pc, marked in self._threads[state]
            if self._code[pc][1].fullmatch(char)
        ) + (((0, False),) if restart else ())
        threads, found = self._closure(advanced, None, context)
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()
        result = self._memo[key] = (self._number(threads), found)
        return result

    def _closure(
        self, starts: tuple[Thread, ...], found: bool | None, context: int
    ) -> State:
        """Follow every non-consuming instruction from ``starts``, highest priority first; the
        first thread to reach MATCH ends the list (lower-priority threads can never win)."""
        seen: set[int] = set()
        live: list[Thread] = []
        for start in starts:
            stack = [start]
            while stack:
                pc, marked = stack.pop()
                if pc in seen:
                    continue
                seen.add(pc)
                op, first, second = self._code[pc]
                if op == _CHAR:
                    live.append((pc, marked))
                elif op == _MATCH:
                    return tuple(live), marked
                elif op == _SPLIT:
                    stack += [(second, marked), (first, marked)]
                elif op == _JMP:
                    stack.append((first, marked))
                elif op == _MARK:
                    stack.append((pc + 1, True))
                elif self._anchor_holds(op, context):
                    stack.append((pc + 1, marked))
        return tuple(live), found

    @staticmethod
    def _anchor_holds(op: int, context: int) -> bool:
        if op == _BEGIN:
            return bool(context & _CTX_START)
        if op == _END:
            return bool(context & (_CTX_END | _CTX_BEFORE_FINAL_NEWLINE))
        return bool(context & _CTX_END)


def _unbounded_repeats(items: list[tuple[Any, Any]], nested: bool = False) -> tuple[int, int]:
    """(repetitions whose body can match ``/``, the others); one inside another repetition
    (not just an optional group) counts as two."""
    crossing = confined = 0
    for op, arg in items:
        inner: list[list[tuple[Any, Any]]] = []
        if op in _REPEATS:
            body = list(arg[2])
            if arg[1] == sre.MAXREPEAT:
                slash = _can_match_slash(body)
                crossing += 1 + int(nested) if slash else 0
                confined += 0 if slash else 1 + int(nested)
            inner = [body]
        elif op == sre.SUBPATTERN:
            inner = [list(arg[3])]
        elif op == sre.BRANCH:
            inner = [list(alternative) for alternative in arg[1]]
        for sequence in inner:
            more = _unbounded_repeats(sequence, nested or (op in _REPEATS and arg[1] > 1))
            crossing, confined = crossing + more[0], confined + more[1]
    return crossing, confined


def _can_match_slash(body: list[tuple[Any, Any]]) -> bool:
    return any(
        op == sre.ANY
        or (op in (sre.LITERAL, sre.NOT_LITERAL, sre.IN) and re.fullmatch(
            char_class_pattern((op, arg)), "/"
        ))
        or op not in _CONSUMING
        for op, arg in body
    )
