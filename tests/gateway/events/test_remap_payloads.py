"""`cartgraph events remap` repairs events no receipt carries (issue 16): a Magento store's
polled orders and a Shopify order refetched for a `refunds/create` are re-mapped from the
platform payload their events keep, once the mapping version changed; the dry run lists
them, the run appends them as new events that a subscriber resuming with `after` receives
over a real WebSocket, delivered events stay as they were, and a second run corrects
nothing. On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

import platforms.magento
import platforms.shopify
from gateway.cli import main
from gateway.events.log import EventFilter
from gateway.events.remap import plan
from gateway.events.remap_store import remap_store
from platforms.adapter import StoreConnection
from platforms.canonical import Platform
from platforms.events import EventSource, candidate_of
from platforms.magento.mapping import orders as magento_orders
from platforms.shopify.mapping import graphql_orders
from platforms.shopify.sandbox.webhooks import ShopifyWebhookEmitter
from tests.gateway.events.conftest import (
    SECRET,
    Feed,
    StartFeed,
    placed_id,
    quiet,
    subscription,
    take,
)
from tests.helpers.postgres import Backend

SINCE = "2020-01-01T00:00:00Z"
REAL = Path(__file__).parents[2] / "fixtures" / "realworld" / "magento" / "order.json"
STORES = {"mag": "magento", "shop": "shopify"}
EVENTS = """
subscription ($after: String) {
  orderEvents(storeIds: ["mag", "shop"], after: $after) {
    cursor sequence type storeId source
    order { externalId number mappingVersion totalDiscounts { amount } }
  }
}
"""
FIXED = "3"  # the mapping version after the fix


async def _refund_webhook(feed: Feed, order_id: str) -> None:
    """Shopify's `refunds/create` for the order's last refund: it names the order only."""
    sandbox = feed.sandboxes["shop"][0]
    refund = sandbox.state.order(int(order_id))["refunds"][-1]
    body = orjson.dumps({**refund, "refund_line_items": [], "transactions": []})
    emitter: ShopifyWebhookEmitter = sandbox.webhooks
    headers = emitter._headers("refunds/create", body, emitter.sender.new_id(), SECRET)
    async with feed.session.post(feed.webhook_url("shop"), data=body, headers=headers) as resp:
        assert resp.status == 202, await resp.text()


async def _history(feed: Feed) -> tuple[str, str]:
    """A Magento order polled twice (created, then partly refunded) and a Shopify order seen
    only through a `refunds/create` (refetched): their ids."""
    mag = placed_id(await feed.sandbox_post("mag", "/orders", {}))
    assert await feed.service.poll_now("mag") >= 1
    await feed.sandbox_post("mag", f"/orders/{mag}", {"action": "partial_refund"})
    assert await feed.service.poll_now("mag") >= 1
    # no webhook plan: the sandbox sends nothing itself, only the receipt posted below
    shop = placed_id(await feed.sandbox_post("shop", "/orders", {}))
    await feed.sandbox_post("shop", f"/orders/{shop}", {"action": "partial_refund"})
    await _refund_webhook(feed, shop)
    await feed.service.processor.idle()
    return mag, shop


def _fix_mappings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A mapping fix: a new version, and one mapped field that now reads differently."""
    for package in (platforms.magento, platforms.shopify):
        fixed = dataclasses.replace(package.SPEC, mapping_version=FIXED)
        monkeypatch.setattr(package, "SPEC", fixed)
    discount = magento_orders.order_discount
    monkeypatch.setattr(magento_orders, "order_discount", lambda p: discount(p) + Decimal(1))
    number = graphql_orders._number
    monkeypatch.setattr(graphql_orders, "_number", lambda d, e: f"S-{number(d, e)}")


def _config(feed: Feed) -> str:
    stores = []
    for store_id, (sandbox, base) in feed.sandboxes.items():
        conn = sandbox.connection(store_id, base)
        stores.append(
            f'[[stores]]\nid = "{store_id}"\nplatform = "{conn.platform.value}"\n'
            f'url = "{base}"\ncurrency = "{conn.currency_code}"\n'
            'credentials = { access_token = "env:CG_TEST_REMAP_TOKEN" }\n'
        )
    path = feed.data_dir.parent / "cartgraph.toml"
    gateway = f'[gateway]\ndata_dir = "{feed.data_dir}"\n{feed.backend.toml()}'
    path.write_text(gateway + "".join(stores), encoding="utf-8")
    return str(path)


async def _remap(
    config: str, store_id: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> str:
    """The CLI in its own thread and event loop, like a separate process; its output."""
    args = ["events", "remap", "--config", config, "--store", store_id, "--since", SINCE]
    assert await asyncio.to_thread(main, [*args, *extra]) == 0
    return capsys.readouterr().out


def _connections(feed: Feed) -> dict[str, Any]:
    return {s: sb.connection(s, base) for s, (sb, base) in feed.sandboxes.items()}


async def test_remap_corrects_polled_and_refetched_orders(
    start_feed: StartFeed, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CG_TEST_REMAP_TOKEN", "unused-by-remap")
    feed = await start_feed(STORES, poll_interval=3600)  # pollers exist, polled by hand
    bus = feed.service.bus
    async with subscription(
        feed.ws_url, EVENTS, {}, subscribed=lambda: bus.subscriber_count == 1
    ) as live:
        mag, shop = await _history(feed)
        delivered = [r["orderEvents"] for r in await take(live, 4)]
        assert await quiet(live, 0.3) == []
        assert {(e["storeId"], e["type"]) for e in delivered} == {
            ("mag", "ORDER_CREATED"),
            ("mag", "REFUND_CREATED"),
            ("shop", "ORDER_CREATED"),
            ("shop", "REFUND_CREATED"),
        }
        assert {e["source"] for e in delivered if e["storeId"] == "shop"} == {"WEBHOOK"}
        before = await feed.service.log.read_after(0, EventFilter())

        store, conns = remap_store(feed.service.log), _connections(feed)
        for store_id in STORES:  # today's mapping re-derives today's events identically
            report = await plan(store, conns[store_id], datetime(2020, 1, 1, tzinfo=UTC))
            assert (report.corrections, report.skipped) == ([], [])
            assert report.payloads == (2 if store_id == "mag" else 1)

        _fix_mappings(monkeypatch)
        config = _config(feed)
        dry = await _remap(config, "mag", capsys, "--dry-run")
        assert "would correct 2 events" in dry and "skipped" not in dry
        assert dry.count(f"Order {mag} @") == 2 and dry.count(f"-> mapping {FIXED}") == 2
        assert "changes total_discounts; from its stored payload" in dry
        dry = await _remap(config, "shop", capsys, "--dry-run")
        assert "1 receipts and 1 stored order payloads of shop" in dry
        assert "would correct 1 events" in dry and f"Order {shop} @" in dry
        assert "changes number; from its stored payload" in dry
        assert await feed.service.log.read_after(0, EventFilter()) == before  # dry: no writes

        assert "appended 2 new events" in await _remap(config, "mag", capsys)
        assert "appended 1 new events" in await _remap(config, "shop", capsys)
        for store_id in STORES:
            assert "correcting 0 events" in await _remap(config, store_id, capsys)

        corrections = [r["orderEvents"] for r in await take(live, 3)]  # live subscribers too
        assert await quiet(live, 0.3) == []

    after = max(delivered, key=lambda e: e["sequence"])["cursor"]
    async with subscription(feed.ws_url, EVENTS, {"after": after}) as resumed:
        replayed = [r["orderEvents"] for r in await take(resumed, 3)]
        assert await quiet(resumed, 0.3) == []
    assert replayed == corrections
    assert all(e["type"] == "ORDER_UPDATED" for e in replayed)
    orders = {(e["storeId"], e["order"]["mappingVersion"]) for e in replayed}
    assert orders == {("mag", FIXED), ("shop", FIXED)}
    _assert_fixed(delivered, replayed, shop)
    assert (await feed.service.log.read_after(0, EventFilter()))[: len(before)] == before


def _assert_fixed(delivered: list[Any], replayed: list[Any], shop: str) -> None:
    """Each correction carries the fixed field; what was delivered kept the old one."""
    old = {e["storeId"]: e["order"] for e in delivered}
    for event in replayed:
        order, was = event["order"], old[event["storeId"]]
        if event["storeId"] == "shop":
            assert (order["externalId"], order["number"]) == (shop, f"S-{was['number']}")
        else:
            amount = Decimal(order["totalDiscounts"]["amount"])
            assert amount == Decimal(was["totalDiscounts"]["amount"]) + 1
    assert {e["order"]["mappingVersion"] for e in delivered} == {"2"}


async def test_what_cannot_be_remapped_is_listed_with_why(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A platform registering no `remap_order` (optional: Amazon, BigCommerce today) and an
    event keeping no payload are listed as skipped, with the reason; nothing is appended."""
    log = backend.event_log(tmp_path)
    try:
        order = magento_orders.map_order(json.loads(REAL.read_text()), "m1", "USD")
        now = datetime.now(UTC)
        bare = order.model_copy(update={"external_id": "4", "raw": {}})
        candidates = [candidate_of(o, EventSource.POLL, now=now) for o in (order, bare)]
        await log.append(candidates)
        conn = StoreConnection("m1", Platform.MAGENTO, "http://x", "M1", currency_code="USD")
        since = datetime(2000, 1, 1, tzinfo=UTC)
        report = await plan(remap_store(log), conn, since)
        assert report.corrections == []
        assert [s.split(":")[0] for s in report.skipped] == ["event #2"]
        assert "keeps no platform payload" in report.skipped[0]

        spec = dataclasses.replace(platforms.magento.SPEC, remap_order=None)
        monkeypatch.setattr(platforms.magento, "SPEC", spec)
        report = await plan(remap_store(log), conn, since)
        assert report.skipped == [
            "2 Order events: Magento 2 / Adobe Commerce has no remap_order to re-map their "
            "stored payloads"
        ]
        assert (report.corrections, report.payloads) == ([], 0)
    finally:
        await log.aclose()
