"""The fault run's gateway: a `cartgraph serve` child SIGKILLed and restarted on a schedule."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import signal
from collections.abc import AsyncIterator
from pathlib import Path

from bench.procs import GatewayProcess, GatewaySetup, StoreInfo, gateway_config, spawn, stop
from bench.procs import wait_ready as _ready
from gateway.server import free_port


class RestartableGateway:
    """A gateway whose process can be killed (SIGKILL, no goodbye) and started again on the
    same port and durable data dir, as a crashed and restarted deployment would be."""

    def __init__(self, stores: list[StoreInfo], setup: GatewaySetup, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = workdir / f"faults-data-{self.port}"
        text, secrets = gateway_config(stores, setup, self.port, self.data_dir)
        self.config = workdir / f"faults-gateway-{self.port}.toml"
        self.config.parent.mkdir(parents=True, exist_ok=True)
        self.config.write_text(text)
        self._env = {**os.environ, **secrets}
        self._proc: asyncio.subprocess.Process | None = None
        self.kills = 0

    async def start(self) -> None:
        """Start the process; return once it is ready."""
        args = ["-m", "gateway.cli", "--log-level", "error", "serve", "--config", str(self.config)]
        self._proc = await spawn(*args, "--workers", "1", env=self._env)
        await _ready(GatewayProcess(self.url, self._proc), 1)

    async def kill_and_restart(self) -> None:
        """SIGKILL the whole process group (no shutdown hooks run), then start again."""
        proc = self._proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
        self.kills += 1
        await self.start()

    async def ensure_running(self) -> None:
        """Start the process if it is not running; wait until it is ready either way."""
        if self._proc is None or self._proc.returncode is not None:
            await self.start()
        else:
            await _ready(GatewayProcess(self.url, self._proc), 1)

    async def close(self) -> None:
        """Stop the process and remove its config and data."""
        if self._proc is not None:
            await stop(self._proc)
        self.config.unlink(missing_ok=True)
        shutil.rmtree(self.data_dir, ignore_errors=True)


@contextlib.asynccontextmanager
async def killing(
    gw: RestartableGateway, every: float, rng: random.Random, limit: int
) -> AsyncIterator[None]:
    """Kill and restart the gateway about every `every` seconds (±25%, seeded), at most
    `limit` times, while the block runs."""

    async def killer() -> None:
        for _ in range(limit):
            await asyncio.sleep(every * rng.uniform(0.75, 1.25))
            await gw.kill_and_restart()

    task = asyncio.create_task(killer())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await gw.ensure_running()  # cancelled mid-restart: the rest of the run needs one
