"""Product and location caches in Redis: what one replica fetched, another reads without an
upstream call; one replica's invalidation (after a write) is every replica's."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

import pytest

from gateway.server import free_port
from gateway.shared.link import RedisLink
from gateway.shared.state import RedisShared
from gateway.stores import CacheTTLs, StoreRegistry
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox

TTLS = CacheTTLs(products=60, locations=60)

Replica = Callable[[RedisShared | None], StoreRegistry]


@pytest.fixture
async def shop() -> AsyncIterator[tuple[ShopifySandbox, str]]:
    sandbox = ShopifySandbox(seed=1, orders=5, products=5, bucket=None)
    async with serve(sandbox.app) as url:
        yield sandbox, url


@pytest.fixture
async def replica(
    shop: tuple[ShopifySandbox, str], redis_url: str, redis_prefix: str
) -> AsyncIterator[Replica]:
    """A registry of the one store, as one replica would build it."""
    sandbox, url = shop
    async with contextlib.AsyncExitStack() as stack:

        def make(shared: RedisShared | None) -> StoreRegistry:
            registry = StoreRegistry([sandbox.connection("shop", url)], ttls=TTLS, shared=shared)
            stack.push_async_callback(registry.aclose)
            return registry

        yield make


def product_ids(sandbox: ShopifySandbox) -> list[str]:
    return [str(p["id"]) for p in sandbox.state.products[:2]]


async def test_a_product_fetched_by_one_replica_is_read_by_another_without_a_call(
    shop: tuple[ShopifySandbox, str], replica: Replica, redis_url: str, redis_prefix: str
) -> None:
    sandbox, _ = shop
    a, b = (replica(RedisShared.connect(redis_url, redis_prefix)) for _ in range(2))
    ids = product_ids(sandbox)
    first = await a.get("shop").products.get_many(ids, a.get("shop").client.get_products)
    second = await b.get("shop").products.get_many(ids, b.get("shop").client.get_products)

    assert sandbox.calls.total == 1
    assert dict(second) == dict(first) and len(first) == 2  # pydantic JSON round trip


async def test_an_invalidation_on_one_replica_is_seen_by_every_replica(
    shop: tuple[ShopifySandbox, str], replica: Replica, redis_url: str, redis_prefix: str
) -> None:
    sandbox, _ = shop
    a, b = (replica(RedisShared.connect(redis_url, redis_prefix)) for _ in range(2))
    ids = product_ids(sandbox)
    await a.get("shop").products.get_many(ids, a.get("shop").client.get_products)
    b.get("shop").products.invalidate()  # what the write queue does after a product write
    await b.get("shop").products.get_many(ids, b.get("shop").client.get_products)
    await a.get("shop").products.get_many(ids, a.get("shop").client.get_products)

    assert sandbox.calls.total == 2  # b refetched after its invalidation; a read b's refetch


async def test_locations_are_shared_and_products_put_by_variant_reads_too(
    shop: tuple[ShopifySandbox, str], replica: Replica, redis_url: str, redis_prefix: str
) -> None:
    sandbox, _ = shop
    a, b = (replica(RedisShared.connect(redis_url, redis_prefix)) for _ in range(2))
    await a.get("shop").list_locations()
    located = await b.get("shop").list_locations()
    product = await a.get("shop").client.get_products(product_ids(sandbox)[:1])
    a.get("shop").products.put(product)  # queued: a's own next read waits for it
    await a.get("shop").products.peek(product)
    peeked = await b.get("shop").products.peek(product)

    assert len(located) == 3 and sandbox.calls.total == 2  # one locations call, one product
    assert peeked == dict(product)


async def test_an_unreachable_redis_is_a_cache_miss(
    shop: tuple[ShopifySandbox, str], replica: Replica
) -> None:
    sandbox, _ = shop
    down = replica(RedisShared(RedisLink(f"redis://127.0.0.1:{free_port()}/0", "cgtest:down")))
    ids = product_ids(sandbox)
    for _ in range(2):
        found = await down.get("shop").products.get_many(ids, down.get("shop").client.get_products)
        assert len(found) == 2

    assert sandbox.calls.total == 2  # every read went to the platform, none failed
