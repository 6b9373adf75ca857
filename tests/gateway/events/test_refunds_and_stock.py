"""REFUND_CREATED for every refund (not only the first), and WooCommerce stock as
INVENTORY_CHANGED from `product.updated` webhooks, through real subscriptions."""

from __future__ import annotations

import pytest

from platforms.ids import Kind, encode_id
from tests.gateway.events.conftest import (
    INVENTORY_EVENTS,
    ORDER_EVENTS,
    StartFeed,
    placed_id,
    quiet,
    subscription,
    take,
)


@pytest.mark.parametrize("platform", ["shopify", "woocommerce", "magento"])
async def test_each_partial_refund_is_its_own_refund_created(
    start_feed: StartFeed, platform: str
) -> None:
    # Magento OSS sends no webhooks: its refunds are seen by polling (total_refunded grows).
    feed = await start_feed({"s1": platform}, poll_interval=0.3 if platform == "magento" else 0)
    if platform != "magento":
        await feed.deliver_webhooks("s1")
    bus = feed.service.bus
    async with subscription(
        feed.ws_url, ORDER_EVENTS, {"stores": ["s1"]}, subscribed=lambda: bus.subscriber_count == 1
    ) as stream:
        oid = placed_id(await feed.sandbox_post("s1", "/orders", {}))
        seen = await take(stream, 1)
        for action in ("partial_refund", "partial_refund", "update"):
            await feed.sandbox_post("s1", f"/orders/{oid}", {"action": action})
            seen += await take(stream, 1)
        assert await quiet(stream) == []

    events = [r["orderEvents"] for r in seen]
    assert [e["order"]["externalId"] for e in events] == [oid] * 4
    assert [e["type"] for e in events] == [
        "ORDER_CREATED",
        "REFUND_CREATED",
        "REFUND_CREATED",  # the second partial refund: formerly ORDER_UPDATED
        "ORDER_UPDATED",  # a change that adds no refund is not one
    ]


async def test_woocommerce_stock_changes_are_inventory_events(start_feed: StartFeed) -> None:
    feed = await start_feed({"woo": "woocommerce"})
    await feed.deliver_webhooks("woo")
    sandbox = feed.sandboxes["woo"][0]
    watched = min(sandbox.state.variations)  # a variation: its own id is the inventory item
    other = min(p for p, row in sandbox.state.products.items() if row["type"] == "simple")
    bus = feed.service.bus
    variables = {"variants": [encode_id("woo", Kind.VARIANT, str(watched))]}
    async with subscription(
        feed.ws_url, INVENTORY_EVENTS, variables, subscribed=lambda: bus.subscriber_count == 1
    ) as stream:
        for product_id, quantity in ((other, 3), (watched, 5), (watched, 5), (watched, 9)):
            await feed.sandbox_post(
                "woo", f"/products/{product_id}/stock", {"stock_quantity": quantity}
            )
        seen = await take(stream, 2)
        assert await quiet(stream) == []  # the unchanged 5 and the other product: nothing

    events = [r["inventoryEvents"] for r in seen]
    assert {(e["type"], e["storeId"], e["source"]) for e in events} == {
        ("INVENTORY_CHANGED", "woo", "WEBHOOK")
    }
    levels = [e["inventoryLevel"] for e in events]
    assert [lv["available"] for lv in levels] == [5, 9]
    assert {lv["inventoryItemId"] for lv in levels} == {str(watched)}
    assert all(lv["location"]["name"] for lv in levels)
