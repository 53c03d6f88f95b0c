"""Per-repository rules: the model, layered files, and the status engine that applies them."""

from flowcheck.rules.engine import Status, build_recommendations, evaluate_status
from flowcheck.rules.model import RULE_NAMES, Rules
from flowcheck.rules.store import LoadedRules, Scope, WrittenRules, load_rules, set_rules

__all__ = [
    "RULE_NAMES",
    "LoadedRules",
    "Rules",
    "Scope",
    "Status",
    "WrittenRules",
    "build_recommendations",
    "evaluate_status",
    "load_rules",
    "set_rules",
]
