"""BigCommerce webhooks through the gateway's receiver (issue 20, acceptance 4): a bad
signature, a stale timestamp or a replayed `webhook-id` is refused or deduplicated and leaves
nothing stored; a good thin delivery has the gateway read the order it names."""

from __future__ import annotations

import asyncio
import time

from platforms.bigcommerce.sandbox.webhooks import thin_body
from platforms.bigcommerce.webhooks import TOLERANCE_SECONDS, sign
from tests.gateway.events.conftest import (
    ORDER_EVENTS,
    SECRET,
    Feed,
    StartFeed,
    subscription,
    take,
)


def _counts(feed: Feed) -> dict[str, int]:
    return {
        t: feed.backend.count(feed.data_dir, t) for t in ("receipts", "events", "object_versions")
    }


def _headers(
    body: bytes, secret: str, message_id: str = "msg_1", at: float | None = None
) -> dict[str, str]:
    stamp = int(time.time() if at is None else at)
    return {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(secret, message_id, stamp, body),
    }


async def _post(feed: Feed, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    async with feed.session.post(feed.webhook_url("bc"), data=body, headers=headers) as resp:
        return resp.status, await resp.json()


async def test_forged_stale_or_unsigned_deliveries_are_refused_and_leave_nothing(
    start_feed: StartFeed,
) -> None:
    feed = await start_feed({"bc": "bigcommerce"})
    order = min(feed.sandboxes["bc"][0].state.orders)
    body = thin_body("store/order/updated", {"type": "order", "id": order}, int(time.time()))
    stale = time.time() - TOLERANCE_SECONDS - 5
    unsigned = {k: v for k, v in _headers(body, SECRET).items() if k != "webhook-signature"}
    bad = [
        _headers(body, "whsec_" + "d3Jvbmc=", "msg_forged"),  # another key
        _headers(body, SECRET, "msg_stale", at=stale),  # signed, but too old to trust
        _headers(body, SECRET, "msg_future", at=time.time() + TOLERANCE_SECONDS + 60),
        unsigned,
        {**_headers(body, SECRET), "webhook-id": "msg_other"},  # the id is signed too
    ]
    for headers in bad:
        assert (await _post(feed, body, headers))[0] == 401, headers
    altered = body.replace(str(order).encode(), str(order + 1).encode(), 1)
    assert (await _post(feed, altered, _headers(body, SECRET)))[0] == 401
    assert _counts(feed) == {"receipts": 0, "events": 0, "object_versions": 0}


async def test_a_replayed_delivery_is_stored_once(start_feed: StartFeed) -> None:
    feed = await start_feed({"bc": "bigcommerce"})
    order = min(feed.sandboxes["bc"][0].state.orders)
    body = thin_body("store/order/updated", {"type": "order", "id": order}, int(time.time()))

    first = await _post(feed, body, _headers(body, SECRET, "msg_a"))
    again = await _post(feed, body, _headers(body, SECRET, "msg_a"))  # a replay, re-timed
    retried = await _post(feed, body, _headers(body, SECRET, "msg_b"))  # same event (hash)

    assert first[0] == 202 and first[1]["status"] == "accepted"
    assert again == (202, {"status": "duplicate delivery"}) == retried
    assert _counts(feed)["receipts"] == 1


async def test_a_placed_order_arrives_as_a_thin_webhook_and_is_read_from_the_store(
    start_feed: StartFeed,
) -> None:
    feed = await start_feed({"bc": "bigcommerce"})
    await feed.deliver_webhooks("bc")
    bus = feed.service.bus
    async with subscription(
        feed.ws_url, ORDER_EVENTS, {"stores": ["bc"]}, subscribed=lambda: bus.subscriber_count >= 1
    ) as events:
        placed = await feed.sandbox_post("bc", "/orders", {})
        [got] = await take(events, 1)

    event = got["orderEvents"]
    assert (event["type"], event["source"]) == ("ORDER_CREATED", "WEBHOOK")
    assert event["order"]["externalId"] == str(placed["id"])
    sent = feed.sandboxes["bc"][0].webhooks.sender.records[-1]
    assert sent.topic == "store/order/created" and sent.statuses == [202]


async def _post_together(feed: Feed, orders: list[int], prefix: str) -> None:
    now = int(time.time())
    bodies = [
        thin_body("store/order/updated", {"type": "order", "id": o}, now + i)
        for i, o in enumerate(orders)
    ]
    answers = await asyncio.gather(
        *(_post(feed, b, _headers(b, SECRET, f"{prefix}_{i}")) for i, b in enumerate(bodies))
    )
    assert [status for status, _ in answers] == [202] * len(orders)
    await feed.service.processor.idle()


async def test_thin_deliveries_arriving_together_cost_one_batched_read(
    start_feed: StartFeed,
) -> None:
    feed = await start_feed({"bc": "bigcommerce"})
    sandbox = feed.sandboxes["bc"][0]
    orders = sorted(sandbox.state.orders)[:8]
    sandbox.calls.reset()

    await _post_together(feed, orders, "msg_batch")

    # eight thin webhooks, one `GET /v2/orders?min_id=&max_id=` for all of them
    [(route, calls)] = sandbox.calls.by_route.items()
    assert route.startswith("GET /stores/") and route.endswith("/v2/orders") and calls == 1
    assert await feed.service.log.pending_receipts() == []
    rows = feed.backend.rows(feed.data_dir, "SELECT object_id FROM events ORDER BY object_id")
    assert sorted(r[0] for r in rows) == sorted(str(o) for o in orders)  # each exactly once
    assert feed.service.processor.processed == len(orders)

    await _post_together(feed, orders[:3], "msg_again")  # same orders, unchanged: no events
    assert feed.backend.count(feed.data_dir, "events") == len(orders)


async def test_a_failed_batched_read_quarantines_each_of_its_receipts_once(
    start_feed: StartFeed,
) -> None:
    feed = await start_feed({"bc": "bigcommerce"})
    sandbox = feed.sandboxes["bc"][0]
    orders = sorted(sandbox.state.orders)[:4]
    sandbox.faults.fail_next(403)  # permanent: the token lost its orders scope

    await _post_together(feed, orders, "msg_refused")

    letters = feed.backend.rows(feed.data_dir, "SELECT receipt_id FROM dead_letters")
    assert sorted(r[0] for r in letters) == list(range(1, len(orders) + 1))
    assert feed.backend.count(feed.data_dir, "events") == 0
    assert await feed.service.log.pending_receipts() == []
