"""The `cartgraph` command as child processes: the demo, and `serve` with a config file."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

from tests.helpers.auth import AUTH_TOML, TEST_KEY, TEST_KEY_ENV

ROOT = Path(__file__).resolve().parents[2]
READY_WITHIN = 60.0  # generous: only there to fail instead of hanging, never a latency check
Process = asyncio.subprocess.Process


@contextlib.asynccontextmanager
async def demo_process(cwd: Path, port: int, ready: str) -> AsyncIterator[tuple[Process, str]]:
    """`cartgraph demo`; yields (process, banner) once the banner shows `ready`, then SIGINT."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli", "demo", "--port", str(port),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        yield proc, await _banner(proc, ready)
    finally:
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), timeout=20)


async def _banner(proc: Process, ready: str) -> str:
    banner = ""
    assert proc.stdout is not None
    while ready not in banner:
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=READY_WITHIN)
        assert line, f"demo exited early: {banner}"
        banner += line.decode()
    return banner


def write_config(tmp: Path, port: int, stores: str) -> Path:
    """tmp/cartgraph.toml: the gateway on 127.0.0.1:port, data in tmp/data, then `stores`."""
    path = tmp / "cartgraph.toml"
    gateway = f'[gateway]\nhost = "127.0.0.1"\nport = {port}\ndata_dir = "{tmp / "data"}"\n'
    path.write_text(f"{gateway}\n{AUTH_TOML}\n{stores}", encoding="utf-8")
    return path


@contextlib.asynccontextmanager
async def gateway_process(
    config: Path, port: int, env: dict[str, str], *, log: Path | None = None
) -> AsyncIterator[Process]:
    """`cartgraph serve` in a child process; yields once /healthz answers, kills it at the end.
    With `log`, its info-level log is appended to that file (else warnings go to stderr)."""
    sink = log.open("ab") if log is not None else None
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli", "--log-level", "info" if log else "warning",
        "serve", "--config", str(config), cwd=ROOT, stdout=sink, stderr=sink,
        env={**os.environ, TEST_KEY_ENV: TEST_KEY, **env},
    )  # fmt: skip
    try:
        await _healthy(proc, port)
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
        if sink is not None:
            sink.close()


async def _healthy(proc: Process, port: int) -> None:
    async with aiohttp.ClientSession() as http, asyncio.timeout(READY_WITHIN):
        while True:
            if proc.returncode is not None:
                raise AssertionError(f"gateway exited with {proc.returncode}")
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        return
            await asyncio.sleep(0.05)
