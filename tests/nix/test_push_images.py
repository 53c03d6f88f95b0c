"""nix/push_images.py without a registry: dry runs, argument errors, credential handling."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.nix.nixflake import REPO, load_module

push = load_module("push_images", REPO / "nix" / "push_images.py")

REPO_REF = "docker.io/backslash-ux/flowcheck"
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def tarballs(tmp_path: Path) -> dict[str, Path]:
    paths = {variant: tmp_path / f"{variant}.tar.gz" for variant in ("latest", "slim", "dev")}
    for variant, path in paths.items():
        path.write_bytes(gzip.compress(f"{variant} archive".encode()))
    return paths


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def invoke(*args: str) -> tuple[int, str, str]:
        code = push.main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def image_args(tarballs: dict[str, Path], *variants: str) -> list[str]:
    return [f"--image={variant}={tarballs[variant]}" for variant in variants]


def test_dry_run_pushes_each_variant_under_its_tag_and_version_tag(
    run: Run, tarballs: dict[str, Path]
) -> None:
    code, out, err = run("--dry-run", *image_args(tarballs, "latest", "slim", "dev"))
    assert (code, err) == (0, "")
    copy = "skopeo --insecure-policy copy docker-archive:{} docker://" + REPO_REF + ":{}"
    assert out.splitlines() == [
        copy.format(tarballs["latest"], "latest"),
        copy.format(tarballs["latest"], "0.5.0"),
        copy.format(tarballs["slim"], "slim"),
        copy.format(tarballs["slim"], "0.5.0-slim"),
        copy.format(tarballs["dev"], "dev"),
        copy.format(tarballs["dev"], "0.5.0-dev"),
    ]


def test_local_registry_arch_suffix_and_masked_credentials(
    run: Run, tarballs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY_USERNAME", "alice")
    monkeypatch.setenv("REGISTRY_PASSWORD", "hunter2-secret")
    code, out, err = run("--dry-run", "--registry", "127.0.0.1:5000", "--repository", "me/fc",
                         "--variants", "slim", "--insecure-registry",
                         "--arch-suffix", "aarch64-linux", *image_args(tarballs, "slim"))
    assert (code, err) == (0, "")
    options = "--dest-tls-verify=false --dest-authfile '***'"
    assert out.splitlines() == [
        f"skopeo --insecure-policy copy {options} docker-archive:{tarballs['slim']} "
        f"docker://127.0.0.1:5000/me/fc:{tag}-aarch64-linux"
        for tag in ("slim", "0.5.0-slim")
    ]
    assert "hunter2" not in out and "alice" not in out


def test_dest_tls_verify_false_is_the_same_switch(run: Run, tarballs: dict[str, Path]) -> None:
    code, out, _ = run("--dry-run", "--variants", "dev", "--dest-tls-verify=false",
                       *image_args(tarballs, "dev"))
    assert code == 0
    assert all("--dest-tls-verify=false" in line for line in out.splitlines())


def test_manifest_list_joins_the_per_architecture_tags(run: Run) -> None:
    code, out, err = run("--dry-run", "--variants", "latest",
                         "--manifest-list", "x86_64-linux,aarch64-linux")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"regctl index create {REPO_REF}:{tag} --ref {REPO_REF}:{tag}-x86_64-linux "
        f"--ref {REPO_REF}:{tag}-aarch64-linux"
        for tag in ("latest", "0.5.0")
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--variants", "fat"], "error: unknown variant 'fat'; the spec has: latest, slim, dev\n"),
        (["--image", "fat=/x"],
         "error: --image names variant 'fat', not one of: latest, slim, dev\n"),
        (["--image", "latest"], "error: --image 'latest' is not VARIANT=TARBALL\n"),
        (["--variants", "latest", "--image", "latest=/no/such.tar.gz"],
         "error: tarball for latest does not exist: /no/such.tar.gz (run nix build first)\n"),
        (["--variants", "latest,slim", "--image", "latest=/etc/hostname"],
         "error: no --image for variant 'slim' (or leave it out of --variants)\n"),
        (["--repository", "Me/FlowCheck", "--manifest-list", "a,b"],
         "error: repository 'Me/FlowCheck' has upper case; registries reject it\n"),
        (["--manifest-list", "a,b", "--image", "latest=/etc/hostname"],
         "error: --manifest-list takes architecture suffixes and no --image\n"),
    ],
)
def test_argument_errors(run: Run, args: list[str], message: str) -> None:
    assert run("--dry-run", *args) == (2, "", message)


def test_real_push_without_credentials_is_refused(run: Run, tarballs: dict[str, Path]) -> None:
    code, out, err = run("--variants", "latest", *image_args(tarballs, "latest"))
    assert (code, out) == (2, "")
    assert err == ("error: set both REGISTRY_USERNAME and REGISTRY_PASSWORD, "
                   "or pass --anonymous for a registry without auth\n")


def test_half_the_credentials_is_refused_even_in_a_dry_run(
    run: Run, tarballs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGISTRY_USERNAME", "alice")
    code, _, err = run("--dry-run", "--variants", "latest", *image_args(tarballs, "latest"))
    assert code == 2
    assert err.startswith("error: set both REGISTRY_USERNAME and REGISTRY_PASSWORD")


def test_credentials_reach_skopeo_in_a_private_auth_file_only(
    run: Run, tarballs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The password is never on a command line, where `ps` would show it."""
    monkeypatch.setenv("REGISTRY_USERNAME", "alice")
    monkeypatch.setenv("REGISTRY_PASSWORD", "hunter2-secret")
    seen: list[dict[str, Any]] = []

    def fake_run(command: list[str], env: dict[str, str], check: bool) -> Any:
        authfile = Path(command[command.index("--dest-authfile") + 1])
        source = Path(command[-2].removeprefix("docker-archive:"))
        seen.append({"command": command, "mode": authfile.stat().st_mode & 0o777,
                     "auth": authfile.read_text(), "docker_config": env["DOCKER_CONFIG"],
                     "source": (source.parent == authfile.parent, source.read_bytes())})
        return type("Completed", (), {"returncode": 0})()

    monkeypatch.setattr(push.subprocess, "run", fake_run)
    code, out, err = run("--variants", "latest", *image_args(tarballs, "latest"))
    assert (code, err) == (0, "")
    assert len(seen) == 2
    assert all("hunter2" not in " ".join(call["command"]) for call in seen)
    assert seen[0]["mode"] == 0o600
    # Debian's skopeo 1.9 cannot read a gzip-compressed docker-archive: it gets a gunzipped copy.
    assert seen[0]["source"] == (True, b"latest archive")
    token = "YWxpY2U6aHVudGVyMi1zZWNyZXQ="  # base64 of alice:hunter2-secret
    assert seen[0]["auth"] == (
        '{"auths": {"docker.io": {"auth": "' + token + '"}, '
        '"https://index.docker.io/v1/": {"auth": "' + token + '"}}}'
    )
    assert "hunter2" not in out and "'***'" in out
    assert not Path(seen[0]["docker_config"]).exists()


def test_failing_skopeo_is_reported_with_its_exit_code(
    run: Run, tarballs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(push.subprocess, "run",
                        lambda *args, **kwargs: type("Completed", (), {"returncode": 7})())
    code, _, err = run("--anonymous", "--variants", "slim", *image_args(tarballs, "slim"))
    assert (code, err) == (1, "error: skopeo failed with exit code 7\n")
