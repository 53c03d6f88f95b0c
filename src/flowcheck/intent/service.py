"""verify_intent: fetch the ticket, collect the change set, let the heuristic or the LLM judge
decide. Synchronous; the tool runs it in a worker thread."""

from __future__ import annotations

import logging
from pathlib import Path

from flowcheck.guardian.models import Finding
from flowcheck.guardian.rules import RuleSet
from flowcheck.guardian.service import redacted_name, sanitize, scan_text_findings
from flowcheck.intent import heuristic, judge
from flowcheck.intent.changes import (
    JUDGE_DIFF_CHARS,
    ChangeSet,
    collect_changes,
    cut_at_line,
    judge_diff,
)
from flowcheck.intent.models import IntentResult, Mode
from flowcheck.intent.ticket import Issue, fetch_issue, github_repo, parse_ticket_id
from flowcheck.intent.transport import Unavailable
from flowcheck.settings import Settings

log = logging.getLogger(__name__)

NOT_ALIGNED_SCORE = 0.4  # the LLM judge's "not aligned", as in FlowCheck 0.4
_MAX_CONTEXT_CHARS = 4000
_MAX_TICKET_CHARS = 12_000  # issue bodies reach 65,536 characters
_MAX_WARNINGS = 10
_SUMMARY_CHARS = 200


def verify_intent(
    repo: Path, ticket_id: str, context: str, settings: Settings, rules: RuleSet
) -> IntentResult:
    """Judge the uncommitted changes of the top level `repo` against GitHub issue `ticket_id`.

    Raises TicketError for a malformed ticket_id and GitError/ScanError when the changes
    cannot be read. A missing ticket or judge gives the verdict "unknown", never aligned.
    """
    result = _redacted(_verify(repo, ticket_id, context, settings, rules), rules)
    log.info(
        "verify_intent #%s: %s (%s, score %.2f)",
        result.ticket_id,
        result.verdict,
        result.mode,
        result.alignment_score,
    )
    return result


def _redacted(result: IntentResult, rules: RuleSet) -> IntentResult:
    """The texts files, issues and judges fed into the answer (file names in scope-creep
    warnings, a judge echoing the diff) with every secret and personal datum as a token."""

    def clean(texts: list[str]) -> list[str]:
        return [redacted_name(text, rules) for text in texts]

    return result.model_copy(
        update={
            "missing_criteria": clean(result.missing_criteria),
            "scope_creep_warnings": clean(result.scope_creep_warnings),
            "reasoning": redacted_name(result.reasoning, rules),
            "injection_warnings": clean(result.injection_warnings),
        }
    )


def _verify(
    repo: Path, ticket_id: str, context: str, settings: Settings, rules: RuleSet
) -> IntentResult:
    number = parse_ticket_id(ticket_id)
    chosen = judge.configured_judge(settings)
    mode: Mode = chosen.provider if chosen else "heuristic"
    if number is None:
        return _unknown("", mode, "No ticket ID provided", ["No ticket ID provided"])
    changes = collect_changes(repo)
    try:
        issue = fetch_issue(settings, github_repo(repo, settings), number)
    except Unavailable as unavailable:
        return _unknown(number, mode, f"Cannot verify: {unavailable.reason}.")
    ticket = sanitize(f"{issue.title}\n\n{issue.body}", rules).sanitized_text
    base = IntentResult(
        alignment_score=0.0,
        ticket_id=number,
        ticket_summary=_summary(issue, rules),
        missing_criteria=[],
        scope_creep_warnings=[],
        is_aligned=False,
        verdict="not_aligned",
        mode=mode,
        reasoning="",
        injection_warnings=_injection_warnings(issue, changes, rules),
    )
    if changes.empty:  # nothing to judge: no LLM call, and never aligned
        return base.model_copy(
            update={
                "missing_criteria": heuristic.missing_criteria(ticket, set()),
                "reasoning": "There are no uncommitted changes to check against the ticket.",
            }
        )
    if chosen is None:
        return _heuristic(base, ticket, changes, _heuristic_notes(settings, context))
    return _judged(base, chosen, ticket, changes, context, rules)


def _heuristic(base: IntentResult, ticket: str, changes: ChangeSet, notes: str) -> IntentResult:
    assessment = heuristic.assess(ticket, changes)
    aligned = assessment.score >= heuristic.ALIGNED_THRESHOLD
    reasoning = (
        f"TF-IDF similarity between the ticket and the {len(changes.paths)} changed file(s) is "
        f"{assessment.score:.2f}; aligned needs at least {heuristic.ALIGNED_THRESHOLD:.2f}."
    )
    return base.model_copy(
        update={
            "alignment_score": assessment.score,
            "missing_criteria": assessment.missing_criteria,
            "scope_creep_warnings": assessment.scope_creep_warnings,
            "is_aligned": aligned,
            "verdict": "aligned" if aligned else "not_aligned",
            "reasoning": reasoning + notes,
        }
    )


def _judged(
    base: IntentResult,
    chosen: judge.Judge,
    ticket: str,
    changes: ChangeSet,
    context: str,
    rules: RuleSet,
) -> IntentResult:
    diff = judge_diff(changes, rules)
    notes, _ = cut_at_line(sanitize(context, rules).sanitized_text, _MAX_CONTEXT_CHARS)
    quoted_ticket, _ = cut_at_line(ticket, _MAX_TICKET_CHARS)
    prompt = judge.build_prompt(quoted_ticket, diff.text, notes, truncated=diff.truncated)
    try:
        verdict = judge.ask(chosen, prompt)
    except Unavailable as unavailable:
        return base.model_copy(
            update={"verdict": "unknown", "reasoning": f"Cannot verify: {unavailable.reason}."}
        )
    cut = f" (the judge saw the first {JUDGE_DIFF_CHARS} characters of the diff)"
    return base.model_copy(
        update={
            "alignment_score": 1.0 if verdict.aligned else NOT_ALIGNED_SCORE,
            "missing_criteria": verdict.missing_criteria,
            "scope_creep_warnings": verdict.scope_creep,
            "is_aligned": verdict.aligned,
            "verdict": "aligned" if verdict.aligned else "not_aligned",
            "reasoning": verdict.reason + (cut if diff.truncated else ""),
        }
    )


def _heuristic_notes(settings: Settings, context: str) -> str:
    notes = ""
    if settings.intent_provider != "none":
        variable = judge.KEY_VARIABLES[settings.intent_provider]
        notes += f" The {settings.intent_provider} judge is configured but {variable} is not set."
    if context.strip():
        notes += " The context was not scored: only an LLM judge reads it, as advice."
    return notes


def _summary(issue: Issue, rules: RuleSet) -> str:
    title = sanitize(issue.title, rules).sanitized_text.strip()
    return f"#{issue.number} {title}"[:_SUMMARY_CHARS]


def _injection_warnings(issue: Issue, changes: ChangeSet, rules: RuleSet) -> list[str]:
    located = [
        (f"issue #{issue.number} title", f) for f in scan_text_findings(issue.title, rules)
    ] + [
        (f"issue #{issue.number} body line {f.line}", f)
        for f in scan_text_findings(issue.body, rules)
    ]
    for segment in changes.judged_segments():  # bounded: the rest never reaches a judge
        located += [
            (f"{segment.path} line {f.line} ({segment.source})", f)
            for f in scan_text_findings(segment.text, rules, None, segment.first_line)
        ]
    warnings = [_warning(where, f) for where, f in located if f.category == "injection"]
    if len(warnings) > _MAX_WARNINGS:
        extra = len(warnings) - _MAX_WARNINGS
        warnings = [*warnings[:_MAX_WARNINGS], f"... and {extra} more"]
    return warnings


def _warning(where: str, finding: Finding) -> str:
    return f"{where}: {finding.rule_id} ({finding.severity}): {finding.excerpt}"


def _unknown(
    ticket_id: str, mode: Mode, reasoning: str, missing: list[str] | None = None
) -> IntentResult:
    return IntentResult(
        alignment_score=0.0,
        ticket_id=ticket_id,
        ticket_summary="",
        missing_criteria=missing or [],
        scope_creep_warnings=[],
        is_aligned=False,
        verdict="unknown",
        mode=mode,
        reasoning=reasoning,
        injection_warnings=[],
    )
