"""Regenerate .env.example: every setting (`flowcheck config env --format dotenv`, each line
commented out), then the compose-level section, kept as it is in the file from its marker line on.

The settings stay commented: an active line would override compose/config/config.yaml (the
environment wins over the config file) and, for FLOWCHECK_ALLOWED_HOSTS, the stack's default.

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
SETTINGS_HEADER = """\
# Server settings, each shown with its default and commented out. Uncomment a line to change
# it: a variable set here wins over compose/config/config.yaml in the compose stack.

"""


def settings_dotenv() -> str:
    """The settings section, from the CLI of the interpreter's environment (the project venv)."""
    flowcheck = str(Path(sys.executable).with_name("flowcheck"))
    command = [flowcheck, "config", "env", "--format", "dotenv"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def settings_section() -> str:
    """The settings part of .env.example: the dotenv listing with every assignment commented."""
    lines = [
        line if line.startswith("#") or "=" not in line else f"# {line}"
        for line in settings_dotenv().rstrip("\n").split("\n")
    ]
    return SETTINGS_HEADER + "\n".join(lines)


def compose_section(text: str) -> str:
    """The compose-level part of .env.example: its rule line before the marker, to the end."""
    marker = text.index(COMPOSE_MARKER)
    return text[text.rindex("\n\n", 0, marker) :]


def main() -> int:
    ENV_EXAMPLE.write_text(settings_section() + compose_section(ENV_EXAMPLE.read_text()))
    print(f"wrote {ENV_EXAMPLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
