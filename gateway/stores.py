"""The store registry: one platform client per configured store, created once, closed once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Generic, Protocol, TypeVar

from cachetools import TTLCache
from pydantic import TypeAdapter

from platforms.adapter import PlatformClient, RateLimitSettings, StoreConnection
from platforms.canonical import Location, Product, Store
from platforms.client_kit import StoreClient
from platforms.errors import StoreNotFoundError
from platforms.mapping.kit import Found, errors_of
from platforms.ratelimit import RateBucket
from platforms.registry import get_spec

V = TypeVar("V")
PRODUCT = TypeAdapter(Product)
LOCATIONS = TypeAdapter(list[Location])


class KeyedTTLCache(Generic[V]):
    """A TTL cache with one in-flight upstream request per key (TTL 0 = pass-through).

    Entries live in this process's memory; `gateway.shared.cache.RedisTTLCache` keeps them
    in Redis instead (shared by replicas) by overriding `peek`, `_save`, `put`, `invalidate`.
    """

    def __init__(self, ttl: float, maxsize: int) -> None:
        self.ttl = ttl
        self._cache: TTLCache[str, V] | None = TTLCache(maxsize, ttl) if ttl > 0 else None
        self._inflight: dict[str, asyncio.Future[V | None]] = {}
        # keys answered without an upstream call (cached or already in flight) / fetched:
        # read by gateway.telemetry into cartgraph_store_cache_requests_total
        self.hits = self.misses = 0

    async def get_many(
        self, keys: Sequence[str], fetch: Callable[[list[str]], Awaitable[Mapping[str, V]]]
    ) -> Found[V]:
        """Values for `keys` (missing ones absent, unmappable ones in `errors`); fetches what
        is neither cached nor in flight."""
        if self.ttl <= 0:
            fetched = await fetch(list(keys))
            return Found(fetched, errors_of(fetched))
        found: Found[V] = Found(await self.peek(keys))
        waiting = {k: self._inflight[k] for k in keys if k not in found and k in self._inflight}
        todo = [k for k in dict.fromkeys(keys) if k not in found and k not in waiting]
        self.hits += len(found) + len(waiting)
        self.misses += len(todo)
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
        found.errors.update(errors_of(fetched))  # never cached: the next read asks again
        values = {k: v for k in todo if (v := fetched.get(k)) is not None}
        found.update(values)
        for key, future in futures.items():
            future.set_result(values.get(key))
        await self._save(values)

    async def peek(self, keys: Iterable[str]) -> dict[str, V]:
        """The fresh cached values among `keys`, with no fetch (empty when the cache is off)."""
        if self._cache is None:
            return {}
        return {k: self._cache[k] for k in keys if k in self._cache}

    async def _save(self, values: Mapping[str, V]) -> None:
        """Cache freshly fetched values."""
        self.put(values)

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


class SharedState(Protocol):
    """What replicas share (`gateway.shared`, on Redis): each store's one rate bucket and
    its read caches. Without it, each process has its own, as with one process."""

    def bucket(self, store_id: str, settings: RateLimitSettings) -> RateBucket:
        """The store's bucket, shared by every replica."""
        ...

    def cache(
        self, store_id: str, name: str, ttl: float, adapter: TypeAdapter[V]
    ) -> KeyedTTLCache[V]:
        """A TTL cache of the store whose entries every replica reads and invalidates."""
        ...

    async def aclose(self) -> None:
        """Stop what runs in the background and close the connection."""
        ...


class StoreHandle:
    """One configured store: its connection, its client and its caches."""

    def __init__(
        self,
        connection: StoreConnection,
        client: PlatformClient,
        *,
        ttls: CacheTTLs,
        shared: SharedState | None = None,
    ) -> None:
        self.connection = connection
        self.client = client
        store_id = connection.store_id
        self.products: KeyedTTLCache[Product] = KeyedTTLCache(ttls.products, ttls.max_entries)
        self.locations: KeyedTTLCache[list[Location]] = KeyedTTLCache(ttls.locations, 4)
        if shared is not None and ttls.products > 0:
            self.products = shared.cache(store_id, "products", ttls.products, PRODUCT)
        if shared is not None and ttls.locations > 0:
            self.locations = shared.cache(store_id, "locations", ttls.locations, LOCATIONS)

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

    def __init__(
        self,
        connections: Iterable[StoreConnection],
        *,
        ttls: CacheTTLs | None = None,
        shared: SharedState | None = None,
    ):
        ttls = ttls or CacheTTLs()
        self.shared = shared
        self._handles: dict[str, StoreHandle] = {}
        for conn in connections:
            client = get_spec(conn.platform).create_client(conn, None)
            if shared is not None:
                _share_bucket(client, shared, conn.store_id)
            self._handles[conn.store_id] = StoreHandle(conn, client, ttls=ttls, shared=shared)

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
        """Close every client's connections (and the shared state's)."""
        await asyncio.gather(*(h.client.aclose() for h in self._handles.values()))
        if self.shared is not None:
            await self.shared.aclose()


def _share_bucket(client: PlatformClient, shared: SharedState, store_id: str) -> None:
    """Pace the client (reads and writes: one transport) by the store's shared bucket."""
    if isinstance(client, StoreClient) and client.transport.bucket is not None:
        client.transport.bucket = shared.bucket(store_id, client.transport.bucket.settings)
