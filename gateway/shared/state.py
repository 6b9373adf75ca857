"""The Redis `SharedState`: each store's bucket and caches, and the event wake-ups."""

from __future__ import annotations

import asyncio
from typing import TypeVar

from pydantic import TypeAdapter

from gateway.shared.bucket import RedisBucket
from gateway.shared.cache import RedisTTLCache
from gateway.shared.link import RedisLink
from gateway.shared.wake import RedisWakeups
from gateway.stores import KeyedTTLCache
from platforms.adapter import RateLimitSettings

V = TypeVar("V")


class RedisShared:
    """What replicas share through one Redis (`[redis] url`), for `StoreRegistry(shared=)`."""

    def __init__(self, link: RedisLink) -> None:
        self.link = link
        self.buckets: dict[str, RedisBucket] = {}

    @classmethod
    def connect(cls, url: str, prefix: str = "cartgraph") -> RedisShared:
        """Shared state on the Redis at `url` (connected lazily, on first use)."""
        return cls(RedisLink(url, prefix))

    def bucket(self, store_id: str, settings: RateLimitSettings) -> RedisBucket:
        """The store's one bucket across replicas."""
        self.buckets[store_id] = RedisBucket(self.link, store_id, settings)
        return self.buckets[store_id]

    def cache(
        self, store_id: str, name: str, ttl: float, adapter: TypeAdapter[V]
    ) -> KeyedTTLCache[V]:
        """The store's `name` cache, in Redis."""
        return RedisTTLCache(self.link, f"{store_id}:{name}", ttl, adapter)

    def wakeups(self) -> RedisWakeups:
        """Event wake-ups on this Redis, for `EventService(wakeups=)`."""
        return RedisWakeups(self.link)

    async def ready(self) -> str | None:
        """None when Redis answers, else why not (`/readyz`)."""
        return await self.link.ping()

    async def aclose(self) -> None:
        """Stop every bucket's pump and close the connection pool."""
        await asyncio.gather(*(b.aclose() for b in self.buckets.values()))
        await self.link.aclose()
