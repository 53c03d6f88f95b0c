"""The adversarial suite's catalogue: every case's attack class, the promise it checks, its test.

Each test's docstring starts with `<attack class>: <promise>.` README.md is generated from
those docstrings (`python -m tests.adversarial.catalogue > tests/adversarial/README.md`), and
`test_catalogue.py` holds the two equal, so a case cannot be added without being listed.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
MINIMUM_CASES = 120


@dataclass(frozen=True)
class Case:
    attack_class: str
    promise: str
    test: str


def cases() -> list[Case]:
    """Every test function below this folder, in file and line order."""
    found: list[Case] = []
    for module in sorted(HERE.glob("test_*.py")):
        if module.name == "test_catalogue.py":
            continue
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in _test_functions(tree):
            doc = (ast.get_docstring(node) or "").split("\n\n")[0].replace("\n", " ")
            attack_class, _, promise = doc.partition(": ")
            found.append(Case(attack_class.strip(), promise.strip(), f"{module.name}::{node.name}"))
    return found


def _test_functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for node in tree.body:
        members = node.body if isinstance(node, ast.ClassDef) else [node]
        functions += [
            member
            for member in members
            if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef)
            and member.name.startswith("test_")
        ]
    return functions


def render(all_cases: list[Case]) -> str:
    lines = [
        "# The adversarial suite",
        "",
        "Each case takes an attacker's path: a hostile repository, environment, network peer or",
        "agent. A hostile-repository case proves non-execution with a marker file that must never",
        "appear. Generated from the tests' docstrings by",
        "`python -m tests.adversarial.catalogue > tests/adversarial/README.md`.",
        "",
        f"{len(all_cases)} cases.",
        "",
        "| # | attack class | promise | test |",
        "|---|---|---|---|",
    ]
    for number, case in enumerate(all_cases, start=1):
        promise = case.promise.replace("|", "\\|")
        lines.append(f"| {number} | {case.attack_class} | {promise} | `{case.test}` |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render(cases()))
