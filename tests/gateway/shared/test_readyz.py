"""/readyz answers 503 while Redis or the PostgreSQL storage is unreachable, and 200 again
once it answers, with no restart: the port is closed first, then opened (a TCP relay to
the real server)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import aiohttp
import pytest

from gateway.app import create_app
from gateway.readiness import Probe, postgres_probe
from gateway.server import free_port, running
from gateway.shared.link import RedisLink
from gateway.shared.state import RedisShared
from gateway.stores import StoreRegistry
from tests.helpers.auth import admin_gate
from tests.helpers.postgres import ADMIN_URL


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


@contextlib.asynccontextmanager
async def relay(port: int, target_port: int) -> AsyncIterator[None]:
    """Open `port` as a relay to 127.0.0.1:`target_port` (the server "comes back")."""
    pipes: set[asyncio.Task[None]] = set()

    async def connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target_port)
        for task in (_pipe(reader, up_writer), _pipe(up_reader, writer)):
            pipes.add(asyncio.create_task(task))

    server = await asyncio.start_server(connect, "127.0.0.1", port)
    try:
        yield
    finally:
        server.close()
        for task in pipes:
            task.cancel()


async def readyz_statuses(probe: Probe, port: int, target_port: int) -> list[int]:
    """/readyz's status with the port closed, then relayed to the server, then closed."""
    app = create_app(StoreRegistry([]), auth=admin_gate(), readiness=[probe])
    statuses = []
    async with running(app) as url, aiohttp.ClientSession() as session:

        async def status() -> int:
            async with session.get(f"{url}/readyz") as resp:
                return resp.status

        statuses.append(await status())
        async with relay(port, target_port):
            statuses.append(await status())
    return statuses


async def test_readyz_follows_redis(redis_url: str) -> None:
    port = free_port()
    shared = RedisShared(RedisLink(f"redis://127.0.0.1:{port}/0", "cgtest:ready"))
    try:
        statuses = await readyz_statuses(shared.ready, port, urlsplit(redis_url).port or 6379)
    finally:
        await shared.aclose()

    assert statuses == [503, 200]


async def test_readyz_follows_the_postgresql_storage(pg_database: str) -> None:
    port, server = free_port(), urlsplit(ADMIN_URL)
    probe = postgres_probe(server._replace(netloc=f"{server.username}@127.0.0.1:{port}").geturl())
    statuses = await readyz_statuses(probe, port, server.port or 5432)

    assert statuses == [503, 200]


@pytest.mark.parametrize("answer", [None, "redis: ConnectionError"])
async def test_readyz_names_what_is_wrong(answer: str | None) -> None:
    async def probe() -> str | None:
        return answer

    app = create_app(StoreRegistry([]), auth=admin_gate(), readiness=[probe])
    async with (
        running(app) as url,
        aiohttp.ClientSession() as session,
        session.get(f"{url}/readyz") as resp,
    ):
        body = await resp.json()

    ready = {"status": "ready", "stores": 0}
    assert body == (ready if answer is None else {"status": "unavailable", "problems": [answer]})
