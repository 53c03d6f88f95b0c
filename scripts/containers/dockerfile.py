"""Dockerfiles for the stand-in images, rendered from the image spec.

Values go through json.dumps so that labels and env values with spaces or quotes stay intact
(Dockerfile string syntax accepts JSON-quoted strings).
"""

from __future__ import annotations

import json

from spec import ImageSpec

VENV = "/opt/flowcheck"
BUNDLED_SOURCE = "/opt/flowcheck-source"
PYTEST_WRAPPER = "pytest-in-image.sh"
# Linked into /usr/local/bin so the default PATH finds them without an extra Env entry.
ENTRY_POINTS = ("flowcheck", "flowcheck-server")


def _quoted_pairs(keyword: str, pairs: dict[str, str]) -> str:
    body = " \\\n    ".join(
        f"{json.dumps(key)}={json.dumps(value)}" for key, value in pairs.items()
    )
    return f"{keyword} {body}"


def _build_stage(base: str, wheel: str, requirements: list[str]) -> list[str]:
    """Dependencies first, in a layer cached while the wheelhouse is unchanged; then the
    project's wheel alone, and `pip check` to prove nothing is missing (0.4 defect B4.4).
    No variant keeps an installer, as no Nix image has one."""
    pip = f"{VENV}/bin/pip"
    return [
        f"FROM {base} AS build",
        "COPY wheels /wheels",
        f"RUN python3 -m venv {VENV} && {pip} install -q --no-index --find-links /wheels "
        + " ".join(json.dumps(requirement) for requirement in requirements),
        "COPY project /project",
        f"RUN {pip} install -q --no-index --no-deps /project/{wheel} && {pip} check",
        f"RUN {pip} uninstall -q -y pip setuptools",
    ]


def _user_setup(spec: ImageSpec) -> str:
    writable = " ".join(spec.writable_dirs)
    return (
        f"RUN groupadd --gid {spec.gid} {spec.user_name}"
        f" && useradd --uid {spec.uid} --gid {spec.gid} --home-dir {spec.home} --no-create-home"
        f" --shell /usr/sbin/nologin {spec.user_name}"
        f" && mkdir -p {writable} && chown {spec.uid}:{spec.writable_group} {writable}"
        f" && chmod {spec.writable_mode} {writable}"
        f" && chmod 1777 {spec.sticky_tmp}"
    )


def _healthcheck(spec: ImageSpec) -> str:
    health = spec.healthcheck
    return (
        f"HEALTHCHECK --interval={health.interval_ns}ns --timeout={health.timeout_ns}ns"
        f" --retries={health.retries} --start-period={health.start_period_ns}ns"
        f" {health.test[0]} {json.dumps(list(health.test[1:]))}"
    )


def variant_dockerfile(
    spec: ImageSpec, variant: str, base: str, wheel: str, requirements: list[str]
) -> str:
    """The two-stage Dockerfile of one variant: install into a venv, then copy it onto the base."""
    contents = spec.variants[variant]
    links = " && ".join(f"ln -s {VENV}/bin/{name} /usr/local/bin/{name}" for name in ENTRY_POINTS)
    lines = [
        *_build_stage(base, wheel, requirements),
        f"FROM {base}",
        _user_setup(spec),
        f"COPY --from=build {VENV} {VENV}",
        f"RUN {links}",
    ]
    if contents.tests:
        lines += [
            f"COPY --chown={spec.user} source {BUNDLED_SOURCE}",
            f"COPY {PYTEST_WRAPPER} /usr/local/bin/pytest",
            # `python` for the dev stack and its users: the venv's interpreter, through a script
            # (a symlink outside the venv would not find its pyvenv.cfg, so not flowcheck).
            f"RUN printf '#!/bin/sh\\nexec {VENV}/bin/python \"$@\"\\n' > /usr/local/bin/python"
            " && chmod 0755 /usr/local/bin/python",
        ]
    lines += [
        _quoted_pairs("ENV", spec.env),
        _quoted_pairs("LABEL", spec.labels),
        f"USER {spec.user}",
        f"WORKDIR {spec.working_dir}",
        f"EXPOSE {' '.join(spec.exposed_ports)}",
        f"VOLUME {json.dumps(list(spec.volumes))}",
        _healthcheck(spec),
        f"CMD {json.dumps(list(spec.cmd))}",
    ]
    return "\n".join(lines) + "\n"


def traefik_dockerfile() -> str:
    """Traefik's binary is static, so the image needs nothing else (like the official image's
    `traefik` on PATH, the compose file's command and health check work unchanged)."""
    return (
        "\n".join(
            [
                "FROM scratch",
                "COPY traefik /usr/local/bin/traefik",
                'ENV PATH="/usr/local/bin"',
                "EXPOSE 80",
                'CMD ["traefik"]',
            ]
        )
        + "\n"
    )
