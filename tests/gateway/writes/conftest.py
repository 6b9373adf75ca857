"""Fixtures for write tests: Shopify sandboxes and a gateway whose queue retries quickly."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import aiohttp
import pytest

from gateway.app import create_app
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry
from gateway.writes.queue import WriteQueue
from platforms.adapter import StoreConnection
from platforms.http import RetryPolicy
from platforms.ids import Kind, encode_id
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox
from tests.helpers.auth import AUTH_HEADERS, admin_gate
from tests.helpers.postgres import Backend

# fast backoff keeps the suite quick; the policy itself is the production one.
FAST_RETRY = RetryPolicy(max_attempts=5, base_delay=0.02, max_delay=0.1)
# the sandboxes answer at once: an in-doubt write needs no minute to settle (unless a test
# sets the store's own write_timeout_seconds).
SANDBOX_WRITE_TIMEOUT = 0.05


class WriteGateway:
    """A gateway on a real port, with GraphQL helpers for write tests."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.session = session

    async def query(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST a GraphQL request; the whole body (data and errors)."""
        async with self.session.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
        ) as resp:
            assert resp.status == 200, await resp.text()
            body: dict[str, Any] = await resp.json()
            return body

    async def data(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Like query, failing the test on any GraphQL error."""
        body = await self.query(query, variables, headers)
        assert not body.get("errors"), body.get("errors")
        data: dict[str, Any] = body["data"]
        return data


StartWrites = Callable[..., Awaitable[WriteGateway]]
ServeSandbox = Callable[..., Awaitable[tuple[ShopifySandbox, StoreConnection]]]
ShopA = tuple[ShopifySandbox, WriteGateway]


@pytest.fixture
async def shopify_store() -> AsyncIterator[ServeSandbox]:
    """Small Shopify sandboxes without a server bucket (write tests are not about 429 pacing)."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(store_id: str = "shop-a") -> tuple[ShopifySandbox, StoreConnection]:
            sandbox = ShopifySandbox(seed=7, orders=40, products=12, bucket=None)
            url = await stack.enter_async_context(serve(sandbox.app))
            return sandbox, sandbox.connection(store_id, url)

        yield start


@pytest.fixture
async def start_writes(backend: Backend) -> AsyncIterator[StartWrites]:
    """A gateway over some connections with fast retries, its queue on each backend (SQLite
    in memory, PostgreSQL in a schema of its own)."""
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession(headers=AUTH_HEADERS))

        async def start(connections: list[StoreConnection], concurrency: int = 32) -> WriteGateway:
            connections = [
                c
                if c.write_timeout_seconds
                else replace(c, write_timeout_seconds=SANDBOX_WRITE_TIMEOUT)
                for c in connections
            ]
            registry = StoreRegistry(connections, ttls=CacheTTLs(products=0, locations=0))
            queue = WriteQueue(
                backend.write_store(), registry, retry=FAST_RETRY, concurrency=concurrency
            )
            url = await stack.enter_async_context(
                running(create_app(registry, writes=queue, auth=admin_gate()))
            )
            return WriteGateway(url, session)

        yield start


@pytest.fixture
async def shop_a(shopify_store: ServeSandbox, start_writes: StartWrites) -> ShopA:
    """One small Shopify sandbox as store shop-a, and a write gateway over it."""
    sandbox, conn = await shopify_store()
    return sandbox, await start_writes([conn])


def first_stock(sandbox: ShopifySandbox, store_id: str, n: int = 0) -> dict[str, Any]:
    """The n-th stocked (variant, location) of the sandbox: global ids and raw numbers."""
    (item, location), level = sorted(sandbox.state.inventory_levels.items())[n]
    variant = next(v for v in sandbox.state.variants() if v["inventory_item_id"] == item)
    return {
        "variantId": encode_id(store_id, Kind.VARIANT, str(variant["id"])),
        "locationId": encode_id(store_id, Kind.LOCATION, str(location)),
        "item": item,
        "location": location,
        "key": (item, location),
        "available": level["available"],
    }
