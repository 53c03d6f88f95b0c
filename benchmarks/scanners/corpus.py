"""Scoring on the labelled corpus: line overlap for secrets, character overlap for PII,
record level for injection (README of the corpus)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

Span = tuple[int, int, str]  # start, end, category
Detect = Callable[[str], list[Span]]

PII_KINDS = {
    "EMAIL": "email",
    "PHONE": "phone",
    "SSN": "ssn",
    "CREDIT_CARD": "credit_card",
    "IP_ADDRESS": "ip_address",
    "IBAN": "iban",
}


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def row(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return p, r, 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Table:
    scores: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))


def records(corpus: Path, name: str) -> list[dict[str, object]]:
    with (corpus / f"{name}.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _lines(text: str, start: int, end: int) -> set[int]:
    first = text.count("\n", 0, start)
    return set(range(first, first + text.count("\n", start, end) + 1))


def score_secrets(recs: list[dict[str, object]], detect: Detect) -> Table:
    """A label is found when any finding shares a line; a finding is true when it shares a
    line with any label. Recall per label category, precision over all findings."""
    table = Table()
    for rec in recs:
        text = str(rec["text"])
        labels = rec["labels"]  # type: ignore[assignment]
        found = detect(text)
        found_lines = set().union(*(_lines(text, s, e) for s, e, _ in found)) if found else set()
        label_lines = set()
        for label in labels:  # type: ignore[attr-defined]
            lines = _lines(text, label["start"], label["end"])
            label_lines |= lines
            hit = bool(lines & found_lines)
            table.scores[label["category"]].tp += hit
            table.scores[label["category"]].fn += not hit
            table.scores["ALL"].tp += hit
            table.scores["ALL"].fn += not hit
        for s, e, _ in found:
            if not _lines(text, s, e) & label_lines:
                table.scores["ALL"].fp += 1
    return table


def score_pii(recs: list[dict[str, object]], detect: Detect) -> Table:
    """Per category: a label is found by an overlapping finding of the same category."""
    table = Table()
    for rec in recs:
        text = str(rec["text"])
        labels = [(lab["start"], lab["end"], lab["category"]) for lab in rec["labels"]]  # type: ignore[attr-defined]
        found = detect(text)
        for s, e, cat in labels:
            if cat not in PII_KINDS.values():
                continue
            hit = any(fc == cat and fs < e and s < fe for fs, fe, fc in found)
            table.scores[cat].tp += hit
            table.scores[cat].fn += not hit
        for fs, fe, fc in found:
            if not any(cat == fc and fs < e and s < fe for s, e, cat in labels):
                table.scores[fc].fp += 1
    return table


def score_injection(recs: list[dict[str, object]], detect: Detect) -> dict[str, tuple[int, int]]:
    """Record level: detected/total per category and subset, and false alarms on negatives."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for rec in recs:
        flagged = bool(detect(str(rec["text"])))
        labels = rec["labels"]  # type: ignore[assignment]
        synthetic = str(rec["source"]).startswith("synthetic")
        keys = (
            {lab["category"] for lab in labels} | {"ALL positives"}  # type: ignore[attr-defined]
            if labels
            else {"benign (false alarms)"}
        )
        if labels and synthetic:
            keys.add("hidden-in-artifact (synthetic)")
        if not labels and synthetic:
            keys.add("benign synthetic artifacts (false alarms)")
        for key in keys:
            counts[key][0] += flagged
            counts[key][1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(counts.items())}
