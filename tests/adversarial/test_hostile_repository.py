"""Hostile repositories: whatever a working copy configures or contains, FlowCheck runs none of
its programs, reads nothing outside it, and keeps answering. Each case builds one repository
and runs every entry point on it (tools, CLI commands, both hooks through a real commit)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.adversarial.conftest import Tripwire
from tests.adversarial.hostile_repository_support import (
    FLOWCHECK,
    assert_refused_everywhere,
    gate,
    run_every_entry_point,
    serving_fifo,
)
from tests.conftest import git

MakeRepo = Callable[..., Path]
KEY = "AKIAQ3EGZ7N2LQWX5T4M"
HOOKS = (
    "post-index-change",
    "post-checkout",
    "reference-transaction",
    "pre-auto-gc",
    "post-rewrite",
    "fsmonitor-watchman",
    "push-to-checkout",
)


@pytest.fixture
def repo(make_repo: MakeRepo) -> Path:
    """A repository with a committed, a staged, an unstaged and an untracked change."""
    top = make_repo(files={"app.py": "one\n", "notes.txt": "first\n"})
    (top / "app.py").write_text("one\ntwo\n")
    git(top, "add", "app.py")
    (top / "notes.txt").write_text("first\nsecond\n")
    (top / "new.txt").write_text("brand new\n")
    return top


@pytest.fixture
def jailed(tmp_path: Path, make_repo: MakeRepo) -> Path:
    """A repository inside its own allowed root, tmp_path/jail, with a change in it."""
    (tmp_path / "jail").mkdir()
    top = make_repo("jail/repo")
    (top / "README.md").write_text("hello\nagain\n")
    return top


def configure(repo: Path, settings: dict[str, str], *, file: Path | None = None) -> None:
    where = ["--file", str(file)] if file is not None else []
    for key, value in settings.items():
        git(repo, "config", *where, key, value)


def moved_submodule(
    make_repo: MakeRepo,
    *,
    staged: bool,
    superproject: dict[str, str],
    submodule: dict[str, str],
) -> Path:
    """A superproject whose submodule `sub` was moved to another commit, configured so."""
    sub = make_repo("sub-origin", files={"f.txt": "one\n"})
    (sub / "f.txt").write_text("one\ntwo\n")
    git(sub, "commit", "-q", "-am", "second")
    top = make_repo("super")
    git(top, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "sub")
    git(top, "commit", "-q", "-m", "add submodule")
    git(top / "sub", "checkout", "-q", "HEAD~1")
    if staged:
        git(top, "add", "sub")
    configure(top, superproject)
    configure(top, submodule, file=top / ".git/modules/sub/config")
    return top


@pytest.mark.parametrize("staged", [False, True], ids=["unstaged", "staged"])
def test_a_submodules_external_diff_never_runs_when_its_commit_moved(
    make_repo: MakeRepo, tripwire: Tripwire, staged: bool
) -> None:
    """Hostile repository, submodule diff.external: no program a submodule's own config names
    runs when the superproject asks for submodule diffs, through any tool, CLI command or hook.

    Issue 8 critical #1: `diff.submodule=diff` made every `git diff` start a child git in the
    submodule, which git gives none of the runner's overrides.
    """
    top = moved_submodule(
        make_repo,
        staged=staged,
        superproject={"diff.submodule": "diff"},
        submodule={"diff.external": str(gate(tripwire))},
    )
    run_every_entry_point(top, tripwire)


def test_a_submodule_log_summary_runs_nothing(make_repo: MakeRepo, tripwire: Tripwire) -> None:
    """Hostile repository, submodule diff.submodule=log: a submodule's pager, external diff and
    textconv never run when the superproject asks for submodule logs."""
    program = str(gate(tripwire))
    top = moved_submodule(
        make_repo,
        staged=False,
        superproject={"diff.submodule": "log", "core.pager": program},
        submodule={"core.pager": program, "diff.external": program, "log.showSignature": "true"},
    )
    configure(top, {"gpg.program": program}, file=top / ".git/modules/sub/config")
    run_every_entry_point(top, tripwire)


def test_a_submodule_summary_in_status_runs_nothing(
    make_repo: MakeRepo, tripwire: Tripwire
) -> None:
    """Hostile repository, status.submoduleSummary: asking status for submodule summaries
    starts no git inside the submodule, whose own fsmonitor and pager never run."""
    program = str(gate(tripwire))
    top = moved_submodule(
        make_repo,
        staged=True,
        superproject={"status.submoduleSummary": "true", "diff.submodule": "diff"},
        submodule={"core.fsmonitor": program, "core.pager": program, "diff.external": program},
    )
    run_every_entry_point(top, tripwire)


def test_submodule_recursion_settings_enter_no_submodule(
    make_repo: MakeRepo, tripwire: Tripwire
) -> None:
    """Hostile repository, submodule.recurse and ignore=none: a dirty submodule whose own
    config names an fsmonitor, hooks and filters is never entered, even when the superproject
    asks to recurse and to inspect the submodule's working tree."""
    program = str(gate(tripwire))
    top = moved_submodule(
        make_repo,
        staged=False,
        superproject={
            "submodule.recurse": "true",
            "fetch.recurseSubmodules": "true",
            "diff.ignoreSubmodules": "none",
            "submodule.sub.ignore": "none",
            "status.submoduleSummary": "true",
        },
        submodule={
            "core.fsmonitor": program,
            "core.hooksPath": str(tripwire.program.parent),
            "filter.trap.clean": program,
            "filter.trap.required": "true",
        },
    )
    (top / "sub/.gitattributes").write_text("* filter=trap\n")
    (top / "sub/f.txt").write_text("dirty inside the submodule\n")
    (top / "sub/untracked.txt").write_text("new inside the submodule\n")
    run_every_entry_point(top, tripwire)


def test_a_submodules_textconv_and_hooks_never_run(
    make_repo: MakeRepo, tripwire: Tripwire
) -> None:
    """Hostile repository, submodule textconv and hooks: a submodule's attributes-selected
    textconv program and its index hooks never run when its commit moved."""
    program = str(gate(tripwire))
    top = moved_submodule(
        make_repo,
        staged=True,
        superproject={"diff.submodule": "diff"},
        submodule={"diff.trap.textconv": program, "diff.trap.command": program},
    )
    (top / ".git/modules/sub/info").mkdir(exist_ok=True)
    (top / ".git/modules/sub/info/attributes").write_text("* diff=trap\n")
    hooks = top / ".git/modules/sub/hooks"
    for name in HOOKS:
        (hooks / name).write_text(f'#!/bin/sh\nexec "{program}" "$@"\n')
        (hooks / name).chmod(0o755)
    run_every_entry_point(top, tripwire)


def test_core_fsmonitor_never_runs(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, core.fsmonitor: the repository's fsmonitor hook never runs, through
    any tool, CLI command or hook."""
    configure(repo, {"core.fsmonitor": str(gate(tripwire))})
    run_every_entry_point(repo, tripwire)


def test_pager_settings_never_run(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, core.pager and pager.<command>: no pager the repository names runs,
    through any tool, CLI command or hook."""
    program = str(gate(tripwire))
    configure(
        repo,
        {
            "core.pager": program,
            **{f"pager.{name}": program for name in ("diff", "log", "status", "show", "config")},
        },
    )
    run_every_entry_point(repo, tripwire)


def test_pager_variables_in_the_environment_never_run(
    repo: Path, tripwire: Tripwire, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hostile environment, GIT_PAGER and PAGER: a pager named in the inherited environment
    never runs, through any tool, CLI command or hook."""
    monkeypatch.setenv("GIT_PAGER", str(gate(tripwire)))
    monkeypatch.setenv("PAGER", str(gate(tripwire)))
    run_every_entry_point(repo, tripwire)


def test_diff_external_never_runs(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, diff.external: the repository's external diff program never runs,
    through any tool, CLI command or hook."""
    configure(repo, {"diff.external": str(gate(tripwire))})
    run_every_entry_point(repo, tripwire)


def test_git_external_diff_in_the_environment_never_runs(
    repo: Path, tripwire: Tripwire, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hostile environment, GIT_EXTERNAL_DIFF: an external diff named in the inherited
    environment never runs, through any tool, CLI command or hook."""
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", str(gate(tripwire)))
    run_every_entry_point(repo, tripwire)


def test_attribute_selected_textconv_and_diff_command_never_run(
    repo: Path, tripwire: Tripwire
) -> None:
    """Hostile repository, textconv and diff.<driver>.command: a diff driver that a committed
    .gitattributes selects never runs its programs, through any tool, CLI command or hook."""
    program = str(gate(tripwire))
    (repo / ".gitattributes").write_text("* diff=trap\n")
    git(repo, "add", ".gitattributes")
    configure(repo, {"diff.trap.textconv": program, "diff.trap.command": program})
    run_every_entry_point(repo, tripwire)


@pytest.mark.parametrize("driver", ["a=b", "dotted.name.x", "plain"])
def test_filter_drivers_never_run_whatever_their_name(
    repo: Path, tripwire: Tripwire, driver: str
) -> None:
    """Hostile repository, filter drivers (names with '=' and '.'): no clean or smudge
    program runs, even for a driver whose name `-c` would split, through any tool, CLI
    command or hook."""
    program = str(gate(tripwire))
    (repo / ".gitattributes").write_text(f"* filter={driver}\n")
    configure(
        repo,
        {
            f"filter.{driver}.clean": program,
            f"filter.{driver}.smudge": program,
            f"filter.{driver}.required": "true",
        },
    )
    (repo / "app.py").write_text("one\ntwo\nthree\n")
    run_every_entry_point(repo, tripwire)


def test_a_process_filter_never_starts(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, long-running process filter: filter.<driver>.process never starts,
    through any tool, CLI command or hook."""
    (repo / ".git/info/attributes").write_text("* filter=long\n")
    configure(repo, {"filter.long.process": str(gate(tripwire))})
    run_every_entry_point(repo, tripwire)


def test_a_filter_from_core_attributes_file_never_runs(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, core.attributesFile: a filter and textconv selected by an attributes
    file the config points at never run, through any tool, CLI command or hook."""
    program = str(gate(tripwire))
    attributes = repo / ".git/hostile-attributes"
    attributes.write_text("* filter=trap diff=trap\n")
    configure(
        repo,
        {
            "core.attributesFile": str(attributes),
            "filter.trap.clean": program,
            "diff.trap.textconv": program,
        },
    )
    run_every_entry_point(repo, tripwire)


def test_ssh_command_never_runs(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, core.sshCommand and core.gitProxy: with an ssh origin remote, no
    ssh or proxy program the repository names runs, through any tool, CLI command or hook."""
    program = str(gate(tripwire))
    git(repo, "remote", "add", "origin", "ssh://git@github.com/acme/widgets.git")
    configure(repo, {"core.sshCommand": program, "core.gitProxy": program})
    run_every_entry_point(repo, tripwire)


def test_ssh_variables_in_the_environment_never_run(
    repo: Path, tripwire: Tripwire, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hostile environment, GIT_SSH and GIT_SSH_COMMAND: with an ssh origin remote, no ssh
    program named in the environment runs, through any tool, CLI command or hook."""
    git(repo, "remote", "add", "origin", "git@github.com:acme/widgets.git")
    monkeypatch.setenv("GIT_SSH", str(gate(tripwire)))
    monkeypatch.setenv("GIT_SSH_COMMAND", str(gate(tripwire)))
    run_every_entry_point(repo, tripwire)


def test_credential_helpers_never_run(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, credential helpers: with an https origin remote, no credential
    helper the repository names runs, through any tool, CLI command or hook."""
    program = str(gate(tripwire))
    git(repo, "remote", "add", "origin", "https://github.com/acme/widgets.git")
    configure(
        repo,
        {
            "credential.helper": f"!{program}",
            "credential.https://github.com.helper": program,
            "core.askPass": program,
        },
    )
    run_every_entry_point(repo, tripwire)


def test_askpass_variables_never_run(
    repo: Path, tripwire: Tripwire, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hostile environment, GIT_ASKPASS and SSH_ASKPASS: no password prompt program runs,
    through any tool, CLI command or hook."""
    git(repo, "remote", "add", "origin", "https://github.com/acme/widgets.git")
    monkeypatch.setenv("GIT_ASKPASS", str(gate(tripwire)))
    monkeypatch.setenv("SSH_ASKPASS", str(gate(tripwire)))
    run_every_entry_point(repo, tripwire)


def test_repository_hooks_never_run(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, hooks (post-index-change, post-checkout, reference-transaction...):
    no hook the repository holds runs from FlowCheck, through any tool, CLI command or hook."""
    for name in HOOKS:
        hook = repo / ".git/hooks" / name
        hook.write_text(f'#!/bin/sh\nexec "{gate(tripwire)}" "$@"\n')
        hook.chmod(0o755)
    run_every_entry_point(repo, tripwire)


def test_hooks_from_core_hooks_path_never_run(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, core.hooksPath: hooks in a folder the config names never run from
    FlowCheck, through any tool, CLI command or hook (FlowCheck's own hooks go there)."""
    folder = repo.parent / "hostile-hooks"
    folder.mkdir()
    for name in HOOKS:
        (folder / name).write_text(f'#!/bin/sh\nexec "{gate(tripwire)}" "$@"\n')
        (folder / name).chmod(0o755)
    configure(repo, {"core.hooksPath": str(folder)})
    run_every_entry_point(repo, tripwire)


def test_included_config_runs_nothing(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, include.path: programs set in an included file (fsmonitor, external
    diff, pager, filters) never run, through any tool, CLI command or hook."""
    included = repo / ".git/more.config"
    configure(repo, _program_settings(tripwire), file=included)
    (repo / ".gitattributes").write_text("* filter=trap diff=trap\n")
    configure(repo, {"include.path": str(included)})
    run_every_entry_point(repo, tripwire)


def test_conditionally_included_config_runs_nothing(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, includeIf: programs set in a file included on `gitdir:` and
    `onbranch:` conditions never run, through any tool, CLI command or hook."""
    included = repo / ".git/conditional.config"
    configure(repo, _program_settings(tripwire), file=included)
    (repo / ".gitattributes").write_text("* filter=trap diff=trap\n")
    configure(
        repo,
        {
            f"includeIf.gitdir:{repo}/.git.path": str(included),
            "includeIf.onbranch:main.path": str(included),
        },
    )
    run_every_entry_point(repo, tripwire)


def test_config_included_from_a_fifo_runs_nothing(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, include.path to a FIFO: settings git reads from a FIFO run no
    program, through any tool, CLI command or hook.

    Guards non-execution only: the FIFO is kept answered here; that an unanswered one must
    not freeze the server is another case's promise.
    """
    fifo = repo / ".git/fifo.config"
    lines = "".join(f"\t{key.split('.')[-1]} = {value}\n" for key, value in _core(tripwire))
    with serving_fifo(fifo, f"[core]\n{lines}".encode()):
        configure(repo, {"include.path": str(fifo)})
        run_every_entry_point(repo, tripwire)


def test_gpg_program_never_runs(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, gpg.program and log.showSignature: with signed commits in the
    history, no signature program runs, through any tool, CLI command or hook."""
    program = str(gate(tripwire))
    head = git(repo, "cat-file", "commit", "HEAD")
    signed = head.replace("\n\n", "\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n -----END PGP "
                          "SIGNATURE-----\n\n", 1)
    written = subprocess.run(
        ["git", "-C", str(repo), "hash-object", "-t", "commit", "-w", "--stdin"],
        input=signed, capture_output=True, text=True, check=True,
    )
    oid = written.stdout.strip()
    git(repo, "update-ref", "refs/heads/main", oid)
    configure(
        repo,
        {
            "gpg.program": program,
            "gpg.ssh.program": program,
            "gpg.x509.program": program,
            "log.showSignature": "true",
        },
    )
    run_every_entry_point(repo, tripwire)


def test_core_worktree_outside_the_root_is_refused(
    jailed: Path, tripwire: Tripwire, tmp_path: Path
) -> None:
    """Hostile repository, core.worktree pointing outside: a repository whose working tree the
    config moves outside the allowed roots is refused, and nothing runs."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.txt").write_text(f"key = {KEY}\n")
    configure(jailed, {"core.worktree": str(elsewhere), "core.fsmonitor": str(gate(tripwire))})
    outcomes = run_every_entry_point(jailed, tripwire)
    what = f"{jailed} is not a git repository itself; its enclosing repository {elsewhere}"
    assert_refused_everywhere(outcomes, what, jailed.parent)


def test_alternates_outside_the_root_are_refused(
    jailed: Path, tripwire: Tripwire, tmp_path: Path
) -> None:
    """Hostile repository, objects/info/alternates: a repository that borrows objects from a
    store outside the allowed roots is refused by every tool and `flowcheck check`.

    Issue 8 (low): git metadata outside the roots was read through alternates.
    """
    store = _outside_repository(tmp_path) / ".git/objects"
    (jailed / ".git/objects/info/alternates").write_text(f"{store}\n")
    outcomes = run_every_entry_point(jailed, tripwire)
    what = f"the object store {store} that {jailed} borrows (objects/info/alternates)"
    assert_refused_everywhere(outcomes, what, jailed.parent)


@pytest.mark.parametrize("entry", ["objects", "config", "objects/info/alternates"])
def test_links_in_the_git_directory_to_outside_the_root_are_refused(
    jailed: Path, tripwire: Tripwire, tmp_path: Path, entry: str
) -> None:
    """Hostile repository, links inside .git: a git directory whose objects, config or
    alternates file is a link out of the allowed roots is refused by every tool and
    `flowcheck check`, and the linked config's programs never run."""
    outside = tmp_path / "outside-git"
    shutil.copytree(jailed / ".git", outside)  # the same objects, so `git commit` still works
    configure(jailed, {"core.fsmonitor": str(gate(tripwire))}, file=outside / "config")
    (outside / "objects/info/alternates").write_text(f"{outside}/objects\n")
    link = jailed / ".git" / entry
    if link.is_dir():
        shutil.rmtree(link)
    link.unlink(missing_ok=True)
    link.symlink_to(outside / entry)
    outcomes = run_every_entry_point(jailed, tripwire)
    what = f"the link {link} in the git directory of {jailed}"
    assert_refused_everywhere(outcomes, what, jailed.parent)


def test_worktree_git_directory_outside_the_root_is_refused(
    jailed: Path, tripwire: Tripwire, tmp_path: Path
) -> None:
    """Hostile repository, per-worktree gitdir: a `.git` file that puts the worktree's own git
    directory (HEAD, index, config.worktree) outside the allowed roots is refused by every tool
    and `flowcheck check`, and its config.worktree programs never run.

    Issue 8 (low): git metadata outside the roots was read through a per-worktree gitdir.
    """
    git(jailed, "worktree", "add", "-q", "-b", "side", str(jailed.parent / "wt"))
    moved = tmp_path / "outside-gitdir"
    (jailed / ".git/worktrees/wt").rename(moved)
    (moved / "commondir").write_text(f"{jailed}/.git\n")
    (moved / "config.worktree").write_text(f"[core]\n\tfsmonitor = {gate(tripwire)}\n")
    configure(jailed, {"extensions.worktreeConfig": "true"})
    worktree = jailed.parent / "wt"
    (worktree / ".git").write_text(f"gitdir: {moved}\n")
    outcomes = run_every_entry_point(worktree, tripwire)
    assert_refused_everywhere(outcomes, f"the git directory {moved} of {worktree}", jailed.parent)


def test_common_directory_outside_the_root_is_refused(
    jailed: Path, tripwire: Tripwire, tmp_path: Path
) -> None:
    """Hostile repository, commondir pointing outside: a worktree whose common git directory
    (objects, refs, config) lies outside the allowed roots is refused by every tool."""
    outside = _outside_repository(tmp_path)
    git(outside, "worktree", "add", "-q", "-b", "side", str(jailed.parent / "wt"))
    configure(outside, {"core.fsmonitor": str(gate(tripwire))})
    worktree = jailed.parent / "wt"
    outcomes = run_every_entry_point(worktree, tripwire)
    what = f"the git directory {outside}/.git of {worktree}"
    assert_refused_everywhere(outcomes, what, jailed.parent)


@pytest.mark.parametrize("name", [".flowcheck.json", ".flowcheck.toml"])
def test_a_rules_file_linking_out_of_the_repository_is_never_copied(
    repo: Path, tripwire: Tripwire, tmp_path: Path, name: str
) -> None:
    """Hostile repository, rules file symlink: a `.flowcheck.json`/`.toml` linking to another
    file (say ~/.docker/config.json) is never read, copied into the tree by set_rules, or
    quoted in a warning, through any tool, CLI command or hook.

    Issue 8 high #4: set_rules(scope="repo") parsed the target and wrote it into the tree.
    """
    secret = '{"auths": {"registry.example": {"auth": "c2VjcmV0LXRva2Vu"}}}'
    docker = tmp_path / "home-docker-config.json"
    docker.write_text(secret)
    (repo / name).symlink_to(docker)
    outcomes = run_every_entry_point(repo, tripwire)
    assert outcomes.answers["set_rules"] == (
        f"error: {repo / name}: is a symbolic link, which FlowCheck never follows; file ignored "
        f"(replace it with a regular file); fix or delete {repo / name} before writing rules to it"
    )
    assert ((repo / name).is_symlink(), docker.read_text()) == (True, secret)
    assert "c2VjcmV0LXRva2Vu" not in git(repo, "log", "-p", "--all")
    assert "registry.example" not in str(outcomes.answers)


def test_a_rules_file_with_thresholds_beyond_float_range_disables_nothing(
    repo: Path, tripwire: Tripwire
) -> None:
    """Hostile repository, out-of-range thresholds in .flowcheck.json: values beyond their
    documented maximum (an integer beyond float range included) are ignored with a warning,
    and every tool, CLI command and hook keeps working.

    Issue 8 (low): every flow tool failed once such a value was in effect.
    """
    (repo / ".flowcheck.json").write_text(
        f'{{"max_lines_uncommitted": {10**400}, "max_minutes_without_commit": {2**1024}, '
        '"danger_factor": 1e308}'
    )
    outcomes = run_every_entry_point(repo, tripwire)
    assert outcomes.errors() == {}
    assert outcomes.answers["flowcheck check"] == "exit 0"


@pytest.mark.parametrize("name", [".flowcheck.toml", ".flowcheck.json", ".flowcheckignore"])
def test_rules_and_ignore_files_that_are_fifos_never_block(
    repo: Path, tripwire: Tripwire, name: str
) -> None:
    """Hostile repository, FIFO as a rules or ignore file: no entry point opens it and waits,
    and set_rules replaces it with a regular file."""
    os.mkfifo(repo / name)
    outcomes = run_every_entry_point(repo, tripwire)
    assert outcomes.errors() == {}


def test_a_flowcheckignore_linking_outside_is_not_quoted(
    repo: Path, tripwire: Tripwire, tmp_path: Path
) -> None:
    """Hostile repository, .flowcheckignore symlink: an ignore file linking outside the
    repository is not used, and no entry point quotes the target's lines."""
    target = tmp_path / "private-notes"
    target.write_text(f"*.env\n[z-a]{KEY}\n")  # would hide leak.env, and be quoted as invalid
    (repo / ".flowcheckignore").symlink_to(target)
    (repo / "leak.env").write_text(f"aws = '{KEY}'\n")
    outcomes = run_every_entry_point(repo, tripwire)
    assert KEY not in str(outcomes.answers)
    assert outcomes.answers["flowcheck scan"] == "exit 2"  # leak.env is still scanned


def test_an_untracked_link_to_an_outside_secret_is_never_read(
    repo: Path, tripwire: Tripwire, tmp_path: Path
) -> None:
    """Hostile repository, untracked symlink pointing outside: a link to a file outside the
    repository is never read, so its content is neither scanned nor counted nor echoed."""
    secret = tmp_path / "credentials"
    secret.write_text(f"aws_access_key_id = {KEY}\n")
    (repo / "innocent.txt").symlink_to(secret)
    (repo / "dir-link").symlink_to(tmp_path, target_is_directory=True)
    outcomes = run_every_entry_point(repo, tripwire)
    assert outcomes.answers["flowcheck scan"] == "exit 0"


def test_untracked_fifos_sockets_and_devices_never_block(
    repo: Path, tripwire: Tripwire
) -> None:
    """Hostile repository, FIFOs, sockets and links to devices as untracked files: no entry
    point opens one and waits, or reads an endless device through a link."""
    os.mkfifo(repo / "pipe.txt")
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(repo / "sock.txt"))
        (repo / "zero.txt").symlink_to("/dev/zero")
        (repo / "tty.txt").symlink_to("/dev/tty")
        outcomes = run_every_entry_point(repo, tripwire)
    assert outcomes.errors() == {}


def test_untracked_character_devices_are_never_read(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, devices as untracked files: a character device node in the working
    tree (an endless /dev/zero, a /dev/urandom) is skipped, never read, by every entry point."""
    for name, minor in (("zero.txt", 5), ("random.txt", 9)):
        try:
            os.mknod(repo / name, stat.S_IFCHR | 0o666, os.makedev(1, minor))
        except PermissionError:
            pytest.skip("creating a device node needs CAP_MKNOD")
    outcomes = run_every_entry_point(repo, tripwire)
    assert outcomes.errors() == {}


def _newline_names() -> Iterator[str]:
    yield "line\nbreak.env"
    yield "tab\there.env"
    yield 'quote"and\\slash.env'


def test_newlines_and_quotes_in_file_names_are_reported_exactly(
    repo: Path, tripwire: Tripwire
) -> None:
    """Hostile repository, newlines in paths: staged and untracked files whose names hold a
    newline, a tab or a quote are scanned under their exact names, through every entry point."""
    for name in _newline_names():
        (repo / name).write_text(f"aws = '{KEY}'\n")
        (repo / ("untracked-" + name)).write_text(f"aws = '{KEY}'\n")
        git(repo, "add", name)
    outcomes = run_every_entry_point(repo, tripwire)
    assert outcomes.answers["flowcheck scan"] == "exit 2"
    assert _finding_paths(repo) == sorted(
        [*_newline_names(), *("untracked-" + name for name in _newline_names())]
    )


def test_nul_bytes_in_content_and_control_characters_in_messages_break_nothing(
    repo: Path, tripwire: Tripwire
) -> None:
    """Hostile repository, NUL bytes: files holding NUL bytes (staged, unstaged, untracked)
    and a commit message with control characters break no entry point."""
    (repo / "blob.bin").write_bytes(b"head\0" + KEY.encode() + b"\n")
    git(repo, "add", "blob.bin")
    (repo / "app.py").write_bytes(b"one\ntwo\0three\n")
    (repo / "loose.bin").write_bytes(b"\0" * 10 + b"\n")
    git(repo, "commit", "-q", "-m", "control \x01\x1b[31m characters")
    outcomes = run_every_entry_point(repo, tripwire)
    assert outcomes.errors() == {}


def test_non_utf8_file_names_with_findings_keep_every_tool_working(
    repo: Path, tripwire: Tripwire
) -> None:
    """Hostile repository, non-UTF-8 file names: an untracked and a staged file whose names
    are not UTF-8 and hold a finding are reported with escaped names; no tool fails.

    Issue 8 (low): the name came back with a lone surrogate that JSON cannot carry.
    """
    untracked = os.fsdecode(b"loose-\xff.env")
    staged = os.fsdecode(b"staged-\xfe.env")
    (repo / untracked).write_text(f"aws = '{KEY}'\n")
    (repo / staged).write_text(f"aws = '{KEY}'\n")
    git(repo, "add", staged)
    configure(repo, {"core.quotePath": "false"})
    outcomes = run_every_entry_point(repo, tripwire)
    assert outcomes.errors() == {}
    assert outcomes.answers["flowcheck scan --staged"] == "exit 2"
    assert _finding_paths(repo) == ["loose-\\xff.env", "staged-\\xfe.env"]


def test_a_non_utf8_branch_name_keeps_every_tool_working(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, non-UTF-8 branch name: a branch whose name is not UTF-8 is
    reported escaped, and every tool keeps answering."""
    git(repo, "checkout", "-q", "-b", os.fsdecode(b"feature-\xff"))
    outcomes = run_every_entry_point(repo, tripwire)
    assert outcomes.errors() == {}


@pytest.mark.parametrize(
    "name", ["--output=pwned.txt", "-c", "--exec=touch pwned", "-", "--", "-x.env"]
)
def test_option_looking_file_names_are_paths(
    repo: Path, tripwire: Tripwire, name: str
) -> None:
    """Hostile repository, option-looking file names: a staged, unstaged or untracked file
    named like a git option is treated as a path, and git writes no file it names."""
    (repo / name).write_text(f"aws = '{KEY}'\n")
    git(repo, "add", "--", name)
    (repo / name).write_text(f"aws = '{KEY}'\nmore\n")
    (repo / ("x" + name)).write_text("untracked\n")
    run_every_entry_point(repo, tripwire)
    assert not (repo / "pwned.txt").exists()
    assert not (repo / "pwned").exists()


def test_option_looking_refs_are_never_options(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, option-looking refs: an origin/HEAD pointing at a ref named like
    `--output=...` never becomes a git option, so no file is written."""
    head = git(repo, "rev-parse", "HEAD").strip()
    refs = repo / ".git/refs/remotes/origin"
    refs.mkdir(parents=True)
    (refs / "--output=pwned.txt").write_text(head + "\n")
    (refs / "HEAD").write_text("ref: refs/remotes/origin/--output=pwned.txt\n")
    (repo / ".git/refs/heads/--output=pwned-too.txt").write_text(head + "\n")
    run_every_entry_point(repo, tripwire)
    assert sorted(path.name for path in repo.rglob("pwned*")) == []


def test_repository_location_variables_are_ignored(
    repo: Path, tripwire: Tripwire, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hostile environment, GIT_DIR and friends: variables pointing git at another repository
    (whose config names an fsmonitor) are dropped, through every tool and CLI command."""
    other = _outside_repository(tmp_path)
    configure(other, {"core.fsmonitor": str(gate(tripwire))})
    for name, value in {
        "GIT_DIR": f"{other}/.git",
        "GIT_WORK_TREE": str(other),
        "GIT_COMMON_DIR": f"{other}/.git",
        "GIT_CONFIG_GLOBAL": f"{other}/.git/config",
    }.items():
        monkeypatch.setenv(name, value)
    # No commit: with GIT_DIR set, `git commit` itself commits into the other repository.
    run_every_entry_point(repo, tripwire, commit=False)


def test_gitmodules_update_commands_never_run(make_repo: MakeRepo, tripwire: Tripwire) -> None:
    """Hostile repository, .gitmodules update=!command: a submodule whose `update` (and
    `submodule.<name>.update` in config) is a shell command never has it run, and the
    history tools keep working.

    Found while writing the suite: git refuses such a .gitmodules when it diffs the
    submodule, which failed search_history and `flowcheck index` for the whole repository.
    """
    top = moved_submodule(
        make_repo,
        staged=True,
        superproject={"submodule.sub.update": f"!{gate(tripwire)}"},
        submodule={},
    )
    git(top, "config", "--file", ".gitmodules", "submodule.sub.update", f"!{gate(tripwire)}")
    git(top, "add", ".gitmodules")
    git(top, "commit", "-q", "-m", "submodule update command")
    git(top / "sub", "checkout", "-q", "main")
    outcomes = run_every_entry_point(top, tripwire)
    assert outcomes.errors() == {}
    assert outcomes.answers["flowcheck index"] == "exit 0"


def test_editor_and_merge_programs_never_run(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, core.editor, sequence.editor and merge drivers: programs git runs
    for interactive or merge work never run from FlowCheck."""
    program = str(gate(tripwire))
    (repo / ".gitattributes").write_text("* merge=trap\n")
    configure(
        repo,
        {
            "core.editor": program,
            "sequence.editor": program,
            "merge.trap.driver": program,
            "diff.tool": "trap",
            "difftool.trap.cmd": program,
            "core.alternateRefsCommand": program,
            "uploadpack.packObjectsHook": program,
        },
    )
    run_every_entry_point(repo, tripwire)


def test_auto_maintenance_never_runs(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, gc.auto and maintenance: thresholds that would start automatic
    garbage collection or maintenance start no program from FlowCheck."""
    program = str(gate(tripwire))
    configure(
        repo,
        {"gc.auto": "1", "gc.autoPackLimit": "1", "maintenance.auto": "true"},
    )
    hook = repo / ".git/hooks/pre-auto-gc"
    hook.write_text(f'#!/bin/sh\nexec "{program}" "$@"\n')
    hook.chmod(0o755)
    for number in range(3):
        (repo / f"loose-{number}.txt").write_text(f"{number}\n")
        git(repo, "add", f"loose-{number}.txt")
    run_every_entry_point(repo, tripwire)


def test_every_program_setting_at_once_runs_nothing(repo: Path, tripwire: Tripwire) -> None:
    """Hostile repository, all program-valued settings together: a config naming the tripwire
    for every setting at once runs nothing, through any tool, CLI command or hook."""
    (repo / ".gitattributes").write_text("* filter=trap diff=trap\n")
    configure(repo, _program_settings(tripwire))
    run_every_entry_point(repo, tripwire)


def _core(tripwire: Tripwire) -> list[tuple[str, str]]:
    program = str(gate(tripwire))
    return [("core.fsmonitor", program), ("core.pager", program), ("core.sshCommand", program)]


def _program_settings(tripwire: Tripwire) -> dict[str, str]:
    program = str(gate(tripwire))
    return {
        **dict(_core(tripwire)),
        "diff.external": program,
        "diff.trap.textconv": program,
        "diff.trap.command": program,
        "filter.trap.clean": program,
        "filter.trap.smudge": program,
        "filter.trap.process": program,
        "gpg.program": program,
        "log.showSignature": "true",
        "credential.helper": f"!{program}",
        "core.askPass": program,
    }


def _finding_paths(repo: Path) -> list[str]:
    """The paths `flowcheck scan --json` reports findings in."""
    report = subprocess.run(
        [str(FLOWCHECK), "scan", "--json", str(repo)],
        capture_output=True, text=True, check=False,
    )
    return sorted({finding["path"] for finding in json.loads(report.stdout)["findings"]})


def _outside_repository(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(outside)], check=True)
    git(outside, "commit", "-q", "--allow-empty", "-m", "outside")
    return outside
