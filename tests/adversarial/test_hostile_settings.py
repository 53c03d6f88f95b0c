"""Hostile settings: a repository (its `.env`, config-looking files, `.flowcheck.toml`) or a
careless environment trying to steer FlowCheck. Settings come only from the operator."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from flowcheck.errors import ConfigError
from flowcheck.settings_sources import load_settings
from tests.adversarial.settings_audit_support import (
    AWS_KEY,
    INITIALIZE_PARAMS,
    fake_peer,
    free_port,
    git,
    http_server,
    listening,
    operator_env,
    run_cli,
    stdio_session,
)

OPERATOR_KEY = "sk-operator-0123456789abcdef0123456789abcdef"
OPERATOR_GITHUB_TOKEN = "ghp_operator0123456789abcdef0123456789abcd"


def hostile_repo(make_repo: Any, dotenv: str, **files: str) -> Path:
    """A repository whose committed files include `.env` (and `files`), clean afterwards."""
    repo: Path = make_repo(files={"README.md": "hello\n", ".env": dotenv, **files})
    return repo


def operator_config(home: Path, **values: Any) -> Path:
    """The operator's config file, at the documented user location."""
    config = home / ".config" / "flowcheck" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("".join(f"{key}: {json.dumps(value)}\n" for key, value in values.items()))
    return config


def allow_all_rules(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "allow.yaml").write_text('allow:\n  paths: ["*", "**/*"]\n')
    return directory


# --- every entry point ----------------------------------------------------------------------

ENTRY_POINTS: dict[str, tuple[list[str], int]] = {
    "check": (["check", "."], 0),
    "scan": (["scan", "."], 0),
    "scan --staged": (["scan", "--staged"], 0),
    "index": (["index", "."], 0),
    "hooks install": (["hooks", "install"], 0),
    "audit verify": (["audit", "verify"], 0),
    "config check": (["config", "check"], 0),
    "config show": (["config", "show"], 0),
    "healthcheck": (["healthcheck"], 0),
}


@pytest.mark.parametrize("entry", [*ENTRY_POINTS, "serve stdio", "serve http"])
def test_no_entry_point_reads_a_dotenv_in_the_repository(
    isolated_environment: Path, make_repo: Any, entry: str
) -> None:
    """Hostile repository, .env: no CLI command or server mode started inside the repository reads
    its .env; a broken one stops nothing and a redirecting one moves nothing.
    """
    repo = hostile_repo(
        make_repo,
        "FLOWCHECK_SERVER_PORT=not-a-port\n"
        "FLOWCHECK_STORAGE_PATH=./.hostile-state\n"
        "FLOWCHECK_AUDIT_LOG_PATH=/dev/null\n",
    )
    with fake_peer() as health:
        operator_config(isolated_environment, server_port=health.port)
        env = operator_env(isolated_environment)
        if entry == "serve stdio":
            replies, _ = stdio_session(repo, env, [("get_flow_state", {"repo_path": str(repo)})])
            assert replies[1]["result"]["isError"] is False
        elif entry == "serve http":
            assert serve_http_answers_healthz(repo, env) == 200
        else:
            argv, expected = ENTRY_POINTS[entry]
            done = run_cli(argv, repo, env)
            assert (done.returncode, done.stderr.count("invalid configuration")) == (expected, 0)
    assert not (repo / ".hostile-state").exists()
    if entry == "healthcheck":
        assert [request["path"] for request in health.requests] == ["/healthz"]


def serve_http_answers_healthz(repo: Path, env: dict[str, str]) -> int:
    with http_server(repo, env) as port:
        return wait_for(f"http://127.0.0.1:{port}/healthz")


def wait_for(url: str, headers: dict[str, str] | None = None, body: bytes | None = None) -> int:
    deadline = time.monotonic() + 30
    while True:
        request = urllib.request.Request(url, data=body, headers=headers or {})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# --- the hooks in a real commit ---------------------------------------------------------------


def test_the_pre_commit_hook_blocks_a_secret_although_a_dotenv_swaps_the_rules(
    isolated_environment: Path, make_repo: Any, tmp_path: Path
) -> None:
    """Hostile repository, .env rules path: a .env pointing FLOWCHECK_RULES_PATH at allow-all rules
    does not let a staged secret through the pre-commit hook.
    """
    rules = allow_all_rules(tmp_path / "allow-all")
    repo = hostile_repo(make_repo, f"FLOWCHECK_RULES_PATH={rules}\n")
    env = operator_env(isolated_environment)
    assert run_cli(["hooks", "install"], repo, env).returncode == 0
    (repo / "cfg.py").write_text(f'aws_access_key_id = "{AWS_KEY}"\n')
    git(repo, "add", "cfg.py", env=env)
    committed = git(repo, "commit", "-qm", "leak", env=env)
    assert committed.returncode == 1
    assert "aws-access-key-id" in committed.stdout + committed.stderr
    assert "flowcheck: commit blocked" in committed.stderr


def test_the_post_commit_hook_indexes_where_the_operator_says(
    isolated_environment: Path, make_repo: Any
) -> None:
    """Hostile repository, .env storage path: the post-commit hook's index lands in the operator's
    storage, not where the repository's .env points.
    """
    repo = hostile_repo(
        make_repo,
        "FLOWCHECK_STORAGE_PATH=/dev/shm/flowcheck-hostile\n"
        "FLOWCHECK_SEMANTIC_INDEX_PATH=./.hostile-index.db\n",
    )
    env = operator_env(isolated_environment)
    assert run_cli(["hooks", "install"], repo, env).returncode == 0
    (repo / "notes.md").write_text("more\n")
    git(repo, "add", "notes.md", env=env)
    assert git(repo, "commit", "-qm", "notes", env=env).returncode == 0
    index = isolated_environment / ".flowcheck" / "semantic_index.db"
    deadline = time.monotonic() + 60
    while not index.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert index.exists()
    assert not (repo / ".hostile-index.db").exists()
    assert not Path("/dev/shm/flowcheck-hostile").exists()


def test_a_hook_bypass_is_recorded_in_the_operators_audit_log(
    isolated_environment: Path, make_repo: Any
) -> None:
    """Hostile repository, .env audit log path: a .env sending the audit log to /dev/null does not
    hide a FLOWCHECK_BYPASS=1 commit.
    """
    repo = hostile_repo(make_repo, "FLOWCHECK_AUDIT_LOG_PATH=/dev/null\n")
    env = operator_env(isolated_environment)
    assert run_cli(["hooks", "install"], repo, env).returncode == 0
    (repo / "cfg.py").write_text(f'aws_access_key_id = "{AWS_KEY}"\n')
    git(repo, "add", "cfg.py", env=env)
    bypass = {**env, "FLOWCHECK_BYPASS": "1"}
    assert git(repo, "commit", "-qm", "bypassed", env=bypass).returncode == 0
    audit = isolated_environment / ".flowcheck" / "audit.log"
    entries = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(e["action"], e["status"]) for e in entries] == [("hook:pre-commit", "bypass")]


# --- redirected endpoints and credentials ----------------------------------------------------


def verify_intent_with_hostile_dotenv(
    home: Path, make_repo: Any, operator: Any, attacker: Any
) -> dict[str, Any]:
    repo = hostile_repo(
        make_repo,
        f"FLOWCHECK_INTENT_BASE_URL={attacker.url}/v1\n"
        f"FLOWCHECK_GITHUB_API_URL={attacker.url}\n"
        "FLOWCHECK_INTENT_PROVIDER=openai\n",
    )
    git(repo, "remote", "add", "origin", "https://github.com/acme/widgets.git")
    (repo / "feature.py").write_text("def feature():\n    return 1\n")
    operator_config(
        home,
        intent_provider="openai",
        intent_base_url=f"{operator.url}/v1",
        github_api_url=operator.url,
    )
    env = operator_env(home, OPENAI_API_KEY=OPERATOR_KEY, GITHUB_TOKEN=OPERATOR_GITHUB_TOKEN)
    replies, _ = stdio_session(
        repo, env, [("verify_intent", {"ticket_id": "7", "repo_path": str(repo)})]
    )
    result: dict[str, Any] = replies[1]["result"]
    return result


ALIGNED = {
    "title": "Add the feature function",
    "body": "Add a feature function that returns 1.",
    "choices": [{"message": {"content": json.dumps({"verdict": "aligned"})}}],
}


def test_a_dotenv_cannot_redirect_the_intent_judge_and_the_api_key(
    isolated_environment: Path, make_repo: Any
) -> None:
    """Hostile repository, .env intent base URL: verify_intent sends the operator's OPENAI_API_KEY
    only to the operator's judge, never to a URL the repository's .env names.
    """
    with fake_peer(ALIGNED) as operator, fake_peer(ALIGNED) as attacker:
        result = verify_intent_with_hostile_dotenv(
            isolated_environment, make_repo, operator, attacker
        )
    assert result["isError"] is False
    assert attacker.requests == []
    judged = [r for r in operator.requests if r["path"] == "/v1/chat/completions"]
    assert [r["headers"]["Authorization"] for r in judged] == [f"Bearer {OPERATOR_KEY}"]


def test_a_dotenv_cannot_redirect_github_lookups_and_the_token(
    isolated_environment: Path, make_repo: Any
) -> None:
    """Hostile repository, .env GitHub API URL: the issue look-up and the operator's GITHUB_TOKEN go
    only to the operator's GitHub API.
    """
    with fake_peer(ALIGNED) as operator, fake_peer(ALIGNED) as attacker:
        verify_intent_with_hostile_dotenv(isolated_environment, make_repo, operator, attacker)
    assert attacker.requests == []
    looked_up = [r for r in operator.requests if r["path"].startswith("/repos/")]
    assert [(r["path"], r["headers"]["Authorization"]) for r in looked_up] == [
        ("/repos/acme/widgets/issues/7", f"Bearer {OPERATOR_GITHUB_TOKEN}")
    ]


@pytest.mark.parametrize("variable", ["FLOWCHECK_TRANSPORT", "MCP_TRANSPORT"])
def test_a_dotenv_cannot_turn_stdio_into_an_open_http_listener(
    isolated_environment: Path, make_repo: Any, variable: str
) -> None:
    """Hostile repository, .env transport: `flowcheck serve` stays on stdio; no unauthenticated HTTP
    listener over the whole file system (allowed roots "/") opens.
    """
    port = free_port()
    repo = hostile_repo(
        make_repo,
        f"{variable}=http\nFLOWCHECK_SERVER_PORT={port}\nFLOWCHECK_SERVER_HOST=127.0.0.1\n"
        "FLOWCHECK_ALLOWED_ROOTS=/\nFLOWCHECK_ALLOW_UNAUTHENTICATED=true\n",
    )
    replies, stderr = stdio_session(
        repo,
        operator_env(isolated_environment),
        [("get_flow_state", {"repo_path": str(repo)})],
        timeout=20,
    )
    assert replies[1]["result"]["isError"] is False
    assert "serving MCP on stdio" in stderr
    assert not listening(port)


def test_a_dotenv_cannot_replace_the_http_token(
    isolated_environment: Path, make_repo: Any, tmp_path: Path
) -> None:
    """Hostile repository, .env auth token: an HTTP server started in the repository accepts the
    operator's token file only, not a token the .env names.
    """
    repo = hostile_repo(make_repo, "FLOWCHECK_AUTH_TOKEN=attacker-token\n")
    token_file = tmp_path / "token"
    token_file.write_text("operator-token-0123456789\n")
    env = operator_env(isolated_environment)
    with http_server(repo, env, FLOWCHECK_AUTH_TOKEN_FILE=str(token_file)) as port:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        statuses = [
            mcp_status(port, token) for token in ("attacker-token", "operator-token-0123456789")
        ]
    assert statuses == [401, 200]


def mcp_status(port: int, token: str | None, path: str = "/mcp", **extra: str) -> int:
    """The status of an initialize POST, with `token` (None: none) and `extra` headers."""
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": INITIALIZE_PARAMS}
    headers = {
        **({"Authorization": f"Bearer {token}"} if token else {}),
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        **extra,
    }
    return wait_for(f"http://127.0.0.1:{port}{path}", headers, json.dumps(initialize).encode())


def test_a_dotenv_cannot_reconfigure_the_mcp_sdk(
    isolated_environment: Path, make_repo: Any, tmp_path: Path
) -> None:
    """Hostile repository, .env for the MCP SDK (FASTMCP_*): the SDK's own settings, which it reads
    from ./.env, never override FlowCheck's: the token, the Host check and the /mcp path hold.
    """
    repo = hostile_repo(
        make_repo,
        "FASTMCP_DEBUG=true\nFASTMCP_LOG_LEVEL=DEBUG\nFASTMCP_HOST=0.0.0.0\n"
        "FASTMCP_STREAMABLE_HTTP_PATH=/open\nFASTMCP_STATELESS_HTTP=true\n"
        "FASTMCP_TRANSPORT_SECURITY__ENABLE_DNS_REBINDING_PROTECTION=false\n"
        'FASTMCP_TRANSPORT_SECURITY__ALLOWED_HOSTS=["evil.example"]\n',
    )
    token_file = tmp_path / "token"
    token_file.write_text("operator-token-0123456789\n")
    env = operator_env(isolated_environment)
    with http_server(repo, env, FLOWCHECK_AUTH_TOKEN_FILE=str(token_file)) as port:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        token = "operator-token-0123456789"
        statuses = [
            mcp_status(port, None),
            mcp_status(port, token, "/open"),
            mcp_status(port, token, Host="evil.example"),
            mcp_status(port, token),
        ]
    assert statuses == [401, 404, 421, 200]


def test_a_dotenv_cannot_supply_credentials(isolated_environment: Path, make_repo: Any) -> None:
    """Hostile repository, .env credentials: keys and tokens a .env names are not loaded (they would
    be sent to the operator's endpoints as the operator's).
    """
    repo = hostile_repo(
        make_repo,
        "OPENAI_API_KEY=sk-attacker\nANTHROPIC_API_KEY=sk-ant-attacker\nGITHUB_TOKEN=ghp_attacker\n",
    )
    done = run_cli(["config", "show", "--json"], repo, operator_env(isolated_environment))
    rows = {row["name"]: row for row in json.loads(done.stdout)}
    assert [
        (rows[name]["value"], rows[name]["source"])
        for name in ("openai_api_key", "anthropic_api_key", "github_token")
    ] == [(None, "default")] * 3


def test_a_dotenv_cannot_raise_the_log_level_or_change_its_format(
    isolated_environment: Path, make_repo: Any
) -> None:
    """Hostile repository, .env log level: DEBUG mode, level and JSON format from a .env are
    ignored; the log stays as the operator set it.
    """
    repo = hostile_repo(
        make_repo, "FLOWCHECK_DEBUG=true\nFLOWCHECK_LOG_LEVEL=DEBUG\nFLOWCHECK_LOG_FORMAT=json\n"
    )
    done = run_cli(["scan", "-v", "."], repo, operator_env(isolated_environment))
    assert done.returncode == 0
    (line,) = done.stderr.splitlines()
    assert " INFO flowcheck.guardian.service: scan " in line and not line.startswith("{")


def test_a_dotenv_cannot_name_the_config_file(isolated_environment: Path, make_repo: Any) -> None:
    """Hostile repository, .env config file: FLOWCHECK_CONFIG_FILE in a .env does not make a
    repository file the config file.
    """
    repo = hostile_repo(
        make_repo,
        "FLOWCHECK_CONFIG_FILE=./evil.yaml\n",
        **{"evil.yaml": "agent_id: evil\nrules_path: /tmp\n"},
    )
    done = run_cli(["config", "show", "--json"], repo, operator_env(isolated_environment))
    rows = {row["name"]: row for row in json.loads(done.stdout)}
    assert [(rows[n]["value"], rows[n]["source"]) for n in ("agent_id", "rules_path")] == [
        ("unknown", "default"),
        (None, "default"),
    ]


def test_the_explicit_env_file_is_the_operators_way_in(
    isolated_environment: Path, make_repo: Any, tmp_path: Path
) -> None:
    """Hostile repository, .env next to an explicit --env-file: only the file the operator passes is
    read, and config show names it.
    """
    repo = hostile_repo(make_repo, "FLOWCHECK_AGENT_ID=from-repository\n")
    chosen = tmp_path / "operator.env"
    chosen.write_text("FLOWCHECK_AGENT_ID=from-operator\n")
    done = run_cli(
        ["--env-file", str(chosen), "config", "show", "--json"],
        repo,
        operator_env(isolated_environment),
    )
    row = {r["name"]: r for r in json.loads(done.stdout)}["agent_id"]
    assert (row["value"], row["source"]) == ("from-operator", f"--env-file {chosen}")


# --- other repository files -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "config.yaml",
        "config.toml",
        "flowcheck.yaml",
        ".flowcheck.yaml",
        ".flowcheck/config.yaml",
        ".config/flowcheck/config.yaml",
        "etc/flowcheck/config.yaml",
    ],
)
def test_config_looking_files_in_the_repository_are_not_read(
    isolated_environment: Path, make_repo: Any, name: str
) -> None:
    """Hostile repository, config-looking file: no file in the working directory is taken for the
    operator's config file.
    """
    body = 'agent_id = "evil"\n' if name.endswith(".toml") else "agent_id: evil\n"
    repo: Path = make_repo(files={name: body})
    done = run_cli(["config", "show", "--json"], repo, operator_env(isolated_environment))
    row = {r["name"]: r for r in json.loads(done.stdout)}["agent_id"]
    assert (row["value"], row["source"]) == ("unknown", "default")


@pytest.mark.parametrize(
    "key", ["intent_base_url", "rules_path", "audit_log_path", "allowed_roots", "storage_path"]
)
def test_a_repository_rules_file_cannot_set_server_settings(
    isolated_environment: Path, make_repo: Any, key: str
) -> None:
    """Hostile repository, .flowcheck.toml: a repository rules file that tries to set a server
    setting is refused with a warning, and the setting keeps the operator's value.
    """
    repo: Path = make_repo(files={".flowcheck.toml": f'{key} = "/tmp/evil"\n'})
    done = run_cli(["check", ".", "--json"], repo, operator_env(isolated_environment))
    warnings = json.loads(done.stdout)["config_warnings"]
    assert len(warnings) == 1
    assert warnings[0].startswith(
        f"{repo}/.flowcheck.toml: key '{key}' refused: a repository file may set thresholds only"
    )
    shown = run_cli(["config", "show", "--json"], repo, operator_env(isolated_environment))
    assert {r["name"]: r for r in json.loads(shown.stdout)}[key]["source"] == "default"


def test_a_secret_used_as_a_rules_file_key_is_not_echoed(
    isolated_environment: Path, make_repo: Any
) -> None:
    """Hostile repository, .flowcheck.toml secret key: a key that is a secret is described in
    config_warnings, never echoed to the agent.
    """
    repo: Path = make_repo(files={".flowcheck.toml": f"{AWS_KEY} = 1\n"})
    replies, _ = stdio_session(
        repo, operator_env(isolated_environment), [("get_flow_state", {"repo_path": str(repo)})]
    )
    state = replies[1]["result"]["structuredContent"]
    assert state["config_warnings"] == [
        f"{repo}/.flowcheck.toml: key <a key of 20 characters that is not a rule name; not shown> "
        "refused: a repository file may set thresholds only (max_minutes_without_commit, "
        "max_lines_uncommitted, max_uncommitted_files, max_branch_age_days, max_behind_main, "
        "split_work_factor, danger_factor); ignore patterns go in .flowcheckignore, and "
        "endpoints, providers, models and keys only in the operator's global config"
    ]
    assert AWS_KEY not in json.dumps(replies[1])


# --- hostile values in the environment ------------------------------------------------------


@pytest.mark.parametrize("variable", ["FLOWCHECK_INTENT_BASE_URL", "FLOWCHECK_GITHUB_API_URL"])
@pytest.mark.parametrize(
    "url",
    [
        "http://127.evil.example/v1",
        "http://127.0.0.1.evil.example/v1",
        "http://localhost.evil.example/v1",
        "http://judge.example/v1",
        "ftp://127.0.0.1/v1",
        "file:///etc/passwd",
    ],
)
def test_plain_http_to_a_host_off_loopback_is_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, url: str
) -> None:
    """Hostile environment, endpoint URL: an endpoint that would carry API keys in clear text off
    loopback (names that merely start with 127. or localhost included) is refused at start.
    """
    monkeypatch.setenv(variable, url)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.problems == [
        f"{variable}={url!r}: Value error, must be an https URL (plain http only on loopback): "
        "API keys go there"
    ]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FLOWCHECK_STORAGE_PATH", ".flowcheck"),
        ("FLOWCHECK_AUDIT_LOG_PATH", "audit.log"),
        ("FLOWCHECK_RULES_PATH", "./rules"),
        ("FLOWCHECK_SEMANTIC_INDEX_PATH", "index.db"),
        ("FLOWCHECK_CONFIG_FILE", "config.yaml"),
        ("FLOWCHECK_GIT_REPO_PATH", "."),
    ],
)
def test_relative_paths_that_would_resolve_inside_the_repository_are_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    """Hostile environment, relative path: a relative state, audit, rules or config path (resolved
    against the working directory, i.e. the repository) is refused at start.
    """
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    read_by_pydantic = "" if variable == "FLOWCHECK_CONFIG_FILE" else "Value error, "
    assert caught.value.problems == [
        f"{variable}={value!r}: {read_by_pydantic}must be an absolute path (or start with ~): a "
        "relative one would be resolved against the working directory, which may be a repository"
    ]
