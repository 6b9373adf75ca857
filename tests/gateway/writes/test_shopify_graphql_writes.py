"""Writes to a Shopify store read through Admin GraphQL (`api = "graphql"`): every write a
mutation (none over REST), keyed ones deduplicated by Shopify, userErrors as WriteFailed."""

from __future__ import annotations

import logging
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from graphql import parse, validate

from platforms.ids import Kind, encode_id
from platforms.shopify.sandbox.app import ShopifySandbox
from platforms.shopify.sandbox.graphql_schema import admin_schema
from platforms.shopify.writes import graphql
from platforms.shopify.writes.graphql import Mutation
from platforms.writes.commands import TAG_PREFIX
from tests.gateway.writes.conftest import (
    ServeSandbox,
    StartWrites,
    WriteGateway,
    first_stock,
)

RESULT = """__typename ... on WriteFailed { code message }
  ... on WriteQueued { operation { status lastError { code } } }"""
ADJUST = f"""mutation($input: AdjustInventoryInput!, $key: String) {{
  adjustInventory(input: $input, idempotencyKey: $key) {{ {RESULT}
    ... on AdjustInventorySuccess {{ inventoryLevel {{ available }} }} }} }}"""
SET = f"""mutation($input: SetInventoryInput!) {{ setInventory(input: $input) {{ {RESULT}
    ... on SetInventorySuccess {{ inventoryLevel {{ available }} }} }} }}"""
PRICE = f"""mutation($input: UpdateVariantPriceInput!) {{ updateVariantPrice(input: $input) {{
  {RESULT} ... on UpdateVariantPriceSuccess {{ price compareAtPrice }} }} }}"""
CANCEL = f"""mutation($input: CancelOrderInput!) {{ cancelOrder(input: $input) {{ {RESULT}
  ... on CancelOrderSuccess {{ orderId }} }} }}"""
FULFIL = f"""mutation($input: CreateFulfillmentInput!) {{ createFulfillment(input: $input) {{
  {RESULT} ... on CreateFulfillmentSuccess {{ trackingNumber lines {{ lineItemId quantity }} }}
}} }}"""
REFUND = f"""mutation($input: CreateRefundInput!, $key: String) {{
  createRefund(input: $input, idempotencyKey: $key) {{ {RESULT}
    ... on CreateRefundSuccess {{ refundId amount lines {{ lineItemId quantity }} }} }} }}"""
ORDER = """query($id: ID!) { order(id: $id) { status fulfillmentStatus financialStatus } }"""
STORE = "shop-g"
Shop = tuple[ShopifySandbox, WriteGateway]


@pytest.fixture
async def shop(shopify_store: ServeSandbox, start_writes: StartWrites) -> Shop:
    """A small Shopify sandbox as a store read and written through Admin GraphQL."""
    sandbox, conn = await shopify_store(STORE)
    return sandbox, await start_writes([replace(conn, options={"api": "graphql"})])


def _mutations(sandbox: ShopifySandbox) -> dict[str, int]:
    """The GraphQL mutations the sandbox ran, by root field."""
    fields = sandbox.graphql.fields
    return {k.split()[1]: n for k, n in fields.items() if k.startswith("mutation ")}


def _rest_writes(sandbox: ShopifySandbox) -> list[str]:
    """Write requests to REST routes (GraphQL's one route is not one of them)."""
    return [r for r in sandbox.calls.by_route if not r.startswith("GET ") and "graphql" not in r]


def _order(sandbox: ShopifySandbox, paid: bool = True) -> dict[str, Any]:
    return next(
        o
        for o in sandbox.state.orders
        if not o.get("cancelled_at")
        and (o["financial_status"] == "paid") == paid
        and all(li["fulfillable_quantity"] for li in o["line_items"])
        and len(o["line_items"]) >= 2
    )


def _order_id(order: dict[str, Any]) -> str:
    return encode_id(STORE, Kind.ORDER, str(order["id"]))


async def test_every_write_document_validates_against_the_2026_10_schema() -> None:
    documents = [value for value in vars(graphql).values() if isinstance(value, Mutation)]
    assert {m.field for m in documents} == {
        "inventoryAdjustQuantities",
        "inventorySetQuantities",
        "productVariantsBulkUpdate",
        "orderCancel",
        "fulfillmentCreate",
        "refundCreate",
    }
    for mutation in documents:
        assert validate(admin_schema(), parse(mutation.text)) == [], mutation.field
        # keyed exactly where the schema's description documents `@idempotent`
        described = admin_schema().mutation_type.fields[mutation.field].description or ""
        assert mutation.keyed == ("@idempotent" in described), mutation.field


async def test_stock_writes_are_keyed_mutations_and_a_resend_changes_nothing(shop: Shop) -> None:
    sandbox, gw = shop
    stock = first_stock(sandbox, STORE)
    target = {"variantId": stock["variantId"], "locationId": stock["locationId"]}
    variables = {"input": {**target, "delta": -2}, "key": "adj-1"}
    first = (await gw.data(ADJUST, variables))["adjustInventory"]
    assert first == {
        "__typename": "AdjustInventorySuccess",
        "inventoryLevel": {"available": stock["available"] - 2},
    }
    assert (await gw.data(ADJUST, variables))["adjustInventory"] == first  # the gateway's key
    set_to = (await gw.data(SET, {"input": {**target, "available": 40}}))["setInventory"]
    assert set_to["inventoryLevel"] == {"available": 40}, set_to
    assert sandbox.state.inventory_levels[stock["key"]]["available"] == 40
    assert _mutations(sandbox) == {"inventoryAdjustQuantities": 1, "inventorySetQuantities": 1}
    assert len(sandbox.graphql.extras["idempotency"]) == 2  # each sent with its own key
    assert _rest_writes(sandbox) == []


async def test_a_lost_answer_is_resent_with_the_same_key_and_shopify_deduplicates(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox, gw = shop
    stock = first_stock(sandbox, STORE, 1)
    sandbox.writes.fail_after_apply.append(503)  # applied, answer lost: in doubt
    variables = {
        "input": {"variantId": stock["variantId"], "locationId": stock["locationId"], "delta": 3},
        "key": "adj-lost",
    }
    with caplog.at_level(logging.INFO, logger="cartgraph.writes"):
        result = (await gw.data(ADJUST, variables))["adjustInventory"]
    assert result["inventoryLevel"] == {"available": stock["available"] + 3}, result
    assert sandbox.writes.count("adjust:") == 1  # sent twice, applied once
    assert _mutations(sandbox) == {"inventoryAdjustQuantities": 2}
    assert "re-sending with idempotency key cartgraph-" in caplog.text


async def test_a_user_error_is_write_failed_naming_the_field(shop: Shop) -> None:
    sandbox, gw = shop
    stock = first_stock(sandbox, STORE)
    where = encode_id(STORE, Kind.LOCATION, "70199999999")  # no such location
    variables = {"input": {"variantId": stock["variantId"], "locationId": where, "delta": 1}}
    result = (await gw.data(ADJUST, variables))["adjustInventory"]
    assert result["__typename"] == "WriteFailed", result
    assert result["code"] == "UPSTREAM_VALIDATION"
    assert "inventoryAdjustQuantities refused: input.changes.0.locationId:" in result["message"]
    assert sandbox.writes.applied == []


async def test_price_through_product_variants_bulk_update(shop: Shop) -> None:
    sandbox, gw = shop
    variant = next(iter(sandbox.state.variants()))
    ident = encode_id(STORE, Kind.VARIANT, str(variant["id"]))
    data = {"variantId": ident, "price": "23.45", "compareAtPrice": "30.00"}
    result = (await gw.data(PRICE, {"input": data}))["updateVariantPrice"]
    assert result["__typename"] == "UpdateVariantPriceSuccess", result
    assert Decimal(result["price"]) == Decimal("23.45")
    assert Decimal(result["compareAtPrice"]) == Decimal("30.00")
    assert (variant["price"], variant["compare_at_price"]) == ("23.45", "30.00")
    assert _mutations(sandbox) == {"productVariantsBulkUpdate": 1}


async def test_cancel_follows_its_job(shop: Shop) -> None:
    sandbox, gw = shop
    order = _order(sandbox)
    data = {"orderId": _order_id(order), "reason": "customer", "restock": True}
    result = (await gw.data(CANCEL, {"input": data}))["cancelOrder"]
    assert result["__typename"] == "CancelOrderSuccess", result
    assert order["cancelled_at"] and order["cancel_reason"] == "customer"
    assert sandbox.graphql.fields["query job"] >= 1  # polled until done
    assert (await gw.data(ORDER, {"id": _order_id(order)}))["order"]["status"] == "CANCELLED"
    assert _mutations(sandbox) == {"orderCancel": 1} and _rest_writes(sandbox) == []


async def test_fulfil_through_fulfillment_orders(shop: Shop) -> None:
    sandbox, gw = shop
    order = _order(sandbox)
    line = order["line_items"][0]
    data = {
        "orderId": _order_id(order),
        "lines": [{"lineItemId": str(line["id"]), "quantity": 1}],
        "trackingCompany": "UPS",
        "trackingNumber": "1ZG1",
    }
    result = (await gw.data(FULFIL, {"input": data}))["createFulfillment"]
    assert result["__typename"] == "CreateFulfillmentSuccess", result
    assert result["trackingNumber"] == "1ZG1"
    assert result["lines"] == [{"lineItemId": str(line["id"]), "quantity": 1}]
    read = (await gw.data(ORDER, {"id": _order_id(order)}))["order"]
    assert read["fulfillmentStatus"] == "PARTIALLY_FULFILLED"
    assert _mutations(sandbox) == {"fulfillmentCreate": 1}


async def test_refund_against_the_suggested_payment_once_per_key(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox, gw = shop
    order = _order(sandbox)
    line = order["line_items"][0]
    sandbox.writes.fail_after_apply.append(503)  # refund created, answer lost
    data = {
        "orderId": _order_id(order),
        "lines": [{"lineItemId": str(line["id"]), "quantity": 1, "restock": False}],
        "amount": "5.00",
        "reason": "damaged",
    }
    with caplog.at_level(logging.INFO, logger="cartgraph.writes"):
        result = (await gw.data(REFUND, {"input": data, "key": "refund-g"}))["createRefund"]
    assert result["__typename"] == "CreateRefundSuccess", result
    assert Decimal(result["amount"]) == Decimal("5.00")
    assert sandbox.writes.count(f"refund:{order['id']}") == 1
    assert len(order["refunds"]) == 1
    assert f"{TAG_PREFIX}refund-g" in order["refunds"][0]["note"]
    assert _mutations(sandbox) == {"refundCreate": 2}  # re-sent with the same key
    assert "was deduplicated by Shopify" in caplog.text
    read = (await gw.data(ORDER, {"id": _order_id(order)}))["order"]
    assert read["financialStatus"] == "PARTIALLY_REFUNDED"


CAS = """mutation($input: SetInventoryInput!) { setInventory(input: $input) { __typename
  ... on StockChanged { expectedAvailable available message operation { status } }
  ... on SetInventorySuccess { inventoryLevel { available } } } }"""
CAS_ADJUST = """mutation($input: AdjustInventoryInput!) { adjustInventory(input: $input) {
  __typename ... on StockChanged { expectedAvailable available }
  ... on AdjustInventorySuccess { inventoryLevel { available } } } }"""


async def test_expected_available_is_shopifys_change_from_quantity(shop: Shop) -> None:
    sandbox, gw = shop
    stock = first_stock(sandbox, STORE, 2)
    target = {"variantId": stock["variantId"], "locationId": stock["locationId"]}
    now = stock["available"]
    stale = {**target, "available": 9, "expectedAvailable": now + 1}
    refused = (await gw.data(CAS, {"input": stale}))["setInventory"]
    assert refused == {
        "__typename": "StockChanged",
        "expectedAvailable": now + 1,
        "available": now,
        "message": refused["message"],
        "operation": {"status": "QUARANTINED"},
    }
    assert f"is {now}, not the expected {now + 1}" in refused["message"]
    assert sandbox.writes.applied == []  # refused by Shopify itself: the mutation was sent
    assert _mutations(sandbox) == {"inventorySetQuantities": 1}
    fresh = {**target, "available": 9, "expectedAvailable": now}
    assert (await gw.data(CAS, {"input": fresh}))["setInventory"]["inventoryLevel"] == {
        "available": 9
    }
    moved = {**target, "delta": 2, "expectedAvailable": 9}
    assert (await gw.data(CAS_ADJUST, {"input": moved}))["adjustInventory"] == {
        "__typename": "AdjustInventorySuccess",
        "inventoryLevel": {"available": 11},
    }
    sent = sandbox.graphql.extras["idempotency"]
    rows = [r.fingerprint for r in sent.values()]
    assert sum('"changeFromQuantity": 9' in r for r in rows) == 1  # sent as Shopify's CAS


async def test_unkeyed_writes_in_doubt_are_found_on_the_order_not_resent(shop: Shop) -> None:
    sandbox, gw = shop
    order = _order(sandbox)
    line = order["line_items"][0]
    sandbox.writes.fail_after_apply.append(503)  # shipped, answer lost
    data = {
        "orderId": _order_id(order),
        "lines": [{"lineItemId": str(line["id"]), "quantity": 1}],
        "trackingNumber": "1ZLOST",
    }
    shipped = (await gw.data(FULFIL, {"input": data}))["createFulfillment"]
    assert shipped["__typename"] == "CreateFulfillmentSuccess", shipped
    assert shipped["trackingNumber"] == "1ZLOST"
    sandbox.writes.fail_after_apply.append(503)  # cancelled, answer lost
    cancel = {"orderId": _order_id(order), "reason": "other"}
    cancelled = (await gw.data(CANCEL, {"input": cancel}))["cancelOrder"]
    assert cancelled["__typename"] == "CancelOrderSuccess", cancelled
    # each sent once: the reconcile read the order and found the first attempt's effect
    assert _mutations(sandbox) == {"fulfillmentCreate": 1, "orderCancel": 1}
    assert sandbox.writes.count(f"fulfil:{order['id']}") == 1
    assert sandbox.writes.count(f"cancel:{order['id']}") == 1
