"""The dev image runs the test suite, and compose/compose.dev.yaml wires it to the work tree."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from container_helpers import TOKEN, ImageSpec, compose, copy_work_tree, docker, free_port

pytestmark = pytest.mark.container
DEV_FILE = "compose.dev.yaml"


@dataclass(frozen=True)
class DevStack:
    project: str
    env_file: Path
    port: int


@pytest.fixture(scope="module")
def dev_stack(
    images: dict[str, str],
    spec: ImageSpec,
    workspace: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[DevStack]:
    # A copy of the work tree: the stack mounts `..` at /src and reads compose/.env (env_file).
    directory = copy_work_tree(tmp_path_factory.mktemp("compose-dev")) / "compose"
    port = free_port()
    token_file = directory / "token"
    token_file.write_text(TOKEN)
    token_file.chmod(0o644)
    env_file = directory / ".env"  # also the services' env_file
    env_file.write_text(
        f"FLOWCHECK_DEV_IMAGE={spec.image_ref('dev')}\nFLOWCHECK_WORKSPACE={workspace}\n"
        f"FLOWCHECK_TOKEN_FILE={token_file}\nFLOWCHECK_DEV_PORT={port}\n"
        "FLOWCHECK_LOG_FORMAT=json\n"
    )
    stack = DevStack(f"flowcheck-dev-test-{uuid.uuid4().hex[:8]}", env_file, port)
    try:
        compose(stack.project, env_file, "up", "-d", "--wait", "flowcheck", file=DEV_FILE,
                directory=directory)  # fmt: skip
        yield stack
    finally:
        compose(stack.project, env_file, "down", "-v", file=DEV_FILE, check=False,
                directory=directory)  # fmt: skip


def test_pytest_passes_inside_the_dev_image(images: dict[str, str]) -> None:
    """0.4 defect B4.4: CI ran pytest inside an image that had no pytest."""
    name = f"flowcheck-dev-pytest-{uuid.uuid4().hex[:8]}"
    try:
        # Below pytest's own 600 s timeout, so that a hung suite still gets its container removed.
        result = docker("run", "--rm", "--name", name, images["dev"], "pytest", "-q",
                        check=False, timeout=480)  # fmt: skip
    finally:
        docker("rm", "-f", "-v", name, check=False)
    assert result.returncode == 0, result.stdout[-3000:]


def test_dev_stack_publishes_the_server_on_loopback_only(dev_stack: DevStack) -> None:
    published = docker("port", f"{dev_stack.project}-flowcheck-1").stdout.strip()
    assert published == f"8000/tcp -> 127.0.0.1:{dev_stack.port}"


def test_dev_stack_logs_at_debug_level_in_the_format_env_file_sets(dev_stack: DevStack) -> None:
    """Issue 9 defect 2.3: the dev stack had no env_file, so compose/.env never reached it."""
    lines = docker("logs", f"{dev_stack.project}-flowcheck-1").stderr.splitlines()
    levels = {json.loads(line)["level"] for line in lines if line.startswith("{")}
    assert "DEBUG" in levels, lines[:5]


def test_dev_stack_imports_flowcheck_from_the_mounted_source(dev_stack: DevStack) -> None:
    """Issue 9 defect 2.3: the dev image had no `python` that imports flowcheck."""
    code = "import flowcheck; print(flowcheck.__file__)"
    probe = ["exec", "-T", "flowcheck", "python", "-c", code]
    result = compose(dev_stack.project, dev_stack.env_file, *probe, file=DEV_FILE,
                     directory=dev_stack.env_file.parent)  # fmt: skip
    assert result.stdout.strip() == "/src/src/flowcheck/__init__.py"


def test_tests_service_runs_pytest_on_the_mounted_source(dev_stack: DevStack) -> None:
    """Issue 9 defect 2.3: on a noexec /tmp the tests that run the scripts they write there
    (spies in tests/unit/git/test_git_runner.py, hooks) failed."""
    selection = ["tests/unit/test_settings.py", "tests/unit/git/test_git_runner.py",
                 "-p", "no:cacheprovider", "-q"]  # fmt: skip
    run = ["run", "--rm", "tests", "pytest", *selection]
    result = compose(dev_stack.project, dev_stack.env_file, *run, file=DEV_FILE, check=False,
                     directory=dev_stack.env_file.parent)  # fmt: skip
    assert (result.returncode, "passed" in result.stdout) == (0, True), result.stdout[-2000:]
