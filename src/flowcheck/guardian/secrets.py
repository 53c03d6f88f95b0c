"""Secret detectors: provider-specific formats, private-key blocks, URL credentials, assignments."""

from __future__ import annotations

import re
from dataclasses import replace

from flowcheck.guardian.assignments import AssignmentDetector
from flowcheck.guardian.models import Severity
from flowcheck.guardian.private_keys import PrivateKeyDetector
from flowcheck.guardian.rule import Detector, PatternRule, RuleMeta, Validator
from flowcheck.guardian.values import has_entropy, is_dummy_password, is_placeholder

_B = r"(?<![A-Za-z0-9_])"  # left boundary that also rejects '_' (keys embedded in identifiers)
_E = r"(?![A-Za-z0-9_])"


def _rule(
    rule_id: str,
    kind: str,
    pattern: str,
    keywords: tuple[str, ...],
    severity: Severity = "critical",
    group: int | str = 0,
    validator: Validator | None = None,
    confidence: float = 0.95,
) -> PatternRule:
    meta = RuleMeta(rule_id, kind, "secret", severity, confidence)
    validator = _also_not_placeholder(validator)
    if (
        pattern.startswith(_B) and group == 0
    ):  # checked after matching: a literal first keeps the search fast
        pattern = pattern.removeprefix(_B)
        validator = _after_boundary(validator)
    return PatternRule(meta, re.compile(pattern), keywords, group, validator)


_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _after_boundary(validator: Validator | None) -> Validator:
    def bounded(text: str, start: int, end: int) -> bool:
        if start > 0 and text[start - 1] in _WORD:
            return False
        return validator is None or validator(text, start, end)

    return bounded


def _not_placeholder(text: str, start: int, end: int) -> bool:
    return not is_placeholder(text[start:end])


def _also_not_placeholder(validator: Validator | None) -> Validator:
    """Documentation keys (``AKIA…EXAMPLE``, ``ghp_xxxx…``) are shaped right but not secrets."""
    if validator is None or validator is _not_placeholder:
        return _not_placeholder
    check = validator

    def both(text: str, start: int, end: int) -> bool:
        return _not_placeholder(text, start, end) and check(text, start, end)

    return both


def _real_password(text: str, start: int, end: int) -> bool:
    value = text[start:end]
    return not is_placeholder(value) and not is_dummy_password(value)


PROVIDER_RULES: tuple[PatternRule, ...] = (
    _rule(
        "aws-access-key-id",
        "AWS_KEY",
        _B + r"(?:AKIA|ABIA|ACCA|ASIA|AIDA|AROA|ANPA|AGPA)[A-Z2-7]{16}" + _E,
        ("akia", "abia", "acca", "asia", "aida", "aroa", "anpa", "agpa"),
    ),
    _rule(
        "aws-secret-access-key",
        "AWS_KEY",
        r"(?i:aws|s3)[A-Za-z0-9_.-]{0,20}(?i:secret)[A-Za-z0-9_.-]{0,20}[\"']{0,1}[ \t]{0,4}"
        r"(?::=|=>|[:=]|\bto\b)[ \t]{0,4}[\"']{0,1}(?P<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        ("secret",),
        group="v",
        validator=_not_placeholder,
    ),
    _rule(
        "aws-s3-bucket-url",
        "CLOUD_URL",
        _B + r"[a-z0-9][a-z0-9.-]{2,62}\.s3(?:[.-][a-z0-9-]{2,20}){0,1}\.amazonaws\.com",
        ("amazonaws",),
        severity="medium",
        confidence=0.6,
    ),
    _rule(
        "github-token",
        "GITHUB_TOKEN",
        _B + r"gh[pousr]_[A-Za-z0-9]{36,251}" + _E,
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    ),
    _rule(
        "github-fine-grained-token",
        "GITHUB_TOKEN",
        _B + r"github_pat_[A-Za-z0-9_]{50,255}" + _E,
        ("github_pat_",),
    ),
    _rule(
        "gitlab-token",
        "API_KEY",
        _B + r"gl(?:pat|dt|rt|ptt|cbt|imt|oas)-[A-Za-z0-9_-]{20,64}" + _E,
        ("gl",),
    ),
    _rule("slack-token", "API_KEY", _B + r"xox[abposr]-[A-Za-z0-9-]{10,250}" + _E, ("xox",)),
    _rule(
        "slack-app-token",
        "API_KEY",
        _B + r"xapp-\d-[A-Z0-9]{9,12}-\d{1,15}-[a-f0-9]{20,80}",
        ("xapp-",),
    ),
    _rule(
        "slack-webhook",
        "API_KEY",
        r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]{20,120}",
        ("hooks.slack.com",),
    ),
    _rule(
        "stripe-secret-key",
        "API_KEY",
        _B + r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,247}" + _E,
        ("sk_live", "sk_test", "rk_live", "rk_test"),
    ),
    _rule("google-api-key", "API_KEY", _B + r"AIza[A-Za-z0-9_-]{35}" + _E, ("aiza",)),
    _rule("google-oauth-secret", "API_KEY", _B + r"GOCSPX-[A-Za-z0-9_-]{28}" + _E, ("gocspx-",)),
    _rule("google-oauth-token", "API_KEY", _B + r"ya29\.[A-Za-z0-9_-]{30,512}", ("ya29.",)),
    _rule(
        "firebase-url",
        "CLOUD_URL",
        _B + r"[a-z0-9-]{3,63}\.firebaseio\.com",
        ("firebaseio",),
        severity="medium",
        confidence=0.6,
    ),
    _rule(
        "azure-storage-key",
        "API_KEY",
        r"(?i:AccountKey|SharedAccessKey)=(?P<v>[A-Za-z0-9+/]{40,100}={0,2})",
        ("accountkey", "sharedaccesskey"),
        group="v",
    ),
    _rule(
        "azure-client-secret",
        "API_KEY",
        _B + r"[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}" + _E,
        ("q~",),
    ),
    _rule(
        "openai-api-key",
        "API_KEY",
        _B
        + r"sk-(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,200}",
        ("t3blbkfj",),
    ),
    _rule(
        "openai-project-key",
        "API_KEY",
        _B + r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,250}" + _E,
        ("sk-proj-", "sk-svcacct-", "sk-admin-"),
    ),
    _rule(
        "anthropic-api-key",
        "API_KEY",
        _B + r"sk-ant-(?:api|admin|oat|sid)\d{2}-[A-Za-z0-9_-]{32,128}" + _E,
        ("sk-ant-",),
    ),
    _rule("npm-token", "API_KEY", _B + r"npm_[A-Za-z0-9]{36}" + _E, ("npm_",)),
    _rule("pypi-token", "API_KEY", _B + r"pypi-AgE[A-Za-z0-9_-]{50,300}", ("pypi-age",)),
    _rule(
        "sendgrid-key",
        "API_KEY",
        _B + r"SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{30,64}" + _E,
        ("sg.",),
    ),
    _rule(
        "twilio-key",
        "API_KEY",
        _B + r"SK[0-9a-f]{32}" + _E,
        ("sk",),
        confidence=0.7,
        severity="high",
    ),
    _rule("shopify-token", "API_KEY", _B + r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}" + _E, ("shp",)),
    _rule(
        "mailgun-key",
        "API_KEY",
        _B + r"key-[a-z0-9]{32}" + _E,
        ("key-",),
        severity="high",
        confidence=0.7,
    ),
    _rule(
        "jwt",
        "JWT",
        _B + r"eyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{4,8192}\.[A-Za-z0-9_-]{0,2048}",
        ("eyj",),
        severity="high",
        confidence=0.9,
    ),
    _rule(
        "url-credentials",
        "PASSWORD",
        r"://[^\s:@/\"'<>]{0,128}:(?P<v>[^\s:@/\"'<>]{1,128})@[A-Za-z0-9%{$]",
        ("://",),
        group="v",
        validator=_real_password,
        severity="high",
        confidence=0.85,
    ),
    _rule("nkey-seed", "PRIVATE_KEY", _B + r"S[UNOACPXA][A-Z2-7]{56}" + _E, ()),
)


def _jwk_context(text: str, start: int, end: int) -> bool:
    window = text[max(0, start - 300) : end + 300]
    return "kty" in window and has_entropy(text[start:end], 3.5)


DER_AND_JWK_RULES: tuple[PatternRule, ...] = (
    _rule(
        "private-key-der",
        "PRIVATE_KEY",
        r"(?:MII[A-Za-z0-9+/]{2}IBA(?:AKCA|DANBgkqhkiG9w0BAQEFAAS)|MHcCAQEE|MIGkAgEBBD)"
        r"[A-Za-z0-9+/]{60,8000}={0,2}",
        ("mii", "mhccaqee", "migkagebbd"),
    ),
    replace(
        _rule(
            "jwk-private-key",
            "PRIVATE_KEY",
            r"(?<![A-Za-z0-9_])[\"']{0,1}(?:k|d|p|q|dp|dq|qi)[\"']{0,1}[ \t]{0,3}:[ \t]{0,3}"
            r"[\"'](?P<v>[A-Za-z0-9_-]{22,1024})[\"']",
            ("kty",),
            group="v",
            validator=_jwk_context,
        ),
        keywords_cased=True,  # the validator looks for "kty" as written
    ),
)


def secret_detectors() -> tuple[Detector, ...]:
    return (*PROVIDER_RULES, *DER_AND_JWK_RULES, PrivateKeyDetector(), AssignmentDetector())
