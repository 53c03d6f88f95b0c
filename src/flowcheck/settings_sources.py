"""Where settings come from: secret files, the config file, and how problems are reported.

`load_settings()` is the only way the CLI builds `Settings`. It turns every validation problem
into one line naming the variable, the (masked) value and what is expected. Every source is the
operator's: the environment, an `--env-file` given on the command line, secret files and a
config file at an operator path; nothing in the working directory is read.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from dotenv import dotenv_values
from pydantic import AliasChoices, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
)

from flowcheck.errors import ConfigError
from flowcheck.settings import RELATIVE_PATH_PROBLEM, Settings

SECRETS_DIR = Path("/run/secrets")
SYSTEM_CONFIG_FILE = Path("/etc/flowcheck/config.yaml")
# Searched in this order after FLOWCHECK_CONFIG_FILE; the last one is 0.x's location, kept.
USER_CONFIG_FILES = (
    "~/.config/flowcheck/config.yaml",
    "~/.config/flowcheck/config.toml",
    "~/.flowcheck/config.yaml",
)
MASK = "********"


def env_names(name: str, field: FieldInfo) -> list[str]:
    """The environment variable names a field is read from, primary first."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    return [f"FLOWCHECK_{name.upper()}"]


def is_secret(field: FieldInfo) -> bool:
    return "SecretStr" in repr(field.annotation)


def _input_key(name: str, field: FieldInfo) -> str:
    # Values fed to the model use the primary alias, so aliased fields validate from any source.
    return env_names(name, field)[0] if field.validation_alias else name


def explicit_env_file(source: PydanticBaseSettingsSource) -> Path | None:
    """The file pydantic's dotenv source reads: only ever the one passed as `--env-file`."""
    env_file = source.env_file if isinstance(source, DotEnvSettingsSource) else None
    return Path(env_file) if isinstance(env_file, str | Path) else None


def operator_variables(env_file: Path | None) -> Mapping[str, str]:
    """The environment, over the variables of the operator's `--env-file` (if one was given)."""
    if env_file is None:
        return os.environ
    from_file = {key: value for key, value in dotenv_values(env_file).items() if value is not None}
    return {**from_file, **os.environ}


def check_env_file(env_file: Path) -> None:
    try:
        with env_file.open(encoding="utf-8") as handle:
            handle.read(1)
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise ConfigError(
            [f"--env-file {env_file}: cannot read it ({reason}); pass a readable KEY=value file"]
        ) from None


class SecretFileSource(PydanticBaseSettingsSource):
    """`<NAME>_FILE` variables, then `/run/secrets/<name>` files, for secret fields only."""

    def __init__(self, settings_cls: type[BaseSettings], variables: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.variables = variables

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        raise NotImplementedError  # __call__ reads every field itself

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            if not is_secret(field):
                continue
            env_name = env_names(name, field)[0]
            found = self._read(env_name)
            if found is None:
                continue
            origin, value = found
            if self.variables.get(env_name):  # two values: refuse rather than drop one silently
                raise ConfigError(
                    [
                        f"{env_name} and {origin} are both set: keep one of them (in the "
                        f"compose stack the secret file holds it: remove {env_name} from .env)"
                    ]
                )
            values[_input_key(name, field)] = value
        return values

    def _read(self, env_name: str) -> tuple[str, str] | None:
        """(where the secret came from, its value), or None when no secret file is set."""
        file_var = f"{env_name}_FILE"
        if file_var in self.variables:
            origin = f"{file_var}={self.variables[file_var]}"
            return origin, _read_secret_file(file_var, Path(self.variables[file_var]))
        for candidate in (SECRETS_DIR / env_name.lower(), SECRETS_DIR / env_name):
            if candidate.is_file():
                return str(candidate), _read_secret_file(str(candidate), candidate)
        return None


def _read_secret_file(origin: str, path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(
            [
                f"{origin}={path}: cannot read the secret file ({exc.strerror}); "
                "check the path and that the server's user may read it"
            ]
        ) from None


def config_file_path(variables: Mapping[str, str]) -> Path | None:
    """The config file in effect: FLOWCHECK_CONFIG_FILE, else the system file, else the user's."""
    explicit = variables.get("FLOWCHECK_CONFIG_FILE")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_absolute():
            raise ConfigError([f"FLOWCHECK_CONFIG_FILE={explicit!r}: {RELATIVE_PATH_PROBLEM}"])
        return path
    for candidate in (SYSTEM_CONFIG_FILE, *(Path(p).expanduser() for p in USER_CONFIG_FILES)):
        if candidate.is_file():
            return candidate
    return None


class ConfigFileSource(PydanticBaseSettingsSource):
    """A YAML or TOML file whose keys are the settings' field names (`server_port: 9000`)."""

    def __init__(self, settings_cls: type[BaseSettings], variables: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.variables = variables

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        raise NotImplementedError  # __call__ reads the whole file at once

    def __call__(self) -> dict[str, Any]:
        path = config_file_path(self.variables)
        if path is None:
            return {}
        data = _parse_config_file(path)
        fields = self.settings_cls.model_fields
        unknown = sorted(set(data) - set(fields))
        if unknown:
            raise ConfigError(
                [
                    f"{path}: unknown key {key!r}; valid keys are the settings' field names, "
                    "see 'flowcheck config env'"
                    for key in unknown
                ]
            )
        return {_input_key(key, fields[key]): value for key, value in data.items()}


def _parse_config_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            [f"FLOWCHECK_CONFIG_FILE={path}: cannot read it ({exc.strerror})"]
        ) from None
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        first_line = str(exc).splitlines()[0]
        raise ConfigError(
            [f"{path}: not valid {path.suffix.lstrip('.') or 'YAML'}: {first_line}"]
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: expected a mapping of setting names to values"])
    return data


def load_settings(env_file: Path | None = None, **cli_overrides: Any) -> Settings:
    """Build Settings from every source. Raises ConfigError with one problem per line.

    `env_file` is the operator's `--env-file`: read below the environment, never implicitly.
    """
    overrides = {key: value for key, value in cli_overrides.items() if value is not None}
    fields = Settings.model_fields
    init = {_input_key(key, fields[key]): value for key, value in overrides.items()}
    if env_file is not None:
        check_env_file(env_file)
    try:
        return Settings(_env_file=env_file, **init)
    except ValidationError as exc:
        raise ConfigError(_problems(exc)) from None
    except PermissionError as exc:
        raise ConfigError([f"{exc.filename}: cannot read it ({exc.strerror})"]) from None


def _problems(exc: ValidationError) -> list[str]:
    field_of = _field_lookup()
    fields = Settings.model_fields
    lines = []
    for error in exc.errors():
        if not error["loc"]:  # a cross-field check: its message says it all
            lines.append(str(error["msg"]).removeprefix("Value error, "))
            continue
        name = field_of.get(str(error["loc"][0]).lower())
        if name is None:
            lines.append(f"{error['loc'][0]}: {error['msg']}")
            continue
        shown = MASK if is_secret(fields[name]) else repr(error.get("input"))
        lines.append(f"{env_names(name, fields[name])[0]}={shown}: {error['msg']}")
    return lines


def _field_lookup() -> dict[str, str]:
    """Field name for any spelling a source may use: field name or variable, lower-cased."""
    return {
        key.lower(): name
        for name, field in Settings.model_fields.items()
        for key in (name, *env_names(name, field))
    }


def describe(
    settings: Settings, env_file: Path | None = None, **cli_overrides: Any
) -> list[dict[str, Any]]:
    """Each field's effective value (secrets masked) and the source it came from."""
    overrides = {k: v for k, v in cli_overrides.items() if v is not None}
    sources = _field_sources(overrides, env_file)
    return [
        {
            "name": name,
            "variable": env_names(name, field)[0],
            "value": mask(getattr(settings, name)),
            "source": sources.get(name, "default"),
        }
        for name, field in Settings.model_fields.items()
    ]


def _field_sources(overrides: dict[str, Any], env_file: Path | None) -> dict[str, str]:
    variables = operator_variables(env_file)
    labelled: list[tuple[str, PydanticBaseSettingsSource]] = [
        ("command line", InitSettingsSource(Settings, init_kwargs=overrides)),
        ("environment", EnvSettingsSource(Settings)),
        *(
            [(f"--env-file {env_file}", DotEnvSettingsSource(Settings, env_file=env_file))]
            if env_file is not None
            else []
        ),
        ("secret file", SecretFileSource(Settings, variables)),
        (f"config file {config_file_path(variables)}", ConfigFileSource(Settings, variables)),
    ]
    field_of = _field_lookup()
    found: dict[str, str] = {}
    for label, source in labelled:
        for key in source():
            found.setdefault(field_of.get(key.lower(), key), label)
    return found


def mask(value: Any) -> Any:
    """A value fit for display: secrets replaced, paths as strings."""
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, list):
        return [mask(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    return value
