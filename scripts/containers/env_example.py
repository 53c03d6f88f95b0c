"""Regenerate .env.example: every setting (`flowcheck config env --format dotenv`), then the
compose-level section, which is kept as it is in the file from its marker line on.

Run it after a settings change: `python scripts/containers/env_example.py`
(tests/container/test_env_example.py fails until the two agree).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = REPO_ROOT / ".env.example"
COMPOSE_MARKER = "# Compose-level variables:"


def settings_dotenv() -> str:
    """The settings section, from the CLI of the interpreter's environment (the project venv)."""
    flowcheck = str(Path(sys.executable).with_name("flowcheck"))
    command = [flowcheck, "config", "env", "--format", "dotenv"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def compose_section(text: str) -> str:
    """The compose-level part of .env.example: its rule line before the marker, to the end."""
    marker = text.index(COMPOSE_MARKER)
    return text[text.rindex("\n\n", 0, marker) :]


def main() -> int:
    ENV_EXAMPLE.write_text(
        settings_dotenv().rstrip("\n") + compose_section(ENV_EXAMPLE.read_text())
    )
    print(f"wrote {ENV_EXAMPLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
