"""`cartgraph events remap` (issue 16): a store whose mapping version changed gets its events
re-derived from the stored receipts; the dry run lists the corrections, the real run appends
them as NEW events (subscribers resuming with `after` see them; delivered events stay as
they were), and a second run changes nothing."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gateway.cli import main
from gateway.events.log import EventFilter, EventLog
from gateway.events.remap import apply, plan
from gateway.events.remap_store import remap_store
from gateway.events.service import LOG_FILE
from gateway.events.sqlite_log import SqliteEventLog
from platforms.adapter import StoreConnection
from platforms.canonical import Money, Order, Platform
from platforms.events import EventSource, EventType, candidate_of
from platforms.registry import get_spec
from platforms.shopify.mapping.orders import map_order
from tests.helpers.postgres import Backend

REAL = Path(__file__).parents[2] / "fixtures" / "realworld" / "shopify"
STORE = "shop-a"
SINCE = datetime(2020, 1, 1, tzinfo=UTC)
CONFIG = f"""
[[stores]]
id = "{STORE}"
platform = "shopify"
url = "http://127.0.0.1:1"
credentials = {{ access_token = "env:CG_TEST_REMAP_TOKEN" }}
"""


def _body() -> bytes:
    """The real 2024-10 order as an `orders/updated` webhook body (REST JSON, no root key)."""
    order = json.loads((REAL / "rest-2024-10_order_get.json").read_text())["order"]
    return json.dumps(order).encode()


HEADERS = {
    "x-shopify-hmac-sha256": "checked-on-receipt",
    "x-shopify-topic": "orders/updated",
    "x-shopify-shop-domain": "shop-a.myshopify.com",
    "x-shopify-api-version": "2024-10",
    "x-shopify-webhook-id": "delivery-1",
}


def _as_version_1(order: Order) -> Order:
    """What mapping version 1 made of this order: discounts only from `total_discount`
    ("0.00"), the payload's own subtotal (597.00)."""
    lines = tuple(
        li.model_copy(update={"total_discount": Money(amount=Decimal(0), currency_code="USD")})
        for li in order.line_items
    )
    subtotal = Money(amount=Decimal("597.00"), currency_code="USD")
    return order.model_copy(update={"line_items": lines, "subtotal_price": subtotal})


async def _delivered(log: EventLog) -> int:
    """A receipt and the event version 1 derived from it, as they sit in the log."""
    receipt = await log.store_receipt(STORE, "delivery-1", "orders/updated", HEADERS, _body())
    assert receipt is not None
    old = _as_version_1(map_order(json.loads(_body()), store_id=STORE, shop_currency="USD"))
    now = datetime.now(UTC)
    candidate = candidate_of(old, EventSource.WEBHOOK, now=now, mapping_version="1")
    events = await log.append([candidate], receipt_id=receipt)
    assert events and events[0].mapping_version == "1"
    return events[-1].sequence


def _connection() -> StoreConnection:
    return StoreConnection(
        store_id=STORE,
        platform=Platform.SHOPIFY,
        name="Shop A",
        base_url="http://x",
        currency_code="USD",
    )


async def test_remap_appends_corrections_as_new_events_once(
    backend: Backend, tmp_path: Path
) -> None:
    """On SQLite and on PostgreSQL."""
    log = backend.event_log(tmp_path)
    try:
        cursor = await _delivered(log)
        before = await log.read_after(0, EventFilter())
        store = remap_store(log)
        report = await plan(store, _connection(), SINCE)
        (correction,) = report.corrections
        assert {"line_items", "subtotal_price"} <= set(correction.changed)
        assert correction.mapping_version == get_spec("shopify").mapping_version == "2"
        assert await log.read_after(0, EventFilter()) == before  # planning writes nothing

        appended = await apply(store, report)
        resumed = await log.read_after(cursor, EventFilter())  # a subscriber's `after`
        assert [e.event_id for e in resumed] == [e.event_id for e in appended]
        (event,) = resumed
        assert (event.type, event.mapping_version) == (EventType.ORDER_UPDATED, "2")
        assert event.version == before[-1].version  # the same order version, re-derived
        discounts = [li.total_discount for li in event.order().line_items]
        assert [d.amount for d in discounts if d] == [
            Decimal("3.34"), Decimal("3.33"), Decimal("3.33")
        ]  # fmt: skip
        assert (await log.read_after(0, EventFilter()))[: len(before)] == before  # no rewrite

        again = await plan(store, _connection(), SINCE)
        assert again.corrections == []
        assert await apply(store, report) == []  # the same corrections: ignored
    finally:
        await log.aclose()


def test_cli_dry_run_lists_then_corrects_idempotently(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CG_TEST_REMAP_TOKEN", "shpat_x")

    config = tmp_path / "cartgraph.toml"
    config.write_text(f'[gateway]\ndata_dir = "{tmp_path / "data"}"\n{CONFIG}', encoding="utf-8")

    async def seed() -> Any:
        log = SqliteEventLog(tmp_path / "data" / LOG_FILE)
        try:
            return await _delivered(log)
        finally:
            await log.aclose()

    asyncio.run(seed())
    args = ["events", "remap", "--config", str(config), "--store", STORE, "--since", "2020-01-01"]
    assert main([*args, "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert "would correct 1 events" in dry and "mapping 1) -> mapping 2" in dry
    assert "line_items" in dry and "subtotal_price" in dry
    assert main(args) == 0
    assert "appended 1 new events" in capsys.readouterr().out
    assert main(args) == 0
    assert "correcting 0 events" in capsys.readouterr().out
