"""Rules files on disk: find, parse (TOML or JSON), serialise and write atomically."""

from __future__ import annotations

import json
import os
import stat
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from flowcheck.errors import ConfigError

_MAX_FILE_BYTES = 1 << 20
_BARE_KEY_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


@dataclass
class LayerFile:
    """One rules file as read: its content, or the problems that made it unusable."""

    path: Path | None  # None when neither the .toml nor the .json file exists
    data: dict[str, object] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def read_layer(stem: Path, *, refuse_links: bool = False) -> LayerFile:
    """Read `<stem>.toml`, else `<stem>.json`. Never creates anything.

    With `refuse_links` (a repository's file), a symbolic link is never followed, wherever
    it points: set_rules would copy the target (say ~/.docker/config.json) into the tree, and
    warnings name its keys. Only a regular file is read, so a FIFO never blocks.
    """
    toml_path, json_path = _candidates(stem)
    present = [path for path in (toml_path, json_path) if path.is_symlink() or path.is_file()]
    if not present:
        return LayerFile(path=None)
    if refuse_links and present[0].is_symlink():
        return LayerFile(
            present[0],
            problems=[
                f"{present[0]}: is a symbolic link, which FlowCheck never follows; "
                "file ignored (replace it with a regular file)"
            ],
        )
    layer = _parse(present[0], follow=not refuse_links)
    if len(present) == 2:
        layer.problems.append(f"{json_path}: ignored because {toml_path} exists; keep one of them")
    return layer


def target_path(stem: Path) -> Path:
    """Where a write goes: the existing file, else a new TOML file."""
    toml_path, json_path = _candidates(stem)
    return json_path if json_path.is_file() and not toml_path.is_file() else toml_path


def _candidates(stem: Path) -> tuple[Path, Path]:
    return stem.with_name(stem.name + ".toml"), stem.with_name(stem.name + ".json")


def _parse(path: Path, *, follow: bool) -> LayerFile:
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow else os.O_NOFOLLOW)
    try:
        descriptor = os.open(path, flags)  # O_NOFOLLOW: a link swapped in after the check
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                return LayerFile(path, problems=[f"{path}: not a regular file; file ignored"])
            raw = handle.read(_MAX_FILE_BYTES + 1)
    except OSError as error:
        return LayerFile(path, problems=[f"{path}: cannot be read ({error.strerror})"])
    if len(raw) > _MAX_FILE_BYTES:
        return LayerFile(path, problems=[f"{path}: larger than 1 MiB; not read"])
    try:
        data = tomllib.loads(raw.decode()) if path.suffix == ".toml" else json.loads(raw)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        kind = "TOML" if path.suffix == ".toml" else "JSON"
        return LayerFile(path, problems=[f"{path}: not valid {kind} ({error}); file ignored"])
    if not isinstance(data, dict):
        return LayerFile(path, problems=[f"{path}: must hold a table of rules; file ignored"])
    return LayerFile(path, data=data)


def serialise(path: Path, data: Mapping[str, object]) -> bytes:
    if path.suffix == ".json":
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()
    return dump_toml(data).encode()


def dump_toml(data: Mapping[str, object], prefix: str = "") -> str:
    """TOML for tables of strings, numbers, booleans and arrays of them (what rules files hold)."""
    lines: list[str] = []
    tables: list[tuple[str, Mapping[str, object]]] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            tables.append((prefix + _toml_key(key), value))
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for name, table in tables:
        lines += ["", f"[{name}]", dump_toml(table, name + ".").rstrip("\n")]
    return "\n".join(lines).lstrip("\n") + "\n"


def _toml_key(key: str) -> str:
    return key if key and set(key) <= _BARE_KEY_CHARACTERS else json.dumps(key)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid TOML basic-string escapes
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise ConfigError([f"cannot write a {type(value).__name__} value to a TOML rules file"])


def write_atomically(path: Path, content: bytes) -> None:
    """Replace `path` in one step (temp file, fsync, rename), mode 0600, new dirs 0700.

    Never writes through a link: mkstemp opens with O_CREAT | O_EXCL | O_NOFOLLOW, and the
    rename replaces a link at `path` instead of following it."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _fsync_directory(path.parent)
    except OSError as error:
        raise ConfigError(
            [f"cannot write {path} ({error.strerror}); make its directory writable"]
        ) from error


def _fsync_directory(directory: Path) -> None:
    """Persist the rename itself, not only the file's content."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
