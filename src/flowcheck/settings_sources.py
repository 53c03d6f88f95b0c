"""Where settings come from: secret files, the config file, and how problems are reported.

`load_settings()` is the only way the CLI builds `Settings`. It turns every validation problem
into one line naming the variable, the (masked) value and what is expected.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import yaml
from pydantic import AliasChoices, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import (
    DotEnvSettingsSource,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
)

from flowcheck.errors import ConfigError
from flowcheck.settings import Settings

SECRETS_DIR = Path("/run/secrets")
SYSTEM_CONFIG_FILE = Path("/etc/flowcheck/config.yaml")
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


class SecretFileSource(PydanticBaseSettingsSource):
    """`<NAME>_FILE` variables, then `/run/secrets/<name>` files, for secret fields only."""

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
            if os.environ.get(env_name):  # two values: refuse rather than drop one silently
                raise ConfigError(
                    [
                        f"{env_name} and {origin} are both set: keep one of them (in the "
                        f"compose stack the secret file holds it: remove {env_name} from .env)"
                    ]
                )
            values[_input_key(name, field)] = value
        return values

    @staticmethod
    def _read(env_name: str) -> tuple[str, str] | None:
        """(where the secret came from, its value), or None when no secret file is set."""
        file_var = f"{env_name}_FILE"
        if file_var in os.environ:
            origin = f"{file_var}={os.environ[file_var]}"
            return origin, _read_secret_file(file_var, Path(os.environ[file_var]))
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


def config_file_path() -> Path | None:
    """The config file in effect: FLOWCHECK_CONFIG_FILE, else the system file, else the user's."""
    explicit = os.environ.get("FLOWCHECK_CONFIG_FILE")
    if explicit:
        return Path(explicit).expanduser()
    for candidate in (SYSTEM_CONFIG_FILE, Path("~/.flowcheck/config.yaml").expanduser()):
        if candidate.is_file():
            return candidate
    return None


class ConfigFileSource(PydanticBaseSettingsSource):
    """A YAML or TOML file whose keys are the settings' field names (`server_port: 9000`)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        raise NotImplementedError  # __call__ reads the whole file at once

    def __call__(self) -> dict[str, Any]:
        path = config_file_path()
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


def load_settings(**cli_overrides: Any) -> Settings:
    """Build Settings from every source. Raises ConfigError with one problem per line."""
    overrides = {key: value for key, value in cli_overrides.items() if value is not None}
    fields = Settings.model_fields
    init = {_input_key(key, fields[key]): value for key, value in overrides.items()}
    try:
        return Settings(**init)
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


def describe(settings: Settings, **cli_overrides: Any) -> list[dict[str, Any]]:
    """Each field's effective value (secrets masked) and the source it came from."""
    sources = _field_sources({k: v for k, v in cli_overrides.items() if v is not None})
    return [
        {
            "name": name,
            "variable": env_names(name, field)[0],
            "value": mask(getattr(settings, name)),
            "source": sources.get(name, "default"),
        }
        for name, field in Settings.model_fields.items()
    ]


def _field_sources(overrides: dict[str, Any]) -> dict[str, str]:
    labelled: list[tuple[str, PydanticBaseSettingsSource]] = [
        ("command line", InitSettingsSource(Settings, init_kwargs=overrides)),
        ("environment", EnvSettingsSource(Settings)),
        (".env", DotEnvSettingsSource(Settings)),
        ("secret file", SecretFileSource(Settings)),
        (f"config file {config_file_path()}", ConfigFileSource(Settings)),
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
