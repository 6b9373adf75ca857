"""createFulfillment / createRefund on Shopify (fulfillment orders, tagged refunds) and the
UNSUPPORTED_ON_PLATFORM answers where a platform has no API."""

from __future__ import annotations

from typing import Any

from platforms.ids import Kind, encode_id
from platforms.sandbox.kit import serve
from platforms.woocommerce.sandbox.app import WooCommerceSandbox
from platforms.writes.commands import TAG_PREFIX
from tests.gateway.writes.conftest import ShopA, StartWrites

FULFIL = """mutation($input: CreateFulfillmentInput!, $key: String) {
  createFulfillment(input: $input, idempotencyKey: $key) { __typename
    ... on CreateFulfillmentSuccess { fulfillmentId trackingNumber lines { lineItemId quantity } }
    ... on WriteFailed { code message } ... on UnsupportedOnPlatform { message } } }"""
REFUND = """mutation($input: CreateRefundInput!, $key: String) {
  createRefund(input: $input, idempotencyKey: $key) { __typename
    ... on CreateRefundSuccess { refundId amount lines { lineItemId quantity } }
    ... on WriteFailed { code message } } }"""
ADJUST = """mutation($input: AdjustInventoryInput!) { adjustInventory(input: $input) {
  __typename ... on UnsupportedOnPlatform { message } } }"""
ORDER = """query($id: ID!) { order(id: $id) { fulfillmentStatus financialStatus } }"""


def _open_unfulfilled(orders: list[dict[str, Any]]) -> dict[str, Any]:
    return next(
        o
        for o in orders
        if not o.get("cancelled_at")
        and all(li["fulfillable_quantity"] for li in o["line_items"])
        and len(o["line_items"]) >= 2
    )


async def test_shopify_partial_fulfillment_applies_once(shop_a: ShopA) -> None:
    sandbox, gw = shop_a
    order = _open_unfulfilled(sandbox.state.orders)
    line = order["line_items"][0]
    variables = {
        "input": {
            "orderId": encode_id("shop-a", Kind.ORDER, str(order["id"])),
            "lines": [{"lineItemId": str(line["id"]), "quantity": 1}],
            "trackingCompany": "UPS",
            "trackingNumber": "1Z999",
        },
        "key": "ship-1",
    }
    first = (await gw.data(FULFIL, variables))["createFulfillment"]
    assert first["__typename"] == "CreateFulfillmentSuccess", first
    assert first["trackingNumber"] == "1Z999"
    assert first["lines"] == [{"lineItemId": str(line["id"]), "quantity": 1}]
    assert (await gw.data(FULFIL, variables))["createFulfillment"] == first
    assert sandbox.writes.count(f"fulfil:{order['id']}") == 1
    read = (await gw.data(ORDER, {"id": variables["input"]["orderId"]}))["order"]
    assert read["fulfillmentStatus"] == "PARTIALLY_FULFILLED"


async def test_shopify_refund_is_tagged_and_reconciled_after_lost_answer(shop_a: ShopA) -> None:
    sandbox, gw = shop_a
    order = next(o for o in sandbox.state.orders if o["financial_status"] == "paid")
    line = order["line_items"][0]
    sandbox.writes.fail_after_apply.append(503)  # refund created, answer lost
    variables = {
        "input": {
            "orderId": encode_id("shop-a", Kind.ORDER, str(order["id"])),
            "lines": [{"lineItemId": str(line["id"]), "quantity": 1, "restock": False}],
            "amount": "5.00",
            "reason": "damaged",
        },
        "key": "refund-1",
    }
    result = (await gw.data(REFUND, variables))["createRefund"]
    assert result["__typename"] == "CreateRefundSuccess", result
    assert result["amount"] == "5.00"
    assert sandbox.writes.count(f"refund:{order['id']}") == 1  # found by its tag, not re-sent
    notes = [r["note"] for r in order["refunds"]]
    assert any(f"{TAG_PREFIX}refund-1" in str(n) for n in notes)
    read = (await gw.data(ORDER, {"id": variables["input"]["orderId"]}))["order"]
    assert read["financialStatus"] == "PARTIALLY_REFUNDED"


async def test_woocommerce_unsupported_operations(start_writes: StartWrites) -> None:
    sandbox = WooCommerceSandbox(seed=2, orders=10, products=5)
    async with serve(sandbox.app) as url:
        gw = await start_writes([sandbox.connection("woo", url)])
        order_id = encode_id("woo", Kind.ORDER, str(next(iter(sandbox.state.orders))))
        shipped = (await gw.data(FULFIL, {"input": {"orderId": order_id}}))["createFulfillment"]
        assert shipped["__typename"] == "UnsupportedOnPlatform"
        variant = next(iter(sandbox.state.products))
        elsewhere = {
            "variantId": encode_id("woo", Kind.VARIANT, str(variant)),
            "locationId": encode_id("woo", Kind.LOCATION, "warehouse-2"),
            "delta": 1,
        }
        result = (await gw.data(ADJUST, {"input": elsewhere}))["adjustInventory"]
        assert result["__typename"] == "UnsupportedOnPlatform"
        assert "one stock figure" in result["message"]
