"""The offline judge: TF-IDF cosine between the ticket and the diff, plus scope-creep and
missing-criteria hints. Only the real change set is scored; the caller's `context` never is."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from flowcheck.intent.changes import ChangeSet
from flowcheck.intent.terms import term_counts

ALIGNED_THRESHOLD = 0.3
_MAX_LISTED = 10
_CRITERION_CHARS = 160
_CHECKBOX = re.compile(r"^\s*[-*+]\s+\[[ xX]\]\s+(.+)$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(.+)$")
_HEADING = re.compile(r"^\s*(?:#{1,6}\s+|\*\*)(.+?)\**\s*$")
_CRITERIA_HEADING = re.compile(r"acceptance|criteria|requirement|definition of done|tasks?\b", re.I)
# Work the ticket must ask for explicitly; otherwise it is scope creep.
_SIDE_WORK = {
    "refactoring": re.compile(r"\brefactor", re.I),
    "clean-up": re.compile(r"\bclean[\s_-]?up", re.I),
    "renaming": re.compile(r"\brenam(?:e|ed|es|ing)\b", re.I),
    "reformatting": re.compile(r"\breformat", re.I),
}


@dataclass(frozen=True)
class Assessment:
    score: float
    missing_criteria: list[str]
    scope_creep_warnings: list[str]


def assess(ticket_text: str, changes: ChangeSet) -> Assessment:
    """Score `changes` against the ticket's title and body."""
    ticket = term_counts(ticket_text)
    files = {path: term_counts(text) for path, text in changes.text_by_path().items()}
    diff_terms: Counter[str] = Counter()
    for counts in files.values():
        diff_terms.update(counts)
    idf = _idf(list(files.values()))
    score = _cosine(_weights(ticket, idf), _weights(diff_terms, idf))
    return Assessment(
        score=round(score, 2),
        missing_criteria=missing_criteria(ticket_text, set(diff_terms)),
        scope_creep_warnings=_side_work(ticket_text, changes) + _unrelated_files(ticket, files),
    )


def missing_criteria(ticket_text: str, diff_terms: set[str]) -> list[str]:
    """Checklist items (or bullets under an acceptance-criteria heading) whose words the diff
    never uses."""
    missing = [
        item[:_CRITERION_CHARS]
        for item in _criteria(ticket_text)
        if (words := set(term_counts(item))) and not words & diff_terms
    ]
    return missing[:_MAX_LISTED]


def _criteria(ticket_text: str) -> list[str]:
    checkboxes: list[str] = []
    listed: list[str] = []
    in_criteria_section = False
    for line in ticket_text.splitlines():
        if (heading := _HEADING.match(line)) is not None:
            in_criteria_section = _CRITERIA_HEADING.search(heading.group(1)) is not None
        elif (box := _CHECKBOX.match(line)) is not None:
            checkboxes.append(box.group(1).strip())
        elif in_criteria_section and (bullet := _BULLET.match(line)) is not None:
            listed.append(bullet.group(1).strip())
    return list(dict.fromkeys(checkboxes + listed))


def _side_work(ticket_text: str, changes: ChangeSet) -> list[str]:
    diff_text = "\n".join(changes.text_by_path().values())
    return [
        f"the diff contains {work} that the ticket does not ask for; "
        "move it to its own change or ticket"
        for work, pattern in _SIDE_WORK.items()
        if pattern.search(diff_text) and not pattern.search(ticket_text)
    ]


def _unrelated_files(ticket: Counter[str], files: dict[str, Counter[str]]) -> list[str]:
    """Files sharing no word with the ticket, when other files do: likely unrelated work."""
    unrelated = [path for path, counts in files.items() if not set(counts) & set(ticket)]
    if not unrelated or len(unrelated) == len(files):
        return []
    shown = ", ".join(unrelated[:_MAX_LISTED])
    more = f" and {len(unrelated) - _MAX_LISTED} more" if len(unrelated) > _MAX_LISTED else ""
    return [f"{len(unrelated)} changed file(s) share no words with the ticket: {shown}{more}"]


def _idf(files: list[Counter[str]]) -> dict[str, float]:
    """Inverse document frequency over the changed files: a word in every file (project
    names, common identifiers) weighs 1, a word in one of N files 1 + ln N. Ticket words the
    diff lacks weigh 1 as well: plain TF over a two-document corpus would instead punish
    exactly the words ticket and diff share."""
    frequency: Counter[str] = Counter()
    for counts in files:
        frequency.update(set(counts))
    return {term: 1 + math.log(len(files) / count) for term, count in frequency.items()}


def _weights(counts: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    # sublinear tf: a word repeated 50 times in a generated file must not swamp the score
    return {term: (1 + math.log(count)) * idf.get(term, 1.0) for term, count in counts.items()}


def _cosine(left: dict[str, float], right: dict[str, float]) -> float:
    dot = sum(weight * right.get(term, 0.0) for term, weight in left.items())
    norms = math.sqrt(sum(w * w for w in left.values())) * math.sqrt(
        sum(w * w for w in right.values())
    )
    return dot / norms if norms else 0.0
