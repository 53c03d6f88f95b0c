"""PII detectors: email, phone, SSN, payment card, IBAN, public IP addresses.

Numbers are validated (Luhn + issuer prefix, mod-97, SSN ranges, routable IPs), so unix
timestamps, version strings, 9-digit ids and invalid-Luhn numbers are not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from flowcheck.guardian.models import Severity
from flowcheck.guardian.pii_checks import (
    any_ip,
    card_ok,
    iban_ok,
    national_phone_ok,
    phone_ok,
    public_ip,
    ssn_ok,
    word_before,
)
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

    def detect(self, text: str, lowered: str) -> Iterator[Hit]:
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


@dataclass(frozen=True)
class IPv6Detector:
    """Anchored on ':' (a literal prefix search); the first group is read backwards."""

    meta: RuleMeta
    check: Validator

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return (self.meta.rule_id,)

    def detect(self, text: str, lowered: str) -> Iterator[Hit]:
        for match in _IPV6_TAIL.finditer(text):
            start = match.start()
            while start > max(0, match.start() - 4) and text[start - 1] in _HEX:
                start -= 1
            if not word_before(text, start) and self.check(text, start, match.end()):
                yield Hit(start, match.end(), self.meta)


_NUMBER_RUN = re.compile(r"[+(]{0,1}\d[\d .()/-]{5,200}")


@dataclass(frozen=True)
class NumberRule:
    """A numeric rule and what a run of digits must have before the rule is tried on it."""

    rule: PatternRule
    min_digits: int
    needs: str = ""


@dataclass(frozen=True)
class NumberDetector:
    """One pass finds runs of digits and separators; numeric rules only look inside the runs
    (plus two characters of context for their boundary checks), which keeps the scan fast."""

    rules: tuple[NumberRule, ...]

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.rule.meta.rule_id for r in self.rules))

    def detect(self, text: str, lowered: str) -> Iterator[Hit]:
        for run in _NUMBER_RUN.finditer(text):
            window = run.group()
            digits = sum(map(str.isdigit, window))
            end = min(len(text), run.end() + 8)  # boundary checks and an "x123" extension
            for candidate in self.rules:
                if digits >= candidate.min_digits and candidate.needs in window:
                    yield from _matches(candidate.rule, text, run.start(), end)


def _matches(rule: PatternRule, text: str, start: int, end: int) -> Iterator[Hit]:
    for match in rule.pattern.finditer(text, start, end):
        if rule.validator is None or rule.validator(text, *match.span()):
            yield Hit(match.start(), match.end(), rule.meta)


def _rule(
    meta: RuleMeta, pattern: str, validator: Validator, keywords: tuple[str, ...] = ()
) -> PatternRule:
    return PatternRule(meta, re.compile(pattern), keywords, 0, validator)


_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)"
_PHONE = _meta("phone", "PHONE", "medium", 0.8)


def pii_detectors(include_private_ips: bool = False) -> tuple[Detector, ...]:
    ip_check = any_ip if include_private_ips else public_ip
    ip = _meta("ip-address", "IP_ADDRESS", "low", 0.8)
    numbers = (
        NumberRule(
            _rule(
                _PHONE,
                r"(?<![\w+])\+[1-9]\d{0,2}(?:[ .-](?:\(\d{1,4}\)\d{0,4}|\d{1,8})){1,6}"
                r"(?:x\d{1,6}){0,1}(?![\w-])",
                phone_ok,
            ),
            8,
            "+",
        ),
        NumberRule(_rule(_PHONE, r"(?<![\w+])\+[1-9]\d{7,14}(?![\w-])", phone_ok), 8, "+"),
        NumberRule(
            _rule(_PHONE, r"(?<![\w.-])00[1-9]\d{0,2}(?:[ .-]\d{1,5}){2,5}(?![\w-])", phone_ok), 8
        ),
        NumberRule(
            _rule(
                _PHONE,
                r"(?<![\w-])\(\d{3}\)[ .-]{0,1}\d{3}[ .-]\d{4}(?:x\d{1,6}){0,1}(?![\w-])",
                phone_ok,
            ),
            10,
            "(",
        ),
        NumberRule(
            _rule(
                _PHONE,
                r"(?<![\w.-])[2-9]\d{2}([.-])\d{3}\1\d{4}(?:x\d{1,6}){0,1}(?![\w-]|\.\d)",
                phone_ok,
            ),
            10,
        ),
        NumberRule(_rule(_PHONE, r"(?<![\w.-])0[1-9](?:[ .]\d{2}){4}(?![\w-])", phone_ok), 10),
        NumberRule(
            _rule(
                _PHONE,
                r"(?<![\w.-])(?:(?:0\d{2,4}|[2-9]\d{2})(?:[ /-]\d{2,8}){1,3}|[2-9]\d{9}|0\d{9,10})"
                r"(?![\w-])",
                national_phone_ok,
            ),
            8,
        ),
        NumberRule(
            _rule(
                _meta("ssn", "SSN", "high", 0.9),
                r"(?<![\w-])\d{3}([- ]{0,1})\d{2}\1\d{4}(?![\w-])",
                ssn_ok,
            ),
            9,
        ),
        NumberRule(
            _rule(
                _meta("credit-card", "CREDIT_CARD", "high", 0.95),
                r"(?<![\w.-])(?:\d{13,19}|\d{4}(?:[ -]\d{4,6}){2,3}(?:[ -]\d{1,4}){0,1})(?![\w-])",
                card_ok,
            ),
            13,
        ),
        NumberRule(
            _rule(ip, r"(?<![\w.])" + _OCTET + r"(?:\." + _OCTET + r"){3}(?![\w]|\.\d)", ip_check),
            4,
            ".",
        ),
    )
    return (
        EmailDetector(),
        NumberDetector(numbers),
        _rule(
            _meta("iban", "IBAN", "high", 0.95),
            r"[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}"
            r"(?: [A-Z0-9]{1,3}){0,1})(?![A-Za-z0-9])",
            iban_ok,
        ),
        IPv6Detector(ip, ip_check),
    )
