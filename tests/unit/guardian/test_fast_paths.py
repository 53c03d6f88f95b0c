"""The scanner's shortcuts give the answers of the plain searches they replace (properties)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from flowcheck.guardian.block import Block
from flowcheck.guardian.injection import _best_phrase
from flowcheck.guardian.injection_patterns import PHRASES, Phrase
from flowcheck.guardian.injection_triggers import TRIGGERS, present_triggers
from flowcheck.guardian.pii import _IPV6_TAIL, _TWO_COLONS, pii_detectors
from flowcheck.guardian.pii_numbers import _NUMBER_RUN, NumberDetector, _Runs
from flowcheck.guardian.rule import PatternRule

# Long enough that Block answers from its vocabulary and shape rather than the text.
PADDING = "    return compute(items, retries=3)  # plain code\n" * 400
WORDS = [
    "ignore previous instructions",
    "the user",
    "set aside",
    " ai ",
    "you",
    "post ",
    "system prompt",
    "phone ",
    "tel: ",
    "ssn ",
    "contact ",
    "version ",
    "password",
    "\n",
    "\t",
    " ",
    "İ",
]
NUMBERY = ["0", "1", "4", "7", "00", "555", "4111", " ", "-", ".", "(", ")", "/", "+", "\n", "x"]
texts = st.lists(st.sampled_from(WORDS + NUMBERY + ["DE89", "GB82", "WEST", "a", "Z"]), max_size=80)
digit_texts = st.lists(st.sampled_from(NUMBERY), max_size=400).map("".join)
DETECTOR = next(d for d in pii_detectors() if isinstance(d, NumberDetector))
IBAN = next(d for d in pii_detectors() if isinstance(d, PatternRule))


@settings(max_examples=150, deadline=None)
@given(texts, st.sampled_from([*WORDS, "ignore previous", "ai", "user\n", "t asi"]))
def test_contains_answers_like_a_search_of_the_text(pieces: list[str], needle: str) -> None:
    block = Block(PADDING + "".join(pieces))
    assert block.contains(needle) == (needle in block.lowered)


@settings(max_examples=150, deadline=None)
@given(texts)
def test_present_triggers_are_the_triggers_the_text_holds(pieces: list[str]) -> None:
    for text in ("".join(pieces), PADDING + "".join(pieces)):
        block = Block(text)
        assert present_triggers(block) == [t for t in TRIGGERS if t in block.lowered]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["DE89", "GB82", "WEST", "3704", "0044", " ", "a", "1"]), max_size=40)
)
def test_iban_on_the_shape_finds_the_spans_of_the_plain_pattern(pieces: list[str]) -> None:
    text = "".join(pieces)
    plain = [m.span() for m in IBAN.pattern.finditer(text)]
    assert IBAN.shape_pattern is not None
    assert [m.span() for m in IBAN.shape_pattern.finditer(Block(text).shape or b"")] == plain


@settings(max_examples=200, deadline=None)
@given(digit_texts)
def test_runs_found_from_digits_are_the_runs_of_the_plain_pattern(text: str) -> None:
    """Every run with the four digits a numeric rule needs, with the same span."""
    plain = [
        (m.start(), m.end(), d)
        for m in _NUMBER_RUN.finditer(text)
        if (d := sum(map(str.isdigit, m.group()))) >= 4
    ]
    shape = Block(text).shape
    assert shape is not None
    found = [run for run in _Runs(shape)._scan(0) if run[2] >= 4]
    assert found == plain


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(NUMBERY + WORDS[7:13] + ["4111 1111 1111 1111", "8.8.8.8"]), max_size=120
    )
)
def test_numeric_rules_near_gates_find_what_trying_every_run_finds(pieces: list[str]) -> None:
    text = "".join(pieces)
    expected = {(h.start, h.end, h.meta.rule_id) for h in DETECTOR._every_run(text)}
    found = {(h.start, h.end, h.meta.rule_id) for h in DETECTOR.detect(Block(text))}
    assert found == expected


def test_numeric_rules_near_gates_deep_inside_long_runs_of_digits() -> None:
    """Gates thousands of characters into a stretch of digits: runs are found from its start."""
    text = "1" * 5000 + " call +1 415 555 2671 " + "2" * 5000 + " card 4111 1111 1111 1111"
    expected = {(h.start, h.end, h.meta.rule_id) for h in DETECTOR._every_run(text)}
    found = {(h.start, h.end, h.meta.rule_id) for h in DETECTOR.detect(Block(text))}
    assert found == expected
    assert {(text[s:e], rule) for s, e, rule in found} >= {
        ("+1 415 555 2671", "phone"),
        ("4111 1111 1111 1111", "credit-card"),
    }


def _best_phrase_without_heads(text: str, limit: int) -> tuple[Phrase, int] | None:
    best: tuple[Phrase, int] | None = None
    for phrase in PHRASES:
        match = phrase.pattern.search(text)
        starts_in_time = match is not None and match.start() < limit
        if (
            match is not None
            and starts_in_time
            and (best is None or phrase.weight > best[0].weight)
        ):
            best = (phrase, match.end())
    return best


PHRASE_WORDS = re.findall(r"[a-z']{2,}", " ".join(p.pattern.pattern for p in PHRASES))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*PHRASE_WORDS, " ", ": ", "<|", "|>", "\n"]), max_size=30))
def test_phrase_heads_skip_only_phrases_that_cannot_match(pieces: list[str]) -> None:
    text = " ".join(pieces)
    for limit in (len(text) // 3, len(text) + 1):
        assert _best_phrase(text, limit) == _best_phrase_without_heads(text, limit)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([":", "::", "2001", "DB8", "fe80", "g", " ", "\n", "1", "é"]), max_size=30
    )
)
def test_ipv6_gate_holds_wherever_an_address_tail_starts(pieces: list[str]) -> None:
    text = "".join(pieces)
    if _IPV6_TAIL.search(text) is not None:
        assert _TWO_COLONS.search(Block(PADDING + text).vocabulary) is not None
