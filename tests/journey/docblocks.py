"""Fenced code blocks of a Markdown page, so tests run what the docs say instead of a copy.

A block is found by the heading it follows or by a marker, an HTML comment on the last non-blank
line before its fence: `<!-- journey: NAME -->` (invisible when the page is rendered).
`shell_argv` runs a block's shell text with one program replaced by a stub that reports its
arguments, so a test sees the exact argv a pasted line gives that program.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

_FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)[^\n]*$")
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
    heading, previous, lines = "", "", text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = _FENCE.match(line)
        if fence is None:
            heading_match = _HEADING.match(line)
            heading = heading_match.group(1) if heading_match else heading
            previous = line.strip() or previous
            index += 1
            continue
        end = next(
            (i for i in range(index + 1, len(lines)) if lines[i].strip() == fence.group(1)),
            len(lines),
        )
        marker = _MARKER.match(previous)
        body = "".join(f"{body_line}\n" for body_line in lines[index + 1 : end])
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


def shell_argv(
    script: str, program: str, *, cwd: Path, env: dict[str, str] | None = None
) -> list[list[str]]:
    """Run `script` with bash, `program` replaced by a function that records its arguments;
    returns one argv per call of `program` (the program name itself excluded)."""
    stub = f'{program}() {{ printf "%s\\0" "$@"; printf "\\1"; }}\n'
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", stub + script],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, f"the docs' shell text failed: {done.stderr.decode()}\n{script}"
    calls = done.stdout.decode().split("\1")[:-1]
    return [call.split("\0")[:-1] for call in calls]
