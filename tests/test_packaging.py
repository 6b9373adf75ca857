"""Set-up and packaging a newcomer meets: ./run's first set-up, pyproject.toml, the Dockerfile."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from tests.conftest import StartGateway
from tests.helpers.procs import READY_WITHIN, ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
BASH = shutil.which("bash") or "/bin/bash"


def pyproject() -> dict[str, Any]:
    """pyproject.toml as it is now (read per test: others edit it while the suite runs)."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


# pyproject.toml as the build backend reads it, with every warning an error.
VALIDATE = """
import warnings
from setuptools.config.pyprojecttoml import apply_configuration
from setuptools.dist import Distribution
warnings.simplefilter("error")
dist = apply_configuration(Distribution(), "pyproject.toml")
print(dist.metadata.license_expression, *dist.metadata.license_files)
"""


def test_pyproject_builds_without_a_setuptools_warning() -> None:
    assert pyproject()["build-system"]["requires"] == ["setuptools>=77"]  # SPDX `license`
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", VALIDATE], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Apache-2.0", "LICENSE"]


def _stub_checkout(tmp: Path) -> Path:
    """A copy of `run` and pyproject.toml with a .venv whose python and cartgraph only log."""
    for name in ("run", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp / name)
    bin_dir = tmp / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, body in {
        "python": 'echo "python $*" >> calls.log',
        "cartgraph": 'echo "cg $*"',
    }.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    return tmp


def _run(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [BASH, "run", *args], cwd=checkout, capture_output=True, text=True, timeout=60
    )


def test_first_setup_says_each_step_keeps_pip_quiet_and_passes_cartgraph_through(
    tmp_path: Path,
) -> None:
    checkout = _stub_checkout(tmp_path)
    first = _run(checkout, "cartgraph", "--version")
    assert first.returncode == 0, first.stderr
    steps = [line.strip() for line in first.stderr.splitlines()]
    assert [s[:5] for s in steps if s.startswith("[")] == ["[1/3]", "[2/3]", "[3/3]"]
    assert steps[-1].startswith(".venv ready")
    pip = (checkout / "calls.log").read_text().splitlines()
    assert len(pip) == 2 and all(" -m pip install --quiet " in f" {c} " for c in pip)
    assert first.stdout == "cg --version\n"  # `./run cartgraph ARGS` is the venv's cartgraph
    again = _run(checkout, "cartgraph", "export-schema")
    assert (again.stderr, again.stdout) == ("", "cg export-schema\n")  # set up once


def test_dockerfile_pins_its_base_image_by_version_and_digest() -> None:
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", DOCKERFILE, re.MULTILINE)
    assert base is not None
    assert re.fullmatch(r"python:3\.\d+\.\d+-slim-\w+@sha256:[0-9a-f]{64}", base.group(1))
    assert re.findall(r"^FROM (\S+)", DOCKERFILE, re.MULTILINE) == ["${PYTHON_IMAGE}"] * 2


def test_dockerfile_builds_dependencies_in_a_layer_before_the_source(tmp_path: Path) -> None:
    deps = DOCKERFILE.index("COPY pyproject.toml ./")
    source = DOCKERFILE.index("COPY . .")
    wheels = DOCKERFILE.index("pip wheel --wheel-dir /wheels -r requirements.txt")
    assert deps < wheels < source
    # the layer's dependency list, computed as the image computes it
    code = re.search(r'RUN python -c "(.+?)" > requirements\.txt', DOCKERFILE)
    assert code is not None
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    listed = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code.group(1)],  # as sh passes it: a backslash and an n
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert listed.stdout.splitlines() == pyproject()["project"]["dependencies"]


async def test_dockerfile_healthcheck_asks_the_port_serve_listens_on(
    start_gateway: StartGateway,
) -> None:
    assert re.search(r"^ENV CARTGRAPH_PORT=8000\b", DOCKERFILE, re.MULTILINE)
    assert "--port" not in DOCKERFILE.split("\nCMD ")[1]  # serve's --port defaults to it
    check = re.search(r"^HEALTHCHECK .*\\\n\s+CMD (\[.*\])$", DOCKERFILE, re.MULTILINE)
    assert check is not None and "8000" not in check.group(1)
    gateway = await start_gateway([])
    port = gateway.url.rsplit(":", 1)[1]
    assert await _healthcheck(json.loads(check.group(1)), port) == 0
    with socket.socket() as closed:  # bound, never listening: the port refuses
        closed.bind(("127.0.0.1", 0))
        assert await _healthcheck(json.loads(check.group(1)), str(closed.getsockname()[1])) != 0


async def _healthcheck(command: list[str], port: str) -> int:
    command = [sys.executable if command[0] == "python" else command[0], *command[1:]]
    proc = await asyncio.create_subprocess_exec(
        *command, env={**os.environ, "CARTGRAPH_PORT": port}, stderr=asyncio.subprocess.DEVNULL
    )
    return await asyncio.wait_for(proc.wait(), READY_WITHIN)
