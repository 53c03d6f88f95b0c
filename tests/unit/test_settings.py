"""The settings model: every variable read, precedence, secret files, errors, masking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from flowcheck import settings_sources
from flowcheck.cli import main
from flowcheck.errors import ConfigError
from flowcheck.settings import Settings
from flowcheck.settings_sources import load_settings

HTTP_OK = {"FLOWCHECK_ALLOWED_ROOTS": "/srv/repos"}

# variable, raw value, field, expected parsed value
EVERY_VARIABLE: list[tuple[str, str, str, Any]] = [
    ("FLOWCHECK_LOG_LEVEL", "debug", "log_level", "DEBUG"),
    ("FLOWCHECK_LOG_FORMAT", "json", "log_format", "json"),
    ("FLOWCHECK_DEBUG", "true", "debug", True),
    ("FLOWCHECK_STORAGE_PATH", "/srv/state", "storage_path", Path("/srv/state")),
    ("FLOWCHECK_RULES_PATH", "/srv/rules", "rules_path", Path("/srv/rules")),
    ("FLOWCHECK_SEMANTIC_INDEX_PATH", "/srv/i.db", "semantic_index_path", Path("/srv/i.db")),
    ("FLOWCHECK_HISTORY_INDEX_LIMIT", "50000", "history_index_limit", 50_000),
    ("FLOWCHECK_AUDIT_LOG_PATH", "/srv/audit.log", "audit_log_path", Path("/srv/audit.log")),
    ("FLOWCHECK_AUDIT_MAX_SIZE_MB", "25", "audit_max_size_mb", 25),
    ("FLOWCHECK_SESSION_TIMEOUT", "120", "session_timeout", 120),
    ("FLOWCHECK_TRANSPORT", "http", "transport", "http"),
    ("FLOWCHECK_SERVER_HOST", "127.0.0.2", "server_host", "127.0.0.2"),
    ("FLOWCHECK_SERVER_PORT", "9001", "server_port", 9001),
    ("FLOWCHECK_MAX_REQUEST_BYTES", "2048", "max_request_bytes", 2048),
    ("FLOWCHECK_ALLOWED_HOSTS", "a:*, b:80", "allowed_hosts", ["a:*", "b:80"]),
    ("FLOWCHECK_ALLOWED_ORIGINS", "https://x.test", "allowed_origins", ["https://x.test"]),
    ("FLOWCHECK_ALLOW_UNAUTHENTICATED", "true", "allow_unauthenticated", True),
    ("FLOWCHECK_ALLOWED_ROOTS", "/a,/b", "allowed_roots", [Path("/a"), Path("/b")]),
    ("FLOWCHECK_GIT_REPO_PATH", "/a/repo", "git_repo_path", Path("/a/repo")),
    ("FLOWCHECK_AGENT_ID", "claude", "agent_id", "claude"),
    ("FLOWCHECK_INTENT_PROVIDER", "anthropic", "intent_provider", "anthropic"),
    ("FLOWCHECK_INTENT_MODEL", "judge-1", "intent_model", "judge-1"),
    ("FLOWCHECK_INTENT_BASE_URL", "https://llm.test/v1/", "intent_base_url", "https://llm.test/v1"),
    ("FLOWCHECK_INTENT_TIMEOUT", "5.5", "intent_timeout", 5.5),
    ("FLOWCHECK_GITHUB_API_URL", "http://127.0.0.1:9/", "github_api_url", "http://127.0.0.1:9"),
    ("MCP_TRANSPORT", "http", "transport", "http"),
    ("MCP_HOST", "127.0.0.3", "server_host", "127.0.0.3"),
    ("MCP_PORT", "9002", "server_port", 9002),
]
SECRET_VARIABLES = [
    ("FLOWCHECK_AUTH_TOKEN", "auth_token"),
    ("ANTHROPIC_API_KEY", "anthropic_api_key"),
    ("OPENAI_API_KEY", "openai_api_key"),
    ("GITHUB_TOKEN", "github_token"),
]


def secret_values(value: SecretStr | list[SecretStr] | None) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [item.get_secret_value() for item in items]


@pytest.mark.parametrize(("variable", "raw", "field", "expected"), EVERY_VARIABLE)
def test_every_variable_is_read(
    monkeypatch: pytest.MonkeyPatch, variable: str, raw: str, field: str, expected: Any
) -> None:
    for name, value in HTTP_OK.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(variable, raw)
    assert getattr(load_settings(), field) == expected


def test_every_field_has_a_test_of_its_variable() -> None:
    tested = {field for _, _, field, _ in EVERY_VARIABLE} | {f for _, f in SECRET_VARIABLES}
    assert tested | {"config_file"} == set(Settings.model_fields)


@pytest.mark.parametrize(("variable", "field"), SECRET_VARIABLES)
def test_secret_from_environment_and_from_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, field: str
) -> None:
    monkeypatch.setenv(variable, "from-env-value")
    assert secret_values(getattr(load_settings(), field)) == ["from-env-value"]
    monkeypatch.delenv(variable)
    secret = tmp_path / "secret"
    secret.write_text("from-file-value\n")
    monkeypatch.setenv(f"{variable}_FILE", str(secret))
    assert secret_values(getattr(load_settings(), field)) == ["from-file-value"]


def test_run_secrets_directory_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(settings_sources, "SECRETS_DIR", tmp_path)
    (tmp_path / "flowcheck_auth_token").write_text("tok-from-run-secrets\n")
    assert secret_values(load_settings().auth_token) == ["tok-from-run-secrets"]


def test_several_tokens_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWCHECK_AUTH_TOKEN", "one, two")
    assert secret_values(load_settings().auth_token) == ["one", "two"]


def test_missing_token_file_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWCHECK_AUTH_TOKEN_FILE", "/nonexistent/token")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.problems == [
        "FLOWCHECK_AUTH_TOKEN_FILE=/nonexistent/token: cannot read the secret file "
        "(No such file or directory); check the path and that the server's user may read it"
    ]


def test_precedence_cli_env_dotenv_secretfile_configfile_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.yaml"
    monkeypatch.setenv("FLOWCHECK_CONFIG_FILE", str(config))
    config.write_text("server_port: 1005\nagent_id: from-config\n")
    assert load_settings().server_port == 1005
    token_file = tmp_path / "token"
    token_file.write_text("from-secret-file")
    monkeypatch.setenv("FLOWCHECK_AUTH_TOKEN_FILE", str(token_file))
    (tmp_path / ".env").write_text("FLOWCHECK_SERVER_PORT=1003\nFLOWCHECK_AUTH_TOKEN=from-dotenv\n")
    settings = load_settings()
    assert (settings.server_port, secret_values(settings.auth_token)) == (1003, ["from-dotenv"])
    monkeypatch.setenv("FLOWCHECK_SERVER_PORT", "1002")
    assert load_settings().server_port == 1002
    assert load_settings(server_port=1001).server_port == 1001
    assert load_settings().agent_id == "from-config"
    assert Settings.model_fields["agent_id"].default == "unknown"


def test_plain_http_endpoint_off_loopback_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """0.4 defect B1.3: keys could be sent to any URL, even over plain http."""
    monkeypatch.setenv("FLOWCHECK_INTENT_BASE_URL", "http://judge.example/v1")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.problems == [
        "FLOWCHECK_INTENT_BASE_URL='http://judge.example/v1': Value error, must be an https URL "
        "(plain http only on loopback): API keys go there"
    ]


def test_flowcheck_variable_wins_over_mcp_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MCP_PORT", "7000")
    monkeypatch.setenv("FLOWCHECK_SERVER_PORT", "7001")
    assert load_settings().server_port == 7001


def test_toml_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "flowcheck.toml"
    config.write_text('log_format = "json"\nallowed_roots = ["/r"]\n')
    monkeypatch.setenv("FLOWCHECK_CONFIG_FILE", str(config))
    settings = load_settings()
    assert (settings.log_format, settings.allowed_roots) == ("json", [Path("/r")])


def test_user_config_file_is_found_in_home(isolated_environment: Path) -> None:
    (isolated_environment / ".flowcheck").mkdir()
    (isolated_environment / ".flowcheck" / "config.yaml").write_text("agent_id: home-agent\n")
    assert load_settings().agent_id == "home-agent"


def test_config_file_problems_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("server_prot: 1\nlog_level: loud\n")
    monkeypatch.setenv("FLOWCHECK_CONFIG_FILE", str(config))
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.problems == [
        f"{config}: unknown key 'server_prot'; valid keys are the settings' field names, "
        "see 'flowcheck config env'"
    ]


def test_http_mode_requires_allowed_roots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWCHECK_TRANSPORT", "http")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.problems == [
        "FLOWCHECK_ALLOWED_ROOTS is required in HTTP mode: set it to the directories holding "
        "the repositories the server may read"
    ]


def test_non_loopback_http_requires_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWCHECK_TRANSPORT", "http")
    monkeypatch.setenv("FLOWCHECK_ALLOWED_ROOTS", "/srv")
    with pytest.raises(ConfigError) as caught:
        load_settings(server_host="0.0.0.0")
    assert caught.value.problems == [
        "FLOWCHECK_AUTH_TOKEN is required to serve HTTP on 0.0.0.0: set FLOWCHECK_AUTH_TOKEN "
        "or FLOWCHECK_AUTH_TOKEN_FILE, bind 127.0.0.1, or set FLOWCHECK_ALLOW_UNAUTHENTICATED=true"
    ]
    monkeypatch.setenv("FLOWCHECK_ALLOW_UNAUTHENTICATED", "true")
    assert load_settings(server_host="0.0.0.0").auth_token == []


def test_bad_values_give_one_line_each_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLOWCHECK_SERVER_PORT", "70000")
    monkeypatch.setenv("FLOWCHECK_DEBUG", "maybe")
    assert main(["config", "check"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "flowcheck: invalid configuration: FLOWCHECK_DEBUG='maybe': Input should be a valid "
        "boolean, unable to interpret input",
        "flowcheck: invalid configuration: FLOWCHECK_SERVER_PORT='70000': Input should be less "
        "than or equal to 65535",
    ]


def test_invalid_secret_is_masked_in_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("openai_api_key: [sk-live-value]\n")
    monkeypatch.setenv("FLOWCHECK_CONFIG_FILE", str(config))
    assert main(["config", "check"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "flowcheck: invalid configuration: OPENAI_API_KEY=********: Input should be a valid string"
    ]


def test_config_show_masks_secrets_and_names_sources(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLOWCHECK_AUTH_TOKEN", "super-secret-token")
    monkeypatch.setenv("MCP_PORT", "8123")
    assert main(["config", "show", "--json"]) == 0
    out = capsys.readouterr().out
    rows = {row["name"]: row for row in json.loads(out)}
    assert "super-secret-token" not in out
    assert rows["auth_token"]["value"] == ["********"]
    assert (rows["server_port"]["value"], rows["server_port"]["source"]) == (8123, "environment")
    assert rows["log_level"]["source"] == "default"


def test_config_env_lists_every_variable(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "env", "--format", "dotenv"]) == 0
    out = capsys.readouterr().out
    assigned = [
        line.lstrip("# ").split("=")[0]
        for line in out.splitlines()
        if "=" in line
        and not line.startswith("# Or ")
        and line.lstrip("# ").split("=")[0].isupper()
    ]
    assert assigned == [
        settings_sources.env_names(n, f)[0] for n, f in Settings.model_fields.items()
    ]
    assert "FLOWCHECK_SERVER_PORT=8000" in out.splitlines()
    assert "# FLOWCHECK_AUTH_TOKEN=" in out.splitlines()


def test_storage_is_not_created_by_loading_settings(isolated_environment: Path) -> None:
    """0.4 defect B3.5: importing or configuring must not create ~/.flowcheck."""
    load_settings()
    assert not (isolated_environment / ".flowcheck").exists()
