"""Shared tools of the adversarial suite: a program that must never run, its marker, and a real
HTTP server for the hostile-network cases."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.adversarial.network_support import Start, serving


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


@pytest.fixture
def peer_server(tmp_path: Path, isolated_environment: Path) -> Iterator[Start]:
    """A real FlowCheck HTTP server on 127.0.0.1 for the hostile-network cases: call it with
    settings to start one; it stops with the test."""
    with serving(tmp_path, isolated_environment) as start:
        yield start
