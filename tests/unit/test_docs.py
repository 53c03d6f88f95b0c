"""Docs generated from the settings model stay equal to it."""

from __future__ import annotations

from pathlib import Path

from flowcheck.cli_config import render_env

ROOT = Path(__file__).resolve().parents[2]


def generated_block(text: str) -> str:
    start = text.index("<!-- BEGIN GENERATED: flowcheck config env --format markdown -->\n")
    end = text.index("<!-- END GENERATED -->")
    return text[text.index("\n", start) + 1 : end]


def test_configuration_doc_equals_the_settings_model() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text()
    assert generated_block(doc) == render_env("markdown")
