"""The `flowcheck` command line. Settings are built here, in main(), never at import."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from flowcheck import __version__
from flowcheck.errors import ConfigError, FlowcheckError
from flowcheck.logsetup import configure_logging
from flowcheck.settings import Settings
from flowcheck.settings_sources import load_settings

log = logging.getLogger("flowcheck")

EXIT_OK, EXIT_WARN, EXIT_CONFIG, EXIT_ERROR = 0, 1, 2, 3


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(
        transport=getattr(args, "transport", None),
        server_host=getattr(args, "host", None),
        server_port=getattr(args, "port", None),
    )
    level = "DEBUG" if settings.debug else settings.log_level
    secrets = [t.get_secret_value() for t in settings.auth_token] + [
        key.get_secret_value()
        for key in (settings.anthropic_api_key, settings.openai_api_key, settings.github_token)
        if key is not None
    ]
    configure_logging(level, settings.log_format, secrets)
    return settings


def cmd_serve(args: argparse.Namespace) -> int:
    from flowcheck.serve import serve

    return serve(_settings(args))


def cmd_healthcheck(args: argparse.Namespace) -> int:
    url = args.url
    if url is None:
        port = load_settings().server_port
        url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=args.timeout) as response:  # noqa: S310
            healthy = response.status == 200
    except (urllib.error.URLError, OSError) as exc:
        print(f"flowcheck healthcheck: {url} did not answer: {exc}", file=sys.stderr)
        return 1
    return EXIT_OK if healthy else 1


def cmd_check(args: argparse.Namespace) -> int:
    from flowcheck.check import run_check

    return run_check(_settings(args), args.path, as_json=args.json, strict=args.strict)


def cmd_config(args: argparse.Namespace) -> int:
    from flowcheck.cli_config import run_config

    if args.config_command == "env":
        return run_config(None, args)  # documents defaults; needs no valid configuration
    return run_config(_settings(args), args)


def cmd_scan(args: argparse.Namespace) -> int:
    from flowcheck.guardian.command import scan_command

    settings = _settings(args)
    return scan_command(
        args.target,
        staged=args.staged,
        as_json=args.json,
        redact=args.redact,
        rules_path=settings.effective_rules_path,
        stdin=sys.stdin,
        stdout=sys.stdout,
        stderr=sys.stderr,
    )


def cmd_hooks(args: argparse.Namespace) -> int:
    from flowcheck import hooks
    from flowcheck.git.repo import resolve_repository

    _settings(args)
    repo = resolve_repository(args.path, allowed_roots=[], default=None)
    action = hooks.install if args.hooks_command == "install" else hooks.uninstall
    touched = action(repo)
    verb = "installed" if args.hooks_command == "install" else "removed"
    for path in touched:
        print(f"{verb} {path}")
    if not touched:
        print(f"no FlowCheck hook in {hooks.hooks_dir(repo)}")
    return EXIT_OK


def cmd_index(args: argparse.Namespace) -> int:
    from flowcheck.history import index_command

    settings = _settings(args)
    return index_command(
        args.path,
        settings.effective_index_path,
        args.full,
        limit=settings.history_index_limit,
    )


def cmd_audit(args: argparse.Namespace) -> int:
    from flowcheck.audit import AuditLog, chain_files, verify

    settings = _settings(args)
    path = settings.effective_audit_log_path
    if args.audit_command == "bypass":
        AuditLog(path, settings.audit_max_size_mb * 1024 * 1024).record(
            action=f"hook:{args.hook}",
            status="bypass",
            agent_id=settings.agent_id,
            user=os.environ.get("USER", "unknown"),
            repo_path=str(Path(args.path).resolve()),
        )
        return EXIT_OK
    problems = verify(path)
    for problem in problems:
        print(problem)
    if not problems:
        entries = sum(len(file.read_bytes().splitlines()) for file in chain_files(path))
        print(f"{path}: {entries} entries, chain intact")
    return 1 if problems else EXIT_OK


def _repository_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=".", help="repository (default: .)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flowcheck", description="Git hygiene and security checks for AI coding agents."
    )
    parser.add_argument("--version", "-v", action="version", version=f"FlowCheck {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the MCP server")
    serve.add_argument(
        "--transport", choices=["stdio", "http"], help="default: FLOWCHECK_TRANSPORT"
    )
    serve.add_argument("--host", help="HTTP bind address (default: FLOWCHECK_SERVER_HOST)")
    serve.add_argument("--port", type=int, help="HTTP port (default: FLOWCHECK_SERVER_PORT)")
    serve.set_defaults(handler=cmd_serve)

    health = commands.add_parser("healthcheck", help="exit 0 when the server's /healthz answers")
    health.add_argument("--url", help="default: http://127.0.0.1:<FLOWCHECK_SERVER_PORT>/healthz")
    health.add_argument("--timeout", type=float, default=3.0, help="seconds (default 3)")
    health.set_defaults(handler=cmd_healthcheck)

    check = commands.add_parser(
        "check",
        help="report a repository's flow state",
        description="Exit codes: 0 ok, 1 warning or danger, 2 security findings "
        "or invalid configuration, 3 error.",
    )
    _repository_argument(check)
    check.add_argument("--json", action="store_true", help="print the get_flow_state result")
    check.add_argument(
        "--strict",
        "-s",
        action="store_true",
        help="treat config warnings (malformed rule files) as errors",
    )
    check.set_defaults(handler=cmd_check)

    config = commands.add_parser("config", help="validate or print the configuration")
    config_commands = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    config_commands.add_parser("check", help="validate; exit 0 or 2")
    show = config_commands.add_parser("show", help="effective configuration and sources")
    show.add_argument("--json", action="store_true")
    env = config_commands.add_parser("env", help="every variable with default and description")
    env.add_argument("--format", choices=["markdown", "dotenv"], default="markdown")
    config.set_defaults(handler=cmd_config)

    scan = commands.add_parser(
        "scan",
        help="scan changes (or stdin) for secrets, personal data and prompt injection",
        description="Exit codes: 0 clean, 2 findings, 3 error.",
    )
    scan.add_argument(
        "target",
        nargs="?",
        default=".",
        metavar="PATH|-",
        help="repository (default: .), or - for text on stdin",
    )
    scan.add_argument("--staged", action="store_true", help="only what the next commit contains")
    scan.add_argument("--json", action="store_true", help="findings as JSON")
    scan.add_argument("--redact", action="store_true", help="with -: print stdin redacted")
    scan.set_defaults(handler=cmd_scan)

    hooks = commands.add_parser(
        "hooks", help="install or remove FlowCheck's git hooks (pre-commit scan, post-commit index)"
    )
    hooks_commands = hooks.add_subparsers(dest="hooks_command", metavar="ACTION", required=True)
    for action in ("install", "uninstall"):
        hook = hooks_commands.add_parser(action, help=f"{action} FlowCheck's git hooks")
        _repository_argument(hook)
    hooks.set_defaults(handler=cmd_hooks)

    index = commands.add_parser("index", help="index a repository's commits for search_history")
    _repository_argument(index)
    index.add_argument(
        "--full",
        action="store_true",
        help="index every commit, even beyond FLOWCHECK_HISTORY_INDEX_LIMIT",
    )
    index.set_defaults(handler=cmd_index)

    audit = commands.add_parser("audit", help="check the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    audit_commands.add_parser("verify", help="exit 0 when the hash chain is intact, else 1")
    bypass = audit_commands.add_parser("bypass", help="record a hook bypass (used by the hooks)")
    bypass.add_argument("--hook", required=True, help="the hook that was bypassed")
    _repository_argument(bypass)
    audit.set_defaults(handler=cmd_audit)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_CONFIG
    try:
        return handler(args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"flowcheck: invalid configuration: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    except FlowcheckError as exc:
        print(f"flowcheck: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def server_main() -> int:
    """`flowcheck-server`: the same as `flowcheck serve`."""
    argv = sys.argv[1:]
    if argv and argv[0] in ("--version", "-v"):
        return main(argv)
    return main(["serve", *argv])


if __name__ == "__main__":
    sys.exit(main())
