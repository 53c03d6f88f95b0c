"""The MCP host configurations of README.md and docs/deployment/clients.md, read from the docs.

Each snippet carries a marker `<!-- journey: <client>-<form> -->`. JSON snippets are parsed; a
Claude Code command line is run with `claude` stubbed (docblocks.shell_argv), and both become a
`ServerEntry`, the one shape the checks and the start-up tests use.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.journey.docblocks import Block, fenced_blocks, shell_argv

ROOT = Path(__file__).resolve().parents[2]
DOC_PAGES = ("README.md", "docs/deployment/clients.md", "docs/deployment/Quick-Start.md")
CLIENTS = ("claude-code", "claude-desktop", "cursor", "vscode")
FORMS = ("local", "container", "http")
TOP_KEY = {"claude-code": "mcpServers", "claude-desktop": "mcpServers", "cursor": "mcpServers"}
LOCAL_COMMAND = "/home/you/.local/bin/flowcheck"  # the placeholder clients.md explains
STDIO_ARGS = ["serve", "--transport", "stdio"]
REPO_IN_CONTAINER = "/workspace/project"
IMAGE = "backslash-ux/flowcheck:latest"
DATA_VOLUME = "flowcheck-data:/data"
HOST_REPO_PLACEHOLDERS = ("/home/you/src/project", "${workspaceFolder}")
# What a user's shell holds when pasting a Claude Code line.
PASTING_SHELL = {"FLOWCHECK_AUTH_TOKEN": "journey-token", "GITHUB_TOKEN": "ghp_journey"}


@dataclass
class ServerEntry:
    """One host's `flowcheck` entry: a command to spawn, or a URL with headers."""

    command: str = ""
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = ""  # VS Code's "type"; "" where the host has none


def marked_blocks() -> dict[str, Block]:
    """Every block marked `<client>-<form>`, by marker, across the doc pages."""
    found: dict[str, Block] = {}
    for page in DOC_PAGES:
        for block in fenced_blocks((ROOT / page).read_text(encoding="utf-8")):
            if block.marker and block.marker.startswith(CLIENTS):
                assert block.marker not in found, f"marker {block.marker} appears twice"
                found[block.marker] = block
    return found


def json_blocks() -> list[Block]:
    return [
        block
        for page in DOC_PAGES
        for block in fenced_blocks((ROOT / page).read_text(encoding="utf-8"))
        if block.lang == "json"
    ]


def load_entry(marker: str, cwd: Path) -> tuple[dict[str, Any] | None, ServerEntry]:
    """The parsed JSON (None for a command line) and the entry of the snippet `marker`;
    a Claude Code line runs in `cwd` (its "$PWD")."""
    client, _ = split_marker(marker)
    block = marked_blocks()[marker]
    if block.lang == "json":
        config = json.loads(block.body)
        return config, entry_from_json(client, config)
    return None, entry_from_claude_line(block, cwd, PASTING_SHELL)


def with_test_values(entry: ServerEntry, repo: Path, volume: str) -> ServerEntry:
    """The entry as a user fills it in: the repository's host path, a volume of the test's own
    instead of flowcheck-data, a value for each VS Code input."""

    def filled(text: str) -> str:
        for placeholder in HOST_REPO_PLACEHOLDERS:
            text = text.replace(placeholder, str(repo))
        text = re.sub(r"\$\{input:[^}]+\}", "journey-input", text)
        return volume + ":/data" if text == DATA_VOLUME else text

    return ServerEntry(
        command=entry.command,
        args=[filled(word) for word in entry.args],
        env={name: filled(value) for name, value in entry.env.items()},
        url=entry.url,
        headers=dict(entry.headers),
        kind=entry.kind,
    )


def split_marker(marker: str) -> tuple[str, str]:
    client, _, form = marker.rpartition("-")
    return client, form


def entry_from_json(client: str, config: dict[str, Any]) -> ServerEntry:
    servers = config["servers" if client == "vscode" else TOP_KEY[client]]
    raw = servers["flowcheck"]
    return ServerEntry(
        command=raw.get("command", ""),
        args=list(raw.get("args", [])),
        env=dict(raw.get("env", {})),
        url=raw.get("url", ""),
        headers=dict(raw.get("headers", {})),
        kind=raw.get("type", ""),
    )


def entry_from_claude_line(block: Block, cwd: Path, env: dict[str, str]) -> ServerEntry:
    """`claude mcp add [--transport http] NAME [URL] [-e K=V]... [--header H] [-- CMD ARGS]`."""
    (argv,) = shell_argv(block.body, "claude", cwd=cwd, env=env)
    assert argv[:2] == ["mcp", "add"], argv
    split = argv.index("--") if "--" in argv else len(argv)
    options, command = argv[2:split], argv[split + 1 :]
    entry, positional = ServerEntry(), []
    pairs = iter(options)
    for word in pairs:
        if word in ("-e", "--env"):
            name, _, value = next(pairs).partition("=")
            entry.env[name] = value
        elif word in ("-H", "--header"):
            name, _, value = next(pairs).partition(":")
            entry.headers[name.strip()] = value.strip()
        elif word in ("-t", "--transport"):
            entry.kind = next(pairs)
        elif word in ("-s", "--scope"):
            next(pairs)
        else:
            positional.append(word)
    assert positional[0] == "flowcheck", positional
    entry.url = positional[1] if len(positional) > 1 else ""
    if command:
        entry.command, entry.args = command[0], command[1:]
    return entry


def shape_problems(
    client: str, form: str, config: dict[str, Any] | None, entry: ServerEntry
) -> list[str]:
    """What is wrong with one host's snippet; [] when it has the host's documented shape."""
    problems = _top_level_problems(client, config) if config is not None else []
    if client == "vscode":
        wanted_type = "http" if form == "http" else "stdio"
        if entry.kind != wanted_type:
            problems.append(f"VS Code entry type is {entry.kind!r}, not {wanted_type!r}")
        problems += _vscode_input_problems(config or {})
    checker = {"local": _local_problems, "container": _container_problems, "http": _http_problems}
    return problems + checker[form](client, entry)


def _top_level_problems(client: str, config: dict[str, Any]) -> list[str]:
    if client == "vscode":
        allowed, required = {"inputs", "servers"}, "servers"
    else:
        allowed, required = {TOP_KEY[client]}, TOP_KEY[client]
    problems = [f"unexpected top-level key {key!r}" for key in sorted(set(config) - allowed)]
    if list(config.get(required, {})) != ["flowcheck"]:
        problems.append(f"{required} must hold exactly the entry 'flowcheck'")
    return problems


def _vscode_input_problems(config: dict[str, Any]) -> list[str]:
    declared = {
        item["id"]: item
        for item in config.get("inputs", [])
        if item.get("type") == "promptString" and item.get("password") is True
    }
    used = re.findall(r"\$\{input:([^}]+)\}", json.dumps(config.get("servers", {})))
    return [
        f"${{input:{name}}} is not a password promptString input"
        for name in used
        if name not in declared
    ]


def _local_problems(client: str, entry: ServerEntry) -> list[str]:
    """The link scripts/run makes, by absolute path: hosts do not share the shell's PATH."""
    # A Claude Code line is expanded by the shell it is pasted into: $HOME is filled in.
    wanted = f"{Path.home()}/.local/bin/flowcheck" if client == "claude-code" else LOCAL_COMMAND
    problems = [] if entry.command == wanted else [f"command {entry.command!r} is not {wanted!r}"]
    if entry.args != STDIO_ARGS:
        problems.append(f"args {entry.args} are not {STDIO_ARGS}")
    return problems


def _container_problems(client: str, entry: ServerEntry) -> list[str]:
    args, problems = entry.args, []
    if entry.command != "docker" or args[:1] != ["run"]:
        problems.append(f"not a docker run: {entry.command} {args[:1]}")
    for flag in ("-i", "--rm", "--init"):
        if flag not in args:
            problems.append(f"{flag} missing")
    problems += [f"{flag} must never be used" for flag in ("-t", "-it", "--tty") if flag in args]
    mounts = [args[i + 1] for i, word in enumerate(args[:-1]) if word == "--mount"]
    if len(mounts) != 1 or not re.fullmatch(
        rf"type=bind,src=[^,]+,dst={REPO_IN_CONTAINER},readonly", mounts[0]
    ):
        problems.append(f"expected one read-only bind mount at {REPO_IN_CONTAINER}: {mounts}")
    passed = [args[i + 1] for i, word in enumerate(args[:-1]) if word == "-e"]
    if f"FLOWCHECK_GIT_REPO_PATH={REPO_IN_CONTAINER}" not in passed:
        problems.append(f"-e FLOWCHECK_GIT_REPO_PATH={REPO_IN_CONTAINER} missing")
    by_name = sorted(word for word in passed if "=" not in word)
    if by_name != sorted(entry.env):
        problems.append(
            f"secrets passed by name {by_name} differ from the env block {sorted(entry.env)}"
        )
    if DATA_VOLUME not in [args[i + 1] for i, word in enumerate(args[:-1]) if word == "-v"]:
        problems.append(f"-v {DATA_VOLUME} missing")
    if args[-5:] != [IMAGE, "flowcheck", *STDIO_ARGS]:
        problems.append(f"the command must end with {IMAGE} flowcheck {' '.join(STDIO_ARGS)}")
    return problems


def _http_problems(client: str, entry: ServerEntry) -> list[str]:
    if client == "claude-desktop":
        return _mcp_remote_problems(entry)
    problems = [] if entry.url.endswith("/mcp") else [f"url {entry.url!r} does not end in /mcp"]
    bearer = entry.headers.get("Authorization", "")
    if not re.fullmatch(r"Bearer \S+", bearer):
        problems.append(f"Authorization header {bearer!r} is not 'Bearer <token>'")
    if client == "claude-code" and entry.kind != "http":
        problems.append("claude mcp add needs --transport http")
    return problems


def _mcp_remote_problems(entry: ServerEntry) -> list[str]:
    """Claude Desktop speaks stdio only: the mcp-remote bridge, header value from env."""
    problems = []
    if (entry.command, entry.args[:2]) != ("npx", ["-y", "mcp-remote"]):
        problems.append(f"not an npx mcp-remote bridge: {entry.command} {entry.args[:2]}")
    if not entry.args[2:3] or not entry.args[2].endswith("/mcp"):
        problems.append(f"no /mcp URL after mcp-remote: {entry.args}")
    if entry.args[3:] != ["--header", "Authorization:${AUTH_HEADER}"]:
        problems.append(f"header arguments {entry.args[3:]} must read AUTH_HEADER from env")
    if not re.fullmatch(r"Bearer \S+", entry.env.get("AUTH_HEADER", "")):
        problems.append("env AUTH_HEADER is not 'Bearer <token>'")
    return problems
