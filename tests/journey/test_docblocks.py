"""docblocks reads the fenced blocks the journey runs: headings, markers, fences, stubs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.journey.docblocks import Block, fenced_blocks, marked, shell_argv, under_heading

PAGE = """# Title

## Install

<!-- journey: install -->

```sh
scripts/run --install-only
```

Text between.

```json
{"a": 1}
```

## Other
<!-- journey: other -->
Not a fence marker: text follows it.

~~~text
# not a heading inside a fence
~~~
"""


def test_blocks_carry_language_heading_and_the_marker_just_above() -> None:
    assert fenced_blocks(PAGE) == [
        Block("sh", "scripts/run --install-only\n", "Install", "install"),
        Block("json", '{"a": 1}\n', "Install", None),
        Block("text", "# not a heading inside a fence\n", "Other", None),
    ]


def test_blocks_are_found_by_heading_or_marker() -> None:
    assert [b.lang for b in under_heading(PAGE, "Install")] == ["sh", "json"]
    assert under_heading(PAGE, "Install", lang="json")[0].body == '{"a": 1}\n'
    assert marked(PAGE, "install").body == "scripts/run --install-only\n"
    with pytest.raises(AssertionError, match=r"one block marked <!-- journey: other -->, found 0"):
        marked(PAGE, "other")


def test_shell_argv_reports_each_call_of_the_stubbed_program(tmp_path: Path) -> None:
    script = 'claude mcp add "a b" -- x\nclaude second "$PWD"\n'
    assert shell_argv(script, "claude", cwd=tmp_path) == [
        ["mcp", "add", "a b", "--", "x"],
        ["second", str(tmp_path)],
    ]
