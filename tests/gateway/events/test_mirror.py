"""Issue 19, item 4: a platform whose plan forbids listing live (Amazon: searchOrders once
per 3 minutes after a burst of 20) has `orders(...)` answered from a local mirror the poller
keeps, on SQLite and PostgreSQL; by-id reads stay live, and every answer says how old it is.
Acceptance 2: over a 30-minute run (fast clock) of a 1,000-order store the mirror stays
within the searchOrders plan: zero 429s."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from gateway.app import create_app
from gateway.events.service import EventService
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry
from platforms.adapter import RateLimitSettings
from platforms.amazon.sandbox import AmazonSandbox
from platforms.ids import Kind, encode_id
from platforms.sandbox.kit import SEED_NOW, serve
from tests.helpers.auth import AUTH_HEADERS, admin_gate
from tests.helpers.postgres import Backend

ORDERS = """{ orders(storeIds: ["amz"], first: 5) { syncedAt dataAgeSeconds
  edges { node { number updatedAt } } pageInfo { hasNextPage endCursor } } }"""
NEXT = """query($after: String) { orders(storeIds: ["amz"], first: 5, after: $after) {
  syncedAt edges { node { number } } } }"""
SEARCH = "GET /orders/2026-01-01/orders"
GET = "GET /orders/2026-01-01/orders/{orderId}"


class Clock:
    """The sandbox's time: Amazon's usage plans and order stamps run on it."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> datetime:
        return SEED_NOW + timedelta(seconds=self.seconds)


class Mirrored:
    def __init__(
        self,
        sandbox: AmazonSandbox,
        service: EventService,
        url: str,
        http: aiohttp.ClientSession,
        sandbox_url: str,
    ) -> None:
        self.sandbox, self.service, self.url, self.http = sandbox, service, url, http
        self.sandbox_url = sandbox_url

    async def query(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        body = {"query": query, "variables": variables or {}}
        async with self.http.post(f"{self.url}/graphql", json=body) as resp:
            answer = await resp.json()
        assert "errors" not in answer, answer
        return answer["data"]["orders"]


@contextlib.asynccontextmanager
async def mirrored(
    backend: Backend, tmp_path: Path, clock: Clock, orders: int, secret: str | None = None
) -> AsyncIterator[Mirrored]:
    sandbox = AmazonSandbox(
        seed=4, orders=orders, products=30, usage_plans=True, clock=clock.monotonic, now=clock.now
    )
    async with serve(sandbox.app) as base, aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
        # the client's own per-operation buckets run on the event loop's clock, which a fast
        # simulated clock cannot move: unpaced here, so the poll schedule alone is judged by
        # Amazon's plans (on the simulated clock); the buckets are tested in tests/platforms
        connection = dataclasses.replace(
            sandbox.connection("amz", base), rate_limit=RateLimitSettings(1000, 1000)
        )
        if secret is not None:  # EventBridge deliveries accepted with this API key
            credentials = {**connection.credentials, "webhook_secret": secret}
            connection = dataclasses.replace(connection, credentials=credentials)
        registry = StoreRegistry([connection], ttls=CacheTTLs(products=0, locations=0))
        service = backend.event_service(registry, tmp_path / "data", poll_intervals={"amz": 60})
        app = create_app(registry, events=service, auth=admin_gate())
        async with running(app) as url:  # the first poll fills the mirror before it starts
            yield Mirrored(sandbox, service, url, http, base)


async def test_orders_are_listed_from_the_mirror_and_by_id_reads_stay_live(
    backend: Backend, tmp_path: Path
) -> None:
    clock = Clock()
    async with mirrored(backend, tmp_path, clock, orders=120) as store:
        filled = store.sandbox.calls.by_route[SEARCH]
        assert filled == 2  # 120 orders: two pages of 100, once
        assert store.service.pollers["amz"].interval == 180.0  # the plan, not the 60 asked

        first = await store.query(ORDERS)
        second = await store.query(NEXT, {"after": first["pageInfo"]["endCursor"]})

        assert store.sandbox.calls.by_route[SEARCH] == filled  # no live listing
        newest = sorted(
            store.sandbox.state.orders.values(),
            key=lambda o: (o["lastUpdatedTime"], o["orderId"]),
            reverse=True,
        )
        numbers = [e["node"]["number"] for e in first["edges"] + second["edges"]]
        assert numbers == [o["orderId"] for o in newest[:10]]
        assert first["syncedAt"] and 0 <= first["dataAgeSeconds"] < 60
        gid = encode_id("amz", Kind.ORDER, numbers[0])
        async with store.http.post(
            f"{store.url}/graphql",
            json={
                "query": "query($id: ID!) { order(id: $id) { number } }",
                "variables": {"id": gid},
            },
        ) as resp:
            assert (await resp.json())["data"]["order"] == {"number": numbers[0]}
        assert store.sandbox.calls.by_route[GET] == 1  # by id: live

        clock.seconds += 200
        placed = store.sandbox.storefront.place_order()
        await store.service.poll_now("amz")
        after = await store.query(ORDERS)
        assert after["edges"][0]["node"]["number"] == placed["orderId"]
        assert after["syncedAt"] > first["syncedAt"]
        status = await store.service.status("amz")
        assert status.mirror_synced_at is not None


async def test_a_delivered_order_change_updates_the_mirror_without_a_poll(
    backend: Backend, tmp_path: Path
) -> None:
    clock, key = Clock(), "eb-api-key-0123456789"
    async with mirrored(backend, tmp_path, clock, orders=30, secret=key) as store:
        before = await store.query(ORDERS)
        listed = store.sandbox.calls.by_route[SEARCH]
        plan = {"url": f"{store.url}/webhooks/amz", "secret": key}
        async with store.http.post(f"{store.sandbox_url}/_sandbox/webhooks", json=plan) as resp:
            assert resp.status == 200
        clock.seconds += 30  # well inside the poll interval (180 s)
        placed = store.sandbox.storefront.place_order()
        await store.sandbox.notifier.sender.drain()
        await store.service.processor.idle()
        after = await store.query(ORDERS)
        await store.sandbox.notifier.sender.aclose()

    assert after["edges"][0]["node"]["number"] == placed["orderId"]  # ORDER_CHANGE, refetched
    assert store.sandbox.calls.by_route[SEARCH] == listed  # no poll ran
    assert store.sandbox.calls.by_route[GET] == 1  # the delivery's one getOrder
    assert after["syncedAt"] == before["syncedAt"]  # a delivery is not a completed sync


async def test_a_thousand_order_store_stays_within_the_search_orders_plan(
    tmp_path: Path,
) -> None:
    from tests.helpers.postgres import SQLITE

    clock = Clock()
    async with mirrored(SQLITE, tmp_path, clock, orders=1000) as store:
        poller = store.service.pollers["amz"]
        polls = 0
        while clock.seconds + poller.interval <= 30 * 60:  # 30 minutes at the poller's pace
            clock.seconds += poller.interval
            for _ in range(3):  # buyers keep ordering meanwhile
                store.sandbox.storefront.place_order()
            await store.service.poll_now("amz")
            polls += 1
            answer = await store.query(ORDERS)  # GraphQL reads cost no searchOrders
            assert answer["edges"][0]["node"]["number"] in store.sandbox.state.orders

        assert polls == 10
        assert store.sandbox.plans is not None and store.sandbox.plans.rejected == {}
        # fill: 10 pages of 100; then one call per poll (under 100 changes each)
        assert store.sandbox.calls.by_route[SEARCH] == 10 + polls


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> Backend:
    from tests.helpers.postgres import SQLITE

    if request.param == "sqlite":
        return SQLITE
    return Backend("postgres", request.getfixturevalue("pg_url"))


async def test_one_orders_query_over_the_demo_spans_every_store_with_amazons_age(
    tmp_path: Path,
) -> None:
    from gateway.demo import demo_stores
    from gateway.events.demo import demo_events
    from platforms.registry import all_specs

    query = "{ orders(first: 30) { syncedAt dataAgeSeconds edges { node { storeId } } } }"
    async with (
        demo_stores() as (connections, _),
        aiohttp.ClientSession(headers=AUTH_HEADERS) as http,
    ):
        registry = StoreRegistry(connections)
        service = demo_events(registry, tmp_path)
        app = create_app(registry, events=service, auth=admin_gate())
        async with (
            running(app) as url,
            http.post(f"{url}/graphql", json={"query": query}) as resp,
        ):
            body = await resp.json()
    orders = body["data"]["orders"]
    assert {e["node"]["storeId"] for e in orders["edges"]} == {
        f"demo-{spec.platform.value}" for spec in all_specs()
    }
    assert orders["syncedAt"] is not None and 0 <= orders["dataAgeSeconds"] < 60
