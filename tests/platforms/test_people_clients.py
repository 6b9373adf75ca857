"""Each client reads customers, fulfillments and refunds from its sandbox in the fewest calls."""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import AsyncIterator
from typing import Any

import pytest

from platforms.adapter import CustomerQuery, OrderQuery
from platforms.magento import SPEC as MAGENTO
from platforms.registry import PlatformSpec
from platforms.sandbox.kit import serve
from platforms.shopify import SPEC as SHOPIFY
from platforms.woocommerce import SPEC as WOOCOMMERCE

# upstream routes (last path segment) each batch read uses, per platform (and API)
ROUTES = {
    "shopify-rest": {
        "customers": "customers.json",
        "fulfillments": "orders.json",
        "list": "search.json",
    },
    "woocommerce": {"customers": "customers", "fulfillments": "orders", "list": "customers"},
    "magento": {"customers": "search", "fulfillments": "shipments", "list": "search"},
}


# Shopify GraphQL batches by cost: objects a `nodes(ids:)` document holds (1,000 points over
# each one's cost: a customer 24, an order with its fulfillments 26, with its refunds 39)
PER_DOCUMENT = {"customers": 41, "fulfillments": 38, "refunds": 25}
GRAPHQL = "graphql.json"


def _id(param: tuple[PlatformSpec, str]) -> str:
    spec, api = param
    return spec.platform.value + (f"-{api}" if api != spec.default_api else "")


def _name(param: tuple[PlatformSpec, str]) -> str:
    """The platform, and the API under test when it has several, whichever is the default."""
    spec, api = param
    return spec.platform.value + (f"-{api}" if len(spec.api_names()) > 1 else "")


@pytest.fixture(
    params=[(s, api) for s in (SHOPIFY, WOOCOMMERCE, MAGENTO) for api in s.api_names()],
    ids=_id,
)
async def served(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    spec, api = request.param
    sandbox = spec.create_sandbox(seed=1, orders=200, products=40)
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(serve(sandbox.app))
        connection = sandbox.connection("s", url)
        if api != spec.default_api:
            connection = dataclasses.replace(connection, options={"api": api})
        client = spec.create_client(connection, None)
        stack.push_async_callback(client.aclose)
        orders = (await client.list_orders(OrderQuery(), cursor=None, limit=100)).items
        sandbox.calls.reset()
        yield _name(request.param), sandbox, client, orders


def expected(platform: str, read: str, keys: int) -> dict[str, int]:
    """The calls of one batch read: one (the platform's route), or Shopify GraphQL's
    documents, as many as the keys' cost needs."""
    if platform == "shopify-graphql":
        return {GRAPHQL: 1 if read == "list" else math.ceil(keys / PER_DOCUMENT[read])}
    return {ROUTES[platform][read]: 1}


def calls(sandbox: Any) -> dict[str, int]:
    return {k.rsplit("/", 1)[-1]: v for k, v in sandbox.calls.by_route.items()}


async def test_customers_of_a_whole_page_cost_one_call(served: Any) -> None:
    platform, sandbox, client, orders = served
    ids = sorted({o.customer_external_id for o in orders if o.customer_external_id})

    found = await client.get_customers(ids)

    assert sorted(found) == ids
    assert calls(sandbox) == expected(platform, "customers", len(ids))


async def test_a_customer_page_costs_one_call(served: Any) -> None:
    platform, sandbox, client, _ = served

    page = await client.list_customers(CustomerQuery(), cursor=None, limit=10)

    assert len(page.items) == 10 and page.next_cursor is not None
    assert calls(sandbox) == expected(platform, "list", 10)


async def test_fulfillments_of_a_whole_page_cost_one_call(served: Any) -> None:
    platform, sandbox, client, orders = served

    found = await client.get_fulfillments([o.external_id for o in orders])

    assert sum(len(f) for f in found.values()) > 0
    assert calls(sandbox) == expected(platform, "fulfillments", len(orders))


async def test_refunds_cost_one_call_or_one_per_refunded_order(served: Any) -> None:
    platform, sandbox, client, orders = served
    # what the loader asks for: the orders whose payload does not settle their refunds
    # (Shopify's all do: there, ask for every order as if none were loaded)
    unsettled = [o.external_id for o in orders if client.embedded_refunds(o) is None]
    asked = unsettled or [o.external_id for o in orders]

    found = await client.get_refunds(asked)

    assert sorted(found) == sorted(asked) and any(found.values())
    wanted = {
        "shopify-graphql": {GRAPHQL: math.ceil(len(asked) / PER_DOCUMENT["refunds"])},
        "shopify-rest": {"orders.json": 1},  # `ids=` with fields=id,currency,fulfillments,refunds
        "woocommerce": {"refunds": len(unsettled)},  # no batch read: one per refunded order
        "magento": {"creditmemos": 1},
    }
    assert calls(sandbox) == wanted[platform]
    if platform != "shopify-graphql":  # a GraphQL page reads refunds only when selected
        assert len(unsettled) < len(orders)
