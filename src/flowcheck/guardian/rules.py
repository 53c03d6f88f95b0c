"""The active rule set: built-in detectors plus custom YAML rules from the rules directory.

Rules files (``*.yml``/``*.yaml`` in ``Settings.rules_path``), all keys optional::

    rules:                      # extra regex rules
      - id: acme-token
        pattern: 'acme_[a-z0-9]{32}'   # bounded repetitions only: {m,n}, never * or +
        kind: API_KEY                  # redaction type, [A-Z_]
        category: secret               # secret | pii | injection
        severity: high                 # low | medium | high | critical
        keywords: [acme_]              # pre-filter; lower-case substrings
    disable: [twilio-key]       # built-in or custom rule ids
    allow:
      values: [AKIAIOSFODNN7EXAMPLE]   # exact values never reported
      paths: ['tests/fixtures/**']     # gitignore-style patterns, relative to the repo top
    pii:
      include_private_ips: false

A line containing ``flowcheck:allow`` is never reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import pathspec
import yaml

from flowcheck.errors import ConfigError
from flowcheck.guardian.injection import InjectionDetector
from flowcheck.guardian.linear import unsafe_reason
from flowcheck.guardian.models import Category, Severity
from flowcheck.guardian.pii import pii_detectors
from flowcheck.guardian.rule import Detector, PatternRule, RuleMeta
from flowcheck.guardian.secrets import secret_detectors

DEFAULT_ALLOWED_PATHS = (
    "*.lock",
    "package-lock.json",
    "pnpm-lock.yaml",
    "go.sum",
    "vendor/**",
    "node_modules/**",
    "third_party/**",
)
_TOP_KEYS = {"rules", "disable", "allow", "pii"}
_RULE_KEYS = {"id", "pattern", "kind", "category", "severity", "keywords"}
_PII_KEYS = {"include_private_ips"}
_KIND = re.compile(r"[A-Z][A-Z0-9_]{0,39}")
_RULE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


@dataclass(frozen=True)
class RuleSet:
    detectors: tuple[Detector, ...]
    allowed_values: frozenset[str] = frozenset()
    # Checked per hit: one detector reports several rule ids (phone, ssn, ...), and disabling
    # one of them must not silence the others, nor leave it on.
    disabled_ids: frozenset[str] = frozenset()
    allowed_paths: pathspec.GitIgnoreSpec = field(
        default_factory=lambda: pathspec.GitIgnoreSpec.from_lines(DEFAULT_ALLOWED_PATHS)
    )

    def value_allowed(self, value: str) -> bool:
        return value in self.allowed_values

    def path_allowed(self, path: str) -> bool:
        return self.allowed_paths.match_file(path)

    def rule_enabled(self, rule_id: str) -> bool:
        return rule_id not in self.disabled_ids


def default_rules() -> RuleSet:
    return build_rules({})


def load_rules(rules_path: Path | None) -> RuleSet:
    """Built-in rules plus every YAML file in ``rules_path``; all problems reported at once."""
    if rules_path is None or not rules_path.exists():
        return default_rules()
    if not rules_path.is_dir():
        raise ConfigError([f"rules path {rules_path} is not a directory; point it at one"])
    merged: dict[str, Any] = {"rules": [], "disable": [], "allow": {"values": [], "paths": []}}
    problems: list[str] = []
    for file in sorted([*rules_path.glob("*.yml"), *rules_path.glob("*.yaml")]):
        _merge_file(file, merged, problems)
    if problems:
        raise ConfigError(problems)
    return build_rules(merged)


def build_rules(config: dict[str, Any], origin: str = "rules") -> RuleSet:
    problems: list[str] = []
    custom = [
        r
        for i, raw in enumerate(config.get("rules", []))
        if (r := _custom_rule(raw, f"{origin}: rules[{i}]", problems)) is not None
    ]
    pii_options = config.get("pii", {}) or {}
    detectors: list[Detector] = [
        *secret_detectors(),
        *pii_detectors(bool(pii_options.get("include_private_ips"))),
        InjectionDetector(),
        *custom,
    ]
    known = {rule_id for d in detectors for rule_id in d.rule_ids}
    disabled = set(config.get("disable", []))
    problems += [
        f"{origin}: disable: unknown rule id {rule_id!r}; use a rule_id that "
        "FlowCheck reports in its findings"
        for rule_id in sorted(disabled - known)
    ]
    if problems:
        raise ConfigError(problems)
    allow = config.get("allow", {}) or {}
    return RuleSet(
        detectors=tuple(d for d in detectors if not disabled.issuperset(d.rule_ids)),
        allowed_values=frozenset(allow.get("values", [])),
        disabled_ids=frozenset(disabled),
        allowed_paths=pathspec.GitIgnoreSpec.from_lines(
            [*DEFAULT_ALLOWED_PATHS, *allow.get("paths", [])]
        ),
    )


def _merge_file(file: Path, merged: dict[str, Any], problems: list[str]) -> None:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(f"{file}: cannot read YAML ({type(exc).__name__}); fix the file syntax")
        return
    if not isinstance(data, dict):
        problems.append(f"{file}: top level must be a mapping with keys {sorted(_TOP_KEYS)}")
        return
    problems += [
        f"{file}: unknown key {key!r}; allowed: {sorted(_TOP_KEYS)}"
        for key in sorted(set(data) - _TOP_KEYS, key=str)
    ]
    before = len(problems)
    for index, raw in enumerate(_list(data.get("rules"), f"{file}: rules", problems)):
        _custom_rule(raw, f"{file}: rules[{index}]", problems)
    if len(problems) == before:
        merged["rules"] += data.get("rules") or []
    merged["disable"] += _strings(data.get("disable"), f"{file}: disable", problems)
    allow = data.get("allow") or {}
    if not isinstance(allow, dict):
        problems.append(f"{file}: allow must be a mapping with keys 'values' and 'paths'")
        return
    for key in ("values", "paths"):
        merged["allow"][key] += _strings(allow.get(key), f"{file}: allow.{key}", problems)
    if "pii" in data:
        _check_pii(data["pii"], f"{file}: pii", problems)
        merged["pii"] = data["pii"]


def _check_pii(value: Any, where: str, problems: list[str]) -> None:
    if not isinstance(value, dict):
        problems.append(f"{where} must be a mapping with keys {sorted(_PII_KEYS)}")
        return
    problems += [f"{where}: unknown key {k!r}" for k in sorted(set(value) - _PII_KEYS, key=str)]
    for key in sorted(_PII_KEYS & set(value)):
        if not isinstance(value[key], bool):
            problems.append(f"{where}: {key} must be true or false, not {value[key]!r}")


def _list(value: Any, where: str, problems: list[str]) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{where} must be a list")
        return []
    return value


def _strings(value: Any, where: str, problems: list[str]) -> list[str]:
    items = _list(value, where, problems)
    if not all(isinstance(item, str) for item in items):
        problems.append(f"{where} must be a list of strings")
        return []
    return items


def _custom_rule(raw: Any, where: str, problems: list[str]) -> PatternRule | None:
    if not isinstance(raw, dict):
        problems.append(f"{where} must be a mapping with keys {sorted(_RULE_KEYS)}")
        return None
    count = len(problems)
    problems += [f"{where}: unknown key {k!r}" for k in sorted(set(raw) - _RULE_KEYS, key=str)]
    rule_id, kind = str(raw.get("id", "")), str(raw.get("kind", "SECRET"))
    category, severity = raw.get("category", "secret"), raw.get("severity", "high")
    if not _RULE_ID.fullmatch(rule_id):
        problems.append(f"{where}: id {rule_id!r} must be lower-case letters, digits and '-'")
    if not _KIND.fullmatch(kind):
        problems.append(f"{where}: kind {kind!r} must be upper-case letters, digits and '_'")
    if category not in get_args(Category):
        problems.append(f"{where}: category {category!r} must be one of {get_args(Category)}")
    if severity not in get_args(Severity):
        problems.append(f"{where}: severity {severity!r} must be one of {get_args(Severity)}")
    pattern = raw.get("pattern")
    reason = unsafe_reason(pattern) if isinstance(pattern, str) else "is missing"
    if reason:
        problems.append(f"{where}: pattern {reason}")
    keywords = _strings(raw.get("keywords"), f"{where}: keywords", problems)
    if len(problems) > count:
        return None
    meta = RuleMeta(rule_id, kind, category, severity, 0.9)
    return PatternRule(meta, re.compile(str(pattern)), tuple(k.lower() for k in keywords))
