"""Run git as a subprocess without ever executing a program the repository configures.

A working copy is untrusted input: its config can name an fsmonitor hook, filter drivers, an
external diff or textconv programs, a pager or a GPG program, and git would run them for a plain
`status` or `diff`. Every call here overrides those settings through GIT_CONFIG_COUNT /
GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n, which beat every config file like `-c` does but take a
key verbatim (a driver named `a=b` would be split by `-c`).

Submodules are the exception those overrides cannot reach: git clears GIT_CONFIG_* for every
child git it starts inside a submodule, and that child obeys the submodule's own config
(`.git/modules/<name>/config`, e.g. `diff.external`). So no command here may start one:
- `diff`, `log` (also with `-p`) and `show` get `--submodule=short` (a moved submodule is one
  "Subproject commit" line; `--submodule=diff|log` would run git inside it), backed by
  `diff.submodule=short` for any diff a caller's options start;
- `status`, `diff`, `log` and `show` get `--ignore-submodules=dirty`: only a submodule's
  checked-out commit is compared (git reads its HEAD in-process), never through a `git status`
  inside it. The flag beats `submodule.<name>.ignore` and `diff.ignoreSubmodules`, so git never
  parses a commit's .gitmodules either (one entry git rejects, `update = !command`, failed `log`);
- `status.submoduleSummary=false` (long-format status would run `git submodule summary`),
  `submodule.recurse=false` and `fetch.recurseSubmodules=false` switch off the remaining
  recursion (`grep` would otherwise search submodules); `--recurse-submodules` (for `ls-files`
  or `grep`) is refused as an argument, and `ls-files`, `rev-parse`, `rev-list`,
  `merge-base`, `for-each-ref`, `hash-object`, `config` and `remote` never enter a submodule.

Ownership: git refuses a repository owned by another uid ("dubious ownership"), which is the
normal case for a workspace bind-mounted into a container. That check protects a user from the
programs a foreign repository's config would run; this runner runs none of them, so inside
`trusting(allowed_roots)` it passes `safe.directory` for each root, `<root>/*` (git >= 2.46) and
each directory from the repository up to its root (older git matches exact paths only), never
`*`. safe.directory is honoured from command-line scope, which GIT_CONFIG_COUNT is; a repository
cannot set it. Repositories outside the roots keep git's own check.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from flowcheck.errors import FlowcheckError, GitError, RepoAccessError

# Settings that make git execute something; each value turns the feature off.
_NEUTRAL_CONFIG = (
    ("core.fsmonitor", "false"),
    ("core.pager", "cat"),
    ("log.showSignature", "false"),
    # Submodule recursion: see the module docstring.
    ("diff.submodule", "short"),
    ("status.submoduleSummary", "false"),
    ("submodule.recurse", "false"),
    ("fetch.recurseSubmodules", "false"),
)
# For commands that read the working tree: `git diff` and `git status` refresh the index and
# then run the repository's post-index-change hook. (Ref-only commands keep the real
# hooksPath, which the hook installer asks for.)
_WORKTREE_NEUTRAL_CONFIG = (("core.hooksPath", os.devnull),)
# Subcommands that would enter submodules, whose own config no override here reaches.
_SUBMODULE_COMMANDS = frozenset({"status", "diff", "log", "show"})
# Subcommands that compute diffs, so external diff and textconv programs could run.
_DIFF_COMMANDS = frozenset({"diff", "log", "show"})
# Subcommands that only read refs and objects: they never run clean/smudge filters, so they
# skip the extra `git config` call that finds filter driver names.
_FILTER_FREE_COMMANDS = frozenset(
    {"rev-parse", "for-each-ref", "merge-base", "rev-list", "symbolic-ref", "config", "log"}
)
# Variables that would point git at another repository, index or object store than `repo`
# (modelled on the list git clears before entering a submodule), or run a pager or diff program.
_REPO_LOCATION_VARIABLES = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
    "GIT_SHALLOW_FILE",
    "GIT_GRAFT_FILE",
    "GIT_REPLACE_REF_BASE",
    "GIT_INTERNAL_SUPER_PREFIX",
    "GIT_EXTERNAL_DIFF",
    "GIT_PAGER",
    "PAGER",
)
_STDERR_LIMIT = 600
# The real paths of the allowed roots git may trust whatever their owner (see `trusting`).
_trusted_roots: ContextVar[tuple[Path, ...]] = ContextVar("trusted_roots", default=())


class GitExitError(GitError):
    """git ran and exited non-zero; `status` lets callers accept documented exit codes."""

    def __init__(self, message: str, *, status: int, stderr: str) -> None:
        super().__init__(message)
        self.status = status
        self.stderr = stderr


def run_git(
    repo: Path,
    *args: str,
    input: bytes | None = None,
    timeout: float = 30.0,
    index_file: Path | None = None,
) -> bytes:
    """Run `git -C repo args...` with a fixed argv and return stdout.

    Raises GitExitError (a GitError) when git exits non-zero, with git's trimmed stderr;
    GitError when it times out; RepoAccessError when git refuses a repository owned by
    another user. `index_file` reads that index instead of the repository's own (the
    temporary index a pre-commit hook sees under `git commit -a`).
    """
    if not args:
        raise GitError("run_git needs a git subcommand, e.g. run_git(repo, 'status')")
    subcommand, *rest = args
    options = rest[: rest.index("--")] if "--" in rest else rest
    if any(option.startswith("--recurse-submodules") for option in options):
        raise GitError("run_git never recurses into submodules: their config runs programs")
    argv = ["git", "-C", str(repo), subcommand]
    if subcommand in _DIFF_COMMANDS:
        argv += ["--no-ext-diff", "--no-textconv", "--submodule=short"]
    if subcommand in _SUBMODULE_COMMANDS:
        argv += ["--ignore-submodules=dirty"]
    argv += rest
    overrides = _config_overrides(repo, subcommand)
    completed = _complete(argv, repo, input, timeout, overrides, index_file)
    return _checked(completed, argv, repo)


@contextmanager
def trusting(roots: Sequence[Path]) -> Iterator[None]:
    """Within this block (and the tasks and threads it starts), git trusts repositories under
    `roots` whoever owns them. The server and `flowcheck check` wrap their work in it."""
    token = _trusted_roots.set(tuple(Path(os.path.realpath(root)) for root in roots))
    try:
        yield
    finally:
        _trusted_roots.reset(token)


def _safe_directories(repo: Path) -> list[tuple[str, str]]:
    """safe.directory entries for `repo` when it lies in a trusted root, else none."""
    real = Path(os.path.realpath(repo))
    for root in _trusted_roots.get():
        if real.is_relative_to(root):
            inside = [real, *(p for p in real.parents if p.is_relative_to(root))]
            return [("safe.directory", str(p)) for p in inside] + [
                ("safe.directory", f"{root.as_posix().rstrip('/')}/*")
            ]
    return []


def reject_option_like(ref: str) -> str:
    """Return `ref` unchanged, refusing a value git would parse as an option."""
    if ref.startswith("-"):
        raise GitError(f"refusing ref {ref!r}: it starts with '-'; pass a branch or commit name")
    return ref


def _config_overrides(repo: Path, subcommand: str) -> list[tuple[str, str]]:
    pairs = list(_NEUTRAL_CONFIG)
    if subcommand not in _FILTER_FREE_COMMANDS:
        pairs += [*_WORKTREE_NEUTRAL_CONFIG, *_filter_overrides(repo)]
    return pairs


def _filter_overrides(repo: Path) -> list[tuple[str, str]]:
    """Empty every configured filter driver so git converts nothing through a program.

    An empty command means "no filter" to git; `required=false` stops git from failing
    the command because the (now empty) filter did not run.
    """
    argv = [
        "git",
        "-C",
        str(repo),
        "config",
        "-z",
        "--name-only",
        "--get-regexp",
        r"^filter\..+\.(clean|smudge|process|required)$",
    ]
    completed = _complete(argv, repo, None, 30.0, list(_NEUTRAL_CONFIG))
    if completed.returncode == 1:  # git config's answer for "no such key"
        return []
    listing = _checked(completed, argv, repo)
    overrides: list[tuple[str, str]] = []
    for key in sorted({key.rsplit(".", 1)[0] for key in os.fsdecode(listing).split("\0") if key}):
        overrides += [(f"{key}.{part}", "") for part in ("clean", "smudge", "process")]
        overrides.append((f"{key}.required", "false"))
    return overrides


def _checked(completed: subprocess.CompletedProcess[bytes], argv: list[str], repo: Path) -> bytes:
    if completed.returncode != 0:
        raise _failure(argv, repo, completed.returncode, completed.stderr)
    return completed.stdout


def _complete(
    argv: list[str],
    repo: Path,
    input: bytes | None,
    timeout: float,
    overrides: list[tuple[str, str]],
    index_file: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            argv,
            input=input,
            capture_output=True,
            timeout=timeout,
            env=_environment([*_safe_directories(repo), *overrides], index_file),
            check=False,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as error:
        raise GitError(
            f"git {_describe(argv)} timed out after {timeout:g} s in {repo}; "
            "retry, or check for a very large or slow file system"
        ) from error
    except FileNotFoundError as error:
        raise GitError("git is not installed or not on PATH; install git") from error


def _environment(overrides: list[tuple[str, str]], index_file: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _REPO_LOCATION_VARIABLES}
    if index_file is not None:
        env["GIT_INDEX_FILE"] = str(index_file)
    # Appended after any GIT_CONFIG_* the operator set (e.g. safe.directory), so ours win.
    start = int(env.get("GIT_CONFIG_COUNT", "0") or "0")
    for offset, (key, value) in enumerate(overrides):
        env[f"GIT_CONFIG_KEY_{start + offset}"] = key
        env[f"GIT_CONFIG_VALUE_{start + offset}"] = value
    env["GIT_CONFIG_COUNT"] = str(start + len(overrides))
    env.update(
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",  # read-only callers must not take index.lock
        GIT_ASKPASS="",
        SSH_ASKPASS="",
        LC_ALL="C",  # stable messages to classify failures
    )
    return env


def _failure(argv: list[str], repo: Path, status: int, stderr: bytes) -> FlowcheckError:
    message = os.fsdecode(stderr).strip()
    if "dubious ownership" in message:
        return RepoAccessError(
            f"git refuses {repo}: the repository is owned by another user (dubious ownership). "
            "List a directory holding it in FLOWCHECK_ALLOWED_ROOTS, which FlowCheck trusts "
            "whoever owns it, or run FlowCheck as the repository's owner (for a container: "
            "`docker run --user $(id -u):$(id -g)`), or mark the path as trusted with "
            f"`git config --global --add safe.directory {repo}`, or without a config file: "
            f"GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=safe.directory GIT_CONFIG_VALUE_0={repo}"
        )
    if len(message) > _STDERR_LIMIT:
        message = message[:_STDERR_LIMIT] + " [...]"
    return GitExitError(
        f"git {_describe(argv)} failed with exit status {status} in {repo}: {message}",
        status=status,
        stderr=message,
    )


def _describe(argv: list[str]) -> str:
    """The subcommand and its arguments, without the -C and -c prefix."""
    index = 3
    while index < len(argv) and argv[index] == "-c":
        index += 2
    return " ".join(argv[index : index + 4])
