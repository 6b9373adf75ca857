"""A store's read cache in Redis: what one replica fetched, every replica reads."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TypeVar

from pydantic import TypeAdapter, ValidationError
from redis.exceptions import RedisError

from gateway.shared.link import RedisLink
from gateway.stores import KeyedTTLCache

V = TypeVar("V")
UNLINK_BATCH = 500


class RedisTTLCache(KeyedTTLCache[V]):
    """`KeyedTTLCache` with its entries in Redis, one key each (`SET PX` = the TTL), values
    as pydantic JSON. In-flight fetches are still shared per process only.

    `put` and `invalidate` stay synchronous (callers are plain functions): they queue their
    Redis command, and reads of this process wait for what was queued before them, so this
    process never reads past its own invalidation. A Redis that does not answer is a miss.
    """

    def __init__(self, link: RedisLink, namespace: str, ttl: float, adapter: TypeAdapter[V]):
        super().__init__(ttl, maxsize=1)  # the in-memory part is unused
        self._link = link
        self._prefix = link.key("cache", namespace) + ":"
        self._adapter = adapter
        self._queued: asyncio.Task[None] | None = None

    async def peek(self, keys: Iterable[str]) -> dict[str, V]:
        """The cached values among `keys` (one MGET)."""
        wanted = list(dict.fromkeys(keys))
        await self._settled()
        if not wanted or not self._link.usable:
            return {}
        try:
            raw = await self._link.client.mget([self._prefix + k for k in wanted])
        except (RedisError, OSError) as exc:
            self._link.failed("the read cache", exc)
            return {}
        found = {k: self._decode(blob) for k, blob in zip(wanted, raw, strict=True)}
        return {k: v for k, v in found.items() if v is not None}

    async def _save(self, values: Mapping[str, V]) -> None:
        await self._settled()
        await self._write(values)

    def put(self, values: Mapping[str, V]) -> None:
        """Cache values fetched some other way (queued; the next read sees them)."""
        if values:
            snapshot = dict(values)
            self._queue(lambda: self._write(snapshot))

    def invalidate(self, keys: Iterable[str] | None = None) -> None:
        """Drop entries for every replica (all when `keys` is None); queued like `put`."""
        names = None if keys is None else [self._prefix + k for k in keys]
        self._queue(lambda: self._drop(names))

    def _decode(self, blob: bytes | str | None) -> V | None:
        if blob is None:
            return None
        try:
            return self._adapter.validate_json(blob)
        except ValidationError:
            return None  # written by another version of the model: a miss, refetched

    async def _write(self, values: Mapping[str, V]) -> None:
        if not values or not self._link.usable:
            return
        milliseconds = max(1, round(self.ttl * 1000))
        try:
            async with self._link.client.pipeline(transaction=False) as pipe:
                for key, value in values.items():
                    pipe.set(self._prefix + key, self._adapter.dump_json(value), px=milliseconds)
                await pipe.execute()
        except (RedisError, OSError) as exc:
            self._link.failed("the read cache", exc)

    async def _drop(self, names: list[str] | None) -> None:
        client = self._link.client
        try:
            if names is not None:
                if names:
                    await client.unlink(*names)
                return
            batch: list[bytes] = []
            async for name in client.scan_iter(match=self._prefix + "*", count=UNLINK_BATCH):
                batch.append(name)
                if len(batch) >= UNLINK_BATCH:
                    await client.unlink(*batch)
                    batch.clear()
            if batch:
                await client.unlink(*batch)
        except (RedisError, OSError) as exc:
            self._link.failed("the read cache", exc)

    def _queue(self, command: Callable[[], Awaitable[None]]) -> None:
        previous = self._queued

        async def after_previous() -> None:
            if previous is not None:
                with contextlib.suppress(Exception):
                    await previous
            await command()

        self._queued = asyncio.get_running_loop().create_task(after_previous())

    async def _settled(self) -> None:
        """Wait for this process's queued writes and invalidations."""
        if self._queued is not None and not self._queued.done():
            await asyncio.shield(self._queued)
