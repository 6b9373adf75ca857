"""`cartgraph serve` stops on SIGTERM with exit status 0: alone, with a live subscription
open, with `--workers 2`, and as PID 1 of its own PID namespace (a container's process,
for which the default action of SIGTERM is nothing). It used to close its listener and
live on there. Bounded waits only fail a hung process; no duration is asserted."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gateway.server import free_port
from tests.gateway.events.conftest import ORDER_EVENTS, subscription
from tests.helpers.auth import TEST_KEY, TEST_KEY_ENV
from tests.helpers.procs import ROOT, _healthy, write_config

STOPS_WITHIN = 30.0  # a hung process fails the test; a clean stop takes well under a second

Process = asyncio.subprocess.Process


@contextlib.asynccontextmanager
async def serving(tmp: Path, *prefix: str, workers: int = 1) -> AsyncIterator[Process]:
    """`cartgraph serve` (behind `prefix`, e.g. unshare) until it answers /healthz."""
    port = free_port()
    config = write_config(tmp, port, "")
    proc = await asyncio.create_subprocess_exec(
        *prefix, sys.executable, "-m", "gateway.cli", "--log-level", "warning", "serve",
        "--config", str(config), "--workers", str(workers),
        cwd=ROOT, env={**os.environ, TEST_KEY_ENV: TEST_KEY, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        await _healthy(proc, port)
        proc.port = port  # type: ignore[attr-defined]
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def terminated(proc: Process, pid: int | None = None) -> int:
    """SIGTERM to `pid` (default: the process); its exit status."""
    os.kill(pid or proc.pid, signal.SIGTERM)
    return await asyncio.wait_for(proc.wait(), STOPS_WITHIN)


@pytest.mark.parametrize("workers", [1, 2])
async def test_sigterm_stops_serve_with_status_0(tmp_path: Path, workers: int) -> None:
    async with serving(tmp_path, workers=workers) as proc:
        assert await terminated(proc) == 0


async def test_sigterm_stops_serve_with_a_live_subscription_open(tmp_path: Path) -> None:
    async with serving(tmp_path) as proc:
        ws = f"ws://127.0.0.1:{proc.port}/graphql"  # type: ignore[attr-defined]
        async with subscription(ws, ORDER_EVENTS, {"stores": None}):
            status = await terminated(proc)

    assert status == 0


def _can_unshare() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = ["unshare", "--pid", "--fork", "--mount-proc", "true"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0  # noqa: S603


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


@pytest.mark.skipif(not _can_unshare(), reason="needs unshare --pid (root on Linux)")
async def test_sigterm_stops_serve_running_as_pid_1(tmp_path: Path) -> None:
    unshare = ("unshare", "--pid", "--fork", "--mount-proc")
    async with serving(tmp_path, *unshare) as proc:
        [pid_1] = _children(proc.pid)  # the gateway, PID 1 inside
        status = await terminated(proc, pid_1)  # unshare exits with its child's status

    assert status == 0
