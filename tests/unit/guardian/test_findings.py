"""Located findings: lines and columns of the scanned text, caps on floods, linear pragmas."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from flowcheck.guardian.engine import scan_text
from flowcheck.guardian.findings import MAX_FINDINGS_PER_CALL, MAX_FINDINGS_PER_FILE
from flowcheck.guardian.rules import default_rules
from flowcheck.guardian.service import scan_changes, scan_text_findings
from tests.unit.guardian.test_redaction import SAMPLES, filler

RULES = default_rules()
KEY = "AKIAQ3EGZ7N2LQWX5T4M"
KEY_BODY = "\n".join("MIIEowIBAAKCAQEA" + "q" * 48 for _ in range(5))
RSA_BLOCK = f"-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY}\n-----END RSA PRIVATE KEY-----\n"


def where(text: str) -> list[tuple[str, int, int]]:
    return [(f.rule_id, f.line, f.column) for f in scan_text_findings(text, RULES)]


def test_lines_after_a_private_key_block_stay_the_texts_lines() -> None:
    """Issue 10: after a 7-line key block every later finding was reported (7 - 1) lines too
    early, because lines were counted in the redacted text, where the block is one token."""
    text = f"first line\n{RSA_BLOCK}another line\njane.doe@example.org\n"
    assert where(text) == [("private-key", 2, 1), ("email", 10, 1)]


def test_columns_count_in_the_scanned_text_not_the_redacted_one() -> None:
    text = f"a={KEY} b=jane.doe@example.org"
    assert where(text) == [("aws-access-key-id", 1, 3), ("email", 1, 26)]
    assert text[25:].startswith("jane.doe@")


def test_crlf_counts_one_line_and_a_lone_cr_none() -> None:
    """Lines end at LF, as git counts them: CRLF is one line break, a lone CR is none."""
    assert where("a\r\nb\r\nmail jane.doe@example.org\r\n") == [("email", 3, 6)]
    assert where("a\rb\rmail jane.doe@example.org\r") == [("email", 1, 10)]


def test_findings_are_capped_per_file_and_per_call_with_exact_counts(make_repo: Any) -> None:
    """Issue 8 #10: findings were unbounded (a 2 MB change gave a 158 MB response)."""
    repo: Path = make_repo()
    files = MAX_FINDINGS_PER_CALL // MAX_FINDINGS_PER_FILE + 2
    for number in range(files):
        lines = [f"user{n}@example.org" for n in range(MAX_FINDINGS_PER_FILE + 20)]
        (repo / f"f{number:02}.txt").write_text("\n".join(lines) + "\n")
    (repo / f"f{files - 1:02}.txt").write_text(f"aws = {KEY}\n", encoding="utf-8")
    report = scan_changes(repo, "untracked", RULES)
    per_file = [f.path for f in report.findings]
    assert len(per_file) == MAX_FINDINGS_PER_CALL
    assert max(per_file.count(path) for path in set(per_file)) == MAX_FINDINGS_PER_FILE
    assert report.truncated is True
    assert report.summary.by_kind == {"AWS_KEY": 1, "EMAIL": (files - 1) * 120}
    assert report.highest_severity == "critical"
    assert "aws-access-key-id" in [f.rule_id for f in report.findings]  # most severe kept
    assert [(f.path, f.line) for f in report.findings] == sorted(
        (f.path or "", f.line) for f in report.findings
    )


def test_pragma_filter_grows_linearly() -> None:
    """Issue 8 #10: every hit was compared with every pragma line (4 x 250 KB took 33 s)."""

    def seconds(lines: int) -> float:
        text = "\n".join(f"user{n}@example.org # flowcheck:allow" for n in range(lines))
        text += "\nleft@example.org\n"
        started = time.perf_counter()
        assert [rule for rule, _, _ in where(text)] == ["email"]
        assert len(scan_text(text, RULES)) == 1
        return time.perf_counter() - started

    small = min(seconds(2_000) for _ in range(3))
    large = min(seconds(8_000) for _ in range(3))
    assert large < 8 * small + 0.05  # quadratic would be 16x


def test_a_diff_plus_before_an_ipv4_address_is_no_phone_number() -> None:
    """Issue 10: '+192.168.100.200' on a diff-added line was read as an international phone
    number. A valid IPv4 address beats a dotted-quad phone, and a '+' opening a line followed by
    a dotted number is a diff marker; a '+' number written with spaces is still a phone."""
    diff = "@@ -1 +1,3 @@\n+192.168.100.200 gateway\n+1.202.555.0143\n+8.8.8.8\n"
    assert where(diff) == [("ip-address", 4, 2)]
    assert where("call +44 20 7946 0958\n+44 20 7946 0958\n") == [("phone", 1, 6), ("phone", 2, 1)]
    assert where("gateway +10.20.30.40 and tel +1.202.555.0143\n") == [("phone", 1, 30)]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(filler, st.sampled_from([*SAMPLES, RSA_BLOCK])), max_size=12))
def test_every_finding_points_at_its_hit_in_the_scanned_text(pieces: list[str]) -> None:
    """Issue 10: a finding's line and column lead to its hit in the text, for every detector
    (multi-line key blocks and CRLF included), whatever was redacted before it."""
    text = "\r\n".join(pieces[:3]) + "\n" + "\n".join(pieces[3:])
    starts = [0, *(index + 1 for index, char in enumerate(text) if char == "\n")]
    offsets = [starts[f.line - 1] + f.column - 1 for f in scan_text_findings(text, RULES)]
    assert sorted(offsets) == sorted(hit.start for hit in scan_text(text, RULES))
