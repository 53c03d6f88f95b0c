"""PII detectors: email, phone, SSN, payment card, IBAN, public IP addresses.

Numbers are validated (Luhn + issuer prefix, mod-97, SSN ranges, routable IPs), so unix
timestamps, version strings, 9-digit ids and invalid-Luhn numbers are not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from flowcheck.guardian.block import Block
from flowcheck.guardian.models import Severity
from flowcheck.guardian.pii_checks import any_ip, iban_ok, public_ip, word_before
from flowcheck.guardian.pii_numbers import number_detector
from flowcheck.guardian.rule import Detector, Hit, PatternRule, RuleMeta, Validator


def _meta(rule_id: str, kind: str, severity: Severity, confidence: float) -> RuleMeta:
    return RuleMeta(rule_id, kind, "pii", severity, confidence)


_FILE_TLDS = frozenset(
    {
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
        "webp",
        "js",
        "ts",
        "py",
        "css",
        "json",
        "md",
        "txt",
        "html",
        "xml",
        "yaml",
        "yml",
        "ico",
        "pdf",
        "zip",
        "tar",
        "gz",
    }
)
_EMAIL_DOMAIN = re.compile(r"@(?:[A-Za-z0-9-]{1,63}\.){1,8}(?P<tld>[A-Za-z]{2,24})(?![A-Za-z0-9-])")
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")


_EMAIL = _meta("email", "EMAIL", "medium", 0.95)


@dataclass(frozen=True)
class EmailDetector:
    """Anchored on '@' so each candidate costs a bounded walk (the 0.4 pattern was quadratic)."""

    meta: RuleMeta = _EMAIL

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return (self.meta.rule_id,)

    def detect(self, block: Block) -> Iterator[Hit]:
        text = block.text
        if "@" not in text:
            return
        for match in _EMAIL_DOMAIN.finditer(text):
            start = _local_part_start(text, match.start())
            local = text[start : match.start()]
            if local and local != "git" and match.group("tld").lower() not in _FILE_TLDS:
                yield Hit(start, match.end(), self.meta)


def _local_part_start(text: str, at: int) -> int:
    start = at
    while start > max(0, at - 64) and text[start - 1] in _LOCAL_CHARS:
        start -= 1
    while start < at and text[start] in ".-+":
        start += 1
    return start


_IPV6_TAIL = re.compile(r":[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){1,6}(?![\w:])")
_HEX = frozenset("0123456789abcdefABCDEF")
_TWO_COLONS = re.compile(r":[0-9a-f]{0,4}:")  # the start of _IPV6_TAIL, lower-cased


@dataclass(frozen=True)
class IPv6Detector:
    """Anchored on ':' (a literal prefix search); the first group is read backwards."""

    meta: RuleMeta
    check: Validator

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return (self.meta.rule_id,)

    def detect(self, block: Block) -> Iterator[Hit]:
        text = block.text
        words = block.vocabulary if block.has_vocabulary else block.lowered
        if _TWO_COLONS.search(words) is None:  # every address has two, inside one word
            return
        for match in _IPV6_TAIL.finditer(text):
            start = match.start()
            while start > max(0, match.start() - 4) and text[start - 1] in _HEX:
                start -= 1
            if not word_before(text, start) and self.check(text, start, match.end()):
                yield Hit(start, match.end(), self.meta)


# The IBAN pattern for the shape (capitals 'A', digits '0'): the same spans, found from a
# literal start instead of a letter class tested at every position.
_IBAN_SHAPE = re.compile(rb"AA00(?:[A0]{11,30}|(?: [A0]{4}){2,7}(?: [A0]{1,3}){0,1})(?![Aa-z0])")


def pii_detectors(include_private_ips: bool = False) -> tuple[Detector, ...]:
    ip_check = any_ip if include_private_ips else public_ip
    ip = _meta("ip-address", "IP_ADDRESS", "low", 0.8)
    return (
        EmailDetector(),
        number_detector(ip, ip_check),
        PatternRule(
            _meta("iban", "IBAN", "high", 0.95),
            re.compile(
                r"[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}"
                r"(?: [A-Z0-9]{1,3}){0,1})(?![A-Za-z0-9])"
            ),
            validator=iban_ok,
            shape_pattern=_IBAN_SHAPE,
        ),
        IPv6Detector(ip, ip_check),
    )
