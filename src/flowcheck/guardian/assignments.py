"""Generic credential assignments (``password = ...``, ``api_key: ...``, ``Bearer ...``).

The keyword pre-filter finds candidate lines; the assignment pattern runs on those lines only.
The name decides the kind, the value must pass placeholder, code and entropy filters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from flowcheck.guardian.rule import Hit, RuleMeta
from flowcheck.guardian.values import has_entropy, is_placeholder, is_uuid, looks_like_code

_KEYWORD = re.compile(r"pass|pwd|secret|token|key|auth|credential|bearer|seed")
_KEYWORD_ANY_CASE = re.compile(_KEYWORD.pattern, re.IGNORECASE)
_ASSIGNMENT = re.compile(
    r"(?P<name>[A-Za-z0-9_.-]{1,60})[\"'\]]{0,2}[ \t]{0,4}(?P<op>:=|=>|=|:|,|[ \t]to)"
    r"[ \t]{0,4}(?:[A-Za-z]{1,8}\(){0,1}(?P<q>[\"'`]{0,1})(?P<v>[^\s\"'`,;=]{3,200}={0,2})(?P=q)"
)
_HEADER = re.compile(r"(?i:bearer|basic|token)[ \t]{1,4}(?P<v>[A-Za-z0-9._~+/=-]{16,512})")
_PASSWORD_NAME = re.compile(r"passw|passwd|pwd|passphrase|(?:^|[_.-])pass$|pass(?:$|[_.-])")
_SECRET_NAME = re.compile(
    r"secret|token|api[_.-]{0,1}key|access[_.-]{0,1}key|private[_.-]{0,1}key|credential|"
    r"signing[_.-]{0,1}key|auth[_.-]{0,1}key|(?:^|[_.-])auth$|seed|(?:^|[_.-])key$|^key"
)
_NOT_A_CREDENTIAL_NAME = re.compile(
    r"type|name|label|hint|length|len$|min|max|policy|field|regex|pattern|format|prompt|"
    r"placeholder|file|path|dir|url|uri|endpoint|header|param|_id$|^id$|ids$|count|expir|"
    r"sha|hash|digest|checksum|integrity|author|public|pub_|descr|title|message|error|reset|"
    r"forgot|confirm|valid|strength|hidden|input|event|cookie|storage|prefix|suffix|size|"
    r"index|ttl|timeout|enabled|mode|method|provider|algorithm|alg$|version|kind|class|id$"
)
_PASSWORD = RuleMeta("generic-password", "PASSWORD", "secret", "high", 0.75)
_SECRET = RuleMeta("generic-secret", "SECRET", "secret", "high", 0.7)
_BEARER = RuleMeta("authorization-header", "SECRET", "secret", "high", 0.8)


@dataclass(frozen=True)
class AssignmentDetector:
    rule_ids: tuple[str, ...] = ("generic-password", "generic-secret", "authorization-header")

    def detect(self, text: str, lowered: str) -> Iterator[Hit]:
        finder = _KEYWORD if len(lowered) == len(text) else _KEYWORD_ANY_CASE
        haystack = lowered if finder is _KEYWORD else text
        done_until = -1
        for keyword in finder.finditer(haystack):
            if keyword.start() < done_until:
                continue
            line_start = text.rfind("\n", 0, keyword.start()) + 1
            line_end = text.find("\n", keyword.end())
            done_until = len(text) if line_end == -1 else line_end
            yield from _line_hits(text, line_start, done_until)


def _line_hits(text: str, start: int, end: int) -> Iterator[Hit]:
    position = start
    while (match := _ASSIGNMENT.search(text, position, end)) is not None:
        meta = _classify(match.group("name").lower())
        if meta is not None and _value_ok(match.group("v"), meta, bool(match.group("q"))):
            yield Hit(match.start("v"), match.end("v"), meta)
            position = match.end()
        else:  # the rejected value may itself be the name of the next assignment
            position = match.start("v")
    for match in _HEADER.finditer(text, start, end):
        value = match.group("v")
        if not is_placeholder(value) and has_entropy(value, 3.5):
            yield Hit(match.start("v"), match.end("v"), _BEARER)


def _classify(name: str) -> RuleMeta | None:
    if _NOT_A_CREDENTIAL_NAME.search(name):
        return None
    if _PASSWORD_NAME.search(name):
        return _PASSWORD
    if _SECRET_NAME.search(name):
        return _SECRET
    return None


def _value_ok(value: str, meta: RuleMeta, quoted: bool) -> bool:
    if is_placeholder(value) or value.endswith(("()", ".")) or "[REDACTED_" in value:
        return False
    if meta is _PASSWORD:
        return len(value) >= 4 and (quoted or not looks_like_code(value))
    if is_uuid(value):
        return True
    return len(value) >= 8 and not looks_like_code(value) and has_entropy(value, 3.0)
