"""Holes a review of the issue 8 changes found, each guarded by the case that reproduced it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from flowcheck import hooks
from flowcheck.cli_output import terminal_safe
from tests.adversarial.content_support import (
    EMAIL,
    GITHUB_TOKEN,
    assert_never_leaks,
    call_tool,
    run_cli,
    settings_for,
)
from tests.conftest import git

MakeRepo = Any


def test_a_repository_flowcheckignore_cannot_switch_off_the_commit_gate(
    make_repo: MakeRepo,
) -> None:
    """Hostile repository, `.flowcheckignore` of `*`: a staged secret still blocks the commit,
    and `flowcheck scan --staged` still reports it (the file is the repository's to write, so it
    shapes only the flow metrics, never the security scan).
    """
    repo = make_repo()
    (repo / "deploy.env").write_text(f"TOKEN={GITHUB_TOKEN}\n")
    git(repo, "add", "deploy.env")
    (repo / ".flowcheckignore").write_text("*\n")
    code, out, _ = run_cli("scan", "--staged", str(repo))
    assert (code, out.count("github-token")) == (2, 1)
    hooks.install(repo)
    committed = subprocess.run(
        ["git", "-C", str(repo), "commit", "-q", "-m", "ship it"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert committed.returncode != 0
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"


async def test_a_secret_straddling_the_recorded_length_never_reaches_the_audit_log(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """Hostile agent, an argument with a token at character 190: the audit log records the
    argument redacted, not the token's first characters (it was cut to 200 characters first,
    and a cut token no longer looked like one).
    """
    repo = make_repo()
    settings = settings_for(None, tmp_path / "storage", allowed_roots=[repo.parent])
    repo_path = str(repo) + "/" + "x" * (188 - len(str(repo))) + "/" + GITHUB_TOKEN
    answer = await call_tool(settings, "get_flow_state", {"repo_path": repo_path})
    assert answer.is_error
    assert GITHUB_TOKEN[:8] not in answer.audit
    assert "[REDACTED_GITHUB_TOKEN_1]" in answer.audit


def test_a_file_name_cannot_send_escape_sequences_to_the_terminal(make_repo: MakeRepo) -> None:
    """Hostile repository, control characters in a file name: `flowcheck scan` and
    `flowcheck check` print them escaped, so a name cannot retitle or clear the terminal and
    hide what was found.
    """
    repo = make_repo()
    name = "a\x1b]0;pwned\x07\x1b[2J.txt"
    (repo / name).write_text(f"mail {EMAIL}\n")
    for command in ("scan", "check"):
        _, out, err = run_cli(command, str(repo))
        assert "\x1b" not in out + err and "\x07" not in out + err, command
        assert terminal_safe(name) in out, command
    assert_never_leaks((EMAIL,), out)


def test_terminal_safe_keeps_newlines_and_tabs_and_escapes_every_other_control() -> None:
    """Hostile repository, C0 and C1 controls in printed text: all but newline and tab are shown
    as `\\xNN`.
    """
    text = "".join(map(chr, range(0xA0)))
    shown = terminal_safe(text)
    assert [c for c in shown if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0] == ["\t", "\n"]
    assert shown.count("\\x") == 0x20 - 2 + 1 + 0x20


async def test_thousands_of_skipped_files_give_a_bounded_answer(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """Hostile repository, 3,000 binary untracked files: `scan_changes` lists the first 100
    skipped files and counts the rest (20,000 made a 3.8 MB answer, built in quadratic time).
    """
    repo = make_repo()
    for number in range(3000):
        (repo / f"blob{number:05}.bin").write_bytes(b"\0")
    settings = settings_for(repo, tmp_path / "storage")
    answer = await call_tool(settings, "scan_changes", {"scope": "untracked"})
    skipped = answer.structured["skipped"]
    assert (len(skipped), skipped[0], skipped[-1]) == (
        101,
        "blob00000.bin: binary",
        "... and 2900 more skipped files",
    )




async def test_a_private_key_in_a_long_commit_message_never_comes_back_in_part(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """Hostile repository, a private key in a long commit message: `search_history` returns the
    message redacted and then shortened (shortened first, the key block lost its END line and a
    line of its body came back unredacted).
    """
    repo = make_repo()
    body = "\n".join(["MIIEowIBAAKCAQEA1x2y3z4AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefgh"] * 12)
    key = f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"
    (repo / "deploy.txt").write_text("deploy\n")
    git(repo, "add", "deploy.txt")
    git(repo, "commit", "-q", "-m", "deploy " + "word " * 20 + "\n\n" + key)
    settings = settings_for(repo, tmp_path / "storage")
    answer = await call_tool(settings, "search_history", {"query": "deploy"})
    (hit,) = [h for h in answer.structured["results"] if h["message"].startswith("deploy")]
    assert "MIIE" not in answer.text
    assert hit["message"].endswith("\n\n[REDACTED_PRIVATE_KEY_1]")
