"""Shared fixtures: sandboxes on real sockets and the gateway served by uvicorn."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import pytest

from gateway.app import create_app
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry
from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox
from resolvers.context import Limits
from tests.helpers.auth import AUTH_HEADERS, admin_gate
from tests.helpers.postgres import backend, pg_database, pg_url  # noqa: F401 - fixtures


class Gateway:
    """A running gateway, queried over real HTTP."""

    def __init__(
        self, url: str, session: aiohttp.ClientSession, registry: StoreRegistry | None = None
    ) -> None:
        self.url = url
        self.session = session
        self.registry = registry  # the stores it serves (their clients), when started here

    async def query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST a GraphQL request; returns the whole response body (data and errors)."""
        async with self.session.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables or {}}
        ) as resp:
            assert resp.status == 200, await resp.text()
            body: dict[str, Any] = await resp.json()
            return body

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Like query, but fails the test on any GraphQL error."""
        body = await self.query(query, variables)
        assert not body.get("errors"), body.get("errors")
        data: dict[str, Any] = body["data"]
        return data


StartGateway = Callable[..., Awaitable[Gateway]]


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """Tests that run the CLI in-process install its stderr handler on the root logger, bound
    to that test's captured stream; restored here so later tests never log into a closed file."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
async def start_gateway() -> AsyncIterator[StartGateway]:
    """Start a gateway for some store connections; everything stops at teardown."""
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession(headers=AUTH_HEADERS))

        async def start(
            connections: list[StoreConnection],
            *,
            limits: Limits | None = None,
            ttls: CacheTTLs | None = None,
        ) -> Gateway:
            registry = StoreRegistry(connections, ttls=ttls or CacheTTLs(products=0, locations=0))
            app = create_app(registry, limits=limits, auth=admin_gate())
            url = await stack.enter_async_context(running(app))
            return Gateway(url, session, registry)

        yield start


SHOPIFY_STANDARD = RateLimitSettings(40, 2)
ServeShopify = Callable[..., Awaitable[tuple[ShopifySandbox, StoreConnection]]]


@pytest.fixture
async def serve_shopify() -> AsyncIterator[ServeShopify]:
    """Serve Shopify sandboxes on real sockets; returns (sandbox, connection) per call, the
    connection on Admin REST unless `api="graphql"` (these tests count REST routes)."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(
            store_id: str = "shop-a",
            *,
            seed: int = 1,
            orders: int = 300,
            products: int = 80,
            bucket: RateLimitSettings | None = SHOPIFY_STANDARD,
            api: str = "rest",
            **overrides: Any,
        ) -> tuple[ShopifySandbox, StoreConnection]:
            sandbox = ShopifySandbox(seed=seed, orders=orders, products=products, bucket=bucket)
            url = await stack.enter_async_context(serve(sandbox.app))
            conn = sandbox.connection(store_id, url)
            # these tests count REST routes; the GraphQL API (the default) is asked for by name
            if api == "rest":
                conn = dataclasses.replace(conn, options={**conn.options, "api": "rest"})
            if overrides:
                conn = dataclasses.replace(conn, **overrides)
            return sandbox, conn

        yield start


# Tests that describe work in progress as it must end up: they run on every `./run test`
# (xfail, not skipped) so the day one passes shows as XPASS; remove an id once it passes.
# Empty: issue 14's reads (Admin GraphQL, the default) and issue 16's money conformance pass.
IN_PROGRESS: set[str] = set()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the in-progress tests above as expected failures, with the issue that owns them."""
    for item in items:
        if item.nodeid in IN_PROGRESS:
            item.add_marker(
                pytest.mark.xfail(reason="issue 14/16 in progress (see IN_PROGRESS)", strict=False)
            )
