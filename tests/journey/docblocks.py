"""Fenced code blocks of a Markdown page, so tests run what the docs say instead of a copy.

A block is found by the heading it follows or by a marker, an HTML comment on the last non-blank
line before its fence: `<!-- journey: NAME -->` (invisible when the page is rendered).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_MARKER = re.compile(r"^<!--\s*journey:\s*(\S+)\s*-->$")


@dataclass(frozen=True)
class Block:
    lang: str  # the info string's first word, "" when there is none
    body: str  # the text between the fences, ending with a newline
    heading: str  # the nearest heading above the block, "" when there is none
    marker: str | None  # NAME of `<!-- journey: NAME -->` just above the fence


def fenced_blocks(text: str) -> list[Block]:
    """Every fenced block of `text`, in order."""
    blocks: list[Block] = []
    heading, previous, lines, index = "", "", text.splitlines(), 0
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        if fence is None:
            found = _HEADING.match(lines[index])
            heading = found.group(1) if found else heading
            previous = lines[index].strip() or previous
            index += 1
            continue
        end = next(
            (i for i in range(index + 1, len(lines)) if lines[i].strip() == fence.group(1)),
            len(lines),
        )
        marker = _MARKER.match(previous)
        body = "".join(f"{line}\n" for line in lines[index + 1 : end])
        blocks.append(Block(fence.group(2), body, heading, marker.group(1) if marker else None))
        previous, index = "", end + 1
    return blocks


def marked(text: str, name: str) -> Block:
    """The one block marked `<!-- journey: name -->`; fails naming the marker otherwise."""
    found = [block for block in fenced_blocks(text) if block.marker == name]
    assert len(found) == 1, (
        f"expected one block marked <!-- journey: {name} -->, found {len(found)}"
    )
    return found[0]


def under_heading(text: str, heading: str, lang: str | None = None) -> list[Block]:
    """The blocks whose nearest heading above is `heading` (optionally only of one language)."""
    return [
        block
        for block in fenced_blocks(text)
        if block.heading == heading and (lang is None or block.lang == lang)
    ]
