"""`flowcheck config check|show|env`: validate, inspect and document the settings model."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo

from flowcheck.cli_output import print_json
from flowcheck.settings import Settings
from flowcheck.settings_sources import describe, env_names, is_secret


def run_config(settings: Settings | None, args: argparse.Namespace) -> int:
    if args.config_command == "env":
        if args.json:
            print_json(env_rows())
        else:
            print(render_env(args.format), end="")
    elif args.config_command == "show":
        assert settings is not None
        _show(settings, args)
    else:
        assert settings is not None
        if args.json:
            print_json({"valid": True, "serve_transport": settings.transport})
        else:
            transport = settings.transport
            print(f"configuration is valid, for `flowcheck serve --transport {transport}` too")
    return 0


# Paths left unset default to a place under FLOWCHECK_STORAGE_PATH; `config show` prints where.
DERIVED_PATHS = {
    "rules_path": "effective_rules_path",
    "semantic_index_path": "effective_index_path",
    "audit_log_path": "effective_audit_log_path",
}


def _show(settings: Settings, args: argparse.Namespace) -> None:
    """Each setting's value and source, and `effective`, the value FlowCheck uses: for an unset
    path derived from FLOWCHECK_STORAGE_PATH, the path under it."""
    rows = describe(settings, getattr(args, "env_file", None))
    for row in rows:
        derived = DERIVED_PATHS.get(row["name"]) if row["value"] is None else None
        row["effective"] = str(getattr(settings, derived)) if derived else row["value"]
    if args.json:
        print_json(rows)
        return
    width = max(len(row["variable"]) for row in rows)
    for row in rows:
        source = row["source"]
        if row["effective"] != row["value"]:
            source += f": <storage>/{Path(row['effective']).name}"
        print(f"{row['variable']:<{width}}  {_display(row['effective'])}  ({source})")


def env_rows() -> list[dict[str, Any]]:
    """`config env --json`: every variable, its other names, default and description."""
    rows = []
    for name, field in Settings.model_fields.items():
        primary, *aliases = env_names(name, field)
        rows.append(
            {
                "variable": primary,
                "aliases": aliases,
                "secret": is_secret(field),
                "default": default_text(field),
                "description": field.description,
            }
        )
    return rows


def default_text(field: FieldInfo) -> str:
    """The default as it would be written in an environment variable ('' when there is none)."""
    value: Any = field.get_default(call_default_factory=True)
    if value is None or is_secret(field):
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def render_env(fmt: str) -> str:
    if fmt == "dotenv":
        return "".join(_dotenv_entry(name, field) for name, field in Settings.model_fields.items())
    lines = ["| Variable | Default | Description |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        primary, *aliases = env_names(name, field)
        shown = [primary, *([f"{primary}_FILE"] if is_secret(field) else []), *aliases]
        variable = ", ".join(f"`{item}`" for item in shown)
        default = default_text(field)
        lines.append(
            f"| {variable} | {'`' + default + '`' if default else ''} | {field.description} |"
        )
    return "\n".join(lines) + "\n"


def _dotenv_entry(name: str, field: FieldInfo) -> str:
    variable = env_names(name, field)[0]
    default = default_text(field)
    comment = f"# {field.description}\n"
    if is_secret(field):
        comment += f"# Or {variable}_FILE=<path of a file holding it>.\n"
    # A variable without a default stays commented: an empty value would be read as a value.
    line = f"{variable}={default}" if default else f"# {variable}="
    return f"{comment}{line}\n\n"


def _display(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(item) for item in value) or "(none)"
    if isinstance(value, Path):
        return str(value)
    return "(unset)" if value is None else str(value)
