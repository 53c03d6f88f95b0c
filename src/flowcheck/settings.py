"""The settings model: the single source of truth for every variable FlowCheck reads.

Precedence, highest first: CLI flags, environment, the file given with `--env-file`, secret files
(`<NAME>_FILE` variables and `/run/secrets/<name>`), a YAML/TOML config file, defaults.
Every source is the operator's: no file is read from the working directory, which is often a
repository that an agent or the repository's author controls (a `.env` there could otherwise
redirect API keys or silence the audit trail).
Docs, `.env.example` and the compose files are generated from or checked against this model.
Built in `main()` through `load_settings()`, never at import.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
DEFAULT_ALLOWED_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
DEFAULT_ALLOWED_ORIGINS = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]

CommaList = Annotated[list[str], NoDecode]
SecretList = Annotated[list[SecretStr], NoDecode]


def _alias(*names: str) -> Any:
    return AliasChoices(*names)


RELATIVE_PATH_PROBLEM = (
    "must be an absolute path (or start with ~): a relative one would be resolved "
    "against the working directory, which may be a repository"
)


def _absolute(path: Path) -> Path:
    expanded = path.expanduser()
    if not expanded.is_absolute():
        raise ValueError(RELATIVE_PATH_PROBLEM)
    return expanded


def _is_loopback(hostname: str | None) -> bool:
    """An IP literal on loopback, or localhost; `127.evil.example` is a name, not loopback."""
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname or "").is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    """FlowCheck server and CLI configuration."""

    model_config = SettingsConfigDict(
        env_prefix="FLOWCHECK_",
        env_file=None,  # only an explicit --env-file, never ./.env (see the module docstring)
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
        populate_by_name=True,
    )

    # Logging
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        "INFO", description="Log level of the stderr log (DEBUG, INFO, WARNING, ERROR, CRITICAL)."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="Log line format: text or json."
    )
    debug: bool = Field(False, description="Debug mode: DEBUG logging and tracebacks in the log.")

    # Storage
    config_file: Path | None = Field(
        None,
        description="Config file (YAML or TOML). Default: the first present of "
        "/etc/flowcheck/config.yaml, ~/.config/flowcheck/config.yaml, "
        "~/.config/flowcheck/config.toml, ~/.flowcheck/config.yaml.",
    )
    storage_path: Path = Field(
        Path("~/.flowcheck"),
        description="State directory (rules, index, audit log); created on first write, mode 0700.",
    )
    rules_path: Path | None = Field(
        None, description="Custom scanner rules directory. Default: <storage>/rules."
    )
    semantic_index_path: Path | None = Field(
        None, description="Commit search index (SQLite). Default: <storage>/semantic_index.db."
    )
    history_index_limit: int | None = Field(
        None,
        ge=1,
        description="Index only the newest this many commits per repository, for huge "
        "histories. Default: every commit reachable from HEAD and the local branches.",
    )
    audit_log_path: Path | None = Field(
        None, description="Audit log (JSON Lines). Default: <storage>/audit.log."
    )
    audit_max_size_mb: int = Field(
        10, ge=1, le=10_000, description="Audit log size that triggers rotation, in MB."
    )
    session_timeout: int = Field(
        3600, ge=1, description="Seconds of inactivity after which a session ends."
    )

    # Server
    transport: Literal["stdio", "http"] = Field(
        "stdio",
        validation_alias=_alias("FLOWCHECK_TRANSPORT", "MCP_TRANSPORT"),
        description="MCP transport: stdio or http (streamable HTTP at /mcp). Alias: MCP_TRANSPORT.",
    )
    server_host: str = Field(
        "127.0.0.1",
        validation_alias=_alias("FLOWCHECK_SERVER_HOST", "MCP_HOST"),
        description="Address the HTTP server binds. Alias: MCP_HOST.",
    )
    server_port: int = Field(
        8000,
        ge=1,
        le=65535,
        validation_alias=_alias("FLOWCHECK_SERVER_PORT", "MCP_PORT"),
        description="Port the HTTP server binds. Alias: MCP_PORT.",
    )
    max_request_bytes: int = Field(
        4 * 1024 * 1024, ge=1024, description="Largest accepted HTTP request body, in bytes."
    )
    request_read_timeout: float = Field(
        20.0,
        gt=0,
        le=600,
        description="Seconds a client has for a request's body (and at most 5 s, or this if "
        "shorter, for its headers); a slower client gets 408 and is disconnected.",
    )
    max_connections: int = Field(
        100, ge=1, le=100_000, description="Open HTTP connections served at once; more get 503."
    )
    max_connections_per_peer: int = Field(
        16,
        ge=1,
        le=100_000,
        description="Open HTTP connections one peer address may hold; more get 503. Every "
        "local process shares the loopback address, and behind a reverse proxy every client "
        "shares the proxy's: raise it there (the compose stack sets it to 100).",
    )
    max_sessions_per_token: int = Field(
        16,
        ge=1,
        le=10_000,
        description="Open MCP sessions one bearer token may hold (without tokens: all clients "
        "together); one more gets 429.",
    )
    http_session_idle_timeout: int = Field(
        600,
        ge=1,
        le=86_400,
        description="Seconds after which an MCP session with no request is closed; its id then "
        "answers 404.",
    )
    tool_timeout: float = Field(
        120.0,
        gt=0,
        le=3600,
        description="Deadline of one tool call, in seconds; a call still running then fails "
        "and its work is abandoned (set_rules, which writes files, runs to completion).",
    )
    auth_token: SecretList = Field(
        default_factory=list,
        description="Bearer token(s) for /mcp, comma separated; required off loopback.",
    )
    allowed_hosts: CommaList = Field(
        default_factory=lambda: list(DEFAULT_ALLOWED_HOSTS),
        description="Accepted Host headers, comma separated; 'name:*' allows any port or none.",
    )
    allowed_origins: CommaList = Field(
        default_factory=lambda: list(DEFAULT_ALLOWED_ORIGINS),
        description="Accepted Origin headers, comma separated; a request without Origin passes.",
    )
    allow_unauthenticated: bool = Field(
        False, description="Serve HTTP on a non-loopback address without a token (loud warning)."
    )

    # Repositories
    allowed_roots: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Repository jail: directories repositories must lie in, comma separated. "
        "Required in HTTP mode.",
    )
    git_repo_path: Path | None = Field(
        None, description="Repository used when a tool call omits repo_path."
    )
    agent_id: str = Field(
        "unknown", min_length=1, description="Default agent id recorded in the audit log."
    )

    # Intent verification (verify_intent): operator settings only, never from a repository
    intent_provider: Literal["none", "openai", "anthropic"] = Field(
        "none",
        description="LLM judge for verify_intent: none (heuristic only), openai or anthropic.",
    )
    intent_model: str | None = Field(
        None, description="Judge model. Default: gpt-4o (openai), claude-sonnet-4-20250514."
    )
    intent_base_url: str | None = Field(
        None,
        description="Judge API base URL (https, or http on loopback). Default: the provider's.",
    )
    intent_timeout: float = Field(
        60.0,
        gt=0,
        le=600,
        description="Judge request timeout, s; also bounds the GitHub issue fetch (at most 20 s).",
    )
    github_api_url: str = Field(
        "https://api.github.com", description="GitHub API base URL for issue look-ups."
    )

    # Credentials for optional features
    anthropic_api_key: SecretStr | None = Field(
        None,
        validation_alias=_alias("ANTHROPIC_API_KEY"),
        description="Anthropic API key for the LLM intent judge.",
    )
    openai_api_key: SecretStr | None = Field(
        None,
        validation_alias=_alias("OPENAI_API_KEY"),
        description="OpenAI API key for the LLM intent judge.",
    )
    github_token: SecretStr | None = Field(
        None,
        validation_alias=_alias("GITHUB_TOKEN"),
        description="GitHub token for issue look-ups.",
    )

    # Telemetry (extra `otel`): the standard OpenTelemetry variables, declared here so that they
    # come from the operator's sources like every other setting and FlowCheck passes them to
    # the SDK itself. Without an endpoint nothing is exported and the SDK is never imported.
    otel_exporter_otlp_endpoint: str | None = Field(
        None,
        validation_alias=_alias("OTEL_EXPORTER_OTLP_ENDPOINT"),
        description="OTLP/HTTP collector base URL, e.g. http://otel-collector:4318 (/v1/traces "
        "and /v1/metrics are appended). Unset: no telemetry. Needs the otel extra.",
    )
    otel_exporter_otlp_traces_endpoint: str | None = Field(
        None,
        validation_alias=_alias("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
        description="Full OTLP/HTTP URL for spans; overrides the base URL for traces.",
    )
    otel_exporter_otlp_metrics_endpoint: str | None = Field(
        None,
        validation_alias=_alias("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"),
        description="Full OTLP/HTTP URL for metrics; overrides the base URL for metrics.",
    )
    otel_exporter_otlp_protocol: Literal["http/protobuf"] = Field(
        "http/protobuf",
        validation_alias=_alias("OTEL_EXPORTER_OTLP_PROTOCOL"),
        description="OTLP protocol: only http/protobuf (collectors listen for it on port 4318).",
    )
    otel_exporter_otlp_headers: SecretStr | None = Field(
        None,
        validation_alias=_alias("OTEL_EXPORTER_OTLP_HEADERS"),
        description="Headers sent with each export, key=value pairs, comma separated; "
        "only to an https or loopback endpoint.",
    )
    otel_service_name: str = Field(
        "flowcheck",
        min_length=1,
        validation_alias=_alias("OTEL_SERVICE_NAME"),
        description="service.name of the exported spans and metrics.",
    )
    otel_traces_exporter: Literal["otlp", "none"] = Field(
        "otlp",
        validation_alias=_alias("OTEL_TRACES_EXPORTER"),
        description="otlp: one span per tool call; none: no spans.",
    )
    otel_metrics_exporter: Literal["otlp", "none"] = Field(
        "otlp",
        validation_alias=_alias("OTEL_METRICS_EXPORTER"),
        description="otlp: call, error and latency metrics per tool; none: no metrics.",
    )
    otel_sdk_disabled: bool = Field(
        False,
        validation_alias=_alias("OTEL_SDK_DISABLED"),
        description="true: no telemetry, whatever else is set.",
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator(
        "auth_token", "allowed_hosts", "allowed_origins", "allowed_roots", mode="before"
    )
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator(
        "storage_path",
        "rules_path",
        "semantic_index_path",
        "audit_log_path",
        "git_repo_path",
        "config_file",
    )
    @classmethod
    def _expand_user(cls, value: Path | None) -> Path | None:
        return _absolute(value) if value is not None else None

    @field_validator("allowed_roots")
    @classmethod
    def _expand_roots(cls, value: list[Path]) -> list[Path]:
        return [_absolute(root) for root in value]

    @field_validator("intent_base_url", "github_api_url")
    @classmethod
    def _safe_endpoint(cls, value: str | None) -> str | None:
        if value is None:
            return None
        url = urlsplit(value)
        if url.scheme == "https" or (url.scheme == "http" and _is_loopback(url.hostname)):
            return value.rstrip("/")
        raise ValueError("must be an https URL (plain http only on loopback): API keys go there")

    @field_validator(
        "otel_exporter_otlp_endpoint",
        "otel_exporter_otlp_traces_endpoint",
        "otel_exporter_otlp_metrics_endpoint",
    )
    @classmethod
    def _collector_url(cls, value: str | None) -> str | None:
        url = urlsplit(value or "")
        if value is None or (url.scheme in ("http", "https") and url.netloc):
            return value
        raise ValueError("must be an http(s) URL of an OTLP collector, e.g. http://collector:4318")

    @field_validator("otel_exporter_otlp_headers")
    @classmethod
    def _header_pairs(cls, value: SecretStr | None) -> SecretStr | None:
        pairs = value.get_secret_value().split(",") if value else []
        if all("=" in pair and pair.partition("=")[0].strip() for pair in pairs):
            return value
        raise ValueError("must be key=value pairs separated by commas, e.g. api-key=...")

    @model_validator(mode="after")
    def _check_otel_headers(self) -> Settings:
        if self.otel_exporter_otlp_headers is not None and (cleartext := self._cleartext_otlp()):
            raise ValueError(
                f"OTEL_EXPORTER_OTLP_HEADERS would be sent in clear text to {cleartext}: use an "
                "https endpoint, or a collector on loopback"
            )
        return self

    def serving_problems(self) -> list[str]:
        """What stops `flowcheck serve` on this transport, one line each.

        Checked when the server starts (and by `flowcheck config check`), not when the settings
        are built: the other commands never listen, and the images set FLOWCHECK_TRANSPORT=http
        and FLOWCHECK_SERVER_HOST=0.0.0.0 for every command they run.
        """
        if self.transport != "http":
            return []
        problems = []
        if not self.allowed_roots:
            problems.append(
                "FLOWCHECK_ALLOWED_ROOTS is required in HTTP mode: set it to the directories "
                "holding the repositories the server may read"
            )
        if self.needs_token and not self.auth_token:
            problems.append(
                f"FLOWCHECK_AUTH_TOKEN is required to serve HTTP on {self.server_host}: set "
                "FLOWCHECK_AUTH_TOKEN or FLOWCHECK_AUTH_TOKEN_FILE, bind 127.0.0.1, or set "
                "FLOWCHECK_ALLOW_UNAUTHENTICATED=true"
            )
        return problems

    def _cleartext_otlp(self) -> str | None:
        """The first OTLP endpoint that is plain http off loopback (headers hold credentials)."""
        endpoints = (
            self.otel_exporter_otlp_endpoint,
            self.otel_exporter_otlp_traces_endpoint,
            self.otel_exporter_otlp_metrics_endpoint,
        )
        for url in filter(None, endpoints):
            if urlsplit(url).scheme == "http" and not _is_loopback(urlsplit(url).hostname):
                return url
        return None

    @property
    def is_loopback(self) -> bool:
        return self.server_host in LOOPBACK_HOSTS

    @property
    def needs_token(self) -> bool:
        return not self.is_loopback and not self.allow_unauthenticated

    @property
    def effective_rules_path(self) -> Path:
        return self.rules_path or self.storage_path / "rules"

    @property
    def effective_index_path(self) -> Path:
        return self.semantic_index_path or self.storage_path / "semantic_index.db"

    @property
    def effective_audit_log_path(self) -> Path:
        return self.audit_log_path or self.storage_path / "audit.log"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        from flowcheck.settings_sources import (
            ConfigFileSource,
            SecretFileSource,
            explicit_env_file,
            operator_variables,
        )

        # dotenv_settings reads only the file passed as `_env_file` (the CLI's --env-file).
        variables = operator_variables(explicit_env_file(dotenv_settings))
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            SecretFileSource(settings_cls, variables),
            ConfigFileSource(settings_cls, variables),
        )
