"""Three gateway replicas reading one store through one Redis bucket keep within the store's
budget as the platform enforces it: the sandbox answers 429 to any call over it, and counts
none. Without Redis, the same three replicas overspend it (the control)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from gateway.shared.state import RedisShared
from gateway.stores import CacheTTLs, StoreRegistry
from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.errors import RateLimitedError
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox
from platforms.woocommerce.sandbox.app import WooCommerceSandbox

# 10 calls of burst at Shopify's own 2 per second: 24 calls take ~7.5 s. A call may reach the
# sandbox up to 0.5 s (one slot of headroom, as in production) later than Redis granted it;
# at 10 per second that was 100 ms, which a loaded CI runner overran (2 x 429 once).
PLAN = RateLimitSettings(capacity=10, leak_per_second=2)
REPLICAS = 3
CALLS_EACH = 8

Drive = Callable[[Any, StoreConnection, bool], Awaitable[list[Any]]]


@pytest.fixture
async def drive(redis_url: str, redis_prefix: str) -> AsyncIterator[Drive]:
    """Serve a sandbox; read it through REPLICAS registries (with or without Redis)."""
    async with contextlib.AsyncExitStack() as stack:

        async def run(sandbox: Any, conn: StoreConnection, shared: bool) -> list[Any]:
            url = await stack.enter_async_context(serve(sandbox.app))
            # one attempt: a 429 surfaces as an error instead of being retried away
            conn = dataclasses.replace(conn, base_url=url, rate_limit=PLAN, max_attempts=1)
            registries = []
            for _ in range(REPLICAS):
                state = RedisShared.connect(redis_url, redis_prefix) if shared else None
                registry = StoreRegistry([conn], ttls=CacheTTLs(0, 0), shared=state)
                stack.push_async_callback(registry.aclose)
                registries.append(registry)
            calls = [
                registry.get(conn.store_id).client.get_orders(["1"])  # one call on both
                for registry in registries
                for _ in range(CALLS_EACH)
            ]
            return await asyncio.gather(*calls, return_exceptions=True)

        yield run


def shopify() -> tuple[ShopifySandbox, StoreConnection]:
    # Admin REST: the sandbox's server-side request bucket (`PLAN`) is the budget
    sandbox = ShopifySandbox(seed=1, orders=5, products=5, bucket=PLAN)
    conn = sandbox.connection("shop", "http://unused")
    return sandbox, dataclasses.replace(conn, options={"api": "rest"})


def woocommerce() -> tuple[WooCommerceSandbox, StoreConnection]:
    sandbox = WooCommerceSandbox(seed=1, orders=5, products=5, bucket=PLAN)
    return sandbox, sandbox.connection("woo", "http://unused")


@pytest.mark.parametrize("make", [shopify, woocommerce], ids=["shopify", "woocommerce"])
async def test_three_replicas_share_one_budget_with_no_429(
    drive: Drive, make: Callable[[], tuple[Any, StoreConnection]]
) -> None:
    sandbox, conn = make()
    results = await drive(sandbox, conn, True)

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sandbox.bucket.rejected == 0  # the platform saw no call over its budget
    assert sandbox.calls.total == REPLICAS * CALLS_EACH


async def test_without_redis_three_replicas_overspend_the_budget(drive: Drive) -> None:
    sandbox, conn = shopify()
    results = await drive(sandbox, conn, False)

    throttled = [r for r in results if isinstance(r, RateLimitedError)]
    assert sandbox.bucket.rejected > 0 and len(throttled) == sandbox.bucket.rejected
