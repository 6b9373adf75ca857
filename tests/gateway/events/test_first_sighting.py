"""An order first seen in a later state yields every transition to it, each its own event."""

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

HOUR = 3600.0  # the poll loop's own timer never fires in a test: polls are run by hand


@pytest.mark.parametrize("platform", ["shopify", "woocommerce", "magento"])
async def test_created_then_cancelled_before_first_sighting_is_both_events(
    start_feed: StartFeed, platform: str
) -> None:
    feed = await start_feed({"s1": platform}, poll_interval=HOUR)
    await feed.service.poll_now("s1")  # the baseline, before the order exists
    bus = feed.service.bus
    variables = {"stores": ["s1"], "types": ["ORDER_CREATED", "ORDER_CANCELLED"]}
    async with subscription(
        feed.ws_url, ORDER_EVENTS, variables, subscribed=lambda: bus.subscriber_count == 1
    ) as stream:
        oid = placed_id(await feed.sandbox_post("s1", "/orders", {}))
        await feed.sandbox_post("s1", f"/orders/{oid}", {"action": "cancel"})
        assert await feed.service.poll_now("s1") == 2  # one sighting, two transitions
        events = [r["orderEvents"] for r in await take(stream, 2)]
        assert await quiet(stream) == []
    assert [e["type"] for e in events] == ["ORDER_CREATED", "ORDER_CANCELLED"]
    assert events[0]["sequence"] < events[1]["sequence"]
    assert events[0]["id"] != events[1]["id"]
    assert {e["order"]["externalId"] for e in events} == {oid}
    assert events[1]["order"]["status"] == "CANCELLED"


async def test_fulfilled_and_refunded_before_first_sighting_is_every_transition(
    start_feed: StartFeed,
) -> None:
    feed = await start_feed({"s1": "shopify"}, poll_interval=HOUR)
    await feed.service.poll_now("s1")
    bus = feed.service.bus
    async with subscription(
        feed.ws_url, ORDER_EVENTS, {"stores": ["s1"]}, subscribed=lambda: bus.subscriber_count == 1
    ) as stream:
        oid = placed_id(await feed.sandbox_post("s1", "/orders", {}))
        for action in ("fulfill", "partial_refund"):
            await feed.sandbox_post("s1", f"/orders/{oid}", {"action": action})
        await feed.service.poll_now("s1")
        await feed.service.poll_now("s1")  # a repeat of the same version adds nothing
        events = [r["orderEvents"] for r in await take(stream, 3)]
        assert await quiet(stream) == []
    assert [e["type"] for e in events] == ["ORDER_CREATED", "ORDER_FULFILLED", "REFUND_CREATED"]
