"""Issue 17 item 6: PRODUCT_CREATED/UPDATED/DELETED from the sandboxes' product webhooks
(Shopify products/*, WooCommerce product.*) and from polling (a product missing from a full
catalogue pass is deleted), deduped between the two, live and as a query."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from platforms.ids import Kind, decode_id, encode_id
from tests.gateway.events.conftest import Feed, StartFeed, quiet, subscription, take

HOUR = 3600.0
PRODUCT_EVENTS = """
subscription ($stores: [ID!]) {
  productEvents(storeIds: $stores) {
    id cursor type storeId source productId externalId product { id title }
  }
}
"""
QUERY = """
query ($stores: [ID!], $types: [EventType!], $after: String) {
  productEvents(storeIds: $stores, types: $types, after: $after) {
    cursor type source externalId product { title }
  }
}
"""
PRICE = """mutation ($v: ID!) { updateVariantPrice(input: {variantId: $v, price: "12.34"}) {
  __typename } }"""
FIRST_PRODUCT = """query ($s: [ID!]) { products(storeIds: $s, first: 1) {
  edges { node { externalId } } } }"""


async def _product_call(feed: Feed, store_id: str, method: str, path: str) -> Any:
    base = feed.sandboxes[store_id][1]
    async with feed.session.request(method, f"{base}/_sandbox{path}", json={}) as resp:
        assert resp.status < 300, await resp.text()
        return await resp.json()


async def _events(feed: Feed, **variables: Any) -> list[dict[str, Any]]:
    body = await feed.query(QUERY, variables)
    assert "errors" not in body, body
    return list(body["data"]["productEvents"])


@pytest.mark.parametrize("platform", ["shopify", "woocommerce"])
async def test_product_webhooks_become_product_events_once(
    start_feed: StartFeed, platform: str
) -> None:
    feed = await start_feed({"s": platform}, inventory_poll_interval=HOUR)  # + the catalogue
    await feed.deliver_webhooks("s")
    service = feed.service
    async with subscription(
        feed.ws_url,
        PRODUCT_EVENTS,
        {"stores": ["s"]},
        subscribed=lambda: service.bus.subscriber_count == 1,
    ) as stream:
        created = await _product_call(feed, "s", "POST", "/products")
        ident = str(created.get("product", created)["id"])
        [first] = await take(stream, 1)
        await _product_call(feed, "s", "POST", f"/products/{ident}")
        [second] = await take(stream, 1)
        await _product_call(feed, "s", "DELETE", f"/products/{ident}")
        [third] = await take(stream, 1)
        events = [e["productEvents"] for e in (first, second, third)]
        assert [(e["type"], e["source"], e["externalId"]) for e in events] == [
            ("PRODUCT_CREATED", "WEBHOOK", ident),
            ("PRODUCT_UPDATED", "WEBHOOK", ident),
            ("PRODUCT_DELETED", "WEBHOOK", ident),
        ]
        assert events[1]["product"]["title"].endswith("(edited)")
        assert events[2]["product"] is None
        assert decode_id(events[2]["productId"]) == ("s", Kind.PRODUCT, ident)
        # the poller's full pass finds the same versions, and the product gone: no repeats
        await service.poll_inventory_now("s")
        assert service.inventory_pollers["s"].product_events == 0
        assert await quiet(stream, 0.3) == []
    listed = await _events(feed, stores=["s"])
    assert [e["type"] for e in listed] == ["PRODUCT_CREATED", "PRODUCT_UPDATED", "PRODUCT_DELETED"]
    after_first = await _events(feed, stores=["s"], after=listed[0]["cursor"])
    assert [e["type"] for e in after_first] == ["PRODUCT_UPDATED", "PRODUCT_DELETED"]
    deleted = await _events(feed, stores=["s"], types=["PRODUCT_DELETED"])
    assert [e["externalId"] for e in deleted] == [ident]


async def test_a_product_missing_from_a_full_pass_is_deleted_once(start_feed: StartFeed) -> None:
    feed = await start_feed({"m": "magento"}, inventory_poll_interval=HOUR)  # no webhooks
    service = feed.service
    assert await _events(feed) == []  # the first pass at start is a silent baseline
    body = await feed.query(FIRST_PRODUCT, {"s": ["m"]})
    ident = body["data"]["products"]["edges"][0]["node"]["externalId"]
    del feed.sandboxes["m"][0].state.products[int(ident)]
    await service.poll_inventory_now("m")
    await service.poll_inventory_now("m")  # still gone: not deleted twice
    [event] = await _events(feed, stores=["m"])
    assert (event["type"], event["source"], event["externalId"]) == (
        "PRODUCT_DELETED",
        "POLL",
        ident,
    )
    assert service.inventory_pollers["m"].product_events == 1


async def test_product_events_are_refused_other_types(start_feed: StartFeed) -> None:
    feed = await start_feed({"m": "magento"})
    body = await feed.query(QUERY, {"types": ["ORDER_CREATED"]})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_price_write_through_the_gateway_is_a_product_update(start_feed: StartFeed) -> None:
    feed = await start_feed({"s": "shopify"})
    await feed.deliver_webhooks("s")
    product = feed.sandboxes["s"][0].state.products[0]
    variant = encode_id("s", Kind.VARIANT, str(product["variants"][0]["id"]))
    body = await feed.query(PRICE, {"v": variant})
    assert body["data"]["updateVariantPrice"]["__typename"] == "UpdateVariantPriceSuccess", body
    for _ in range(200):  # the sandbox's products/update arrives after the write's answer
        events = await _events(feed, stores=["s"])
        if events:
            break
        await asyncio.sleep(0.02)
    assert [(e["type"], e["source"], e["externalId"]) for e in events] == [
        ("PRODUCT_UPDATED", "WEBHOOK", str(product["id"]))
    ]
