"""The event log's contract on SQLite and PostgreSQL: dedupe by version, stable ids, atomic
checkpoints."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.events.log import Checkpoint, EventFilter, EventLog
from platforms.canonical import FinancialStatus, FulfillmentStatus, Order, OrderStatus
from platforms.events import Candidate, EventSource, EventType, candidate_of
from platforms.shopify.mapping.orders import map_order
from platforms.shopify.sandbox.app import ShopifySandbox
from tests.helpers.postgres import Backend

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _order(minutes: int, **changes: object) -> Order:
    payload = ShopifySandbox(seed=1, orders=5, products=5).state.orders[0]
    order = map_order(payload, store_id="s", shop_currency="USD")
    # an open, paid, unfulfilled order: each test names the state it changes
    base = {
        "status": OrderStatus.OPEN,
        "financial_status": FinancialStatus.PAID,
        "fulfillment_status": FulfillmentStatus.UNFULFILLED,
    }
    return order.model_copy(
        update={
            **base,
            "created_at": T0,
            "updated_at": T0 + timedelta(minutes=minutes),
            **changes,
        }
    )


@pytest.fixture
async def log(backend: Backend, tmp_path: Path) -> AsyncIterator[EventLog]:
    event_log = backend.event_log(tmp_path)
    yield event_log
    await event_log.aclose()


async def test_versions_dedupe_and_types_follow_state(log: EventLog) -> None:
    v0, v1 = _order(0), _order(5)
    cancelled = _order(9, status=OrderStatus.CANCELLED)
    fulfilled_late = _order(7, fulfillment_status=FulfillmentStatus.FULFILLED)

    def c(order: Order, source: EventSource = EventSource.WEBHOOK) -> Candidate:
        return candidate_of(order, source, now=T0)

    assert [e.type for e in await log.append([c(v0)])] == [EventType.ORDER_CREATED]
    assert await log.append([c(v0, EventSource.POLL)]) == []  # same change by poll: same id
    assert [e.type for e in await log.append([c(v1)])] == [EventType.ORDER_UPDATED]
    assert await log.append([c(v0)]) == []  # older than what was emitted
    assert [e.type for e in await log.append([c(cancelled)])] == [EventType.ORDER_CANCELLED]
    assert await log.append([c(fulfilled_late)]) == []  # late: not emitted as current state
    events = await log.read_after(0, EventFilter())
    assert [e.sequence for e in events] == [1, 2, 3]
    assert c(v0).event_id == c(v0, EventSource.POLL).event_id == events[0].event_id
    # recorded without a mapping version: produced by version 1 (docs/money.md)
    assert events[0].order() == v0.model_copy(update={"mapping_version": "1"})


async def test_checkpoint_moves_with_the_events(
    log: EventLog, backend: Backend, tmp_path: Path
) -> None:
    checkpoint = Checkpoint("s", "orders", "2026-11-01T12:05:00.000000Z")
    bad = dataclasses.replace(
        candidate_of(_order(1), EventSource.POLL, now=T0), payload={1: object()}
    )
    with pytest.raises(TypeError):
        await log.append(
            [candidate_of(_order(0), EventSource.POLL, now=T0), bad], checkpoint=checkpoint
        )
    assert await log.checkpoint("s", "orders") is None  # rolled back together
    assert await log.read_after(0, EventFilter()) == []
    assert await log.last_sequence() == 0
    await log.append([candidate_of(_order(0), EventSource.POLL, now=T0)], checkpoint=checkpoint)
    assert await log.checkpoint("s", "orders") == checkpoint.value
    reopened = backend.event_log(tmp_path)
    assert await reopened.last_sequence() == 1
    await reopened.aclose()
