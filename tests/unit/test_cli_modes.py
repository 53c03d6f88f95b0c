"""The command line's modes: which commands the HTTP transport rules apply to, exit codes for
usage and configuration errors, and a quiet stderr unless -v is given."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from flowcheck.cli import _log_level, main
from flowcheck.settings import Settings
from tests.conftest import git

ROOTS_LINE = (
    "flowcheck: invalid configuration: FLOWCHECK_ALLOWED_ROOTS is required in HTTP mode: set it "
    "to the directories holding the repositories the server may read\n"
)
TOKEN_LINE = (
    "flowcheck: invalid configuration: FLOWCHECK_AUTH_TOKEN is required to serve HTTP on "
    "0.0.0.0: set FLOWCHECK_AUTH_TOKEN or FLOWCHECK_AUTH_TOKEN_FILE, bind 127.0.0.1, or set "
    "FLOWCHECK_ALLOW_UNAUTHENTICATED=true\n"
)
AWS_KEY = "AKIAZ7Q4M2W3R5T6Y3U6"


pytestmark = pytest.mark.usefixtures("restore_logging")


@pytest.fixture
def image_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the container images set for every command they run."""
    monkeypatch.setenv("FLOWCHECK_TRANSPORT", "http")
    monkeypatch.setenv("FLOWCHECK_SERVER_HOST", "0.0.0.0")


def stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


@pytest.mark.parametrize(
    "argv", [["check", "{repo}"], ["scan", "-"], ["index", "{repo}"], ["audit", "verify"]]
)
def test_commands_other_than_serve_run_in_the_images_http_environment(
    argv: list[str],
    image_environment: None,
    make_repo: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 12 bug: FLOWCHECK_TRANSPORT=http and FLOWCHECK_SERVER_HOST=0.0.0.0 (the images'
    environment) made every command refuse to run without a token and allowed roots."""
    repo = make_repo()
    stdin(monkeypatch, "hello\n")
    assert main([arg.format(repo=repo) for arg in argv]) == 0
    assert capsys.readouterr().err == ""


def test_serve_still_refuses_http_off_loopback_without_token_or_roots(
    image_environment: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve"]) == 2
    assert capsys.readouterr().err == ROOTS_LINE + TOKEN_LINE


def test_serve_names_only_the_missing_token_when_roots_are_set(
    image_environment: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FLOWCHECK_ALLOWED_ROOTS", str(tmp_path))
    assert main(["serve"]) == 2
    assert capsys.readouterr().err == TOKEN_LINE


def test_config_check_validates_for_serving_too(
    image_environment: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "check"]) == 2
    assert capsys.readouterr().err == ROOTS_LINE + TOKEN_LINE


def test_config_check_says_it_checked_for_serving(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check"]) == 0
    assert capsys.readouterr().out == (
        "configuration is valid, for `flowcheck serve --transport stdio` too\n"
    )


@pytest.mark.parametrize(
    ("argv", "last_line"),
    [
        ([], None),
        (
            ["bogus"],
            "flowcheck: argument COMMAND: invalid choice: 'bogus' (choose from 'serve', "
            "'healthcheck', 'check', 'config', 'scan', 'hooks', 'index', 'audit')",
        ),
        (["check", "--bogus"], "flowcheck: unrecognized arguments: --bogus"),
        (["serve", "--port", "x"], "flowcheck serve: argument --port: invalid int value: 'x'"),
        (["config"], "flowcheck config: the following arguments are required: ACTION"),
        (
            ["healthcheck", "--timeout", "-1"],
            "flowcheck healthcheck: argument --timeout: '-1' is not a number of seconds above 0",
        ),
        (["scan", "--staged", "a", "b"], "flowcheck: unrecognized arguments: b"),
        (
            ["audit", "bypass"],
            "flowcheck audit bypass: the following arguments are required: --hook",
        ),
    ],
)
def test_usage_errors_exit_64_never_the_findings_code(
    argv: list[str], last_line: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12 §5: argparse exited 2, which `scan` and `check` use for findings (and the
    pre-commit hook reads as "secrets found")."""
    assert main(argv) == 64
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("usage: flowcheck")
    if last_line is not None:
        assert captured.err.splitlines()[-1] == last_line


@pytest.mark.parametrize(
    ("argv", "code"),
    [(["scan", "-"], 3), (["check", "."], 3), (["index", "."], 2), (["config", "check"], 2)],
)
def test_invalid_configuration_never_exits_with_the_findings_code(
    argv: list[str],
    code: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Found with issue 12: `scan` and `check` exited 2 (findings) on an invalid setting, so the
    pre-commit hook said "the staged changes contain secrets". There 2 means findings and a
    configuration error is 3; every other command keeps 2 for it."""
    monkeypatch.setenv("FLOWCHECK_SERVER_PORT", "0")
    stdin(monkeypatch, "")
    assert main(argv) == code
    assert capsys.readouterr().err == (
        "flowcheck: invalid configuration: FLOWCHECK_SERVER_PORT='0': "
        "Input should be greater than or equal to 1\n"
    )


def test_scan_with_invalid_rules_exits_3_with_one_line_per_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.yaml").write_text("disable: [no-such-rule, other]\n")
    monkeypatch.setenv("FLOWCHECK_RULES_PATH", str(rules))
    stdin(monkeypatch, "hello\n")
    assert main(["scan", "-"]) == 3
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    assert all(line.startswith("flowcheck: invalid configuration: ") for line in err)


def test_scan_redact_keeps_stderr_empty_without_verbose(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12 §5: `scan - --redact` printed an INFO line ("sanitize: ...") on stderr."""
    stdin(monkeypatch, f"{AWS_KEY} x\n")
    assert main(["scan", "-", "--redact"]) == 2
    assert capsys.readouterr() == ("[REDACTED_AWS_KEY_1] x\n", "")


@pytest.mark.parametrize(
    "argv",
    [
        ["-v", "scan", "-", "--redact"],
        ["scan", "-", "--redact", "-v"],
        ["scan", "--verbose", "-", "--redact"],
    ],
)
def test_verbose_shows_the_info_lines(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin(monkeypatch, f"{AWS_KEY} x\n")
    assert main(argv) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.endswith(" INFO flowcheck.guardian.service: sanitize: 1 findings, 23 chars")


def test_check_stays_quiet_even_at_a_configured_debug_level(
    make_repo: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """FLOWCHECK_LOG_LEVEL is the server's log level; the CLI prints its result and only
    warnings and errors unless -v asks for more."""
    monkeypatch.setenv("FLOWCHECK_LOG_LEVEL", "DEBUG")
    assert main(["check", str(make_repo())]) == 0
    assert capsys.readouterr().err == ""
    other = make_repo("other")
    assert main(["check", "-v", str(other)]) == 0
    assert capsys.readouterr().err.endswith(
        f" INFO flowcheck.guardian.service: scan {other} (all): 0 findings in 0 chars\n"
    )


def test_dash_v_alone_still_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    """Before -v meant --verbose it was --version; `flowcheck -v` alone keeps that meaning."""
    assert main(["-v"]) == 0
    with pytest.raises(SystemExit) as version:
        main(["-V"])
    assert version.value.code == 0
    assert capsys.readouterr().out == "FlowCheck 0.5.0\nFlowCheck 0.5.0\n"


def test_the_pre_commit_hook_shows_findings_not_log_lines(make_repo: Any) -> None:
    """Issue 12 §5: the hook passed FLOWCHECK_LOG_LEVEL through, so an operator's INFO level
    (meant for the server) filled every commit's output with log lines."""
    repo = make_repo()
    assert main(["hooks", "install", str(repo)]) == 0
    (repo / "cfg.py").write_text(f'aws_access_key_id = "{AWS_KEY}"\n')
    git(repo, "add", "cfg.py")
    env = {**os.environ, "FLOWCHECK_LOG_LEVEL": "INFO"}
    committed = subprocess.run(
        ["git", "-C", str(repo), "commit", "-qm", "leak"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (committed.returncode, committed.stdout) == (1, "")
    assert committed.stderr == (  # git shows a hook's stdout on stderr
        "cfg.py:1:22: critical secret aws-access-key-id (staged): aws_access_key_id = "
        '"[REDACTED_AWS_KEY_1]"\n'
        "flowcheck: commit blocked: the staged changes contain secrets, personal data or prompt "
        "injection (see above). Remove them, or add 'flowcheck:allow' on the line.\n"
    )


@pytest.mark.parametrize(
    ("configured", "debug", "serving", "verbose", "level"),
    [
        ("WARNING", False, True, False, "WARNING"),  # the server keeps the operator's level
        ("INFO", False, True, False, "INFO"),
        ("ERROR", True, True, False, "DEBUG"),
        ("DEBUG", False, False, False, "WARNING"),  # commands: quiet without -v
        ("ERROR", False, False, False, "ERROR"),
        ("WARNING", False, False, True, "INFO"),
        ("INFO", True, False, True, "DEBUG"),
    ],
)
def test_log_level_per_mode(
    configured: str, debug: bool, serving: bool, verbose: bool, level: str
) -> None:
    settings = Settings(log_level=configured, debug=debug)  # type: ignore[arg-type]
    assert _log_level(settings, serving=serving, verbose=verbose) == level
