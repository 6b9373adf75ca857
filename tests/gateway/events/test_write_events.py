"""Writes through the gateway notify like a real store: the sandbox sends the platform's
webhooks for them, and the event feed turns a cancelOrder into an ORDER_CANCELLED event."""

from __future__ import annotations

from typing import Any

import pytest

from platforms.ids import Kind, encode_id
from tests.gateway.events.conftest import ORDER_EVENTS, StartFeed, subscription, take, until

CANCEL = """mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { __typename
  ... on WriteFailed { code message } } }"""
REFUND = """mutation($input: CreateRefundInput!) { createRefund(input: $input) { __typename
  ... on WriteFailed { code message } } }"""
ADJUST = """mutation($input: AdjustInventoryInput!) { adjustInventory(input: $input) {
  __typename ... on WriteFailed { code message } } }"""


def _open_order(platform: str, sandbox: Any) -> str:
    if platform == "shopify":
        return str(next(o["id"] for o in sandbox.state.orders if not o.get("cancelled_at")))
    return str(next(i for i, o in sandbox.state.orders.items() if o["status"] == "processing"))


@pytest.mark.parametrize("platform", ["shopify", "woocommerce"])
async def test_cancel_mutation_reaches_subscribers_as_order_cancelled(
    start_feed: StartFeed, platform: str
) -> None:
    feed = await start_feed({"store-a": platform})
    await feed.deliver_webhooks("store-a")
    sandbox = feed.sandboxes["store-a"][0]
    order = _open_order(platform, sandbox)
    bus = feed.service.bus
    async with subscription(
        feed.ws_url,
        ORDER_EVENTS,
        {"stores": ["store-a"], "types": ["ORDER_CANCELLED"]},
        subscribed=lambda: bus.subscriber_count == 1,
    ) as events:
        variables = {"input": {"orderId": encode_id("store-a", Kind.ORDER, order)}}
        body = await feed.query(CANCEL, variables)
        assert body["data"]["cancelOrder"]["__typename"] == "CancelOrderSuccess", body
        [result] = await take(events, 1)
    event = result["orderEvents"]
    assert event["type"] == "ORDER_CANCELLED"
    assert event["source"] == "WEBHOOK"
    assert event["order"]["externalId"] == order
    assert event["order"]["status"] == "CANCELLED"


async def test_shopify_refund_and_stock_writes_send_their_topics(start_feed: StartFeed) -> None:
    feed = await start_feed({"store-a": "shopify"})
    await feed.deliver_webhooks("store-a")
    sandbox = feed.sandboxes["store-a"][0]
    order = next(o for o in sandbox.state.orders if o["financial_status"] == "paid")
    refund = {"orderId": encode_id("store-a", Kind.ORDER, str(order["id"])), "amount": "2.00"}
    body = await feed.query(REFUND, {"input": refund})
    assert body["data"]["createRefund"]["__typename"] == "CreateRefundSuccess", body

    (item, location), _ = sorted(sandbox.state.inventory_levels.items())[0]
    variant = next(v for v in sandbox.state.variants() if v["inventory_item_id"] == item)
    stock = {
        "variantId": encode_id("store-a", Kind.VARIANT, str(variant["id"])),
        "locationId": encode_id("store-a", Kind.LOCATION, str(location)),
        "delta": 2,
    }
    body = await feed.query(ADJUST, {"input": stock})
    assert body["data"]["adjustInventory"]["__typename"] == "AdjustInventorySuccess", body

    records = sandbox.webhooks.sender.records
    await until(lambda: len(records) >= 3 and all(r.statuses for r in records))
    assert [r.topic for r in records] == [
        "refunds/create",
        "orders/updated",
        "inventory_levels/update",
    ]
    assert all(r.statuses == [202] for r in records)  # accepted at the first delivery
