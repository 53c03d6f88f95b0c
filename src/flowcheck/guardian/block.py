"""One block of scanned text and the cheap views of it that every detector shares.

Speed comes from answering "can this rule match here at all?" without a pass over the text:
a substring test runs on the block's vocabulary (its distinct words, a fraction of its size),
and digit/letter layouts are searched as plain literals in the block's shape.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import cached_property
from itertools import accumulate, repeat
from operator import add

# ASCII digits become '0' and capitals 'A'; every other byte stays itself, so '\w', '\s' and
# punctuation keep their meaning and a pattern rewritten for the shape finds the same spans.
_SHAPE_TABLE = bytes.maketrans(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"0" * 10 + b"A" * 26)

_SMALL = 1 << 14  # below this a direct search costs less than building the vocabulary


class Block:
    """``text`` plus ``lowered`` (``text.lower()``), computed once; other views on demand."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lowered = text.lower()

    @cached_property
    def distinct_lines(self) -> str:
        """Each distinct line of ``lowered`` once: holds a needle without a line break exactly
        when ``lowered`` does, and is shorter when lines repeat (blank, brackets, boilerplate)."""
        return "\n".join(set(self.lowered.split("\n")))

    @cached_property
    def vocabulary(self) -> str:
        """The distinct whitespace-separated words of ``lowered``, one per line, with a line
        break at both ends: a word starts after a line break and ends before one."""
        return "\n" + "\n".join(set(self.distinct_lines.split())) + "\n"

    @property
    def has_vocabulary(self) -> bool:
        """Whether ``vocabulary`` pays off: below this size searching the block is cheaper."""
        return len(self.text) >= _SMALL

    def contains(self, needle: str) -> bool:
        """Exactly ``needle in self.lowered``, answered from the vocabulary when it can be.

        A needle without whitespace lies inside one word. A needle with spaces needs its first
        piece to end a word, its middle pieces to be words and its last piece to start one; only
        when all are present are the block's lines searched."""
        if not self.has_vocabulary:
            return needle in self.lowered
        pieces = needle.split(" ")
        if len(pieces) == 1 and not any(c.isspace() for c in needle):
            return needle in self.vocabulary
        last = len(pieces) - 1
        for index, piece in enumerate(pieces):
            word = ("\n" if index else "") + piece + ("\n" if index < last else "")
            if piece and not any(c.isspace() for c in piece) and word not in self.vocabulary:
                return False
        return needle in (self.lowered if "\n" in needle else self.distinct_lines)

    @cached_property
    def shape(self) -> bytes | None:
        """One byte per character with digits as '0' and capitals as 'A'; None unless the block
        is ASCII (``\\d`` also matches other scripts' digits, which the shape cannot show)."""
        if not self.text.isascii():
            return None
        return self.text.encode("ascii").translate(_SHAPE_TABLE)

    @cached_property
    def line_starts(self) -> list[int]:
        return line_starts(self.text)

    def line_index(self, position: int) -> int:
        return bisect_right(self.line_starts, position) - 1


def line_starts(text: str) -> list[int]:
    """Offset of every line's first character (C-level: no Python loop per line)."""
    lengths = map(len, text.split("\n"))
    return list(accumulate(map(add, lengths, repeat(1)), initial=0))[:-1]
