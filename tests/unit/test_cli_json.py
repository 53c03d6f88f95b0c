"""`--json` on every command: one JSON value on stdout, success or failure, same exit codes."""

from __future__ import annotations

import argparse
import http.server
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowcheck.cli import HANDLERS, main
from flowcheck.cli_parser import build_parser
from tests.conftest import git

AWS_KEY = "AKIAZ7Q4M2W3R5T6Y3U6"


pytestmark = pytest.mark.usefixtures("restore_logging")


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str], code: int = 0) -> Any:
    assert main([*argv, "--json"]) == code
    return json.loads(capsys.readouterr().out)


def leaf_commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> Iterator[Any]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from leaf_commands(sub, (*prefix, name))
            return
    yield prefix, parser


def test_every_command_but_serve_takes_json() -> None:
    """Issue 12 §5: only check, scan and config show had --json."""
    found = {
        " ".join(name): any("--json" in a.option_strings for a in parser._actions)
        for name, parser in leaf_commands(build_parser(HANDLERS))
    }
    assert found == {
        "serve": False,  # stdout is the MCP stream
        "healthcheck": True,
        "check": True,
        "config check": True,
        "config show": True,
        "config env": True,
        "scan": True,
        "hooks install": True,
        "hooks uninstall": True,
        "index": True,
        "audit verify": True,
        "audit bypass": True,
    }


def test_scan_json_is_the_scan_report(
    make_repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo()
    (repo / "cfg.py").write_text(f'aws_access_key_id = "{AWS_KEY}"\n')
    result = run_json(["scan", str(repo)], capsys, code=2)
    assert (result["truncated"], result["summary"]["total"]) == (False, 1)
    assert [(f["rule_id"], f["path"], f["line"]) for f in result["findings"]] == [
        ("aws-access-key-id", "cfg.py", 1)
    ]


def test_scan_redact_json_carries_the_redacted_text(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, `scan - --redact --json` printed the redacted text and then the JSON: no parser
    could read that stdout."""
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{AWS_KEY} x\n"))
    result = run_json(["scan", "-", "--redact"], capsys, code=2)
    assert result["redacted_text"] == "[REDACTED_AWS_KEY_1] x\n"
    assert [f["excerpt"] for f in result["findings"]] == ["[REDACTED_AWS_KEY_1] x"]


def test_index_json_is_the_index_statistics(
    make_repo: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo()
    head = git(repo, "rev-parse", "HEAD").strip()
    assert run_json(["index", str(repo)], capsys) == {
        "repository": str(repo.resolve()),
        "head": head,
        "commits": 1,
        "added": 1,
        "removed": 0,
        "depth": None,  # the whole history (FLOWCHECK_HISTORY_INDEX_LIMIT unset)
    }


def test_audit_json(isolated_environment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    audit_log = str(isolated_environment / ".flowcheck" / "audit.log")
    assert run_json(["audit", "bypass", "--hook", "pre-commit"], capsys) == {
        "recorded": "hook:pre-commit",
        "audit_log": audit_log,
    }
    assert run_json(["audit", "verify"], capsys) == {
        "audit_log": audit_log,
        "entries": 1,
        "intact": True,
        "problems": [],
    }
    Path(audit_log).write_text(Path(audit_log).read_text().replace('"bypass"', '"ok"', 1))
    assert run_json(["audit", "verify"], capsys, code=1) == {
        "audit_log": audit_log,
        "entries": 1,
        "intact": False,
        "problems": [f"{audit_log}:1: entry was modified"],
    }


def test_hooks_json(make_repo: Any, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo()
    hooks = repo / ".git" / "hooks"
    written = [str(hooks / "pre-commit"), str(hooks / "post-commit")]
    assert run_json(["hooks", "install", str(repo)], capsys) == {
        "hooks_dir": str(hooks),
        "installed": written,
    }
    assert run_json(["hooks", "uninstall", str(repo)], capsys) == {
        "hooks_dir": str(hooks),
        "removed": written,
    }


def test_config_json(isolated_environment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_json(["config", "check"], capsys) == {"valid": True, "serve_transport": "stdio"}
    rows = {row["variable"]: row for row in run_json(["config", "env"], capsys)}
    assert rows["FLOWCHECK_AUTH_TOKEN"] == {
        "variable": "FLOWCHECK_AUTH_TOKEN",
        "aliases": [],
        "secret": True,
        "default": "",
        "description": "Bearer token(s) for /mcp, comma separated; required off loopback.",
    }
    assert rows["FLOWCHECK_TRANSPORT"]["aliases"] == ["MCP_TRANSPORT"]


def test_config_show_prints_the_paths_derived_from_storage(
    isolated_environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12 §5: rules, index and audit log paths showed "(unset)" where FlowCheck in fact
    used <storage>/rules, <storage>/semantic_index.db and <storage>/audit.log."""
    storage = isolated_environment / "state"
    monkeypatch.setenv("FLOWCHECK_STORAGE_PATH", str(storage))
    monkeypatch.setenv("FLOWCHECK_AUDIT_LOG_PATH", "/var/log/flowcheck.log")
    assert main(["config", "show"]) == 0
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    shown = {words[0]: " ".join(words[1:]) for words in lines if words[0].endswith("_PATH")}
    assert shown == {
        "FLOWCHECK_STORAGE_PATH": f"{storage} (environment)",
        "FLOWCHECK_RULES_PATH": f"{storage}/rules (default: <storage>/rules)",
        "FLOWCHECK_SEMANTIC_INDEX_PATH": f"{storage}/semantic_index.db "
        "(default: <storage>/semantic_index.db)",
        "FLOWCHECK_AUDIT_LOG_PATH": "/var/log/flowcheck.log (environment)",
        "FLOWCHECK_GIT_REPO_PATH": "(unset) (default)",
    }
    rows = {row["name"]: row for row in run_json(["config", "show"], capsys)}
    assert [
        (rows[name]["value"], rows[name]["effective"], rows[name]["source"])
        for name in ("rules_path", "semantic_index_path", "audit_log_path", "agent_id")
    ] == [
        (None, f"{storage}/rules", "default"),
        (None, f"{storage}/semantic_index.db", "default"),
        ("/var/log/flowcheck.log", "/var/log/flowcheck.log", "environment"),
        ("unknown", "unknown", "default"),
    ]


class Healthy(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_healthcheck_json(capsys: pytest.CaptureFixture[str]) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/healthz"
    try:
        assert run_json(["healthcheck", "--url", url], capsys) == {
            "url": url,
            "status": 200,
            "healthy": True,
        }
    finally:
        server.shutdown()
        server.server_close()
    failure = run_json(["healthcheck", "--url", url, "--timeout", "1"], capsys, code=1)
    assert (failure["fix"], failure["exit_code"]) == (
        "start the server, or pass its --url",
        1,
    )
    assert failure["error"].startswith(f"healthcheck: {url} did not answer: ")


def test_errors_are_json_with_the_same_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing"
    assert main(["check", str(missing), "--json"]) == 3
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {
        "error": f"repository path {missing} does not exist",
        "fix": "pass an existing directory",
        "exit_code": 3,
    }
    assert (
        captured.err
        == f"flowcheck: repository path {missing} does not exist; pass an existing directory\n"
    )
    monkeypatch.setenv("FLOWCHECK_SERVER_PORT", "0")
    assert run_json(["index", "."], capsys, code=2) == {
        "error": "invalid configuration",
        "fix": "correct each problem listed; `flowcheck config env` describes every setting",
        "problems": ["FLOWCHECK_SERVER_PORT='0': Input should be greater than or equal to 1"],
        "exit_code": 2,
    }


def test_usage_errors_are_json_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["healthcheck", "--json", "--timeout", "soon"]) == 64
    assert json.loads(capsys.readouterr().out) == {
        "error": "flowcheck healthcheck: argument --timeout: 'soon' is not a number of seconds "
        "above 0",
        "fix": "run the command with --help for its arguments",
        "exit_code": 64,
    }
