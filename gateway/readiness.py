"""Readiness probes for /readyz: the shared storage and Redis answer (checked per request)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import psycopg

# each probe's answer is awaited this long: a server that stopped answering is unready,
# and the orchestrator's own probe timeout (often 1-5 s) must not fire first.
PROBE_SECONDS = 1.5

Probe = Callable[[], Awaitable[str | None]]  # None: fine; else what is wrong


async def unready(probes: Sequence[Probe]) -> list[str]:
    """What is wrong now (empty when ready); every probe runs at once, none for long."""
    answers = await asyncio.gather(*(_bounded(probe) for probe in probes))
    return [answer for answer in answers if answer is not None]


async def _bounded(probe: Probe) -> str | None:
    try:
        async with asyncio.timeout(PROBE_SECONDS):
            return await probe()
    except TimeoutError:
        return "probe timed out"


def postgres_probe(url: str) -> Probe:
    """A probe that PostgreSQL accepts a connection and answers `SELECT 1` (a fresh
    connection: a pool's idle ones would hide a server that stopped accepting new ones)."""

    async def probe() -> str | None:
        try:
            async with await psycopg.AsyncConnection.connect(
                url, connect_timeout=max(1, int(PROBE_SECONDS)), autocommit=True
            ) as conn:
                await conn.execute("SELECT 1")
        except psycopg.Error as exc:
            return f"storage: {type(exc).__name__}"
        return None

    return probe
