"""Acceptance 1: an order placed in a sandbox reaches a WebSocket subscriber, once."""

from __future__ import annotations

import pytest

from tests.gateway.events.conftest import (
    ORDER_EVENTS,
    StartFeed,
    placed_id,
    quiet,
    subscription,
    take,
)


@pytest.mark.parametrize(
    ("platform", "subprotocol"),
    [
        ("woocommerce", "graphql-transport-ws"),
        ("shopify", "graphql-transport-ws"),
        ("shopify", "graphql-ws"),
    ],
)
async def test_placed_order_reaches_subscriber_once(
    start_feed: StartFeed, platform: str, subprotocol: str
) -> None:
    feed = await start_feed({"store-a": platform})
    await feed.deliver_webhooks("store-a", duplicate=1.0, seed=3)  # every delivery sent twice
    bus = feed.service.bus
    async with subscription(
        feed.ws_url,
        ORDER_EVENTS,
        {"stores": ["store-a"]},
        subprotocol=subprotocol,
        subscribed=lambda: bus.subscriber_count == 1,
    ) as events:
        placed = await feed.sandbox_post("store-a", "/orders", {})
        [result] = await take(events, 1)
        event = result["orderEvents"]
        assert event["type"] == "ORDER_CREATED"
        assert event["source"] == "WEBHOOK"
        assert event["storeId"] == "store-a"
        assert event["order"]["externalId"] == placed_id(placed)
        assert await quiet(events) == []  # the duplicate delivery produced nothing
