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
    ("FLOWCHECK_REQUEST_READ_TIMEOUT", "2.5", "request_read_timeout", 2.5),
    ("FLOWCHECK_MAX_CONNECTIONS", "20", "max_connections", 20),
    ("FLOWCHECK_MAX_CONNECTIONS_PER_PEER", "4", "max_connections_per_peer", 4),
    ("FLOWCHECK_MAX_SESSIONS_PER_TOKEN", "3", "max_sessions_per_token", 3),
    ("FLOWCHECK_HTTP_SESSION_IDLE_TIMEOUT", "90", "http_session_idle_timeout", 90),
    ("FLOWCHECK_TOOL_TIMEOUT", "30", "tool_timeout", 30.0),
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
    ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel:4318", "otel_exporter_otlp_endpoint",
     "http://otel:4318"),
    ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://o.test/t", "otel_exporter_otlp_traces_endpoint",
     "https://o.test/t"),
    ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://127.0.0.1:9/m",
     "otel_exporter_otlp_metrics_endpoint", "http://127.0.0.1:9/m"),
    ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf", "otel_exporter_otlp_protocol",
     "http/protobuf"),
    ("OTEL_SERVICE_NAME", "fc-prod", "otel_service_name", "fc-prod"),
    ("OTEL_TRACES_EXPORTER", "none", "otel_traces_exporter", "none"),
    ("OTEL_METRICS_EXPORTER", "none", "otel_metrics_exporter", "none"),
    ("OTEL_SDK_DISABLED", "true", "otel_sdk_disabled", True),
]
SECRET_VARIABLES = [
    ("FLOWCHECK_AUTH_TOKEN", "auth_token"),
    ("ANTHROPIC_API_KEY", "anthropic_api_key"),
    ("OPENAI_API_KEY", "openai_api_key"),
    ("GITHUB_TOKEN", "github_token"),
    ("OTEL_EXPORTER_OTLP_HEADERS", "otel_exporter_otlp_headers"),
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
    monkeypatch.setenv(variable, "key=from-env")
    assert secret_values(getattr(load_settings(), field)) == ["key=from-env"]
    monkeypatch.delenv(variable)
    secret = tmp_path / "secret"
    secret.write_text("key=from-file\n")
    monkeypatch.setenv(f"{variable}_FILE", str(secret))
    assert secret_values(getattr(load_settings(), field)) == ["key=from-file"]


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


def test_precedence_cli_env_envfile_secretfile_configfile_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 8 #2: ./.env was a source; only the operator's --env-file is read now."""
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.yaml"
    monkeypatch.setenv("FLOWCHECK_CONFIG_FILE", str(config))
    config.write_text("server_port: 1005\nagent_id: from-config\n")
    assert load_settings().server_port == 1005
    token_file = tmp_path / "token"
    token_file.write_text("from-secret-file")
    monkeypatch.setenv("FLOWCHECK_AUTH_TOKEN_FILE", str(token_file))
    (tmp_path / ".env").write_text("FLOWCHECK_SERVER_PORT=1009\nFLOWCHECK_AUTH_TOKEN=from-cwd\n")
    settings = load_settings()
    assert (settings.server_port, secret_values(settings.auth_token)) == (
        1005,
        ["from-secret-file"],
    )
    env_file = tmp_path / "operator.env"
    env_file.write_text("FLOWCHECK_SERVER_PORT=1003\nFLOWCHECK_AUTH_TOKEN=from-env-file\n")
    # A token in both the env file and a secret file is refused (test_secret_conflict.py).
    monkeypatch.delenv("FLOWCHECK_AUTH_TOKEN_FILE")
    settings = load_settings(env_file)
    assert (settings.server_port, secret_values(settings.auth_token)) == (1003, ["from-env-file"])
    monkeypatch.setenv("FLOWCHECK_SERVER_PORT", "1002")
    assert load_settings(env_file).server_port == 1002
    assert load_settings(env_file, server_port=1001).server_port == 1001
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
    xdg = isolated_environment / ".config" / "flowcheck"
    xdg.mkdir(parents=True)
    (xdg / "config.toml").write_text('agent_id = "xdg-toml-agent"\n')
    assert load_settings().agent_id == "xdg-toml-agent"
    (xdg / "config.yaml").write_text("agent_id: xdg-yaml-agent\n")
    assert load_settings().agent_id == "xdg-yaml-agent"


def test_env_file_names_config_and_secret_files(tmp_path: Path) -> None:
    """An --env-file is read like the environment: its FLOWCHECK_CONFIG_FILE and *_FILE count."""
    config, token = tmp_path / "c.yaml", tmp_path / "token"
    config.write_text("agent_id: from-config\n")
    token.write_text("tok-from-file\n")
    env_file = tmp_path / "op.env"
    env_file.write_text(f"FLOWCHECK_CONFIG_FILE={config}\nFLOWCHECK_AUTH_TOKEN_FILE={token}\n")
    settings = load_settings(env_file)
    assert (settings.agent_id, secret_values(settings.auth_token)) == (
        "from-config",
        ["tok-from-file"],
    )


def test_missing_env_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.env"
    assert main(["--env-file", str(missing), "config", "check"]) == 2
    assert capsys.readouterr().err == (
        f"flowcheck: invalid configuration: --env-file {missing}: cannot read it (No such file "
        "or directory); pass a readable KEY=value file\n"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--env-file", "{f}", "config", "show", "--json"],
        ["config", "--env-file", "{f}", "show", "--json"],
        ["config", "show", "--env-file", "{f}", "--json"],
    ],
)
def test_env_file_option_is_global_and_labelled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    env_file = tmp_path / "op.env"
    env_file.write_text("FLOWCHECK_AGENT_ID=from-env-file\n")
    assert main([arg.format(f=env_file) for arg in argv]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert (rows["agent_id"]["value"], rows["agent_id"]["source"]) == (
        "from-env-file",
        f"--env-file {env_file}",
    )
