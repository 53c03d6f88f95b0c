"""A secret set both in its variable and in a secret file is refused, never silently replaced.

Guards issue 9 defect 2.3: with FLOWCHECK_AUTH_TOKEN in compose/.env and the compose secret
behind FLOWCHECK_AUTH_TOKEN_FILE, the server took one token and ignored the other unannounced.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowcheck import settings_sources
from flowcheck.cli import main
from flowcheck.errors import ConfigError
from flowcheck.settings_sources import load_settings


def test_token_in_the_environment_and_in_the_token_file_is_refused_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-the-secret\n")
    monkeypatch.setenv("FLOWCHECK_AUTH_TOKEN", "from-the-environment")
    monkeypatch.setenv("FLOWCHECK_AUTH_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("FLOWCHECK_STORAGE_PATH", str(tmp_path / "state"))
    status = main(["serve", "--transport", "stdio"])
    captured = capsys.readouterr()
    assert (status, captured.out, captured.err.splitlines()) == (
        2,
        "",
        [
            f"flowcheck: invalid configuration: FLOWCHECK_AUTH_TOKEN and "
            f"FLOWCHECK_AUTH_TOKEN_FILE={token_file} are both set: keep one of them (in the "
            "compose stack the secret file holds it: remove FLOWCHECK_AUTH_TOKEN from .env)"
        ],
    )
    assert "from-the" not in captured.err


def test_key_in_the_environment_and_in_run_secrets_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings_sources, "SECRETS_DIR", tmp_path)
    (tmp_path / "openai_api_key").write_text("sk-from-the-secret\n")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.problems == [
        f"OPENAI_API_KEY and {tmp_path / 'openai_api_key'} are both set: keep one of them (in "
        "the compose stack the secret file holds it: remove OPENAI_API_KEY from .env)"
    ]

