"""Issue 17 acceptance 2: incoming data that does not map is quarantined, shown in
deadLetters, and replayed after the fix into exactly one event (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

import platforms.shopify.webhooks as shopify_webhooks
from platforms.shopify.sandbox.webhooks import ShopifyWebhookEmitter
from platforms.woocommerce.sandbox.webhooks import delivery_headers, php_json
from resolvers.context import Limits
from tests.gateway.events.conftest import SECRET, Feed, StartFeed

DEAD_LETTERS = """
query ($kind: DeadLetterKind) {
  deadLetters(kind: $kind) {
    id kind storeId topic status errorCode errorMessage attempts objectKind objectId body
    bodyRedacted
  }
}
"""
REPLAY = """
mutation ($id: ID!) {
  replayReceipt(id: $id) { eventIds deadLetter { id status attempts errorCode } }
}
"""
REPLAY_ALL = """
mutation ($stores: [ID!]) {
  replayReceipts(storeIds: $stores) { eventIds deadLetter { id storeId status } }
}
"""
BROKEN_TAX = "twelve"  # what the sandbox's `corrupt_order` puts in an order's tax amount


def _broken_order(feed: Feed, index: int) -> dict[str, Any]:
    order = orjson.loads(orjson.dumps(feed.sandboxes["shop"][0].state.orders[index]))
    for side in ("shop_money", "presentment_money"):
        order["total_tax_set"][side]["amount"] = BROKEN_TAX
    return order


async def _post_shopify(feed: Feed, topic: str, body: bytes) -> int:
    emitter: ShopifyWebhookEmitter = feed.sandboxes["shop"][0].webhooks
    headers = emitter._headers(topic, body, emitter.sender.new_id(), SECRET)
    async with feed.session.post(feed.webhook_url("shop"), data=body, headers=headers) as resp:
        return resp.status


def _fix_the_mapping(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stands in for a mapping release that reads the broken tax amount (as zero)."""
    original = shopify_webhooks.map_order

    def fixed(body: dict[str, Any], **kw: Any) -> Any:
        for side in ("shop_money", "presentment_money"):
            if body["total_tax_set"][side]["amount"] == BROKEN_TAX:
                body["total_tax_set"][side]["amount"] = "0.00"
        return original(body, **kw)

    monkeypatch.setattr(shopify_webhooks, "map_order", fixed)


async def _letters(feed: Feed, kind: str | None = None) -> list[dict[str, Any]]:
    body = await feed.query(DEAD_LETTERS, {"kind": kind})
    assert "errors" not in body, body
    return list(body["data"]["deadLetters"])


async def test_an_unmappable_webhook_is_a_dead_letter_and_replays_once(
    start_feed: StartFeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = await start_feed({"shop": "shopify"})
    order = _broken_order(feed, 3)
    assert await _post_shopify(feed, "orders/updated", orjson.dumps(order)) == 202  # kept
    await feed.service.processor.idle()
    [letter] = await _letters(feed)
    assert letter["kind"] == "RECEIPT" and letter["storeId"] == "shop"
    assert letter["topic"] == "orders/updated" and letter["status"] == "QUARANTINED"
    assert letter["errorCode"] == "WEBHOOK_UNMAPPABLE" and "does not map" in letter["errorMessage"]
    assert (letter["objectKind"], letter["objectId"]) == ("Order", str(order["id"]))
    assert letter["body"]["id"] == order["id"]  # the raw body, for whoever fixes the mapping
    assert feed.backend.count(feed.data_dir, "events") == 0
    # quarantined, not pending: a restart does not retry it behind the operator's back
    assert await feed.service.log.pending_receipts() == []
    async with feed.session.get(f"{feed.url}/metrics") as resp:
        metrics = await resp.text()
    assert 'cartgraph_dead_letters{source="WEBHOOK",store="shop"} 1.0' in metrics

    failed = await feed.query(REPLAY, {"id": letter["id"]})  # before the fix: still broken
    again = failed["data"]["replayReceipt"]
    assert again["eventIds"] == [] and again["deadLetter"]["status"] == "QUARANTINED"
    assert again["deadLetter"]["attempts"] == 2

    _fix_the_mapping(monkeypatch)
    done = (await feed.query(REPLAY, {"id": letter["id"]}))["data"]["replayReceipt"]
    assert len(done["eventIds"]) == 1 and done["deadLetter"]["status"] == "REPLAYED"
    twice = (await feed.query(REPLAY, {"id": letter["id"]}))["data"]["replayReceipt"]
    assert twice["eventIds"] == []  # exactly once
    events = feed.backend.rows(feed.data_dir, "SELECT event_id, object_id FROM events")
    assert events == [(done["eventIds"][0], str(order["id"]))]
    assert await _letters(feed) == []


async def test_bulk_replay_takes_every_store_and_platform(
    start_feed: StartFeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = await start_feed({"shop": "shopify", "woo": "woocommerce"})
    for index in (4, 5):
        assert (
            await _post_shopify(feed, "orders/updated", orjson.dumps(_broken_order(feed, index)))
            == 202
        )
    woo = orjson.loads(php_json(feed.sandboxes["woo"][0].state.orders[5002]))
    woo["total"] = "twelve"  # a WooCommerce body its mapper refuses
    raw = php_json(woo)
    headers = delivery_headers("order.updated", raw, "d" * 32, SECRET)
    async with feed.session.post(feed.webhook_url("woo"), data=raw, headers=headers) as resp:
        assert resp.status == 202
    await feed.service.processor.idle()
    assert sorted(x["storeId"] for x in await _letters(feed, "RECEIPT")) == ["shop", "shop", "woo"]

    _fix_the_mapping(monkeypatch)  # fixes the Shopify ones; the WooCommerce body stays broken
    body = await feed.query(REPLAY_ALL, {"stores": ["shop", "woo"]})
    outcome = {
        (r["deadLetter"]["storeId"], r["deadLetter"]["status"], len(r["eventIds"]))
        for r in body["data"]["replayReceipts"]
    }
    assert outcome == {("shop", "REPLAYED", 1), ("woo", "QUARANTINED", 0)}
    assert feed.backend.count(feed.data_dir, "events") == 2
    again = await feed.query(REPLAY_ALL, {"stores": ["shop", "woo"]})
    assert [r["deadLetter"]["storeId"] for r in again["data"]["replayReceipts"]] == ["woo"]
    assert feed.backend.count(feed.data_dir, "events") == 2


async def test_an_unmappable_polled_order_is_a_dead_letter_until_replayed(
    start_feed: StartFeed,
) -> None:
    feed = await start_feed({"shop": "shopify"}, poll_interval=3600)
    sandbox = feed.sandboxes["shop"][0]
    order = sandbox.state.orders[-1]  # the newest: inside the poll's window
    sandbox.corrupt_order(str(order["id"]))
    await feed.service.poll_now("shop")
    await feed.service.poll_now("shop")  # the same payload again: one letter, two attempts
    [letter] = await _letters(feed, "POLL")
    assert (letter["topic"], letter["objectId"], letter["attempts"]) == (
        "poll/orders",
        str(order["id"]),
        2,
    )
    assert letter["errorCode"] == "UPSTREAM_PAYLOAD_INVALID"

    for side in ("shop_money", "presentment_money"):  # the store's data is repaired
        order["total_tax_set"][side]["amount"] = "1.00"
    done = (await feed.query(REPLAY, {"id": letter["id"]}))["data"]["replayReceipt"]
    assert done["deadLetter"]["status"] == "REPLAYED"
    assert await _letters(feed, "POLL") == []


async def test_personal_data_in_a_dead_letter_is_redacted_when_switched_off(
    start_feed: StartFeed,
) -> None:
    feed = await start_feed({"shop": "shopify"}, limits=Limits(customer_raw=False))
    order = _broken_order(feed, 6)
    assert order["email"] and order["customer"]
    assert await _post_shopify(feed, "orders/updated", orjson.dumps(order)) == 202
    await feed.service.processor.idle()
    [letter] = await _letters(feed)
    assert letter["bodyRedacted"] is True and letter["body"]["id"] == order["id"]
    text = orjson.dumps(letter["body"]).decode()
    assert "email" not in letter["body"] and "customer" not in letter["body"]
    assert order["email"] not in text
