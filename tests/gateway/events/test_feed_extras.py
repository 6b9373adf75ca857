"""Inventory events filtered by variant, feed status (sync lag), and bad cursors."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from platforms.ids import Kind, encode_id
from resolvers.subscriptions import encode_cursor
from tests.gateway.events.conftest import (
    INVENTORY_EVENTS,
    SECRET,
    WAIT,
    StartFeed,
    subscription,
    take,
    until,
)

STATUS = """{ eventFeedStatus { storeId webhooks pollIntervalSeconds syncLagSeconds
  lastEventAt lastPollAt lastPollError } }"""


async def test_inventory_events_only_for_the_subscribed_variant(start_feed: StartFeed) -> None:
    feed = await start_feed({"shop": "shopify"})
    sandbox = feed.sandboxes["shop"][0]
    watched, other = (
        sandbox.state.products[0]["variants"][0],
        sandbox.state.products[1]["variants"][0],
    )
    location = sandbox.state.locations[0]["id"]
    emitter = sandbox.webhooks
    bus = feed.service.bus
    variant_id = encode_id("shop", Kind.VARIANT, str(watched["id"]))
    async with subscription(
        feed.ws_url,
        INVENTORY_EVENTS,
        {"variants": [variant_id]},
        subscribed=lambda: bus.subscriber_count == 1,
    ) as stream:
        for n, variant in enumerate((other, watched)):
            body = orjson.dumps(
                {
                    "inventory_item_id": variant["inventory_item_id"],
                    "location_id": location,
                    "available": 7 + n,
                    "updated_at": f"2026-11-20T10:00:0{n}-05:00",
                    "admin_graphql_api_id": "gid://shopify/InventoryLevel/1?inventory_item_id=1",
                }
            )
            headers = emitter._headers(
                "inventory_levels/update", body, emitter.sender.new_id(), SECRET
            )
            async with feed.session.post(
                feed.webhook_url("shop"), data=body, headers=headers
            ) as resp:
                assert resp.status == 202
        [result] = await take(stream, 1)
    event = result["inventoryEvents"]
    assert event["type"] == "INVENTORY_CHANGED"
    level = event["inventoryLevel"]
    assert level["inventoryItemId"] == str(watched["inventory_item_id"])
    assert level["available"] == 8
    assert level["location"]["name"] == sandbox.state.locations[0]["name"]


async def test_feed_status_reports_sync_lag(start_feed: StartFeed) -> None:
    feed = await start_feed({"woo": "woocommerce", "mage": "magento"}, poll_interval=3600)
    await feed.deliver_webhooks("woo")
    before = await feed.query(STATUS)
    assert before["data"]["eventFeedStatus"] == [
        {
            "storeId": "woo",
            "webhooks": True,
            "pollIntervalSeconds": 3600.0,
            "syncLagSeconds": None,
            "lastEventAt": None,
            "lastPollAt": before["data"]["eventFeedStatus"][0]["lastPollAt"],
            "lastPollError": None,
        },
        {
            "storeId": "mage",
            "webhooks": False,
            "pollIntervalSeconds": 3600.0,
            "syncLagSeconds": None,
            "lastEventAt": None,
            "lastPollAt": before["data"]["eventFeedStatus"][1]["lastPollAt"],
            "lastPollError": None,
        },
    ]
    assert all(s["lastPollAt"] for s in before["data"]["eventFeedStatus"])  # baselines ran
    await feed.sandbox_post("woo", "/orders", {})
    await feed.sandbox_post("mage", "/orders", {})
    await feed.service.poll_now("mage")
    await until(lambda: feed.service.processor.processed == 1)
    after = (await feed.query(STATUS))["data"]["eventFeedStatus"]
    assert all(s["lastEventAt"] is not None and s["syncLagSeconds"] >= 0 for s in after)


# the second: a log position past SQLite's INTEGER (an OverflowError, INTERNAL, before)
@pytest.mark.parametrize("cursor", ["not-a-cursor", encode_cursor(2**63)])
async def test_bad_cursor_is_a_typed_error(start_feed: StartFeed, cursor: str) -> None:
    feed = await start_feed({"woo": "woocommerce"})
    query = f'subscription {{ orderEvents(after: "{cursor}") {{ id }} }}'
    async with subscription(feed.ws_url, query, {}) as stream:
        item = await asyncio.wait_for(stream.get(), WAIT)
    [payload] = item["__error__"].errors
    assert payload["extensions"]["code"] == "BAD_USER_INPUT"
