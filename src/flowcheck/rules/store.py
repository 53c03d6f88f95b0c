"""Rules layering (defaults, global file, repository file) and validated writes.

Global file: `<storage_path>/config.toml` or `config.json`, owned by the operator. It may
also hold sections other modules read (`intent`: the LLM endpoint, model and key variable).
Repository file: `.flowcheck.toml` or `.flowcheck.json` at the git top level, owned by
whoever controls the repository, so it may set thresholds only: anything else in it is
refused (0.4 let it choose the LLM endpoint and the key variable, defect B1.3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from flowcheck.errors import ConfigError
from flowcheck.rules.files import LayerFile, read_layer, serialise, target_path, write_atomically
from flowcheck.rules.model import RULE_NAMES, Rules, rule_problem, shown_key

Scope = Literal["global", "repo"]
# Global-file sections that belong to other modules; the rules layer leaves them alone.
OPERATOR_SECTIONS = frozenset({"intent"})
GLOBAL_STEM = "config"
REPO_STEM = ".flowcheck"


@dataclass(frozen=True)
class LoadedRules:
    rules: Rules
    warnings: list[str]


@dataclass(frozen=True)
class WrittenRules:
    path: Path
    effective: Rules
    warnings: list[str]


def layer_stem(scope: Scope, repo: Path | None, storage_path: Path) -> Path:
    if scope == "global":
        return storage_path / GLOBAL_STEM
    if repo is None:
        raise ConfigError(["scope 'repo' needs a repository; pass repo_path"])
    return repo / REPO_STEM


def load_rules(repo: Path | None, storage_path: Path) -> LoadedRules:
    """Effective rules for `repo` (None: defaults and global file only). Reads, never writes."""
    values: dict[str, object] = {}
    warnings: list[str] = []
    scopes: tuple[Scope, ...] = ("global",) if repo is None else ("global", "repo")
    for scope in scopes:
        layer = read_layer(layer_stem(scope, repo, storage_path), refuse_links=scope == "repo")
        warnings += layer.problems
        values.update(_accepted_values(layer, scope, warnings))
    return LoadedRules(Rules.model_validate(values), warnings)


def _accepted_values(layer: LayerFile, scope: Scope, warnings: list[str]) -> dict[str, object]:
    accepted: dict[str, object] = {}
    for key, value in layer.data.items():
        if key not in RULE_NAMES:
            if scope == "global" and key in OPERATOR_SECTIONS:
                continue
            warnings.append(_refusal(layer.path, key, scope))
            continue
        problem = rule_problem(key, value)
        if problem is None:
            accepted[key] = value
        else:
            warnings.append(f"{layer.path}: {problem}; the lower layer's value is used")
    return accepted


def _refusal(path: Path | None, key: str, scope: Scope) -> str:
    if scope == "repo":
        return (
            f"{path}: key {shown_key(key)} refused: a repository file may set thresholds only "
            f"({', '.join(RULE_NAMES)}); ignore patterns go in .flowcheckignore, and endpoints, "
            "providers, models and keys only in the operator's global config"
        )
    return f"{path}: unknown key {shown_key(key)} ignored; valid rules: {', '.join(RULE_NAMES)}"


def set_rules(
    rules: Mapping[str, object], scope: Scope, repo: Path | None, storage_path: Path
) -> WrittenRules:
    """Validate `rules`, merge them into the scope's file, write it atomically.

    Raises ConfigError listing every problem (unknown rule, wrong type, no repository for
    scope 'repo', an existing file that is malformed). Returns the effective rules for
    `repo` (or the global ones when `repo` is None) after the write.
    """
    problems = _problems(rules, scope)
    if problems:
        raise ConfigError(problems)
    stem = layer_stem(scope, repo, storage_path)
    existing = read_layer(stem, refuse_links=scope == "repo")
    if existing.problems:
        raise ConfigError(
            [*existing.problems, f"fix or delete {existing.path} before writing rules to it"]
        )
    path = existing.path or target_path(stem)
    write_atomically(path, serialise(path, {**existing.data, **rules}))
    loaded = load_rules(repo, storage_path)
    return WrittenRules(path=path, effective=loaded.rules, warnings=loaded.warnings)


def _problems(rules: Mapping[str, object], scope: object) -> list[str]:
    if scope not in ("global", "repo"):
        return [f"scope {scope!r} is not valid; use 'global' or 'repo'"]
    if not rules:
        return [f"no rules given; pass at least one of: {', '.join(RULE_NAMES)}"]
    return [problem for key, value in rules.items() if (problem := rule_problem(key, value))]
