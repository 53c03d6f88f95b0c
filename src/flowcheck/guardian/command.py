"""`flowcheck scan [PATH|-] [--staged] [--json] [--redact]`: the logic behind the subcommand.

Exit codes: 0 clean, 2 findings, 3 the scan could not run (never reported as clean).
``--json`` prints the scan_changes report (findings, truncated, summary, highest_severity, ...):
the list holds at most 100 findings per file and 1000 in all, the most severe kept, while the
summary counts every finding. The human output lists the same findings and, when cut, ends
with a line saying how many more there are.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from flowcheck.cli_output import print_json, report_error, terminal_safe
from flowcheck.errors import FlowcheckError
from flowcheck.git.repo import hook_index_file, resolve_repository
from flowcheck.guardian.models import Finding
from flowcheck.guardian.rules import load_rules
from flowcheck.guardian.service import sanitize, scan_changes, scan_text_report

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 2, 3


def scan_command(
    target: str,
    *,
    staged: bool,
    as_json: bool,
    redact: bool,
    rules_path: Path | None,
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    """Scan a repository's changes (only the staged ones with ``staged``) or, for ``-``, the
    text on stdin; ``redact`` prints stdin back with every finding replaced by its token."""
    redacted: str | None = None
    try:
        rules = load_rules(rules_path)
        if target == "-":
            text = stdin.read()
            report = scan_text_report(text, rules)
            if redact:
                redacted = sanitize(text, rules).sanitized_text
        else:
            repo = resolve_repository(target, allowed_roots=[], default=None)
            if staged:
                index = hook_index_file(repo)
                report = scan_changes(repo, "staged", rules, index_file=index)
            else:
                report = scan_changes(repo, "all", rules)
    except FlowcheckError as exc:
        return report_error(exc, EXIT_ERROR, as_json=as_json, stdout=stdout, stderr=stderr)
    if as_json:
        result: dict[str, object] = report.model_dump(mode="json")
        if redacted is not None:
            result["redacted_text"] = redacted
        print_json(result, stdout)
    elif redacted is not None:
        stdout.write(redacted)
    else:
        stdout.writelines(terminal_safe(_human(f)) + "\n" for f in report.findings)
        if report.truncated:
            unlisted = report.summary.total - len(report.findings)
            stdout.write(f"... and {unlisted} more findings (the most severe are listed)\n")
    return EXIT_FINDINGS if report.summary.total else EXIT_CLEAN


def _human(finding: Finding) -> str:
    where = f"{finding.path or '<stdin>'}:{finding.line}:{finding.column}"
    return (
        f"{where}: {finding.severity} {finding.category} {finding.rule_id} "
        f"({finding.source}): {finding.excerpt}"
    )
