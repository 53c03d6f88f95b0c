"""docs/rules.md cannot lie: every YAML example loads through the real rules loader, the
rejected example fails with exactly the problems shown, and the id list is the code's."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from flowcheck.errors import ConfigError
from flowcheck.guardian.command import scan_command
from flowcheck.guardian.engine import scan_text
from flowcheck.guardian.linear import unsafe_reason
from flowcheck.guardian.rules import DEFAULT_ALLOWED_PATHS, default_rules, load_rules

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "rules.md").read_text()
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
BLOCKS = [(info.strip(), body) for info, body in FENCE.findall(DOC)]
EXAMPLES = [body for info, body in BLOCKS if info == "yaml"]


def block_after(marker: str, info: str) -> str:
    """The first fenced block of kind `info` after `marker` in the doc."""
    start = DOC.index(marker)
    return next(body for body_info, body in FENCE.findall(DOC[start:]) if body_info == info)


def rules_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    for name, body in files.items():
        (folder / name).write_text(body)
    return folder


def test_the_doc_has_examples() -> None:
    assert len(EXAMPLES) >= 4
    assert [info for info, _ in BLOCKS].count("yaml rejected") == 1


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_every_yaml_example_loads_through_the_rules_loader(tmp_path: Path, index: int) -> None:
    rules = load_rules(rules_dir(tmp_path, {"example.yml": EXAMPLES[index]}))
    assert len(rules.detectors) >= len(default_rules().detectors) - 1


def test_all_examples_together_load_as_one_directory(tmp_path: Path) -> None:
    files = {f"{number:02d}.yml": body for number, body in enumerate(EXAMPLES)}
    rules = load_rules(rules_dir(tmp_path, files))
    assert rules.path_allowed("payments/testdata/cards.txt")
    assert not rules.rule_enabled("iban")


def test_the_rejected_example_fails_with_the_problems_shown(tmp_path: Path) -> None:
    folder = rules_dir(tmp_path, {"bad.yml": block_after("## Errors", "yaml rejected")})
    expected = block_after("is refused with these problems", "text").splitlines()
    with pytest.raises(ConfigError) as caught:
        load_rules(folder)
    shown = [problem.replace(str(folder), "rules") for problem in caught.value.problems]
    assert shown == expected


def test_the_first_rule_finds_and_redacts_what_the_doc_shows(tmp_path: Path) -> None:
    folder = rules_dir(tmp_path, {"acme.yml": block_after("## A first rule", "yaml")})
    command = block_after("Try it on a line of text", "sh")
    text = re.search(r"printf '(.*?)\\n'", command)
    assert text is not None
    output = io.StringIO()
    status = scan_command(
        "-",
        staged=False,
        as_json=False,
        redact=False,
        rules_path=folder,
        stdin=io.StringIO(text.group(1) + "\n"),
        stdout=output,
        stderr=io.StringIO(),
    )
    assert (status, output.getvalue()) == (2, block_after("Try it on a line of text", "text"))


def test_the_pattern_examples_match_what_they_describe(tmp_path: Path) -> None:
    folder = rules_dir(tmp_path, {"patterns.yml": block_after("### Linear-time patterns", "yaml")})
    found = scan_text("db1.Corp.Example.com owns EMP-123456", load_rules(folder))
    assert [hit.meta.rule_id for hit in found] == ["internal-hostname", "employee-number"]
    assert unsafe_reason(r"(?:[a-z]{1,20}\.){1,5}") is None
    assert unsafe_reason(r"(?:a{1,5}){1,5}") is not None
    assert unsafe_reason(r"a{2,}") is not None


def test_the_built_in_id_list_is_the_codes() -> None:
    start = DOC.index("<!-- BEGIN GENERATED: built-in rule ids -->")
    listed = re.findall(r"`([a-z0-9-]+)`", DOC[start : DOC.index("<!-- END GENERATED -->")])
    in_code = list(dict.fromkeys(i for d in default_rules().detectors for i in d.rule_ids))
    assert listed == in_code


def test_the_always_allowed_paths_are_the_codes() -> None:
    line = next(line for line in DOC.splitlines() if "`package-lock.json`" in line)
    paragraph = DOC[DOC.index(line) - 200 : DOC.index(line) + 200]
    listed = re.findall(r"`([^`]+)`", paragraph.split("yours:")[1].split("\n- ")[0])
    assert tuple(listed) == DEFAULT_ALLOWED_PATHS
