"""Acceptance 3: forged, altered or malformed webhooks are rejected and leave no trace.
(A signed, named delivery whose body does not map is kept and quarantined: test_quarantine.)"""

from __future__ import annotations

import json
from pathlib import Path

import orjson

from platforms.shopify.sandbox.webhooks import ShopifyWebhookEmitter
from platforms.woocommerce.sandbox.webhooks import delivery_headers, php_json
from platforms.woocommerce.webhooks import WooCommerceWebhooks
from tests.gateway.events.conftest import OLD_SECRET, SECRET, Feed, StartFeed, until

FIXTURES = Path(__file__).parents[2] / "fixtures" / "realworld"


def _count(feed: Feed, table: str) -> int:
    return feed.backend.count(feed.data_dir, table)


def _counts(feed: Feed) -> dict[str, int]:
    return {t: _count(feed, t) for t in ("receipts", "events", "object_versions")}


async def _post(feed: Feed, store_id: str, body: bytes, headers: dict[str, str]) -> int:
    async with feed.session.post(feed.webhook_url(store_id), data=body, headers=headers) as resp:
        return resp.status


def _shopify(feed: Feed, topic: str, body: bytes, secret: str) -> dict[str, str]:
    emitter: ShopifyWebhookEmitter = feed.sandboxes["shop"][0].webhooks
    return emitter._headers(topic, body, emitter.sender.new_id(), secret)


def _woo(topic: str, body: bytes, secret: str, delivery: str = "a" * 32) -> dict[str, str]:
    return delivery_headers(topic, body, delivery, secret)


async def test_bad_webhooks_are_refused_and_leave_no_trace(start_feed: StartFeed) -> None:
    feed = await start_feed({"shop": "shopify", "woo": "woocommerce"})
    order = feed.sandboxes["shop"][0].state.orders[0]
    body = orjson.dumps(order)
    woo_body = php_json(feed.sandboxes["woo"][0].state.orders[5000])
    bad: list[tuple[str, bytes, dict[str, str], int]] = [
        ("shop", body, _shopify(feed, "orders/updated", body, "wrong-secret"), 401),
        ("shop", body + b" ", _shopify(feed, "orders/updated", body, SECRET), 401),
        (
            "shop",
            body.replace(b'"paid"', b'"refunded"', 1),
            _shopify(feed, "orders/updated", body, SECRET),
            401,
        ),
        ("shop", body, {"X-Shopify-Topic": "orders/updated"}, 401),
        ("nope", body, _shopify(feed, "orders/updated", body, SECRET), 404),
        ("shop", b"{not json", _shopify(feed, "orders/updated", b"{not json", SECRET), 400),
        ("shop", b"[]", _shopify(feed, "orders/updated", b"[]", SECRET), 400),
        ("woo", woo_body, _woo("order.updated", woo_body, "wrong-secret"), 401),
        (
            "woo",
            woo_body.replace(b'"total":"', b'"total":"9', 1),
            _woo("order.updated", woo_body, SECRET),
            401,
        ),
    ]
    headers = _shopify(feed, "orders/updated", body, SECRET)
    del headers["X-Shopify-Webhook-Id"]  # one of the five required headers
    bad.append(("shop", body, headers, 400))
    for store_id, raw, hdrs, expected in bad:
        assert await _post(feed, store_id, raw, hdrs) == expected, (store_id, hdrs, raw[:40])
    assert _counts(feed) == {"receipts": 0, "events": 0, "object_versions": 0}

    # WooCommerce's unsigned creation ping is acknowledged and ignored.
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert await _post(feed, "woo", b"webhook_id=41", form) == 200
    assert _counts(feed)["receipts"] == 0


async def test_rotated_secret_accepted_during_overlap(start_feed: StartFeed) -> None:
    feed = await start_feed({"shop": "shopify", "woo": "woocommerce"}, secrets=(SECRET, OLD_SECRET))
    order = feed.sandboxes["shop"][0].state.orders[1]
    body = orjson.dumps(order)
    assert (
        await _post(feed, "shop", body, _shopify(feed, "orders/updated", body, OLD_SECRET)) == 202
    )
    woo_body = php_json(feed.sandboxes["woo"][0].state.orders[5001])
    assert await _post(feed, "woo", woo_body, _woo("order.updated", woo_body, OLD_SECRET)) == 202
    assert (
        await _post(feed, "woo", woo_body, _woo("order.updated", woo_body, "retired", "b" * 32))
        == 401
    )
    await feed.service.processor.idle()
    assert _counts(feed) == {"receipts": 2, "events": 2, "object_versions": 2}


async def test_sandbox_signatures_and_vendor_payloads_verify(start_feed: StartFeed) -> None:
    feed = await start_feed({"shop": "shopify", "woo": "woocommerce"})
    for store_id in ("shop", "woo"):
        await feed.deliver_webhooks(store_id)
        await feed.sandbox_post(store_id, "/orders", {})
    woo = feed.sandboxes["woo"][0].webhooks.sender
    shop = feed.sandboxes["shop"][0].webhooks.sender
    await woo.drain()
    await shop.drain()
    assert [r.statuses for r in shop.records] == [[202]]
    assert [r.statuses for r in woo.records] == [[202]]
    await until(lambda: _count(feed, "events") == 2)

    # WooCommerce signs PHP json_encode bytes ("\/" escapes): only the raw body verifies
    [(raw_woo, stored)] = feed.backend.rows(
        feed.data_dir, "SELECT body, headers FROM receipts WHERE store_id = 'woo'"
    )
    raw_woo = bytes(raw_woo)
    headers = stored if isinstance(stored, dict) else orjson.loads(stored)  # JSONB on PostgreSQL
    assert b"\\/" in raw_woo and "x-wc-webhook-signature" in headers
    adapter = WooCommerceWebhooks()
    assert adapter.verify(headers, raw_woo, [SECRET])
    assert not adapter.verify(headers, orjson.dumps(orjson.loads(raw_woo)), [SECRET])

    # vendor payloads (documented to equal the REST resource) parse and verify too
    shop_order = json.loads((FIXTURES / "shopify" / "order.json").read_text())["order"]
    raw = orjson.dumps(shop_order)
    assert await _post(feed, "shop", raw, _shopify(feed, "orders/updated", raw, SECRET)) == 202
    woo_raw = (FIXTURES / "woocommerce" / "order.json").read_bytes()
    assert (
        await _post(feed, "woo", woo_raw, _woo("order.created", woo_raw, SECRET, "c" * 32)) == 202
    )
    await feed.service.processor.idle()
    assert _count(feed, "events") == 4
