"""The per-repository rules: every threshold the status engine and recommendations use."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, ValidationError

# Upper bounds keep every threshold far inside float range: the status engine multiplies them
# by the factors, and an integer beyond float range made every flow tool fail (issue 8).
MAX_MINUTES = 525_600  # one year
MAX_LINES = 10_000_000
MAX_FILES = 1_000_000
MAX_DAYS = 3_650  # ten years
MAX_COMMITS = 1_000_000
MAX_FACTOR = 1_000.0


class Rules(BaseModel):
    """Thresholds; strict types, so `true` is not a number and `"500"` is not an integer."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    max_minutes_without_commit: int = Field(
        60,
        gt=0,
        le=MAX_MINUTES,
        description="Minutes since the last commit, with work pending, before a warning.",
    )
    max_lines_uncommitted: int = Field(
        500,
        gt=0,
        le=MAX_LINES,
        description="Uncommitted changed lines (added + deleted) before a warning.",
    )
    max_uncommitted_files: int = Field(
        10,
        gt=0,
        le=MAX_FILES,
        description="Uncommitted changed files before suggesting focused commits.",
    )
    max_branch_age_days: int = Field(
        7,
        gt=0,
        le=MAX_DAYS,
        description="Days since the branch forked from the default branch before a nudge.",
    )
    max_behind_main: int = Field(
        10,
        gt=0,
        le=MAX_COMMITS,
        description="Commits the branch may lag behind the default branch.",
    )
    split_work_factor: float = Field(
        2.0,
        ge=1,
        le=MAX_FACTOR,
        description="Suggest splitting the work above this multiple of the line limit.",
    )
    danger_factor: float = Field(
        1.5,
        ge=1,
        le=MAX_FACTOR,
        description="Status is danger above this multiple of the minute or line limit.",
    )


RULE_NAMES: tuple[str, ...] = tuple(Rules.model_fields)
# The shape of a rule name (or a misspelt one). Any other key is described, not echoed: it may
# be a secret pasted by mistake, or text planted to travel into answers and the audit log.
_NAME_SHAPED = re.compile(r"[a-z][a-z_]{0,63}")


def shown_key(key: str) -> str:
    """`key` as messages show it: quoted when it looks like a rule name, else only its size."""
    if _NAME_SHAPED.fullmatch(key):
        return repr(key)
    return f"<a key of {len(key)} characters that is not a rule name; not shown>"


def rule_problem(name: str, value: object) -> str | None:
    """Why `value` is not acceptable for rule `name`, or None. Never echoes the value."""
    if name not in Rules.model_fields:
        return f"unknown rule {shown_key(name)}; valid rules: {', '.join(RULE_NAMES)}"
    try:
        Rules.model_validate({name: value})
    except ValidationError as error:
        reason = error.errors()[0]["msg"]
        return f"rule {name!r}: {reason} (got {type(value).__name__})"
    return None
