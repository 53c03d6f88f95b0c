"""`flowcheck scan` logic: exit codes, output, stdin redaction."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from flowcheck.guardian.command import scan_command
from tests.conftest import git

KEY = "AKIAQ3EGZ7N2LQWX5T4M"


def run(target: str, stdin: str = "", **flags: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    options = {"staged": False, "as_json": False, "redact": False, "rules_path": None, **flags}
    code = scan_command(target, stdin=io.StringIO(stdin), stdout=out, stderr=err, **options)
    return code, out.getvalue(), err.getvalue()


def test_staged_secret_exits_2_with_location(make_repo: Any) -> None:
    repo = make_repo()
    (repo / "cfg.env").write_text(f"A=1\nAWS={KEY}\n")
    git(repo, "add", "cfg.env")
    code, out, _ = run(str(repo), staged=True)
    assert (code, out) == (
        2,
        "cfg.env:2:5: critical secret aws-access-key-id (staged): AWS=[REDACTED_AWS_KEY_1]\n",
    )


def test_clean_repo_exits_0(make_repo: Any) -> None:
    assert run(str(make_repo()), staged=True) == (0, "", "")


def test_json_output(make_repo: Any) -> None:
    repo = make_repo()
    (repo / "n.txt").write_text(KEY)
    code, out, _ = run(str(repo), as_json=True)
    assert code == 2
    assert [(f["rule_id"], f["path"], f["source"]) for f in json.loads(out)["findings"]] == [
        ("aws-access-key-id", "n.txt", "untracked")
    ]


def test_stdin_redact_prints_sanitized_text() -> None:
    assert run("-", stdin=f"key {KEY}\n", redact=True) == (2, "key [REDACTED_AWS_KEY_1]\n", "")


def test_error_exits_3_never_clean(tmp_path: Path) -> None:
    """0.4 defect B1.7: errors were reported as a clean scan."""
    code, out, err = run(str(tmp_path / "missing"))
    assert (code, out) == (3, "")
    assert err.startswith("flowcheck: repository path ")
