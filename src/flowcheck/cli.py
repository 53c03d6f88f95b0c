"""The `flowcheck` command line. Settings are built here, in main(), never at import.

Exit codes (README, "Command line"): 0 ok, 1 warning, 2 findings (`scan`, `check`) or invalid
configuration (the other commands), 3 error, 64 usage error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from flowcheck import __version__
from flowcheck.cli_output import (
    EXIT_CONFIG,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_WARN,
    print_json,
    report_error,
)
from flowcheck.cli_parser import Handler, build_parser
from flowcheck.errors import ConfigError, FlowcheckError, UsageError
from flowcheck.logsetup import configure_logging
from flowcheck.settings import Settings
from flowcheck.settings_sources import load_settings

log = logging.getLogger("flowcheck")

EXIT_UNHEALTHY = 1  # what a container health check expects (2 is reserved there)


def _settings(args: argparse.Namespace, *, serving: bool = False) -> Settings:
    settings = load_settings(
        env_file(args),
        transport=getattr(args, "transport", None),
        server_host=getattr(args, "host", None),
        server_port=getattr(args, "port", None),
    )
    secrets = [t.get_secret_value() for t in settings.auth_token] + [
        key.get_secret_value()
        for key in (settings.anthropic_api_key, settings.openai_api_key, settings.github_token)
        if key is not None
    ]
    level = _log_level(settings, serving=serving, verbose=args.verbose)
    configure_logging(level, settings.log_format, secrets)
    return settings


def _log_level(settings: Settings, *, serving: bool, verbose: bool) -> str:
    """The server logs at the configured level; the other commands print their result and
    keep stderr to warnings and errors unless -v asks for INFO (or DEBUG with FLOWCHECK_DEBUG)."""
    configured = logging.DEBUG if settings.debug else logging.getLevelName(settings.log_level)
    if serving:
        return logging.getLevelName(configured)
    level = min(configured, logging.INFO) if verbose else max(configured, logging.WARNING)
    return logging.getLevelName(level)


def env_file(args: argparse.Namespace) -> Path | None:
    """The operator's --env-file: the only dotenv file FlowCheck reads, never ./.env."""
    value: Path | None = getattr(args, "env_file", None)
    return value


def cmd_serve(args: argparse.Namespace) -> int:
    from flowcheck.serve import serve

    return serve(_settings(args, serving=True))


def cmd_healthcheck(args: argparse.Namespace) -> int:
    url = args.url
    if url is None:
        port = load_settings(env_file(args)).server_port
        url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=args.timeout) as response:  # noqa: S310
            status = int(response.status)
    except (urllib.error.URLError, OSError) as exc:
        failure = FlowcheckError(
            f"healthcheck: {url} did not answer: {exc}; start the server, or pass its --url"
        )
        return report_error(failure, EXIT_UNHEALTHY, as_json=args.json)
    if args.json:
        print_json({"url": url, "status": status, "healthy": status == 200})
    return EXIT_OK if status == 200 else EXIT_UNHEALTHY


def cmd_check(args: argparse.Namespace) -> int:
    from flowcheck.check import run_check

    return run_check(_settings(args), args.path, as_json=args.json, strict=args.strict)


def cmd_config(args: argparse.Namespace) -> int:
    from flowcheck.cli_config import run_config

    if args.config_command == "env":
        return run_config(None, args)  # documents defaults; needs no valid configuration
    settings = _settings(args)
    if args.config_command == "check":
        problems = settings.serving_problems()  # the same as `flowcheck serve` would refuse
        if problems:
            raise ConfigError(problems)
    return run_config(settings, args)


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
    if args.json:
        hooks_dir = str(hooks.hooks_dir(repo))
        print_json({"hooks_dir": hooks_dir, verb: [str(path) for path in touched]})
        return EXIT_OK
    for path in touched:
        print(f"{verb} {path}")
    if not touched:
        print(f"no FlowCheck hook in {hooks.hooks_dir(repo)}")
    return EXIT_OK


def cmd_index(args: argparse.Namespace) -> int:
    from flowcheck.history import index_command, index_repository

    settings = _settings(args)
    index_path = settings.effective_index_path
    if not args.json:
        return index_command(args.path, index_path, args.full, limit=settings.history_index_limit)
    limit = None if args.full else settings.history_index_limit
    print_json(index_repository(Path(args.path), index_path, limit).model_dump())
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    from flowcheck.audit import AuditLog
    from flowcheck.audit_chain import scan, verify

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
        if args.json:
            print_json({"recorded": f"hook:{args.hook}", "audit_log": str(path)})
        return EXIT_OK
    problems = verify(path)
    entries = scan(path).count
    if args.json:
        intact = not problems
        print_json(
            {"audit_log": str(path), "entries": entries, "intact": intact, "problems": problems}
        )
    elif problems:
        print("\n".join(problems))
    else:
        print(f"{path}: {entries} entries, chain intact")
    return EXIT_WARN if problems else EXIT_OK


HANDLERS: dict[str, Handler] = {
    "serve": cmd_serve,
    "healthcheck": cmd_healthcheck,
    "check": cmd_check,
    "config": cmd_config,
    "scan": cmd_scan,
    "hooks": cmd_hooks,
    "index": cmd_index,
    "audit": cmd_audit,
}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in arguments  # known before parsing, so a usage error is JSON too
    parser = build_parser(HANDLERS)
    try:
        args = parser.parse_args(arguments)
    except UsageError as exc:
        return report_error(exc, EXIT_USAGE, as_json=as_json)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        if args.verbose:  # `flowcheck -v` alone printed the version before -v meant --verbose
            print(f"FlowCheck {__version__}")
            return EXIT_OK
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return handler(args)
    except ConfigError as exc:
        return report_error(exc, getattr(args, "config_exit", EXIT_CONFIG), as_json=as_json)
    except FlowcheckError as exc:
        return report_error(exc, EXIT_ERROR, as_json=as_json)
    except KeyboardInterrupt:
        return 130


def server_main() -> int:
    """`flowcheck-server`: the same as `flowcheck serve`."""
    argv = sys.argv[1:]
    if argv and argv[0] in ("--version", "-V", "-v"):
        return main(argv)
    return main(["serve", *argv])


if __name__ == "__main__":
    sys.exit(main())
