"""N gateway processes on one PostgreSQL and one Redis, behind one relayed port."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import signal
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
import redis.asyncio as redis

from bench.fault_gateway import RestartableGateway
from bench.procs import GatewayProcess, GatewaySetup, StoreInfo, gateway_config, spawn, stop
from bench.procs import wait_ready as _ready
from bench.relay import Relay
from gateway.server import free_port

# the servers this machine kind runs; CARTGRAPH_BENCH_PG / _REDIS point elsewhere
ADMIN_URL = os.environ.get("CARTGRAPH_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("CARTGRAPH_BENCH_REDIS", "redis://127.0.0.1:6379/0")


@dataclass(frozen=True)
class Backends:
    """A database and a Redis key prefix made for one run."""

    storage_url: str
    redis_url: str
    redis_prefix: str

    def setup(self, setup: GatewaySetup) -> GatewaySetup:
        """`setup` on these backends."""
        return replace(
            setup,
            storage_url=self.storage_url,
            redis_url=self.redis_url,
            redis_prefix=self.redis_prefix,
        )


@contextlib.asynccontextmanager
async def backends() -> AsyncIterator[Backends]:
    """A fresh database and key prefix; both removed afterwards."""
    name = f"cartgraph_bench_{uuid.uuid4().hex[:10]}"
    async with await psycopg.AsyncConnection.connect(ADMIN_URL, autocommit=True) as admin:
        await admin.execute(f'CREATE DATABASE "{name}"')
    prefix = f"cgbench:{name}"
    try:
        yield Backends(ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", REDIS_URL, prefix)
    finally:
        async with await psycopg.AsyncConnection.connect(ADMIN_URL, autocommit=True) as admin:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        client = redis.Redis.from_url(REDIS_URL)
        async for key in client.scan_iter(match=f"{prefix}:*"):
            await client.unlink(key)
        await client.aclose()


class Replica:
    """One `cartgraph serve` process of the set, on its own port and data dir."""

    def __init__(self, stores: list[StoreInfo], setup: GatewaySetup, work: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = work / f"replica-data-{self.port}"
        text, secrets = gateway_config(stores, setup, self.port, self.data_dir)
        self.config = work / f"replica-{self.port}.toml"
        self.config.parent.mkdir(parents=True, exist_ok=True)
        self.config.write_text(text)
        self._env = {**os.environ, **secrets}
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def process(self) -> GatewayProcess:
        """The running process (for memory and CPU figures)."""
        assert self.proc is not None
        return GatewayProcess(self.url, self.proc)

    @property
    def alive(self) -> bool:
        """Whether the process runs."""
        return self.proc is not None and self.proc.returncode is None

    async def start(self) -> None:
        """Start; return once /readyz answers 200 (storage and Redis reachable)."""
        args = ["-m", "gateway.cli", "--log-level", "error", "serve", "--config", str(self.config)]
        self.proc = await spawn(*args, "--workers", "1", env=self._env)
        await _ready(self.process, 1)

    async def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, no lease or lock is let go politely."""
        if self.alive:
            assert self.proc is not None
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            await self.proc.wait()

    async def close(self) -> None:
        """Stop (SIGTERM) and remove the config and data dir."""
        if self.proc is not None:
            await stop(self.proc)
        self.config.unlink(missing_ok=True)
        shutil.rmtree(self.data_dir, ignore_errors=True)


class ReplicaSet(RestartableGateway):
    """`n` replicas behind one relayed `url`. It stands in for the fault run's single
    restartable gateway (same methods), so that run's write and event halves drive it as
    they are: `kill_and_restart` SIGKILLs one replica, chosen at random, and restarts it."""

    def __init__(
        self, stores: list[StoreInfo], setup: GatewaySetup, work: Path, n: int, seed: int = 1
    ) -> None:
        # not RestartableGateway's own set-up: there is no single process here
        self.replicas = [Replica(stores, setup, work) for _ in range(n)]
        self._relay = Relay(lambda: [r.port for r in self.replicas if r.alive])
        self._rng = random.Random(seed)
        self.kills = 0
        self.url = ""

    async def start(self) -> None:
        """Start every replica (together: migrations race under their lock), then the relay."""
        await asyncio.gather(*(r.start() for r in self.replicas if not r.alive))
        if not self.url:
            await self._relay.start()
            self.url = f"http://127.0.0.1:{self._relay.port}"

    async def kill_and_restart(self) -> None:
        """SIGKILL one replica at random and start it again (the others keep serving)."""
        victim = self._rng.choice(self.replicas)
        await victim.kill()
        self.kills += 1
        await victim.start()

    async def ensure_running(self) -> None:
        """Start whichever replica is down."""
        await self.start()

    async def close(self) -> None:
        """Stop the relay and every replica."""
        await self._relay.close()
        await asyncio.gather(*(r.close() for r in self.replicas))

    def reset_peak_rss(self) -> None:
        """Start a new peak-RSS window on every replica."""
        for replica in self.replicas:
            replica.process.reset_peak_rss()

    def peak_rss_mib(self) -> float:
        """Peak resident memory, summed over the replicas."""
        return sum(r.process.peak_rss_mib() for r in self.replicas)


@contextlib.asynccontextmanager
async def replica_set(
    stores: list[StoreInfo], setup: GatewaySetup, work: Path, n: int
) -> AsyncIterator[ReplicaSet]:
    """A started set of `n` replicas; stopped afterwards."""
    replicas = ReplicaSet(stores, setup, work, n)
    try:
        await replicas.start()
        yield replicas
    finally:
        await replicas.close()
