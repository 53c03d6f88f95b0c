"""Redaction: token format and numbering, stability, no leaks (hypothesis properties)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from flowcheck.guardian.engine import scan_stream, scan_text
from flowcheck.guardian.rules import default_rules
from flowcheck.guardian.service import sanitize

RULES = default_rules()

SAMPLES = [
    "AKIAQ3EGZ7N2LQWX5T4M",
    "jane.doe@example.org",
    "+44 20 7946 0958",
    "536-90-4399",
    "4539 1488 0343 6467",
    "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5",
    "postgres://app:S3cr3tPw@db:5432/x",
    'password = "Tr0ub4dor&3x"',
    "81.2.69.160",
]
filler = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
documents = st.lists(st.one_of(filler, st.sampled_from(SAMPLES)), max_size=12).map(" \n".join)


def test_tokens_numbered_in_document_order_and_stable_per_value() -> None:
    """0.4 defect B2.8: numbering ran backwards and a repeated value got a second token."""
    text = "a@x.io b@y.io a@x.io AKIAQ3EGZ7N2LQWX5T4M"
    assert sanitize(text, RULES).sanitized_text == (
        "[REDACTED_EMAIL_1] [REDACTED_EMAIL_2] [REDACTED_EMAIL_1] [REDACTED_AWS_KEY_1]"
    )


def test_sanitize_reports_parity_fields() -> None:
    result = sanitize("mail a@x.io key AKIAQ3EGZ7N2LQWX5T4M", RULES)
    assert (
        result.pii_detected,
        result.secrets_detected,
        result.injection_detected,
        result.redacted_count,
    ) == (True, True, False, 2)
    assert result.summary.by_kind == {"AWS_KEY": 1, "EMAIL": 1}


@settings(max_examples=150, deadline=None)
@given(documents)
def test_redaction_never_leaks_a_detected_value(text: str) -> None:
    hits = scan_text(text, RULES)
    redacted = sanitize(text, RULES).sanitized_text
    for hit in hits:
        value = text[hit.start : hit.end]
        if len(value) >= 6:
            assert value not in redacted


@settings(max_examples=150, deadline=None)
@given(documents)
def test_offsets_are_inside_the_text(text: str) -> None:
    for hit in scan_text(text, RULES):
        assert 0 <= hit.start < hit.end <= len(text)


@settings(max_examples=100, deadline=None)
@given(documents)
def test_scan_is_deterministic(text: str) -> None:
    assert scan_text(text, RULES) == scan_text(text, RULES)


@settings(max_examples=100, deadline=None)
@given(documents)
def test_rescanning_redacted_output_finds_nothing(text: str) -> None:
    redacted = sanitize(text, RULES).sanitized_text
    assert scan_text(redacted, RULES) == []


def test_streamed_scan_matches_whole_text_scan() -> None:
    """Blocks cut at line ends: a streamed scan finds the same hits at the same offsets."""
    text = "".join(f"line {n} mail u{n}@example.org key AKIAQ3EGZ7N2LQWX5T4M\n" for n in range(300))
    chunks = [text[i : i + 997] for i in range(0, len(text), 997)]
    assert list(scan_stream(chunks, RULES)) == scan_text(text, RULES)
