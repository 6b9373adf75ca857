"""The Shopify GraphQL client against the sandbox over real sockets: transport, points, pushdown."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import orjson
import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from platforms.adapter import OrderQuery, OrderSelection, StoreConnection
from platforms.cost_bucket import PointsBucket
from platforms.errors import (
    PermissionDeniedError,
    RateLimitedError,
    UpstreamUnavailableError,
    UpstreamValidationError,
)
from platforms.http import CallContext, Request, Response
from platforms.sandbox.kit import serve
from platforms.sandbox.scenario import STANDARD
from platforms.shopify import SPEC
from platforms.shopify.client import ShopifyClient
from platforms.shopify.client_graphql import ShopifyGraphqlClient
from platforms.shopify.graphql import GraphqlErrorClassifier
from platforms.shopify.sandbox.app import ShopifySandbox

Open = Callable[..., Awaitable[tuple[ShopifySandbox, ShopifyGraphqlClient]]]
ROUTE = "POST /admin/api/{version}/graphql.json"
# what the nested query (README, bench) reads of each order
NESTED = OrderSelection(
    **{
        **dict.fromkeys(OrderSelection.__dataclass_fields__, False),
        "line_items": True,
        "line_variants": True,
        "variants": True,
        "products": True,
        "inventory": True,
        "locations": True,
    }
)


@pytest.fixture
async def open_shopify() -> AsyncIterator[Open]:
    """A Shopify sandbox (GraphQL plan `plan`, enforced) and a GraphQL client for it."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(
            plan: str = "standard", orders: int = 300, products: int = 80, **conn: Any
        ) -> tuple[ShopifySandbox, ShopifyGraphqlClient]:
            sandbox = ShopifySandbox(orders=orders, products=products, graphql_plan=plan)
            url = await stack.enter_async_context(serve(sandbox.app))
            connection = dataclasses.replace(
                sandbox.connection("g", url), options={"api": "graphql"}, **conn
            )
            client = SPEC.create_client(connection, None)
            assert isinstance(client, ShopifyGraphqlClient)
            stack.push_async_callback(client.aclose)
            sandbox.calls.reset()
            return sandbox, client

        yield start


async def _control(client: ShopifyGraphqlClient, body: dict[str, Any]) -> None:
    url = client.connection.base_url.rstrip("/") + "/_sandbox/graphql"
    async with aiohttp.ClientSession() as http, http.post(url, json=body) as answer:
        assert answer.status == 200


def test_each_store_selects_its_api_and_its_writer_follows() -> None:
    connection = StoreConnection(
        "s", SPEC.platform, "https://s.myshopify.com", "S", credentials={"access_token": "t"}
    )
    graphql = SPEC.create_client(dataclasses.replace(connection, options={"api": "graphql"}), None)
    rest = SPEC.create_client(dataclasses.replace(connection, options={"api": "rest"}), None)

    assert isinstance(graphql, ShopifyGraphqlClient) and type(rest) is ShopifyClient
    assert SPEC.default_api_version == "2026-10"
    assert graphql._endpoint == "https://s.myshopify.com/admin/api/2026-10/graphql.json"
    assert isinstance(graphql.transport.bucket, PointsBucket)
    # the writer is per store and follows its API: GraphQL mutations for a GraphQL store
    assert SPEC.create_writer is not None
    graphql_writer, rest_writer = SPEC.create_writer(graphql), SPEC.create_writer(rest)
    assert type(graphql_writer).__name__ == "ShopifyGraphqlWriter"
    assert graphql_writer.client is graphql  # type: ignore[attr-defined]
    assert rest_writer.client is rest  # type: ignore[attr-defined]
    # and the default, with no `api` option, is GraphQL
    assert SPEC.default_api == "graphql"
    assert isinstance(SPEC.create_client(connection, None), ShopifyGraphqlClient)


async def test_a_throttled_document_waits_what_shopify_says_then_succeeds(
    open_shopify: Open,
) -> None:
    sandbox, client = await open_shopify()
    order_id = sorted(sandbox.facts().orders)[0]
    await _control(client, {"available": 0})

    started = time.monotonic()
    found = await client.get_orders([order_id])
    waited = time.monotonic() - started

    assert set(found) == {order_id}
    assert sandbox.graphql.bucket.throttled == 1
    assert sandbox.calls.by_route[ROUTE] == 2
    requested = client.spent[-1].requested or 0
    assert waited >= requested / 100 * 0.9  # (requested - 0 available) / 100 restored a second


async def test_a_burst_over_the_budget_is_paced_never_throttled(open_shopify: Open) -> None:
    sandbox, client = await open_shopify()
    ids = sorted(sandbox.facts().orders)[:20]  # 20 x 78 points: over the 1,000 of the bucket

    answers = await asyncio.gather(*(client.get_orders([i]) for i in ids))

    assert [set(a) for a in answers] == [{i} for i in ids]
    assert sandbox.graphql.bucket.throttled == 0
    assert sum(s.requested or 0 for s in client.spent) > 1000


async def test_the_bucket_is_read_from_the_answers_never_assumed(open_shopify: Open) -> None:
    sandbox, client = await open_shopify(plan="plus")
    bucket = client.transport.bucket
    assert isinstance(bucket, PointsBucket)
    assert (bucket.max_rate, bucket.restore_rate) == (1000, 100)  # the smallest plan at first

    await client.get_orders([sorted(sandbox.facts().orders)[0]])

    assert (bucket.max_rate, bucket.restore_rate) == (10000, 1000)


async def test_refused_documents_are_permanent_errors_sent_once(open_shopify: Open) -> None:
    sandbox, client = await open_shopify()
    ctx = client._ctx("probe")
    too_dear = "{ products(first: 250) { nodes { variants(first: 250) { nodes { id } } } } }"
    unknown = "{ shop { noSuchField } }"

    for text in (too_dear, unknown):
        with pytest.raises(UpstreamValidationError):
            await client.transport.request(
                Request("POST", client._endpoint, json={"query": text}), ctx
            )

    assert sandbox.calls.by_route[ROUTE] == 2  # no retries


async def test_the_nested_50_order_page_of_the_demo_store_is_3_requests(open_shopify: Open) -> None:
    """Acceptance 2 on the demo's (and the benchmark's) store: 1,200 orders, 300 products."""
    sandbox, client = await open_shopify(orders=1200, products=300)

    page = await client.list_orders(OrderQuery(select=NESTED), cursor=None, limit=50)

    assert len(page.items) == 50 and not page.errors
    assert page.related is not None and page.related.locations
    variants = {li.variant_external_id for o in page.items for li in o.line_items}
    assert set(page.related.variants) == variants and len(variants) == 122
    items = {v.inventory_item_id for v in page.related.variants.values()}
    assert set(page.related.inventory) == items
    assert sandbox.calls.by_route[ROUTE] == 3
    # the orders page (with the locations), then two 61-variant documents at 11 points each
    assert [s.requested for s in client.spent] == [954, 671, 671]
    assert all((s.actual or 0) <= (s.requested or 0) <= 1000 for s in client.spent)


def _answer(body: dict[str, Any]) -> Response:
    return Response(
        200, CIMultiDictProxy(CIMultiDict()), orjson.dumps(body), "https://s/graphql.json"
    )


def test_errors_in_200_answers_are_classified_by_their_code() -> None:
    classify = GraphqlErrorClassifier().classify
    ctx = CallContext("s", "shopify", "read")
    status = {"maximumAvailable": 1000, "currentlyAvailable": 100, "restoreRate": 100}
    throttled = {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {"cost": {"requestedQueryCost": 400, "throttleStatus": status}},
    }

    error = classify(_answer(throttled), ctx)
    assert isinstance(error, RateLimitedError) and error.retry_after == 3.0  # (400 - 100) / 100
    for code, kind in (
        ("MAX_COST_EXCEEDED", UpstreamValidationError),
        ("undefinedField", UpstreamValidationError),
        ("ACCESS_DENIED", PermissionDeniedError),
        ("INTERNAL_SERVER_ERROR", UpstreamUnavailableError),
    ):
        body = {"errors": [{"message": "no", "extensions": {"code": code}}]}
        assert type(classify(_answer(body), ctx)) is kind, code
    # `userErrors` are data, the caller's to read
    assert classify(_answer({"data": {"x": {"userErrors": [{"message": "bad"}]}}}), ctx) is None


async def test_twenty_orders_by_id_are_one_document_and_long_orders_keep_every_line(
    open_shopify: Open,
) -> None:
    """20 ids fit one document when each order reads 5 lines (48 points, 960 in all), not
    10 (78 points: two documents); an order with more lines gets the rest after."""
    sandbox, client = await open_shopify(orders=60, products=20)
    orders = {str(o["id"]): o for o in sandbox.state.orders}
    short = sorted(i for i, o in orders.items() if len(o["line_items"]) <= 5)[:20]
    sandbox.calls.reset()

    found = await client.get_orders(short)

    assert set(found) == set(short)
    assert sandbox.calls.by_route[ROUTE] == 1
    assert client.spent[-1].requested == 960
    assert all(len(found[i].line_items) == len(orders[i]["line_items"]) for i in short)

    long = sorted(set(orders) - set(short))[0]  # given 8 lines (the seed has at most 4)
    lines = orders[long]["line_items"]
    lines += [{**lines[0], "id": int(lines[0]["id"]) * 100 + n} for n in range(8 - len(lines))]
    sandbox.calls.reset()
    found = await client.get_orders([*short[:19], long])
    assert len(found[long].line_items) == len(orders[long]["line_items"])
    assert sandbox.calls.by_route[ROUTE] == 2  # the batch, then the long order's other lines


async def test_only_orders_in_another_currency_or_with_taxes_in_prices_are_read_again(
    open_shopify: Open,
) -> None:
    """Shop money (free scalars) first; an order paid in EUR in a USD store, with taxes in
    its prices, is read again in presentment money: one more request, for it alone."""
    sandbox, client = await open_shopify(orders=30, products=20)
    plain = sorted(sandbox.facts().orders)[:5]
    foreign = sandbox.seed_scenario(STANDARD)
    sandbox.calls.reset()

    found = await client.get_orders([*plain, foreign])

    assert sandbox.calls.by_route[ROUTE] == 2  # the batch, then the EUR order in EUR
    order = found[foreign]
    assert order.currency_code == "EUR" and order.taxes_included is True
    assert order.total_price.amount == STANDARD.total()
    assert order.subtotal_price.amount == STANDARD.subtotal()  # tax-exclusive, after discounts
    assert {found[i].currency_code for i in plain} == {"USD"}
    sandbox.calls.reset()
    await client.get_orders(plain)
    assert sandbox.calls.by_route[ROUTE] == 1  # nothing to read again


async def test_refunds_of_an_order_in_another_currency_are_in_its_currency_without_tax(
    open_shopify: Open,
) -> None:
    sandbox, client = await open_shopify(orders=30, products=20)
    foreign = sandbox.seed_scenario(STANDARD)
    sandbox.calls.reset()

    (refund,) = (await client.get_refunds([foreign]))[foreign]

    assert sandbox.calls.by_route[ROUTE] == 2  # shop money, then the EUR order's again
    found = STANDARD.refund()
    assert found is not None
    net, tax = found
    assert refund.amount.amount == net + tax and refund.amount.currency_code == "EUR"
    assert [line.subtotal.amount for line in refund.lines] == [net]  # its tax taken out
    assert refund.shipping is not None and refund.shipping.amount == 0
