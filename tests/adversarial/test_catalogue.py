"""The catalogue of adversarial cases stays complete and honest."""

from __future__ import annotations

from tests.adversarial.catalogue import HERE, MINIMUM_CASES, cases, render


def test_every_case_names_its_attack_class_and_promise() -> None:
    unnamed = [case.test for case in cases() if not case.attack_class or not case.promise]
    assert unnamed == []


def test_readme_lists_every_case() -> None:
    assert (HERE / "README.md").read_text(encoding="utf-8") == render(cases())


def test_suite_has_at_least_the_promised_number_of_cases() -> None:
    assert len(cases()) >= MINIMUM_CASES
