"""The pure parts: words, the TF-IDF score, acceptance criteria, the prompt, verdict parsing."""

from __future__ import annotations

import json
import re

import pytest
from pydantic import SecretStr

from flowcheck.guardian.sources import Segment
from flowcheck.intent import heuristic
from flowcheck.intent.changes import ChangeSet
from flowcheck.intent.judge import Judge, build_prompt, configured_judge, parse_verdict
from flowcheck.intent.terms import stem, terms
from flowcheck.intent.transport import Unavailable
from flowcheck.settings import Settings

SERVICE = "the judge"


def changes(files: dict[str, str]) -> ChangeSet:
    return ChangeSet(tuple(Segment(path, 1, text, "unstaged") for path, text in files.items()))


@pytest.mark.parametrize(
    ("word", "stemmed"),
    [
        ("retries", "retry"),
        ("retrying", "retry"),
        ("retried", "retry"),
        ("retry", "retry"),
        ("cached", "cach"),
        ("cache", "cach"),
        ("validation", "validat"),
        ("validate", "validat"),
        ("users", "user"),
        ("class", "class"),
        ("503", "503"),
    ],
)
def test_stem(word: str, stemmed: str) -> None:
    assert stem(word) == stemmed


def test_terms_split_identifiers_and_drop_filler() -> None:
    text = "def sendWithRetry(self, max_retries=3): return HTTPClient [REDACTED_EMAIL_1] 503"
    assert terms(text) == ["send", "retry", "max", "retry", "http", "client", "503"]


def test_score_is_cosine_of_tf_idf_vectors() -> None:
    same = heuristic.assess("retry backoff", changes({"a": "retry backoff"}))
    disjoint = heuristic.assess("retry backoff", changes({"b": "footer colour"}))
    assert (same.score, disjoint.score) == (1.0, 0.0)


def test_score_weighs_sublinear_tf_by_idf_over_the_changed_files() -> None:
    """With a = 1 + ln 2: the diff vector is widget a (tf 2, in both files), retry a*a
    (tf 2, one file), footer a; the ticket vector widget 1, retry a. Their cosine is 0.89."""
    files = {"x": "widget retry retry", "y": "widget footer"}
    assert heuristic.assess("widget retry", changes(files)).score == 0.89


def test_checklist_and_criteria_bullets_become_missing_criteria() -> None:
    ticket = """Intro
- a bullet outside any criteria section is context, not a criterion
- [ ] retry on timeouts
- [x] log every attempt
### Acceptance criteria
1. backoff doubles
* configurable limit
### Notes
- unrelated note
"""
    assert heuristic.missing_criteria(ticket, {"retry"}) == [
        "log every attempt",
        "backoff doubles",
        "configurable limit",
    ]


@pytest.mark.parametrize(
    "text",
    [
        '{"aligned": true, "reason": "ok"}',
        '```json\n{"aligned": true, "reason": "ok"}\n```',
        '```\n{"aligned": true, "reason": "ok"}```',
        '  ```JSON\n{"aligned": true, "reason": "ok"}\n```  \n',
    ],
)
def test_verdict_with_or_without_fences(text: str) -> None:
    verdict = parse_verdict(text, SERVICE)
    assert (verdict.aligned, verdict.reason, verdict.missing_criteria, verdict.scope_creep) == (
        True,
        "ok",
        [],
        [],
    )


def test_verdict_lists_are_trimmed_and_capped() -> None:
    items = ["a ", "", *(f"m{i}" for i in range(12))]
    answer = json.dumps({"aligned": False, "reason": " no ", "missing_criteria": items})
    verdict = parse_verdict(answer, SERVICE)
    assert verdict.reason == "no"
    assert verdict.missing_criteria == ["a", *(f"m{i}" for i in range(9))]


@pytest.mark.parametrize(
    "text",
    [
        'text before ```json\n{"aligned": true, "reason": "ok"}\n```',
        '{"aligned": true, "reason": "ok"} trailing',
        '{"aligned": true, "reason": "ok"}\n{"aligned": false, "reason": "no"}',
        '{"aligned": null, "reason": "ok"}',
    ],
)
def test_anything_but_one_object_with_a_boolean_is_unavailable(text: str) -> None:
    with pytest.raises(Unavailable):
        parse_verdict(text, SERVICE)


def test_prompt_quotes_each_part_under_a_fresh_nonce() -> None:
    first = build_prompt("T", "D", "", truncated=False)
    second = build_prompt("T", "D", "N", truncated=False)
    match = re.fullmatch(r"<ticket-(\w{16})>\nT\n</ticket-\1>\n<diff-\1>\nD\n</diff-\1>", first)
    assert match is not None
    nonce = re.match(r"<ticket-(\w{16})>", second)
    assert nonce is not None and nonce.group(1) != match.group(1)
    n = nonce.group(1)
    assert second.endswith(f"<notes-{n}>\nN\n</notes-{n}>")


def test_judge_comes_only_from_settings_with_defaults() -> None:
    assert configured_judge(Settings()) is None
    assert configured_judge(Settings(intent_provider="openai", openai_api_key="")) is None
    judge = configured_judge(Settings(intent_provider="anthropic", anthropic_api_key="k"))
    assert judge == Judge(
        provider="anthropic",
        model="claude-sonnet-4-20250514",
        base_url="https://api.anthropic.com/v1",
        api_key=SecretStr("k"),
        timeout=60.0,
    )
