"""Runners for FlowCheck (in process) and the reference tools gitleaks and detect-secrets
(installed in the benchmark's own venv). Each returns findings as (start, end, category)."""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from flowcheck.guardian.engine import scan_text
from flowcheck.guardian.rules import RuleSet

from .corpus import PII_KINDS, Span

VENV_BIN = Path(__file__).resolve().parent.parent / ".venv" / "bin"
GITLEAKS = VENV_BIN / "gitleaks"
DETECT_SECRETS = VENV_BIN / "detect-secrets"


def flowcheck(rules: RuleSet, category: str) -> Callable[[str], list[Span]]:
    def detect(text: str) -> list[Span]:
        spans = []
        for hit in scan_text(text, rules):
            if hit.meta.category != category:
                continue
            label = PII_KINDS.get(hit.meta.kind, "other") if category == "pii" else category
            spans.append((hit.start, hit.end, label))
        return spans

    return detect


def _line_offsets(text: str) -> list[int]:
    offsets = [0]
    for index, char in enumerate(text):
        if char == "\n":
            offsets.append(index + 1)
    return offsets


def _write_all(texts: list[str], folder: Path) -> None:
    for index, text in enumerate(texts):
        (folder / f"r{index:06d}.txt").write_text(text, encoding="utf-8")


def batch_gitleaks(texts: list[str]) -> list[list[Span]]:
    """One gitleaks run over all texts; findings mapped back to line spans."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        _write_all(texts, folder)
        report = Path(tmp) / "report.json"
        subprocess.run(
            [
                str(GITLEAKS),
                "dir",
                str(folder),
                "--no-banner",
                "--exit-code",
                "0",
                "--report-format",
                "json",
                "--report-path",
                str(report),
                "--max-target-megabytes",
                "100",
            ],
            check=True,
            capture_output=True,
        )
        found: list[list[Span]] = [[] for _ in texts]
        for item in json.loads(report.read_text() or "[]"):
            index = int(Path(item["File"]).stem[1:])
            found[index].append(_line_span(texts[index], item["StartLine"], item["EndLine"]))
        return found


def batch_detect_secrets(texts: list[str]) -> list[list[Span]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _write_all(texts, folder)
        completed = subprocess.run(
            [str(DETECT_SECRETS), "scan", "-n", "--all-files", "."],
            check=True,
            capture_output=True,
            cwd=folder,
        )
        found: list[list[Span]] = [[] for _ in texts]
        for name, items in json.loads(completed.stdout)["results"].items():
            index = int(Path(name).stem[1:])
            for item in items:
                line = item["line_number"]
                found[index].append(_line_span(texts[index], line, line))
        return found


def _line_span(text: str, first: int, last: int) -> Span:
    offsets = _line_offsets(text)
    start = offsets[min(first, len(offsets)) - 1] if first >= 1 else 0
    end_index = min(last, len(offsets) - 1)
    end = offsets[end_index] - 1 if end_index < len(offsets) and last < len(offsets) else len(text)
    return (start, max(end, start + 1), "secret")
