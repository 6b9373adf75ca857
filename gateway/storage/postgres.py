"""PostgreSQL plumbing the stores share: lazy pools, NOTIFY listeners, session advisory locks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections.abc import AsyncIterator, Callable

import orjson
import psycopg
from psycopg import sql
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool

log = logging.getLogger("cartgraph.storage")

# advisory lock namespaces (the first of the two int keys): "CG" and a number.
NS_MIGRATE = 0x43470001
NS_WORKER = 0x43470002
NS_POLL = 0x43470003
NS_RESOURCE = 0x43470004
# the worker lease keys held right now in this database (a sub-select; see PgWriteStore).
LEASE_HOLDERS = f"""
SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted
  AND classid = {NS_WORKER} AND objsubid = 2
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""  # noqa: S608 - constants only
RECONNECT_SECONDS = 1.0
# a lease holder whose host vanished (no FIN) is noticed by the server within ~11 s, not 2 h.
_KEEPALIVE = "SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2;"
_KEEPALIVE += " SET tcp_keepalives_count = 3"
_PASSWORD = re.compile(r"(://[^:/@]+:)[^@]*@|(password=)\S+")

Conn = psycopg.AsyncConnection[DictRow]


def application_name() -> str:
    """How this process shows in pg_stat_activity (which replica holds which lease)."""
    return f"cartgraph-{os.getpid()}"


def is_postgres(url: str | None) -> bool:
    """Whether a `[storage] url` names PostgreSQL (None: SQLite files in the data dir)."""
    return bool(url) and str(url).startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return _PASSWORD.sub(lambda m: f"{m.group(1) or m.group(2)}***{'@' if m.group(1) else ''}", url)


async def _configure(conn: Conn) -> None:
    set_json_loads(orjson.loads, conn)  # JSONB columns come back through orjson


class Database:
    """A connection pool opened on first use: stores are built before the event loop runs."""

    def __init__(self, url: str, *, name: str, max_size: int) -> None:
        self.url = url
        self.name = name
        self.max_size = max_size
        self._pool: AsyncConnectionPool[Conn] | None = None

    def __repr__(self) -> str:
        return f"Database({redact(self.url)!r}, {self.name!r})"

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[Conn]:
        """A pooled autocommit connection returning dict rows."""
        if self._pool is None:
            self._pool = AsyncConnectionPool(
                self.url,
                min_size=1,
                max_size=self.max_size,
                open=False,
                name=self.name,
                connection_class=psycopg.AsyncConnection[DictRow],
                kwargs={
                    "autocommit": True,
                    "row_factory": dict_row,
                    "application_name": application_name(),
                },
                configure=_configure,
            )
        await self._pool.open()  # idempotent; concurrent first callers share one opening
        async with self._pool.connection() as conn:
            yield conn

    async def close(self) -> None:
        """Close every pooled connection."""
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


class Listener:
    """LISTENs on one channel over a dedicated connection and calls `wake` on each NOTIFY.

    A notification sent while the connection was down is lost, so `wake` is also called
    after every (re)connect: callers treat a wake as "re-read the table", never as data.
    """

    def __init__(self, url: str, channel: str, wake: Callable[[], None]) -> None:
        self.url = url
        self.channel = channel
        self.wake = wake
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Listen in the background until closed (a no-op when already listening)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"cartgraph-listen-{self.channel}")

    async def _run(self) -> None:
        listen = sql.SQL("LISTEN {}").format(sql.Identifier(self.channel))
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.url, autocommit=True, application_name=application_name()
                ) as conn:
                    await conn.execute(listen)
                    self.wake()
                    async for _ in conn.notifies():
                        self.wake()
            except psycopg.Error as exc:
                log.warning("LISTEN %s lost its connection (%s); reconnecting", self.channel, exc)
            await asyncio.sleep(RECONNECT_SECONDS)

    async def close(self) -> None:
        """Stop listening."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


class SessionLocks:
    """Session advisory locks on one dedicated connection: leases that end when this process
    (or its connection) dies, so another replica's `try_hold` then succeeds.

    Keys are names hashed by the server with the current schema, so deployments in
    separate schemas of one database never contend.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: psycopg.AsyncConnection[tuple[object, ...]] | None = None
        self._held: dict[tuple[int, str], int] = {}
        self._guard: asyncio.Lock | None = None

    async def try_hold(self, namespace: int, name: str) -> int | None:
        """The lock's key while this process holds (or now took) it; None when another does."""
        self._guard = self._guard or asyncio.Lock()
        async with self._guard:
            conn = await self._alive()
            held = self._held.get((namespace, name))
            if held is not None:
                return held
            cursor = await conn.execute(
                "SELECT k, pg_try_advisory_lock(%s, k::integer) FROM"
                " (SELECT hashtext(current_schema() || ':' || %s)::bigint AS k) s",
                (namespace, name),
            )
            row = await cursor.fetchone()
            if row is None or not row[1]:
                return None
            key = int(str(row[0])) & 0xFFFFFFFF  # pg_locks shows the key as an unsigned oid
            self._held[(namespace, name)] = key
            return key

    async def _alive(self) -> psycopg.AsyncConnection[tuple[object, ...]]:
        if self._conn is not None:
            try:
                await self._conn.execute("SELECT 1")
                return self._conn
            except psycopg.Error:
                log.warning("lost the connection holding leases; they are free for others now")
                await self._drop()
        self._conn = await psycopg.AsyncConnection.connect(
            self.url, autocommit=True, application_name=application_name()
        )
        await self._conn.execute(_KEEPALIVE)
        return self._conn

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        self._held.clear()
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                await conn.close()

    async def close(self) -> None:
        """Release every lease (closing the session frees its locks)."""
        await self._drop()
