"""Install and uninstall FlowCheck's git hooks.

The hooks directory is git's own answer (``git rev-parse --git-path hooks``), so
``core.hooksPath`` (husky and friends) and linked worktrees are respected. A foreign hook is
kept as ``<hook>.backup`` (``.backup.N`` if taken) and chained: it runs first, and its failure
stops the commit. Uninstall removes FlowCheck's hook and puts the chained one back.

Each hook records the interpreter and package directory of the FlowCheck that installed it
(``Launcher``) and runs ``python -P -m flowcheck`` with them, so a commit from a shell without
FlowCheck on PATH (an IDE, a GUI client) still scans, and a ``flowcheck/`` directory in the
repository is never imported. Reinstall after moving or deleting that installation.

The pre-commit hook runs ``flowcheck scan --staged`` (exactly what is being committed):
exit 0 lets the commit through, 2 (findings) blocks it, anything else fails closed.
- ``FLOWCHECK_BYPASS=1`` skips the scan and records the bypass in the audit trail
  (``flowcheck audit bypass``, action ``hook:pre-commit``, status ``bypass``). When flowcheck
  cannot run, it appends a tab-separated line (UTC time, ``pre-commit``, ``bypass``, user,
  repository) to ``$FLOWCHECK_STORAGE_PATH/bypass.log`` (default ``~/.flowcheck/bypass.log``);
  if neither can be written the commit is refused.
- ``FLOWCHECK_HOOK_FAIL_OPEN=1`` lets commits through unscanned when flowcheck is missing or
  the scan errors (exit 3); the default is to refuse them.

The post-commit hook refreshes the search_history index (``flowcheck index``) in the
background; it never delays or fails a commit.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from flowcheck.errors import FlowcheckError
from flowcheck.git.runner import run_git

MARKER = "# FlowCheck managed hook"
HOOK_NAMES = ("pre-commit", "post-commit")
_CHAINED_PLACEHOLDER = "@CHAINED@"


@dataclass(frozen=True)
class Launcher:
    """The Python interpreter and the directory holding the ``flowcheck`` package a hook runs."""

    python: str
    package_root: str


def current_launcher() -> Launcher:
    """This installation. sys.executable stays unresolved: a venv's python is a symlink whose
    target does not see the venv's packages."""
    if not sys.executable:
        raise FlowcheckError(
            "cannot tell which Python runs FlowCheck (sys.executable is empty); "
            "run `python -m flowcheck hooks install` with the interpreter FlowCheck is installed in"
        )
    return Launcher(sys.executable, str(Path(__file__).resolve().parents[2]))


def hooks_dir(repo: Path) -> Path:
    raw = run_git(repo, "rev-parse", "--git-path", "hooks").decode().strip()
    path = Path(raw)
    return path if path.is_absolute() else (repo / path).resolve()


def install(repo: Path, launcher: Launcher | None = None) -> list[Path]:
    """Install every FlowCheck hook, run by `launcher` (default: this installation); returns
    the hook files written. Idempotent."""
    folder = hooks_dir(repo)
    folder.mkdir(parents=True, exist_ok=True)
    chosen = launcher or current_launcher()
    return [_install_one(folder, name, chosen) for name in HOOK_NAMES]


def uninstall(repo: Path) -> list[Path]:
    """Remove FlowCheck's hooks and restore the hooks they chained; returns removed files."""
    folder = hooks_dir(repo)
    removed = []
    for name in HOOK_NAMES:
        hook = folder / name
        if not _is_ours(hook):
            continue
        chained = _chained_name(hook)
        hook.unlink()
        removed.append(hook)
        if chained and (folder / chained).exists():
            (folder / chained).rename(hook)
    return removed


def _install_one(folder: Path, name: str, launcher: Launcher) -> Path:
    hook = folder / name
    chained = ""
    if _is_ours(hook):
        chained = _chained_name(hook)
    elif hook.exists() or hook.is_symlink():
        backup = _free_backup_name(folder, name)
        hook.rename(folder / backup)
        chained = backup
    template = resources.files(__package__).joinpath(f"{name}.sh").read_text(encoding="utf-8")
    values = {
        _CHAINED_PLACEHOLDER: chained,
        "@PYTHON@": shlex.quote(launcher.python),
        "@PACKAGE@": shlex.quote(launcher.package_root),
    }
    for placeholder, value in values.items():
        template = template.replace(placeholder, value)
    hook.write_text(template, encoding="utf-8")
    hook.chmod(0o755)
    return hook


def _is_ours(hook: Path) -> bool:
    try:
        return hook.is_file() and MARKER in hook.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise FlowcheckError(
            f"cannot read hook {hook}: {exc.strerror}; fix its permissions"
        ) from exc


def _chained_name(hook: Path) -> str:
    for line in hook.read_text(encoding="utf-8").splitlines():
        if line.startswith("chained='"):
            return line.removeprefix("chained='").removesuffix("'")
    return ""


def _free_backup_name(folder: Path, name: str) -> str:
    candidate = f"{name}.backup"
    number = 1
    while os.path.lexists(folder / candidate):
        candidate = f"{name}.backup.{number}"
        number += 1
    return candidate
