"""Docker.md and Registry.md state the image contract and tags of nix/images.toml; these tests
keep them equal."""

from __future__ import annotations

import re

from tests.unit.deployment.project import DEPLOYMENT_DOCS, SPEC

DOC = (DEPLOYMENT_DOCS / "Docker.md").read_text()
SECONDS = 1_000_000_000


def test_the_variant_table_is_the_specs() -> None:
    rows = re.findall(r"^\| `(\w+)` \| `<version>([^`]*)`.*\| (\d+) MB \|$", DOC, re.MULTILINE)
    assert rows == [
        (variant["tag"], variant["version_suffix"], str(variant["size_budget_mb"]))
        for variant in SPEC["variants"].values()
    ]


def test_the_shared_contract_is_the_specs() -> None:
    contract, user = SPEC["contract"], SPEC["user"]
    owner = f"`{user['uid']}:{user['gid']}` (`{user['name']}`, home `{user['home']}`)"
    assert f"| user | {owner} |" in DOC
    assert f"| command | `{' '.join(contract['cmd'])}` |" in DOC
    assert f"| port | `{contract['exposed_ports'][0]}` |" in DOC
    assert f"| working directory and volume | `{contract['working_dir']}` |" in DOC
    check = contract["healthcheck"]
    assert (
        f"| health check | `{' '.join(check['test'][1:])}` every {check['interval'] // SECONDS} s, "
        f"timeout {check['timeout'] // SECONDS} s, {check['retries']} retries, "
        f"{check['start_period'] // SECONDS} s start period |"
    ) in DOC
    environment = DOC.split("| environment |")[1].split("\n")[0]
    for name in contract["env"]:
        if name.startswith("FLOWCHECK_"):
            assert f"`{name}={contract['env'][name]}`" in environment
        elif not name.startswith("PYTHON"):  # interpreter switches, not part of the contract
            assert f"`{name}" in environment, name


def test_the_registry_guide_lists_every_pushed_tag() -> None:
    guide = (DEPLOYMENT_DOCS / "Registry.md").read_text()
    table = guide.split("## Tags")[1].split("\n\n")[1]
    listed = re.findall(r"^\| `([^`]+)`", table, re.MULTILINE)
    pushed = [variant["tag"] for variant in SPEC["variants"].values()] + [
        f"<version>{variant['version_suffix']}" for variant in SPEC["variants"].values()
    ]
    assert listed == [*pushed, "<tag>-x86_64-linux"]
