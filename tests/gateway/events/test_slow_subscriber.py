"""A subscriber that falls behind is cut off with a clear reason, never buffered forever."""

from __future__ import annotations

import asyncio

from tests.gateway.events.conftest import ORDER_EVENTS, WAIT, StartFeed, subscription


async def test_subscriber_past_its_buffer_is_disconnected_with_reason(
    start_feed: StartFeed,
) -> None:
    feed = await start_feed({"s1": "woocommerce"}, poll_interval=3600, buffer=4)
    bus = feed.service.bus
    async with subscription(
        feed.ws_url, ORDER_EVENTS, {"stores": ["s1"]}, subscribed=lambda: bus.subscriber_count == 1
    ) as stream:
        for _ in range(10):  # no webhooks: the next poll finds all ten at once
            await feed.sandbox_post("s1", "/orders", {})
        assert await feed.service.poll_now("s1") == 10
        item = await asyncio.wait_for(stream.get(), WAIT)
        error = item.get("__error__")
        assert error is not None, item
        assert "fell more than 4 events behind" in str(error)
        [payload] = error.errors  # gql's TransportQueryError: the server's GraphQL errors
        assert payload["extensions"]["code"] == "SUBSCRIBER_TOO_SLOW"
    assert bus.subscriber_count == 0  # its buffer is gone, not waiting for it to read
