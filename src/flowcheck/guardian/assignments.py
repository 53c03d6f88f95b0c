"""Generic credential assignments (``password = ...``, ``api_key: ...``, ``Bearer ...``).

The keyword pre-filter finds candidate lines; the assignment pattern runs on those lines only.
The name decides the kind, the value must pass placeholder, code and entropy filters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from flowcheck.guardian.block import Block
from flowcheck.guardian.rule import Hit, RuleMeta
from flowcheck.guardian.values import (
    has_entropy,
    is_dummy_password,
    is_placeholder,
    is_uuid,
    looks_like_code,
)

_KEYWORDS = ("pass", "pwd", "secret", "token", "key", "auth", "credential", "bearer", "seed")
_KEYWORD_ANY_CASE = re.compile("|".join(_KEYWORDS), re.IGNORECASE)
_ASSIGNMENT = re.compile(
    r"(?P<name>[A-Za-z0-9_.-]{1,60})[\"'\]]{0,2}[ \t]{0,4}(?P<op>:=|=>|=|:|[ \t]to)[ \t]{0,4}"
    r"(?:(?P<q>[\"'`])(?P<qv>[^\"'`\n]{3,200})(?P=q)|(?P<v>[^\s\"'`,;=()\[\]{}<>|&]{3,200}={0,2}))"
)
_HEADER = re.compile(r"(?i:bearer|basic|token)[ \t]{1,4}(?P<v>[A-Za-z0-9._~+/=-]{16,512})")
_PASSWORD_NAME = re.compile(r"passw|passwd|pwd|passphrase|(?:^|[_.-])pass(?:$|[_.-])")
_SECRET_NAME = re.compile(
    r"secret|token|api[_.-]{0,1}key|access[_.-]{0,1}key|private[_.-]{0,1}key|credential|"
    r"signing[_.-]{0,1}key|auth[_.-]{0,1}key|(?:^|[_.-])auth$|seed|(?:^|[_.-])key$"
)
_NOT_A_CREDENTIAL_NAME = re.compile(
    r"type|name|label|hint|length|len$|min|max|policy|field|regex|pattern|format|prompt|"
    r"placeholder|file|path|dir|url|uri|endpoint|header|param|_id$|^id$|ids$|count|expir|"
    r"sha|hash|digest|checksum|integrity|author|public|pub_|descr|title|message|error|reset|"
    r"forgot|confirm|valid|strength|hidden|input|event|cookie|storage|prefix|suffix|size|"
    r"index|ttl|timeout|enabled|mode|method|provider|algorithm|alg$|version|kind|class|id$|"
    r"encrypted|hashed|salt"
)
_WORDS = re.compile(r"^[A-Za-z]{1,64}(?:[-_. ][A-Za-z]{1,64}){0,8}$")
_ATTRIBUTE_ONLY = re.compile(r"^[A-Za-z_]{1,40}\.[A-Za-z_]{1,40}$")
_OPERATOR_AFTER = re.compile(r"[\"'\]]{0,2}[ \t]{0,4}(?::=|=>|=|:[ \t])")
# Generic assignments are looked for in the first 64 KiB of a line only (minified bundles and
# data lines go on for megabytes); provider-specific rules still see the whole line.
_MAX_LINE_CHARS = 1 << 16
_PASSWORD = RuleMeta("generic-password", "PASSWORD", "secret", "high", 0.75)
_SECRET = RuleMeta("generic-secret", "SECRET", "secret", "high", 0.7)
_BEARER = RuleMeta("authorization-header", "SECRET", "secret", "high", 0.8)


@dataclass(frozen=True)
class AssignmentDetector:
    rule_ids: tuple[str, ...] = ("generic-password", "generic-secret", "authorization-header")

    def detect(self, block: Block) -> Iterator[Hit]:
        text = block.text
        for line_start in _keyword_lines(block):
            line_end = text.find("\n", line_start)
            yield from _line_hits(text, line_start, len(text) if line_end == -1 else line_end)


def _keyword_lines(block: Block) -> list[int]:
    """Sorted starts of the lines holding a keyword: one search per keyword the block has."""
    text, lowered = block.text, block.lowered
    if len(lowered) != len(text):  # lower() changed offsets: search the text itself
        matches = _KEYWORD_ANY_CASE.finditer(text)
        return sorted({text.rfind("\n", 0, m.start()) + 1 for m in matches})
    starts: set[int] = set()
    for keyword in (k for k in _KEYWORDS if block.contains(k)):
        position = lowered.find(keyword)
        while position != -1:
            starts.add(lowered.rfind("\n", 0, position) + 1)
            line_end = lowered.find("\n", position)
            position = -1 if line_end == -1 else lowered.find(keyword, line_end)
    return sorted(starts)


def _line_hits(text: str, start: int, line_end: int) -> Iterator[Hit]:
    position = start
    end = min(line_end, start + _MAX_LINE_CHARS)
    while (match := _ASSIGNMENT.search(text, position, end)) is not None:
        group = "qv" if match.group("q") else "v"
        value = match.group(group)
        meta = _classify(match.group("name").lower())
        if meta is not None and _value_ok(value, meta, group == "qv", text, match.end(group)):
            yield Hit(match.start(group), match.end(group), meta)
            position = match.end()
        elif value.endswith("=") or _OPERATOR_AFTER.match(text, match.end(group)):
            position = match.start(group)  # `pw: password = "x"`: the value names the next one
        else:
            position = match.end()
    for header in _HEADER.finditer(text, start, end):
        value = header.group("v")
        if not is_placeholder(value) and has_entropy(value, 3.5):
            yield Hit(header.start("v"), header.end("v"), _BEARER)


def _classify(name: str) -> RuleMeta | None:
    if _NOT_A_CREDENTIAL_NAME.search(name):
        return None
    if _PASSWORD_NAME.search(name):
        return _PASSWORD
    if _SECRET_NAME.search(name):
        return _SECRET
    return None


def _value_ok(value: str, meta: RuleMeta, quoted: bool, text: str, end: int) -> bool:
    if is_placeholder(value) or value.endswith(("()", ".", ":")) or "[REDACTED_" in value:
        return False
    if value[0] in "&*$@:#%!" or "://" in value or "::" in value or not _mostly_ascii(value):
        return False
    if not quoted and (text[end : end + 1] == "(" or not _letters_and_digits(value)):
        return False  # unquoted: an expression in code unless it looks generated
    if meta is _PASSWORD:
        code = _ATTRIBUTE_ONLY.match(value) if quoted else looks_like_code(value)
        return len(value) >= 4 and not is_dummy_password(value) and not code
    if is_uuid(value):
        return True
    if _WORDS.match(value) and (
        len(value) < 16 or value.islower() or value.isupper() or not value.isalpha()
    ):
        return False
    return len(value) >= 8 and not looks_like_code(value) and has_entropy(value, 3.0)


def _mostly_ascii(value: str) -> bool:
    return sum(c.isascii() for c in value) >= 0.7 * len(value)


def _letters_and_digits(value: str) -> bool:
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)
