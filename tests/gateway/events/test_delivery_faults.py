"""Acceptance 2: duplicated, reordered and dropped webhooks plus polling -> every change once."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from tests.gateway.events.conftest import (
    ORDER_EVENTS,
    Feed,
    StartFeed,
    placed_id,
    quiet,
    subscription,
    take,
)

ORDERS = 8
FINAL = {
    0: ("cancel", "ORDER_CANCELLED"),
    1: ("fulfill", "ORDER_FULFILLED"),
    2: ("refund", "REFUND_CREATED"),
}


async def _settle(feed: Feed, store_id: str) -> None:
    """Let every in-flight delivery land and one more poll run, so late ones could show up."""
    sandbox = feed.sandboxes[store_id][0]
    sender = getattr(getattr(sandbox, "webhooks", None), "sender", None)
    if sender is not None:
        await sender.drain()
    await feed.service.processor.idle()
    await feed.service.poll_now(store_id)


@pytest.mark.parametrize("platform", ["shopify", "woocommerce", "magento", "bigcommerce"])
async def test_every_change_exactly_once_in_version_order(
    start_feed: StartFeed, platform: str
) -> None:
    feed = await start_feed({"s1": platform}, poll_interval=0.3)
    if platform != "magento":  # Magento OSS sends no webhooks: polling alone must suffice
        await feed.deliver_webhooks(
            "s1", duplicate=0.3, reorder=0.3, drop=0.3, delay_ms=[0, 150], seed=7
        )
    bus = feed.service.bus
    async with subscription(
        feed.ws_url, ORDER_EVENTS, {"stores": ["s1"]}, subscribed=lambda: bus.subscriber_count == 1
    ) as stream:
        ids = [placed_id(await feed.sandbox_post("s1", "/orders", {})) for _ in range(ORDERS)]
        seen = await take(stream, ORDERS)
        for oid in ids:
            await feed.sandbox_post("s1", f"/orders/{oid}", {"action": "update"})
        seen += await take(stream, ORDERS)
        for n, oid in enumerate(ids):
            await feed.sandbox_post("s1", f"/orders/{oid}", {"action": FINAL[n % 3][0]})
        seen += await take(stream, ORDERS)
        await _settle(feed, "s1")
        assert await quiet(stream) == []  # late duplicates and reordered deliveries: nothing

    events = [r["orderEvents"] for r in seen]
    assert len({e["id"] for e in events}) == len(events) == 3 * ORDERS
    by_order: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        by_order[event["order"]["externalId"]].append(event)
    assert sorted(by_order) == sorted(ids)
    for n, oid in enumerate(ids):
        history = by_order[oid]
        assert [e["type"] for e in history] == ["ORDER_CREATED", "ORDER_UPDATED", FINAL[n % 3][1]]
        versions = [e["order"]["updatedAt"] for e in history]
        assert versions == sorted(versions) and len(set(versions)) == 3
        assert [e["sequence"] for e in history] == sorted(e["sequence"] for e in history)
    sources = {e["source"] for e in events}
    if platform == "magento":
        assert sources == {"POLL"}
    else:
        records = feed.sandboxes["s1"][0].webhooks.sender.records
        assert any(r.dropped for r in records) and any(r.copies == 2 for r in records)
        assert "POLL" in sources  # dropped deliveries were filled in by the poller
