"""Every document the GraphQL client can build validates against Shopify's 2026-10 schema, costs
what it says (the published rules, `platforms.shopify.cost`) and stays within 1,000 points."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from graphql import GraphQLSchema, parse, validate

from platforms.adapter import (
    CustomerQuery,
    OrderQuery,
    OrderSelection,
    ProductQuery,
    StoreConnection,
    VariantKey,
)
from platforms.canonical import Location, OrderStatus, Platform
from platforms.errors import CartgraphError
from platforms.http import CallContext
from platforms.shopify.client_graphql import PLAIN, ShopifyGraphqlClient
from platforms.shopify.cost import MAX_INPUT_LIST, MAX_QUERY_COST, requested_cost
from platforms.shopify.documents import Document, Field, Shape
from platforms.shopify.graphql import ShopifyGraphql
from tests.platforms.shopify.schema import admin_schema

SCALARS: dict[str, Any] = {
    "id": "gid://shopify/Thing/1",
    "createdAt": "2026-01-01T00:00:00Z",
    "updatedAt": "2026-01-01T00:00:00Z",
    "quantity": 1,
    "amount": "1.00",
    # another currency than the shop's: the orders and refunds are read again in presentment
    # money, so those documents are built (and checked) too
    "currencyCode": "USD",
    "presentmentCurrencyCode": "EUR",
}
IDS = [str(n) for n in range(1, 301)]  # more than one document's worth of anything
Call = Callable[[ShopifyGraphqlClient], Awaitable[Any]]


def _answer(fields: tuple[Field, ...], more: bool) -> dict[str, Any]:
    return {f.alias or f.name: _value(f, more) for f in fields}


def _value(field: Field, more: bool) -> Any:
    """A plausible answer of the field's shape; connections say they have a next page in the
    first answer only, so every paging document is built once."""
    if field.shape is Shape.SCALAR:
        return SCALARS.get(field.name)
    inner = _answer(field.fields, more)
    for fragment in field.fragments:
        inner.update(_answer(fragment.fields, more))
    if field.shape is Shape.OBJECT:
        return inner
    if field.shape is Shape.LIST:
        return [inner]
    return {"nodes": [inner], "pageInfo": {"hasNextPage": more, "endCursor": "c1"}}


def _selections() -> Iterator[OrderSelection | None]:
    yield None
    yield OrderSelection()
    names = list(OrderSelection.__dataclass_fields__)
    for name in names:  # each part alone, on top of nothing and of everything
        yield OrderSelection(**{n: n == name for n in names})
        yield OrderSelection(**{n: n != name for n in names})
    yield OrderSelection(**dict.fromkeys(names, True))


def _calls() -> Iterator[tuple[str, Call]]:
    since = datetime(2026, 1, 1, tzinfo=UTC)
    for n, (select, limit) in enumerate(itertools.product(_selections(), (1, 50, 250))):
        query = OrderQuery(updated_after=since, status=OrderStatus.OPEN, select=select)
        yield (
            f"list_orders-{n}",
            lambda c, q=query, lim=limit: c.list_orders(q, cursor="c", limit=lim),
        )
    yield "get_orders", lambda c: c.get_orders(IDS)
    yield "list_products", lambda c: c.list_products(ProductQuery(since), cursor="c", limit=250)
    yield "get_products", lambda c: c.get_products(IDS)
    keys = [VariantKey(i, i) for i in IDS]
    yield "get_variants", lambda c: c.get_variants(keys)
    yield "get_variants_partial", lambda c: c.get_variants(keys, complete_parents=False)
    yield "get_inventory_levels", lambda c: c.get_inventory_levels(IDS)
    yield "get_inventory_levels_many_places", _levels_at_many_locations
    yield "list_locations", lambda c: c.list_locations()
    yield "get_customers", lambda c: c.get_customers(IDS)
    people = CustomerQuery(updated_after=since, email='a"b@example.com')
    yield "list_customers", lambda c: c.list_customers(people, cursor="c", limit=250)
    yield "get_fulfillments", lambda c: c.get_fulfillments(IDS)
    yield "get_refunds", lambda c: c.get_refunds(IDS)


async def _levels_at_many_locations(client: ShopifyGraphqlClient) -> Any:
    places = [
        Location(store_id="s", platform=Platform.SHOPIFY, external_id=str(n), name=f"L{n}")
        for n in range(40)
    ]
    client.remember_locations(places)
    return await client.get_inventory_levels(IDS)


def _sent_by(call: Call, monkeypatch: pytest.MonkeyPatch) -> list[Document]:
    sent: list[Document] = []

    async def record(self: ShopifyGraphql, document: Document, ctx: CallContext) -> dict[str, Any]:
        sent.append(document)
        return _answer(document.fields, more=len(sent) == 1)

    monkeypatch.setattr(ShopifyGraphql, "_query", record)
    connection = StoreConnection(
        "s", Platform.SHOPIFY, "http://127.0.0.1:9", "S", credentials={"access_token": "t"}
    )

    async def run() -> None:
        client = ShopifyGraphqlClient(connection)
        try:
            await call(client)
        except CartgraphError:
            pass  # the made-up answers need not map: the documents are what is checked
        finally:
            await client.aclose()

    asyncio.run(run())
    return sent


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return admin_schema()


@pytest.mark.parametrize(("name", "call"), list(_calls()), ids=[n for n, _ in _calls()])
def test_every_document_validates_and_costs_what_it_says(
    name: str, call: Call, schema: GraphQLSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = _sent_by(call, monkeypatch)

    assert sent, name
    for document in sent:
        parsed = parse(document.text)
        assert validate(schema, parsed) == [], document.text
        assert requested_cost(schema, parsed) == document.cost <= MAX_QUERY_COST
        assert _longest_list(document.fields) <= MAX_INPUT_LIST


def test_paging_documents_are_among_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """The made-up first answers say every connection has a next page: the documents that
    page lines, variants and levels further are built (and checked above)."""
    paging = ("list_orders-3", "get_products", "get_inventory_levels_many_places")
    texts = [
        d.text for name, call in _calls() if name in paging for d in _sent_by(call, monkeypatch)
    ]
    assert any("o0: order(" in t and "lineItems(first: 100" in t for t in texts)
    assert any("o0: product(" in t and "variants(first: 100" in t for t in texts)
    assert any("o0: inventoryItem(" in t and "inventoryLevels(first: 100" in t for t in texts)


def test_orders_in_another_currency_are_read_again_in_presentment_money(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("list_orders-0", "get_orders", "get_refunds"):
        call = dict(_calls())[name]
        texts = [d.text for d in _sent_by(call, monkeypatch)]
        assert "presentmentMoney" not in texts[0], name  # shop money first: 0 points
        assert any("nodes(ids:" in t and "presentmentMoney" in t for t in texts[1:]), name


def test_a_plain_page_still_reads_what_the_canonical_order_requires() -> None:
    assert PLAIN.line_items and PLAIN.line_variants and not PLAIN.variants


def _longest_list(fields: tuple[Field, ...]) -> int:
    longest = 0
    for field in fields:
        for _, value in field.args:
            if isinstance(value, list):
                longest = max(longest, len(value))
        longest = max(longest, _longest_list(field.fields))
        for fragment in field.fragments:
            longest = max(longest, _longest_list(fragment.fields))
    return longest
