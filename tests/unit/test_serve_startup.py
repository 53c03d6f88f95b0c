"""`flowcheck serve` refuses to start, with one line and exit 2, on an unusable state directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flowcheck.cli import main


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_unwritable_storage_is_refused_at_start_on_every_transport(
    transport: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 9 defect 2.2: in stdio mode an unwritable /data surfaced only at the first tool
    call that wrote state. (A path under a regular file is unwritable even for root.)"""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("FLOWCHECK_STORAGE_PATH", str(blocker / "state"))
    monkeypatch.setenv("FLOWCHECK_ALLOWED_ROOTS", str(tmp_path))
    status = main(["serve", "--transport", transport])
    captured = capsys.readouterr()
    assert (status, captured.out, captured.err.splitlines()) == (
        2,
        "",
        [
            f"flowcheck: cannot start: FLOWCHECK_STORAGE_PATH={blocker / 'state'} is not "
            f"writable by uid {os.getuid()} (Not a directory): mount a volume that uid owns "
            "there, or point FLOWCHECK_STORAGE_PATH at a writable directory"
        ],
    )
