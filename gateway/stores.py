"""The store registry: one platform client per configured store, created once, closed once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Generic, TypeVar

from cachetools import TTLCache

from platforms.adapter import PlatformClient, StoreConnection
from platforms.canonical import Location, Product, Store
from platforms.errors import StoreNotFoundError
from platforms.mapping_kit import Found, errors_of
from platforms.registry import get_spec

V = TypeVar("V")


class KeyedTTLCache(Generic[V]):
    """A TTL cache with one in-flight upstream request per key (TTL 0 = pass-through)."""

    def __init__(self, ttl: float, maxsize: int) -> None:
        self.ttl = ttl
        self._cache: TTLCache[str, V] | None = TTLCache(maxsize, ttl) if ttl > 0 else None
        self._inflight: dict[str, asyncio.Future[V | None]] = {}

    async def get_many(
        self, keys: Sequence[str], fetch: Callable[[list[str]], Awaitable[Mapping[str, V]]]
    ) -> Found[V]:
        """Values for `keys` (missing ones absent, unmappable ones in `errors`); fetches what
        is neither cached nor in flight."""
        if self._cache is None:
            fetched = await fetch(list(keys))
            return Found(fetched, errors_of(fetched))
        found: Found[V] = Found({k: self._cache[k] for k in keys if k in self._cache})
        waiting = {k: self._inflight[k] for k in keys if k not in found and k in self._inflight}
        todo = [k for k in dict.fromkeys(keys) if k not in found and k not in waiting]
        if todo:
            await self._fetch_into(todo, fetch, found)
        for key, future in waiting.items():
            value = await asyncio.shield(future)
            if value is not None:
                found[key] = value
        return found

    async def _fetch_into(
        self,
        todo: list[str],
        fetch: Callable[[list[str]], Awaitable[Mapping[str, V]]],
        found: Found[V],
    ) -> None:
        loop = asyncio.get_running_loop()
        futures = {k: loop.create_future() for k in todo}
        self._inflight.update(futures)
        try:
            fetched = await fetch(todo)
        except BaseException as exc:
            for future in futures.values():
                future.set_exception(exc)
                future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        finally:
            for key in todo:
                self._inflight.pop(key, None)
        assert self._cache is not None
        found.errors.update(errors_of(fetched))  # never cached: the next read asks again
        for key, future in futures.items():
            value = fetched.get(key)
            if value is not None:
                self._cache[key] = value
                found[key] = value
            future.set_result(value)

    def peek(self, keys: Iterable[str]) -> dict[str, V]:
        """The fresh cached values among `keys`, with no fetch (empty when the cache is off)."""
        if self._cache is None:
            return {}
        return {k: self._cache[k] for k in keys if k in self._cache}

    def put(self, values: Mapping[str, V]) -> None:
        """Cache values fetched some other way (e.g. products that came with variants)."""
        if self._cache is not None:
            self._cache.update(values)

    def invalidate(self, keys: Iterable[str] | None = None) -> None:
        """Drop entries (all when `keys` is None), e.g. after a write."""
        if self._cache is None:
            return
        if keys is None:
            self._cache.clear()
        for key in keys or ():
            self._cache.pop(key, None)


class StoreHandle:
    """One configured store: its connection, its client and its caches."""

    def __init__(
        self, connection: StoreConnection, client: PlatformClient, *, ttls: CacheTTLs
    ) -> None:
        self.connection = connection
        self.client = client
        self.products: KeyedTTLCache[Product] = KeyedTTLCache(ttls.products, ttls.max_entries)
        self.locations: KeyedTTLCache[list[Location]] = KeyedTTLCache(ttls.locations, 4)

    @property
    def store(self) -> Store:
        """The client-visible description of this store (no credentials)."""
        c = self.connection
        return Store(
            id=c.store_id,
            platform=c.platform,
            name=c.name,
            base_url=c.base_url,
            currency_code=c.currency_code,
            api_version=c.api_version,
        )

    async def list_locations(self) -> list[Location]:
        """Locations through the location cache: they change rarely and most queries want them."""

        async def fetch(_: list[str]) -> dict[str, list[Location]]:
            return {"all": await self.client.list_locations()}

        return (await self.locations.get_many(["all"], fetch)).get("all", [])


class CacheTTLs:
    """TTLs for the per-store caches."""

    def __init__(self, products: float = 0.0, locations: float = 60.0, max_entries: int = 10_000):
        self.products = products
        self.locations = locations
        self.max_entries = max_entries


class StoreRegistry:
    """All configured stores by id. Clients are built here and nowhere else."""

    def __init__(self, connections: Iterable[StoreConnection], *, ttls: CacheTTLs | None = None):
        ttls = ttls or CacheTTLs()
        self._handles: dict[str, StoreHandle] = {}
        for conn in connections:
            client = get_spec(conn.platform).create_client(conn, None)
            self._handles[conn.store_id] = StoreHandle(conn, client, ttls=ttls)

    @property
    def store_ids(self) -> list[str]:
        """Configured store ids, in config order."""
        return list(self._handles)

    def get(self, store_id: str) -> StoreHandle:
        """The store's handle; StoreNotFoundError when it is not configured."""
        try:
            return self._handles[store_id]
        except KeyError:
            raise StoreNotFoundError(f"Unknown store {store_id!r}", store_id=store_id) from None

    def handles(self) -> list[StoreHandle]:
        """Every store's handle."""
        return list(self._handles.values())

    async def aclose(self) -> None:
        """Close every client's connections."""
        await asyncio.gather(*(h.client.aclose() for h in self._handles.values()))
