"""Rules layering, repository-file restrictions, no writes on read, atomic validated writes."""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path

import pytest

from flowcheck.errors import ConfigError
from flowcheck.rules import RULE_NAMES, Rules, load_rules, set_rules
from flowcheck.rules.files import dump_toml

VALID = ", ".join(RULE_NAMES)


@pytest.fixture
def storage(tmp_path: Path) -> Path:
    return tmp_path / "storage"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    top = tmp_path / "repo"
    top.mkdir()
    return top


def write(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return path


def test_defaults_match_0_4() -> None:
    assert Rules().model_dump() == {
        "max_minutes_without_commit": 60,
        "max_lines_uncommitted": 500,
        "max_uncommitted_files": 10,
        "max_branch_age_days": 7,
        "max_behind_main": 10,
        "split_work_factor": 2.0,
        "danger_factor": 1.5,
    }


def test_layers_apply_in_order(storage: Path, repo: Path) -> None:
    write(storage / "config.json", '{"max_lines_uncommitted": 300, "max_behind_main": 4}')
    write(repo / ".flowcheck.toml",
          "max_lines_uncommitted = 200\nmax_minutes_without_commit = 30\n")
    loaded = load_rules(repo, storage)
    assert (loaded.rules.max_lines_uncommitted, loaded.rules.max_behind_main,
            loaded.rules.max_minutes_without_commit, loaded.warnings) == (200, 4, 30, [])


def test_global_layer_alone_without_a_repository(storage: Path) -> None:
    write(storage / "config.toml", "max_uncommitted_files = 3\n")
    assert load_rules(None, storage).rules.max_uncommitted_files == 3


def test_repository_file_may_not_choose_endpoints_or_keys(storage: Path, repo: Path) -> None:
    """0.4 defect B1.3: a repo .flowcheck.json chose the LLM endpoint and the key variable."""
    path = write(repo / ".flowcheck.json", json.dumps({
        "max_lines_uncommitted": 100,
        "intent": {"base_url": "http://attacker.test", "api_key_env": "AWS_SECRET_ACCESS_KEY"},
    }))
    loaded = load_rules(repo, storage)
    assert loaded.rules.max_lines_uncommitted == 100
    assert loaded.warnings == [
        f"{path}: key 'intent' refused: a repository file may set thresholds only ({VALID}); "
        "ignore patterns go in .flowcheckignore, and endpoints, providers, models and keys "
        "only in the operator's global config"
    ]


def test_global_file_may_hold_the_intent_section(storage: Path) -> None:
    write(storage / "config.toml", 'max_behind_main = 2\n[intent]\nprovider = "anthropic"\n')
    loaded = load_rules(None, storage)
    assert (loaded.rules.max_behind_main, loaded.warnings) == (2, [])


def test_unknown_global_key_is_a_warning(storage: Path) -> None:
    path = write(storage / "config.json", '{"max_lines": 5}')
    assert load_rules(None, storage).warnings == [
        f"{path}: unknown key 'max_lines' ignored; valid rules: {VALID}"
    ]


def test_malformed_file_falls_back_to_the_other_layers(storage: Path, repo: Path) -> None:
    write(storage / "config.json", '{"max_lines_uncommitted": 250}')
    path = write(repo / ".flowcheck.json", '{"max_lines_uncommitted": ')
    loaded = load_rules(repo, storage)
    assert loaded.rules.max_lines_uncommitted == 250
    assert loaded.warnings == [
        f"{path}: not valid JSON (Expecting value: line 1 column 27 (char 26)); file ignored"
    ]


def test_non_table_file_is_a_warning(storage: Path) -> None:
    path = write(storage / "config.json", "[1, 2]")
    assert load_rules(None, storage).warnings == [
        f"{path}: must hold a table of rules; file ignored"
    ]


def test_wrongly_typed_values_keep_the_lower_layer(storage: Path, repo: Path) -> None:
    """0.4 defect B2.5: "500" crashed get_flow_state and true was accepted as an int."""
    write(storage / "config.json", '{"max_lines_uncommitted": 250}')
    path = write(repo / ".flowcheck.json",
                 '{"max_lines_uncommitted": "500", "max_behind_main": true, "danger_factor": 0.5}')
    loaded = load_rules(repo, storage)
    assert (loaded.rules.max_lines_uncommitted, loaded.rules.max_behind_main,
            loaded.rules.danger_factor) == (250, 10, 1.5)
    assert loaded.warnings == [
        f"{path}: rule 'max_lines_uncommitted': Input should be a valid integer (got str); "
        "the lower layer's value is used",
        f"{path}: rule 'max_behind_main': Input should be a valid integer (got bool); "
        "the lower layer's value is used",
        f"{path}: rule 'danger_factor': Input should be greater than or equal to 1 (got float); "
        "the lower layer's value is used",
    ]


def link_refused(path: Path) -> str:
    return (
        f"{path}: is a symbolic link, which FlowCheck never follows; file ignored "
        "(replace it with a regular file)"
    )


@pytest.mark.parametrize("name", [".flowcheck.json", ".flowcheck.toml"])
@pytest.mark.parametrize("target", ["../elsewhere.json", "inside.json"])
def test_repository_file_that_is_a_link_is_never_read(
    storage: Path, repo: Path, name: str, target: str
) -> None:
    write(repo.parent / "elsewhere.json", '{"AKIAEXAMPLE": 1, "max_behind_main": 2}')
    write(repo / "inside.json", '{"max_behind_main": 2}')
    (repo / name).symlink_to(target)
    loaded = load_rules(repo, storage)
    assert (loaded.rules.max_behind_main, loaded.warnings) == (10, [link_refused(repo / name)])


@pytest.mark.parametrize("name", [".flowcheck.json", ".flowcheck.toml"])
def test_set_rules_never_copies_a_linked_file_into_the_repository(
    storage: Path, repo: Path, name: str
) -> None:
    """Issue 8 #4: set_rules(scope="repo") parsed the link's target (say
    ~/.docker/config.json) and wrote it back into the working tree."""
    secret = '{"auths": {"registry.example": {"auth": "c2VjcmV0"}}}'
    outside = write(repo.parent / "docker-config.json", secret)
    (repo / name).symlink_to(outside)
    with pytest.raises(ConfigError) as raised:
        set_rules({"max_behind_main": 3}, "repo", repo, storage)
    assert raised.value.problems == [
        link_refused(repo / name),
        f"fix or delete {repo / name} before writing rules to it",
    ]
    assert ((repo / name).is_symlink(), outside.read_text()) == (True, secret)
    assert sorted(p.name for p in repo.iterdir()) == [name]


def test_repository_file_that_is_a_fifo_is_skipped_without_blocking(
    storage: Path, repo: Path
) -> None:
    os.mkfifo(repo / ".flowcheck.toml")
    written = set_rules({"max_behind_main": 3}, "repo", repo, storage)
    assert (written.effective.max_behind_main, (repo / ".flowcheck.toml").is_file()) == (3, True)


@pytest.mark.parametrize(
    ("rule", "value", "limit"),
    [
        ("max_lines_uncommitted", 10**400, "10000000"),
        ("max_minutes_without_commit", 525_601, "525600"),
        ("danger_factor", 1e308, "1000"),
    ],
    ids=["beyond-float-range", "minutes", "factor"],
)
def test_thresholds_beyond_their_maximum_are_refused(
    storage: Path, repo: Path, rule: str, value: object, limit: str
) -> None:
    """Issue 8 (low): an integer beyond float range was accepted and every flow tool then
    failed multiplying it by a factor."""
    kind = type(value).__name__
    problem = f"rule {rule!r}: Input should be less than or equal to {limit} (got {kind})"
    with pytest.raises(ConfigError) as raised:
        set_rules({rule: value}, "repo", repo, storage)
    assert raised.value.problems == [problem]
    path = write(repo / ".flowcheck.json", f'{{"{rule}": {value}}}')
    loaded = load_rules(repo, storage)
    assert (loaded.rules, loaded.warnings) == (
        Rules(), [f"{path}: {problem}; the lower layer's value is used"]
    )


def test_toml_wins_over_json_with_a_warning(storage: Path) -> None:
    write(storage / "config.toml", "max_behind_main = 1\n")
    json_path = write(storage / "config.json", '{"max_behind_main": 2}')
    loaded = load_rules(None, storage)
    assert (loaded.rules.max_behind_main, loaded.warnings) == (
        1, [f"{json_path}: ignored because {storage}/config.toml exists; keep one of them"],
    )


def test_reading_never_creates_files(storage: Path, repo: Path) -> None:
    """0.4 defect B2.5: the global config was created on the first read."""
    load_rules(repo, storage)
    assert (storage.exists(), list(repo.iterdir())) == (False, [])


def test_set_rules_writes_a_private_global_toml_file(storage: Path) -> None:
    written = set_rules({"max_lines_uncommitted": 300}, "global", None, storage)
    path = storage / "config.toml"
    assert (written.path, written.effective.max_lines_uncommitted, written.warnings) == (
        path, 300, []
    )
    assert tomllib.loads(path.read_text()) == {"max_lines_uncommitted": 300}
    assert (stat.S_IMODE(path.stat().st_mode), stat.S_IMODE(storage.stat().st_mode)) == (
        0o600, 0o700
    )


def test_set_rules_merges_into_an_existing_json_file(storage: Path) -> None:
    path = write(storage / "config.json",
                 '{"max_behind_main": 3, "intent": {"provider": "openai"}}')
    set_rules({"max_lines_uncommitted": 42}, "global", None, storage)
    assert json.loads(path.read_text()) == {
        "max_behind_main": 3, "intent": {"provider": "openai"}, "max_lines_uncommitted": 42,
    }


def test_set_rules_repo_scope_wins_over_global(storage: Path, repo: Path) -> None:
    """0.4 defect B2.10: set_rules wrote only the global file, which a repo file overrode."""
    write(repo / ".flowcheck.json", '{"max_behind_main": 9}')
    set_rules({"max_behind_main": 1}, "global", repo, storage)
    written = set_rules({"max_behind_main": 2}, "repo", repo, storage)
    assert (written.path, written.effective.max_behind_main) == (repo / ".flowcheck.json", 2)


def test_set_rules_refuses_every_bad_value_at_once(storage: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        set_rules({"max_lines_uncommitted": True, "speed": 3, "danger_factor": "2"},
                  "global", None, storage)
    assert raised.value.problems == [
        "rule 'max_lines_uncommitted': Input should be a valid integer (got bool)",
        f"unknown rule 'speed'; valid rules: {VALID}",
        "rule 'danger_factor': Input should be a valid number (got str)",
    ]
    assert not storage.exists()


@pytest.mark.parametrize(
    ("rules", "scope", "problems"),
    [
        ({}, "global", [f"no rules given; pass at least one of: {VALID}"]),
        ({"max_behind_main": 1}, "session",
         ["scope 'session' is not valid; use 'global' or 'repo'"]),
        ({"max_behind_main": 1}, "repo", ["scope 'repo' needs a repository; pass repo_path"]),
    ],
)
def test_set_rules_request_problems(
    storage: Path, rules: dict[str, object], scope: str, problems: list[str]
) -> None:
    with pytest.raises(ConfigError) as raised:
        set_rules(rules, scope, None, storage)  # type: ignore[arg-type]
    assert raised.value.problems == problems


def test_set_rules_will_not_overwrite_a_malformed_file(storage: Path) -> None:
    path = write(storage / "config.toml", "max_behind_main = = 3\n")
    with pytest.raises(ConfigError) as raised:
        set_rules({"max_behind_main": 1}, "global", None, storage)
    assert raised.value.problems[1:] == [f"fix or delete {path} before writing rules to it"]
    assert path.read_text() == "max_behind_main = = 3\n"


def test_failed_write_leaves_the_old_file_and_no_debris(
    storage: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(storage / "config.toml", "max_behind_main = 3\n")

    def failing_fsync(descriptor: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(ConfigError) as raised:
        set_rules({"max_behind_main": 1}, "global", None, storage)
    assert raised.value.problems == [
        f"cannot write {path} (Input/output error); make its directory writable"
    ]
    assert (path.read_text(), sorted(p.name for p in storage.iterdir())) == (
        "max_behind_main = 3\n", ["config.toml"]
    )


def test_toml_writer_round_trips() -> None:
    data = {
        "max_behind_main": 3,
        "danger_factor": 1.25,
        "flag": True,
        "name": 'quote " backslash \\ tab \t é',
        "list": [1, "two"],
        "intent": {"provider": "anthropic", "nested": {"odd key": "x"}},
    }
    assert tomllib.loads(dump_toml(data)) == data


def test_toml_writer_refuses_unsupported_values() -> None:
    with pytest.raises(ConfigError) as raised:
        dump_toml({"when": object()})
    assert raised.value.problems == ["cannot write a object value to a TOML rules file"]
