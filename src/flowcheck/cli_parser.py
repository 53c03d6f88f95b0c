"""The `flowcheck` argument parser. Handlers live in `flowcheck.cli` and are attached by name."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeAlias

from flowcheck import __version__
from flowcheck.cli_output import UsageParser

Handler = Callable[[argparse.Namespace], int]
Commands: TypeAlias = "argparse._SubParsersAction[UsageParser]"  # subscriptable for mypy only

_ENV_FILE_HELP = (
    "read settings from this KEY=value file too (below the environment); "
    "no .env is ever read implicitly"
)
_VERBOSE_HELP = "log INFO lines on stderr too (default: warnings and errors only)"


def _repository_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=".", help="repository (default: .)")


def _global_options(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--env-file", type=Path, metavar="PATH", default=default, help=_ENV_FILE_HELP
    )
    parser.add_argument("--verbose", "-v", action="store_true", default=default, help=_VERBOSE_HELP)


def _command(commands: Commands, name: str, *, json: bool = True, **kwargs: Any) -> UsageParser:
    """A subcommand that also accepts the global options, wherever they are written, and
    (unless it has subcommands of its own, or is `serve`) `--json`."""
    parser = commands.add_parser(name, **kwargs)
    _global_options(parser, argparse.SUPPRESS)  # SUPPRESS: do not reset the global value
    if json:
        parser.add_argument(
            "--json", action="store_true", help="print one JSON value on stdout, errors too"
        )
    return parser


def build_parser(handlers: Mapping[str, Handler]) -> argparse.ArgumentParser:
    parser = UsageParser(
        prog="flowcheck",
        description="Git hygiene and security checks for AI coding agents. Exit codes: 0 ok, "
        "1 warning, 2 findings (scan, check) or invalid configuration (other commands), "
        "3 error, 64 usage error.",
    )
    _global_options(parser, None)
    parser.set_defaults(verbose=False)
    parser.add_argument("--version", "-V", action="version", version=f"FlowCheck {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _serve(commands, handlers["serve"])
    _healthcheck(commands, handlers["healthcheck"])
    _check(commands, handlers["check"])
    _config(commands, handlers["config"])
    _scan(commands, handlers["scan"])
    _hooks(commands, handlers["hooks"])
    _index(commands, handlers["index"])
    _audit(commands, handlers["audit"])
    return parser


def _serve(commands: Commands, handler: Handler) -> None:
    serve = _command(commands, "serve", json=False, help="run the MCP server")
    serve.add_argument(
        "--transport", choices=["stdio", "http"], help="default: FLOWCHECK_TRANSPORT"
    )
    serve.add_argument("--host", help="HTTP bind address (default: FLOWCHECK_SERVER_HOST)")
    serve.add_argument("--port", type=int, help="HTTP port (default: FLOWCHECK_SERVER_PORT)")
    serve.set_defaults(handler=handler)


def _healthcheck(commands: Commands, handler: Handler) -> None:
    health = _command(commands, "healthcheck", help="exit 0 when the server's /healthz answers")
    health.add_argument("--url", help="default: http://127.0.0.1:<FLOWCHECK_SERVER_PORT>/healthz")
    health.add_argument("--timeout", type=_seconds, default=3.0, help="seconds (default 3)")
    health.set_defaults(handler=handler)


def _seconds(text: str) -> float:
    """A timeout above 0: 0 would not wait at all and a negative one crashed the socket."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return value


def _check(commands: Commands, handler: Handler) -> None:
    check = _command(
        commands,
        "check",
        help="report a repository's flow state",
        description="Exit codes: 0 ok, 1 warning or danger, 2 security findings, "
        "3 error (invalid configuration included), 64 usage error.",
    )
    _repository_argument(check)
    check.add_argument(
        "--strict",
        "-s",
        action="store_true",
        help="treat config warnings (malformed rule files) as errors",
    )
    # 2 means findings here, so an invalid configuration is an error (3), never mistaken for one.
    check.set_defaults(handler=handler, config_exit=3)


def _config(commands: Commands, handler: Handler) -> None:
    config = _command(commands, "config", json=False, help="validate or print the configuration")
    actions = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    _command(actions, "check", help="validate, for `flowcheck serve` too; exit 0 or 2")
    _command(actions, "show", help="effective configuration and sources")
    env = _command(actions, "env", help="every variable with default and description")
    env.add_argument("--format", choices=["markdown", "dotenv"], default="markdown")
    config.set_defaults(handler=handler)


def _scan(commands: Commands, handler: Handler) -> None:
    scan = _command(
        commands,
        "scan",
        help="scan changes (or stdin) for secrets, personal data and prompt injection",
        description="Exit codes: 0 clean, 2 findings, 3 error (invalid configuration or rules "
        "included), 64 usage error.",
    )
    scan.add_argument(
        "target",
        nargs="?",
        default=".",
        metavar="PATH|-",
        help="repository (default: .), or - for text on stdin",
    )
    scan.add_argument("--staged", action="store_true", help="only what the next commit contains")
    scan.add_argument("--redact", action="store_true", help="with -: print stdin redacted")
    scan.set_defaults(handler=handler, config_exit=3)


def _hooks(commands: Commands, handler: Handler) -> None:
    hooks = _command(
        commands,
        "hooks",
        json=False,
        help="install or remove FlowCheck's git hooks (pre-commit scan, post-commit index)",
    )
    actions = hooks.add_subparsers(dest="hooks_command", metavar="ACTION", required=True)
    for action in ("install", "uninstall"):
        _repository_argument(_command(actions, action, help=f"{action} FlowCheck's git hooks"))
    hooks.set_defaults(handler=handler)


def _index(commands: Commands, handler: Handler) -> None:
    index = _command(commands, "index", help="index a repository's commits for search_history")
    _repository_argument(index)
    index.add_argument(
        "--full",
        action="store_true",
        help="index every commit, even beyond FLOWCHECK_HISTORY_INDEX_LIMIT",
    )
    index.set_defaults(handler=handler)


def _audit(commands: Commands, handler: Handler) -> None:
    audit = _command(commands, "audit", json=False, help="check the audit trail")
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    _command(actions, "verify", help="exit 0 when the hash chain is intact, else 1")
    bypass = _command(actions, "bypass", help="record a hook bypass (used by the hooks)")
    bypass.add_argument("--hook", required=True, help="the hook that was bypassed")
    _repository_argument(bypass)
    audit.set_defaults(handler=handler)
