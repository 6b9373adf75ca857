"""Fixtures for the event feed: sandboxes wired to a gateway with events, a gql WS client."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport

from gateway.app import create_app
from gateway.events.service import EventService
from gateway.quotas import BudgetSettings
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry
from platforms.adapter import StoreConnection
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox
from platforms.woocommerce.sandbox.app import WooCommerceSandbox
from resolvers.context import Limits
from tests.helpers.auth import AUTH_HEADERS, INIT_PAYLOAD, admin_gate
from tests.helpers.postgres import SQLITE, Backend

SECRET = "whsec_current_0123456789"
OLD_SECRET = "whsec_previous_9876543210"
# the fan-out test opens 51 sockets with the one test key (over the default per-key cap)
MANY = BudgetSettings(max_ws_connections_per_key=0)
WAIT = 20.0  # generous: only there to fail instead of hanging, never a latency assertion

ORDER_EVENTS = """
subscription ($stores: [ID!], $after: String, $types: [EventType!]) {
  orderEvents(storeIds: $stores, after: $after, types: $types) {
    id cursor sequence type storeId source occurredAt
    order { id externalId number status fulfillmentStatus updatedAt }
  }
}
"""
INVENTORY_EVENTS = """
subscription ($variants: [ID!]) {
  inventoryEvents(variantIds: $variants) {
    type storeId source cursor
    inventoryLevel { inventoryItemId available updatedAt location { name } }
  }
}
"""


@dataclass
class Feed:
    """A gateway with an event service in front of sandboxes."""

    url: str
    service: EventService
    sandboxes: dict[str, Any]
    session: aiohttp.ClientSession
    data_dir: Path
    backend: Backend = SQLITE

    @property
    def ws_url(self) -> str:
        """The GraphQL WebSocket endpoint."""
        return self.url.replace("http://", "ws://") + "/graphql"

    def webhook_url(self, store_id: str) -> str:
        """The receiver URL for a store."""
        return f"{self.url}/webhooks/{store_id}"

    async def sandbox_post(self, store_id: str, path: str, body: dict[str, Any]) -> Any:
        """POST to a sandbox control route over HTTP, like a separate process would."""
        base = self.sandboxes[store_id][1]
        async with self.session.post(f"{base}/_sandbox{path}", json=body) as resp:
            assert resp.status < 300, await resp.text()
            return await resp.json()

    async def deliver_webhooks(self, store_id: str, **plan: Any) -> None:
        """Point the sandbox's webhooks at this gateway."""
        await self.sandbox_post(
            store_id, "/webhooks", {"url": self.webhook_url(store_id), "secret": SECRET, **plan}
        )

    async def query(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """POST a GraphQL query; returns the whole body."""
        async with self.session.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables or {}}
        ) as resp:
            return await resp.json()


StartFeed = Callable[..., Awaitable[Feed]]


def placed_id(placed: dict[str, Any]) -> str:
    """The order id a sandbox's `/_sandbox/orders` answered (Shopify wraps it in "order")."""
    order = placed.get("order", placed)
    return str(order["id"] if "id" in order else order["entity_id"])


def with_secrets(conn: StoreConnection, *secrets: str) -> StoreConnection:
    """The connection with webhook secrets (current first, then the previous one)."""
    creds = dict(conn.credentials)
    creds["webhook_secret"] = secrets[0]
    if len(secrets) > 1:
        creds["webhook_secret_previous"] = secrets[1]
    return dataclasses.replace(conn, credentials=creds)


@pytest.fixture
async def start_feed(tmp_path: Path, backend: Backend) -> AsyncIterator[StartFeed]:
    """Start sandboxes (by platform name) and a gateway with events over them, its event
    log on each backend (SQLite in the data dir, PostgreSQL in a schema of its own)."""
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession(headers=AUTH_HEADERS))

        async def start(
            platforms: dict[str, str],
            *,
            poll_interval: float = 0.0,
            inventory_poll_interval: float = 0.0,
            buffer: int = 1000,
            secrets: tuple[str, ...] = (SECRET,),
            limits: Limits | None = None,
            apis: dict[str, str] | None = None,
        ) -> Feed:
            sandboxes: dict[str, Any] = {}
            connections = []
            for store_id, platform in platforms.items():
                sandbox = _sandbox(platform)
                base = await stack.enter_async_context(serve(sandbox.app))
                sandboxes[store_id] = (sandbox, base)
                conn = with_secrets(sandbox.connection(store_id, base), *secrets)
                if apis and store_id in apis:  # the API a store selects (`options.api`)
                    conn = dataclasses.replace(
                        conn, options={**conn.options, "api": apis[store_id]}
                    )
                connections.append(conn)
            registry = StoreRegistry(connections, ttls=CacheTTLs(products=0, locations=0))
            service = backend.event_service(
                registry,
                tmp_path / "data",
                poll_intervals=dict.fromkeys(platforms, poll_interval),
                inventory_poll_intervals=dict.fromkeys(platforms, inventory_poll_interval),
                buffer=buffer,
            )
            url = await stack.enter_async_context(
                running(
                    create_app(
                        registry, events=service, auth=admin_gate(), budgets=MANY, limits=limits
                    )
                )
            )
            return Feed(url, service, sandboxes, session, tmp_path / "data", backend)

        yield start


def _sandbox(platform: str) -> Any:
    if platform == "shopify":
        return ShopifySandbox(seed=1, orders=40, products=20, bucket=None)
    if platform == "woocommerce":
        return WooCommerceSandbox(seed=1, orders=40, products=20)
    if platform == "bigcommerce":
        from platforms.bigcommerce.sandbox import BigCommerceSandbox

        return BigCommerceSandbox(seed=1, orders=40, products=20)
    from platforms.magento.sandbox.app import MagentoSandbox

    return MagentoSandbox(seed=1, orders=40, products=20)


@contextlib.asynccontextmanager
async def subscription(
    ws_url: str,
    query: str,
    variables: dict[str, Any],
    *,
    subprotocol: str | None = None,
    subscribed: Callable[[], bool] | None = None,
    init_payload: dict[str, Any] | None = None,
) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
    """A gql client subscribed over a real WebSocket; results arrive in the queue.

    `subscribed` tells when the server has registered the subscription (so the test acts
    only after). An exception from the stream (e.g. a GraphQL error) is put in the queue
    as `{"__error__": exc}` so tests can assert on it.
    """
    protocols = [subprotocol] if subprotocol else None
    transport = WebsocketsTransport(
        url=ws_url,
        subprotocols=protocols,  # type: ignore[arg-type]
        init_payload=INIT_PAYLOAD if init_payload is None else init_payload,
    )
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    ready = asyncio.Event()

    async def pump() -> None:
        async with Client(transport=transport) as session:
            ready.set()
            try:
                async for result in session.subscribe(
                    GraphQLRequest(query, variable_values=variables)
                ):
                    queue.put_nowait(result)
            except Exception as exc:
                queue.put_nowait({"__error__": exc})

    task = asyncio.create_task(pump())
    await asyncio.wait_for(ready.wait(), WAIT)
    if subscribed is not None:
        await until(subscribed)
    try:
        yield queue
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def until(check: Callable[[], bool]) -> None:
    """Wait for a condition the server makes true (fails after WAIT seconds)."""
    async with asyncio.timeout(WAIT):
        while not check():  # noqa: ASYNC110 - the condition lives in server state
            await asyncio.sleep(0.01)


async def take(queue: asyncio.Queue[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """The next `count` results (fails, never hangs, when they do not come)."""
    out = []
    for _ in range(count):
        item = await asyncio.wait_for(queue.get(), WAIT)
        if "__error__" in item:
            raise item["__error__"]
        out.append(item)
    return out


async def quiet(queue: asyncio.Queue[dict[str, Any]], seconds: float = 0.5) -> list[Any]:
    """Whatever else arrives within `seconds` (asserting nothing extra came)."""
    extra = []
    with contextlib.suppress(TimeoutError):
        while True:
            extra.append(await asyncio.wait_for(queue.get(), seconds))
    return extra
