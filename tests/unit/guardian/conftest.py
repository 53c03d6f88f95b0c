"""Every guardian test runs with log capture: no value a test plants may reach a log line."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

PLANTED_VALUES = (
    "AKIAQ3EGZ7N2LQWX5T4M",
    "Tr0ub4dor&3x",
    "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5",
    "jane.doe@example.org",
    "4539 1488 0343 6467",
    "536-90-4399",
    "S3cr3tPw",
)


@pytest.fixture(autouse=True)
def no_planted_value_is_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    for record in caplog.records:
        message = record.getMessage()
        assert not [v for v in PLANTED_VALUES if v in message], record.name
