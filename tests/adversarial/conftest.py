"""Shared tools of the adversarial suite: a program that must never run, and its marker."""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Tripwire:
    """An executable that, if anything ever runs it, leaves `marker` behind."""

    program: Path
    marker: Path

    def assert_not_run(self) -> None:
        assert not self.marker.exists(), f"hostile program ran: {self.marker.read_text()!r}"


@pytest.fixture
def tripwire(tmp_path: Path) -> Tripwire:
    marker = tmp_path / "tripwire" / "EXECUTED"
    program = tmp_path / "tripwire" / "payload.sh"
    program.parent.mkdir()
    program.write_text(f'#!/bin/sh\necho "$0 $*" >> "{marker}"\n')
    program.chmod(program.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return Tripwire(program, marker)
