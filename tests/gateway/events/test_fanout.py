"""Fan-out to many live subscribers: every event once, in order, only within scope."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from typing import Any

import pytest
from graphql.execution.collect_fields import CollectedFields

from platforms.events import StoredEvent
from tests.gateway.events.conftest import (
    ORDER_EVENTS,
    StartFeed,
    placed_id,
    quiet,
    subscription,
    take,
)

SUBSCRIBERS = 50
# a second selection: subscribers of one event must not see each other's shape
NUMBERS = """subscription ($stores: [ID!]) {
  orderEvents(storeIds: $stores) { sequence order { externalId totalPrice { amount } } }
}"""


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count validations of stored order payloads (one list item per call)."""
    calls: list[int] = []
    parse = StoredEvent.order

    def counted(self: StoredEvent) -> Any:
        calls.append(self.sequence)
        return parse(self)

    monkeypatch.setattr(StoredEvent, "order", counted)
    return calls


async def test_many_subscribers_get_every_event_once_in_order_and_only_their_store(
    start_feed: StartFeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = await start_feed({"a": "shopify", "b": "shopify"})
    for store in ("a", "b"):
        await feed.deliver_webhooks(store)
    bus = feed.service.bus
    parses = _count_parses(monkeypatch)
    async with contextlib.AsyncExitStack() as stack:
        streams = []
        for n in range(SUBSCRIBERS):
            query = NUMBERS if n % 5 == 0 else ORDER_EVENTS
            streams.append(
                await stack.enter_async_context(
                    subscription(feed.ws_url, query, {"stores": ["a"]}, subscribed=_live(bus, n))
                )
            )
        other = await stack.enter_async_context(
            subscription(
                feed.ws_url,
                ORDER_EVENTS,
                {"stores": ["b"]},
                subscribed=_live(bus, SUBSCRIBERS),
            )
        )
        placed = [placed_id(await feed.sandbox_post("a", "/orders", {})) for _ in range(3)]
        received = await asyncio.gather(*(take(s, 3) for s in streams))
        only_b = placed_id(await feed.sandbox_post("b", "/orders", {}))
        [b_event] = await take(other, 1)
        extras = await asyncio.gather(*(quiet(s, 0.3) for s in [*streams, other]))

    events = [[r["orderEvents"] for r in results] for results in received]
    sequences = [e["sequence"] for e in events[1]]
    assert sequences == sorted(set(sequences))  # in log order, no repeats
    assert {e["order"]["externalId"] for e in events[1]} == set(placed)
    for n, got in enumerate(events):
        assert [e["sequence"] for e in got] == sequences, n
        assert [e["order"]["externalId"] for e in got] == [
            e["order"]["externalId"] for e in events[1]
        ]
        if n % 5 == 0:
            assert set(got[0]) == {"sequence", "order"}
            assert set(got[0]["order"]) == {"externalId", "totalPrice"}
        else:
            assert {e["storeId"] for e in got} == {"a"}
    assert b_event["orderEvents"]["storeId"] == "b"
    assert b_event["orderEvents"]["order"]["externalId"] == only_b
    assert extras == [[]] * (SUBSCRIBERS + 1)  # nothing more, and nothing of a's reached b
    # the stored payload was validated once per event, not once per subscriber
    assert sorted(parses) == sorted({*sequences, b_event["orderEvents"]["sequence"]})


async def test_a_long_subscription_does_not_grow_with_the_events_it_receives(
    start_feed: StartFeed,
) -> None:
    feed = await start_feed({"a": "shopify"})
    await feed.deliver_webhooks("a")
    bus = feed.service.bus
    async with contextlib.AsyncExitStack() as stack:
        streams = [
            await stack.enter_async_context(
                subscription(feed.ws_url, ORDER_EVENTS, {"stores": ["a"]}, subscribed=_live(bus, n))
            )
            for n in range(5)
        ]

        async def deliver(count: int) -> None:
            for _ in range(count):
                await feed.sandbox_post("a", "/orders", {})
            await asyncio.gather(*(take(s, count) for s in streams))

        await deliver(2)  # warm: first-use caches fill here
        before = _live_field_memos()
        await deliver(10)
        after = _live_field_memos()
    # graphql-core kept ~40 objects per subscriber per event (2 of them CollectedFields
    # for this selection) until the subscription ended: 100 more after these 10 events.
    assert after - before < 10


def _live(bus: Any, n: int) -> Any:
    return lambda: bus.subscriber_count == n + 1


def _live_field_memos() -> int:
    gc.collect()
    return sum(isinstance(o, CollectedFields) for o in gc.get_objects())
