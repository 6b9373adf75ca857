"""Customers, fulfillments and refunds over GraphQL/HTTP, with the upstream calls they cost."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
from collections.abc import AsyncIterator, Mapping
from decimal import Decimal
from typing import Any

import pytest

from gateway.config import parse_config
from gateway.demo import demo_stores
from platforms.adapter import StoreConnection
from platforms.errors import ConfigError
from platforms.magento import SPEC as MAGENTO
from platforms.registry import PlatformSpec, get_spec
from platforms.sandbox.kit import Sandbox, serve
from platforms.shopify import SPEC as SHOPIFY
from platforms.woocommerce import SPEC as WOOCOMMERCE
from resolvers.context import Limits
from tests.conftest import StartGateway

ORDERS = """query($s: [ID!], $n: Int) { orders(storeIds: $s, first: $n) { edges { node {
  externalId customerExternalId totalPrice { amount }
  customer { email }
  fulfillments { trackingNumbers lines { lineItemExternalId quantity } }
  refunds { amount { amount currencyCode } }
} } } }"""


@pytest.fixture
async def sandbox_of() -> AsyncIterator[Any]:
    """Serve one platform's sandbox (small seed); returns (sandbox, connection)."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(
            spec: PlatformSpec, store_id: str, api: str | None = None
        ) -> tuple[Sandbox, StoreConnection]:
            sandbox = spec.create_sandbox(seed=1, orders=200, products=40)
            url = await stack.enter_async_context(serve(sandbox.app))
            connection = sandbox.connection(store_id, url)
            if api is not None:
                connection = dataclasses.replace(connection, options={"api": api})
            return sandbox, connection

        yield start


def by_route(sandbox: Sandbox) -> dict[str, int]:
    """Upstream calls per route, with the platform's API prefix cut off."""
    return {k.split(" ", 1)[1].rsplit("/", 1)[-1]: v for k, v in sandbox.calls.by_route.items()}


async def _orders(gw: Any, store_id: str, n: int = 40) -> list[dict[str, Any]]:
    data = await gw.data(ORDERS, {"s": [store_id], "n": n})
    return [e["node"] for e in data["orders"]["edges"]]


async def _read_alone(
    sandbox_of: Any,
    start_gateway: StartGateway,
    spec: PlatformSpec,
    store_id: str,
    n: int,
    api: str | None = None,
) -> tuple[Any, list[dict[str, Any]]]:
    """n orders of one store behind a gateway; its sandbox counts the calls of that read only."""
    sandbox, conn = await sandbox_of(spec, store_id, api)
    gw = await start_gateway([conn])
    sandbox.calls.reset()
    return sandbox, await _orders(gw, store_id, n)


def _check_consistent(orders: list[dict[str, Any]], absent: Mapping[str, str] = {}) -> None:
    """Customers where referenced, and the three types present somewhere on the page (but
    what the platform's spec declares absent, e.g. Amazon's customers and refunds)."""
    for o in orders:
        assert (o["customer"] is None) == (o["customerExternalId"] is None)
        refunded = sum(Decimal(r["amount"]["amount"]) for r in o["refunds"])
        assert refunded <= Decimal(o["totalPrice"]["amount"])
    has_customers = "Order.customer_external_id" not in absent
    assert has_customers == any(o["customer"] and "@" in o["customer"]["email"] for o in orders)
    assert any(f["trackingNumbers"] for o in orders for f in o["fulfillments"])
    assert ("Refund.amount" not in absent) == any(o["refunds"] for o in orders)


async def test_shopify_costs_one_orders_and_one_customers_call(
    sandbox_of: Any, start_gateway: StartGateway
) -> None:
    sandbox, orders = await _read_alone(sandbox_of, start_gateway, SHOPIFY, "shop", 60, "rest")
    _check_consistent(orders)
    # fulfillments and refunds come embedded in the order payload: 0 further calls
    assert by_route(sandbox) == {"orders.json": 1, "customers.json": 1}


async def test_shopify_graphql_reads_the_page_then_its_parts_at_once(
    sandbox_of: Any, start_gateway: StartGateway
) -> None:
    sandbox, orders = await _read_alone(sandbox_of, start_gateway, SHOPIFY, "shop", 60, "graphql")
    _check_consistent(orders)
    # with its fulfillments and refunds, a document holds 14 orders: the page is read without
    # them (1 document of 60), then the orders' fulfillments (38 a document), refunds (25) and
    # customers (41) by `nodes(ids:)`, all at once
    people = len({o["customerExternalId"] for o in orders if o["customerExternalId"]})
    documents = 1 + math.ceil(60 / 38) + math.ceil(60 / 25) + math.ceil(people / 41)
    assert by_route(sandbox) == {"graphql.json": documents}


async def test_woocommerce_fetches_refunds_only_for_orders_that_have_them(
    sandbox_of: Any, start_gateway: StartGateway
) -> None:
    sandbox, orders = await _read_alone(sandbox_of, start_gateway, WOOCOMMERCE, "woo", 100)
    _check_consistent(orders)
    with_refunds = [o for o in orders if sandbox.state.orders[int(o["externalId"])]["refunds"]]
    assert 0 < len(with_refunds) < len(orders)
    # no batch refund read exists: one call per order whose `refunds` summary is non-empty
    assert by_route(sandbox) == {"orders": 1, "customers": 1, "refunds": len(with_refunds)}


async def test_magento_batches_shipments_and_credit_memos(
    sandbox_of: Any, start_gateway: StartGateway
) -> None:
    sandbox, orders = await _read_alone(sandbox_of, start_gateway, MAGENTO, "mage", 60)
    _check_consistent(orders)
    assert by_route(sandbox) == {"orders": 1, "search": 1, "shipments": 1, "creditmemos": 1}


def _first(connection: Any) -> int:
    # Amazon's refunds cost one Finances API call per order: 100 of them with the other
    # platforms' pages would pass the per-request cost limit (250)
    return 15 if connection.platform.value == "amazon" else 100


async def test_demo_query_returns_customers_tracking_and_refunds_of_every_platform(
    start_gateway: StartGateway,
) -> None:
    async with demo_stores() as (connections, _):
        gw = await start_gateway(connections)
        query = (
            "{ "
            + " ".join(
                f'{c.platform.value}: orders(storeIds: ["{c.store_id}"], first: {_first(c)}) '
                "{ edges { node { customerExternalId totalPrice { amount } customer { email } "
                "fulfillments { trackingNumbers lines { quantity } } refunds { amount { amount } } } } }"
                for c in connections
            )
            + " }"
        )
        data = await gw.data(query)
    assert set(data) == {c.platform.value for c in connections}  # every registered platform
    assert {"shopify", "woocommerce", "magento", "amazon", "bigcommerce"} <= set(data)
    for name, platform in data.items():
        absent = get_spec(name).absent_fields
        _check_consistent([e["node"] for e in platform["edges"]], absent)


CUSTOMERS = """query($f: CustomerFilter, $a: String) {
  customers(first: 5, filter: $f, after: $a) {
    edges { node { id externalId email firstName updatedAt tags raw totalSpent { amount } } }
    pageInfo { hasNextPage endCursor } } }"""


async def test_customers_connection_lookup_and_email_filter(
    sandbox_of: Any, start_gateway: StartGateway
) -> None:
    _, shop = await sandbox_of(SHOPIFY, "shop")
    _, mage = await sandbox_of(MAGENTO, "mage")
    gw = await start_gateway([shop, mage])

    first = (await gw.data(CUSTOMERS))["customers"]
    nodes = [e["node"] for e in first["edges"]]
    stamps = [n["updatedAt"] for n in nodes]
    assert stamps == sorted(stamps, reverse=True) and first["pageInfo"]["hasNextPage"]
    second = (await gw.data(CUSTOMERS, {"a": first["pageInfo"]["endCursor"]}))["customers"]
    assert not {n["id"] for n in nodes} & {e["node"]["id"] for e in second["edges"]}

    target = nodes[0]
    only = (await gw.data(CUSTOMERS, {"f": {"email": target["email"]}}))["customers"]
    assert [e["node"]["id"] for e in only["edges"]] == [target["id"]]

    lookup = await gw.data(
        "query($id: ID!) { customer(id: $id) { email } node(id: $id) { ... on Customer { id } } }",
        {"id": target["id"]},
    )
    assert lookup == {"customer": {"email": target["email"]}, "node": {"id": target["id"]}}
    assert target["raw"], "raw is on by default"


async def test_customer_raw_can_be_switched_off(
    sandbox_of: Any, start_gateway: StartGateway
) -> None:
    _, shop = await sandbox_of(SHOPIFY, "shop")
    gw = await start_gateway([shop], limits=Limits(customer_raw=False))

    data = await gw.data(
        "{ customers(first: 3) { edges { node { email raw } } } "
        "orders(first: 5) { edges { node { customer { raw } } } } }"
    )

    assert all(e["node"]["raw"] == {} and e["node"]["email"] for e in data["customers"]["edges"])
    assert all(e["node"]["customer"]["raw"] == {} for e in data["orders"]["edges"])


async def test_customer_data_never_reaches_the_logs(
    sandbox_of: Any, start_gateway: StartGateway, caplog: pytest.LogCaptureFixture
) -> None:
    _, woo = await sandbox_of(WOOCOMMERCE, "woo")
    _, shop = await sandbox_of(SHOPIFY, "shop")
    gw = await start_gateway([woo, shop])
    caplog.set_level(logging.DEBUG)

    data = await gw.data("{ customers(first: 20) { edges { node { email lastName phone } } } }")
    people = [e["node"] for e in data["customers"]["edges"]]
    email = people[0]["email"]
    await gw.data(CUSTOMERS, {"f": {"email": email}})
    await gw.data(ORDERS, {"n": 20})

    assert caplog.records, "debug logging was captured"
    text = caplog.text
    for person in people:
        for value in person.values():
            assert not value or value not in text


def test_privacy_section_of_the_config() -> None:
    assert parse_config({}).privacy.customer_raw is True
    assert parse_config({"privacy": {"customer_raw": False}}).privacy.customer_raw is False
    with pytest.raises(ConfigError, match="privacy"):
        parse_config({"privacy": {"customer_raw": "maybe", "nope": 1}})
