"""How the command line reports: JSON on stdout with `--json`, errors as one object or lines.

With `--json` a command prints exactly one JSON value on stdout, success or failure; a failure is
`{"error": ..., "fix": ..., "exit_code": N}` (plus `"problems"` for invalid configuration) and
the same line(s) as without `--json` still go to stderr for the person reading the CI log.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, NoReturn, TextIO

from flowcheck.errors import (
    ConfigError,
    FlowcheckError,
    GitError,
    RepoAccessError,
    StorageError,
    UsageError,
)

# Exit codes shared by every command (the README's table); 64 is sysexits.h's EX_USAGE.
EXIT_OK, EXIT_WARN, EXIT_CONFIG, EXIT_ERROR, EXIT_USAGE = 0, 1, 2, 3, 64

# The fix when a message does not end in one ("what is wrong; what to do").
_DEFAULT_FIXES: tuple[tuple[type[FlowcheckError], str], ...] = (
    (UsageError, "run the command with --help for its arguments"),
    (ConfigError, "correct each problem listed; `flowcheck config env` describes every setting"),
    (RepoAccessError, "pass the path of a git repository's working tree"),
    (GitError, "check the repository with git itself, then retry"),
    (StorageError, "make FLOWCHECK_STORAGE_PATH a directory this user can write"),
    (FlowcheckError, "correct the cause named in the error, then retry"),
)


class UsageParser(argparse.ArgumentParser):
    """argparse, but a usage error raises UsageError (exit 64) instead of exiting with 2, the
    findings code of `scan` and `check`."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}", self.format_usage())


def print_json(data: Any, stdout: TextIO | None = None) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False), file=stdout or sys.stdout)


def error_object(exc: FlowcheckError, exit_code: int) -> dict[str, Any]:
    if isinstance(exc, ConfigError):
        error, fix = "invalid configuration", _default_fix(exc)
        return {"error": error, "fix": fix, "problems": exc.problems, "exit_code": exit_code}
    message = str(exc)
    error, separator, fix = message.rpartition("; ")
    if not separator:
        error, fix = message, _default_fix(exc)
    return {"error": error, "fix": fix, "exit_code": exit_code}


# C0 controls but newline and tab, DEL, and C1 controls: a terminal obeys them (ESC sequences
# can retitle, clear or rewrite the screen, hiding "commit blocked"), and file names, branch
# names and excerpts are the repository's choice.
_CONTROL = {
    code: f"\\x{code:02x}"
    for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))
    if code not in (0x09, 0x0A)
}


def terminal_safe(text: str) -> str:
    """`text` with every control character a terminal would act on shown as `\\xNN`."""
    return text.translate(_CONTROL)


def report_error(
    exc: FlowcheckError,
    exit_code: int,
    *,
    as_json: bool,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Print `exc` as the command's failure; returns `exit_code`."""
    err = stderr or sys.stderr
    if isinstance(exc, ConfigError):
        err.writelines(
            terminal_safe(f"flowcheck: invalid configuration: {line}\n") for line in exc.problems
        )
    elif isinstance(exc, UsageError):
        err.write(terminal_safe(f"{exc.usage}{exc}\n"))
    else:
        err.write(terminal_safe(f"flowcheck: {exc}\n"))
    if as_json:
        print_json(error_object(exc, exit_code), stdout)
    return exit_code


def _default_fix(exc: FlowcheckError) -> str:
    return next(fix for kind, fix in _DEFAULT_FIXES if isinstance(exc, kind))
