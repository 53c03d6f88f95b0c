"""resolve_repository: top-level resolution and confinement to the allowed roots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flowcheck.errors import RepoAccessError
from flowcheck.git.repo import resolve_repository
from tests.conftest import git

MakeRepo = Callable[..., Path]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    allowed = tmp_path / "root"
    allowed.mkdir()
    return allowed


def init_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "commit", "-q", "--allow-empty", "-m", "initial")
    return path


def refusal(path: str | None, roots: list[Path], default: Path | None = None) -> str:
    with pytest.raises(RepoAccessError) as raised:
        resolve_repository(path, allowed_roots=roots, default=default)
    return str(raised.value)


def outside(what: str, root: Path) -> str:
    return (
        f"{what} is outside the allowed roots ({root}); pass a repository inside one of "
        "them or extend FLOWCHECK_ALLOWED_ROOTS"
    )


def test_subdirectory_resolves_to_the_top_level(root: Path) -> None:
    repo = init_repo(root / "repo")
    (repo / "src" / "pkg").mkdir(parents=True)
    assert resolve_repository(str(repo / "src" / "pkg"), allowed_roots=[root], default=None) == repo


def test_default_is_used_when_no_path_is_given(root: Path) -> None:
    repo = init_repo(root / "repo")
    assert resolve_repository(None, allowed_roots=[root], default=repo) == repo
    assert resolve_repository("", allowed_roots=[root], default=repo) == repo


def test_no_path_and_no_default(root: Path) -> None:
    assert refusal(None, [root]) == (
        "no repo_path given and no default repository configured; "
        "pass repo_path or set FLOWCHECK_GIT_REPO_PATH"
    )


def test_missing_path(root: Path) -> None:
    missing = root / "nope"
    assert refusal(str(missing), [root]) == (
        f"repository path {missing} does not exist; pass an existing directory"
    )


def test_dot_dot_traversal_is_refused(root: Path, tmp_path: Path) -> None:
    init_repo(tmp_path / "elsewhere")
    init_repo(root / "repo")
    sneaky = f"{root}/repo/../../elsewhere"
    assert refusal(sneaky, [root]) == outside(f"repository path {sneaky}", root)


def test_symlink_out_of_the_root_is_refused(root: Path, tmp_path: Path) -> None:
    init_repo(tmp_path / "elsewhere")
    (root / "link").symlink_to(tmp_path / "elsewhere")
    assert refusal(str(root / "link"), [root]) == outside(f"repository path {root}/link", root)


def test_symlink_inside_the_root_is_followed(root: Path) -> None:
    repo = init_repo(root / "repo")
    (root / "alias").symlink_to(repo)
    assert resolve_repository(str(root / "alias"), allowed_roots=[root], default=None) == repo


def test_non_repository_is_refused(root: Path) -> None:
    plain = root / "plain"
    plain.mkdir()
    message = refusal(str(plain), [root])
    assert message.startswith(f"{plain} is not a git repository working tree; pass the path of ")
    assert message.endswith("(git said: fatal: not a git repository (or any of the parent "
                            "directories): .git)")


def test_no_climbing_out_of_the_root_to_an_enclosing_repository(tmp_path: Path) -> None:
    """0.4 defect B1.8: search_parent_directories climbed to the enclosing repository."""
    enclosing = init_repo(tmp_path / "enclosing")
    root = enclosing / "root"
    (root / "plain").mkdir(parents=True)
    what = f"{root}/plain is not a git repository itself; its enclosing repository {enclosing}"
    assert refusal(str(root / "plain"), [root]) == outside(what, root)


def test_path_into_dot_git_is_refused(root: Path) -> None:
    repo = init_repo(root / "repo")
    assert refusal(str(repo / ".git" / "refs"), [root]) == (
        f"repository path {repo}/.git/refs points into a .git directory; "
        "pass the working tree instead"
    )


def test_root_that_is_a_file_is_refused(root: Path) -> None:
    init_repo(root / "repo")
    not_a_dir = root / "file"
    not_a_dir.write_text("x")
    assert refusal(str(root / "repo"), [not_a_dir]) == (
        f"allowed root {not_a_dir} is not a directory; "
        "list directories in FLOWCHECK_ALLOWED_ROOTS"
    )


def test_missing_root_is_refused(root: Path) -> None:
    repo = init_repo(root / "repo")
    missing = root / "gone"
    assert refusal(str(repo), [missing]) == (
        f"allowed root {missing} does not exist; "
        "fix FLOWCHECK_ALLOWED_ROOTS or mount the directory"
    )


def test_any_repository_without_roots(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "anywhere")
    assert resolve_repository(str(repo), allowed_roots=[], default=None) == repo


def test_second_root_admits_the_repository(root: Path, tmp_path: Path) -> None:
    other_root = tmp_path / "other"
    repo = init_repo(other_root / "repo")
    assert resolve_repository(str(repo), allowed_roots=[root, other_root], default=None) == repo


def test_linked_worktree_resolves_to_its_own_top_level(root: Path) -> None:
    repo = init_repo(root / "repo")
    git(repo, "worktree", "add", "-q", "-b", "side", str(root / "wt"))
    assert resolve_repository(str(root / "wt"), allowed_roots=[root], default=None) == root / "wt"


def test_worktree_whose_git_directory_lies_outside_the_root(root: Path, tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "outside-repo")
    git(repo, "worktree", "add", "-q", "-b", "side", str(root / "wt"))
    assert refusal(str(root / "wt"), [root]) == outside(
        f"the git directory {repo}/.git of {root}/wt", root
    )


def test_outside_paths_get_one_answer_whether_they_exist_or_not(
    root: Path, tmp_path: Path
) -> None:
    """Issue 8 (low): "does not exist" vs "outside the roots" told a caller which paths exist."""
    existing, missing = tmp_path / "elsewhere", tmp_path / "nowhere"
    init_repo(existing)
    assert refusal(str(existing), [root]) == outside(f"repository path {existing}", root)
    assert refusal(str(missing), [root]) == outside(f"repository path {missing}", root)


def test_alternates_outside_the_root_are_refused(root: Path, tmp_path: Path) -> None:
    """Issue 8 (low): objects/info/alternates let git read an object store outside the roots."""
    store = init_repo(tmp_path / "outside-repo") / ".git" / "objects"
    repo = init_repo(root / "repo")
    (repo / ".git/objects/info/alternates").write_text(f"# borrowed\n{store}\n")
    assert refusal(str(repo), [root]) == outside(
        f"the object store {store} that {repo} borrows (objects/info/alternates)", root
    )


def test_alternates_of_alternates_inside_the_root_are_followed(root: Path, tmp_path: Path) -> None:
    outer = init_repo(tmp_path / "outside-repo") / ".git" / "objects"
    middle = init_repo(root / "middle") / ".git" / "objects"
    (middle / "info/alternates").write_text(f"{outer}\n")
    repo = init_repo(root / "repo")
    (repo / ".git/objects/info/alternates").write_text("../../../middle/.git/objects\n")
    assert refusal(str(repo), [root]) == outside(
        f"the object store {outer} that {repo} borrows (objects/info/alternates)", root
    )
    (middle / "info/alternates").unlink()
    assert resolve_repository(str(repo), allowed_roots=[root], default=None) == repo


def test_worktree_directory_outside_the_root_is_refused(root: Path, tmp_path: Path) -> None:
    """Issue 8 (low): a `.git` file may put a worktree's own git directory (HEAD, index,
    config.worktree) outside the roots while its common directory stays inside."""
    repo = init_repo(root / "repo")
    git(repo, "worktree", "add", "-q", "-b", "side", str(root / "wt"))
    moved = tmp_path / "outside-gitdir"
    (repo / ".git/worktrees/wt").rename(moved)
    (moved / "commondir").write_text(f"{repo}/.git\n")
    (root / "wt/.git").write_text(f"gitdir: {moved}\n")
    assert refusal(str(root / "wt"), [root]) == outside(
        f"the git directory {moved} of {root}/wt", root
    )


@pytest.mark.parametrize("entry", ["objects", "config", "refs", "objects/pack"])
def test_links_in_the_git_directory_to_outside_the_root_are_refused(
    root: Path, tmp_path: Path, entry: str
) -> None:
    """git reads through a link in .git as through the folder it names: another repository's
    objects, refs or config outside the roots."""
    outside = init_repo(tmp_path / "outside-repo") / ".git" / entry
    repo = init_repo(root / "repo")
    link = repo / ".git" / entry
    moved = link.with_name(link.name + ".moved")
    link.rename(moved)
    link.symlink_to(outside)
    assert refusal(str(repo), [root]) == link_outside(link, repo, root)
    link.unlink()
    link.symlink_to(moved)
    assert resolve_repository(str(repo), allowed_roots=[root], default=None) == repo


def test_an_alternates_file_linking_outside_is_never_read(root: Path, tmp_path: Path) -> None:
    """Its lines would be quoted in the refusal: the link is refused as a link, unread."""
    private = tmp_path / "private.txt"
    private.write_text("root:secret-hash:0:0\n")
    repo = init_repo(root / "repo")
    (repo / ".git/objects/info/alternates").symlink_to(private)
    message = refusal(str(repo), [root])
    assert message == link_outside(repo / ".git/objects/info/alternates", repo, root)
    assert "secret-hash" not in message


def link_outside(link: Path, repo: Path, root: Path) -> str:
    return outside(f"the link {link} in the git directory of {repo}", root)
