"""The inventory safety net: stock levels polled on every platform, baselined, deduped."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.events.log import EventFilter
from gateway.events.service import EventService
from gateway.stores import CacheTTLs, StoreRegistry
from platforms.events import EventType
from platforms.magento.sandbox.app import MagentoSandbox
from platforms.sandbox.kit import serve
from platforms.shopify.documents import nodes
from platforms.shopify.mapping.graphql_catalog import levels_at
from platforms.shopify.sandbox.app import DEFAULT_TOKEN, ShopifySandbox
from platforms.shopify.sandbox.writes_common import now as shopify_now
from platforms.woocommerce.sandbox.app import WooCommerceSandbox
from platforms.woocommerce.sandbox.seed import dates
from tests.gateway.events.conftest import (
    INVENTORY_EVENTS,
    StartFeed,
    quiet,
    subscription,
    take,
    until,
)

PLATFORMS = ["shopify", "woocommerce", "magento"]
HOUR = 3600.0  # the loop never fires during a test: polls run through poll_inventory_now


def _change_one_level(sandbox: Any, platform: str) -> tuple[str, int]:
    """Move one level's quantity up by 5 in the sandbox's state; (inventory item, new qty)."""
    if platform == "shopify":
        _, level = sorted(sandbox.state.inventory_levels.items())[0]
        level["available"] = int(level["available"] or 0) + 5
        level["updated_at"] = shopify_now()
        return str(level["inventory_item_id"]), level["available"]
    if platform == "woocommerce":  # stock rides on the product, which a change re-dates
        product = next(
            p
            for _, p in sorted(sandbox.state.products.items())
            if p["type"] == "simple" and p["manage_stock"] is True
        )
        product["stock_quantity"] += 5
        product.update(dates("date_modified", datetime.now(UTC).replace(microsecond=0)))
        return str(product["id"]), product["stock_quantity"]
    item = sandbox.state.source_items[0]
    item["quantity"] += 5
    return str(item["sku"]), int(item["quantity"])


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_changed_level_is_one_poll_event(start_feed: StartFeed, platform: str) -> None:
    feed = await start_feed({"s": platform}, inventory_poll_interval=HOUR)
    service = feed.service
    assert service.inventory_pollers["s"].last_poll_at is not None  # the baseline ran at start
    assert await service.log.last_sequence() == 0  # (1) ...and announced nothing
    assert await service.poll_inventory_now("s") == 0
    async with subscription(
        feed.ws_url, INVENTORY_EVENTS, {}, subscribed=lambda: service.bus.subscriber_count == 1
    ) as stream:
        item, available = _change_one_level(feed.sandboxes["s"][0], platform)
        assert await service.poll_inventory_now("s") == 1  # (2)
        [result] = await take(stream, 1)
        assert await service.poll_inventory_now("s") == 0  # (3) nothing changed since
        assert await quiet(stream) == []
    event = result["inventoryEvents"]
    assert (event["type"], event["source"], event["storeId"]) == ("INVENTORY_CHANGED", "POLL", "s")
    assert event["inventoryLevel"]["inventoryItemId"] == item
    assert event["inventoryLevel"]["available"] == available


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_change_made_while_stopped_is_found_after_restart(
    tmp_path: Path, platform: str
) -> None:
    sandbox: Any = {
        "shopify": lambda: ShopifySandbox(seed=1, orders=5, products=20, bucket=None),
        "woocommerce": lambda: WooCommerceSandbox(seed=1, orders=5, products=20, bucket=None),
        "magento": lambda: MagentoSandbox(seed=1, orders=5, products=20),
    }[platform]()
    async with serve(sandbox.app) as base:
        registry = StoreRegistry([sandbox.connection("s", base)], ttls=CacheTTLs(products=0))
        try:

            def open_service() -> EventService:
                return EventService.open(registry, tmp_path, inventory_poll_intervals={"s": HOUR})

            first = open_service()
            await first.start()  # the baseline
            await first.stop()
            item, available = _change_one_level(sandbox, platform)
            second = open_service()
            await second.start()  # its first poll finds the change
            try:
                # (a WooCommerce stock change also moves the product on: PRODUCT_UPDATED)
                stock = EventFilter(types=frozenset({EventType.INVENTORY_CHANGED}))
                events = await second.log.read_after(0, stock)
                assert await second.poll_inventory_now("s") == 0  # found once only
            finally:
                await second.stop()
        finally:
            await registry.aclose()
    assert [(e.type, e.source.value) for e in events] == [(EventType.INVENTORY_CHANGED, "POLL")]
    level = events[0].inventory_level()
    assert (level.inventory_item_id, level.available) == (item, available)


async def test_one_shopify_rest_poll_costs_a_products_page_and_level_chunks(
    start_feed: StartFeed,
) -> None:
    feed = await start_feed({"s": "shopify"}, inventory_poll_interval=HOUR, apis={"s": "rest"})
    sandbox = feed.sandboxes["s"][0]
    items = {v["inventory_item_id"] for p in sandbox.state.products for v in p["variants"]}
    sandbox.calls.reset()
    await feed.service.poll_inventory_now("s")
    by_route = {route.rsplit("/", 1)[-1]: n for route, n in sandbox.calls.by_route.items()}
    # 20 products fit one page of 250; inventory_levels.json takes 50 items per call.
    assert by_route == {"products.json": 1, "inventory_levels.json": math.ceil(len(items) / 50)}


async def test_one_shopify_graphql_poll_costs_a_products_page_and_level_documents(
    start_feed: StartFeed,
) -> None:
    feed = await start_feed({"s": "shopify"}, inventory_poll_interval=HOUR)  # the default API
    sandbox = feed.sandboxes["s"][0]
    items = {v["inventory_item_id"] for p in sandbox.state.products for v in p["variants"]}
    places = [str(loc["id"]) for loc in sandbox.state.locations]
    sandbox.calls.reset()
    await feed.service.poll_inventory_now("s")
    # the products page (20 products fit one document), then `nodes(ids:)` of the items with
    # one level alias per location, packed into 1,000-point documents
    each = nodes("InventoryItem", ["x"], *levels_at(places)).cost
    documents = 1 + math.ceil(len(items) * each / 1000)
    assert sandbox.calls.by_route == {"POST /admin/api/{version}/graphql.json": documents}


async def test_one_magento_poll_costs_product_searches_and_one_source_item_search(
    start_feed: StartFeed,
) -> None:
    feed = await start_feed({"s": "magento"}, inventory_poll_interval=HOUR)
    sandbox = feed.sandboxes["s"][0]
    sandbox.calls.reset()
    await feed.service.poll_inventory_now("s")
    by_route = {
        route.split(" ", 1)[1].rsplit("/V1/", 1)[-1]: n
        for route, n in sandbox.calls.by_route.items()
    }
    # one products page (+ its configurables' children), every SKU's sources in one search.
    assert by_route == {"products": 2, "inventory/source-items": 1}


async def test_a_failing_store_reports_its_error_and_never_stops_another(
    start_feed: StartFeed,
) -> None:
    feed = await start_feed({"bad": "shopify", "good": "magento"}, inventory_poll_interval=0.05)
    pollers = feed.service.inventory_pollers
    baseline = pollers["good"].last_poll_at
    feed.sandboxes["bad"][0].faults.fail_next(*[401] * 10_000)  # every later poll of it fails
    await until(lambda: pollers["bad"].last_error is not None)
    await until(lambda: pollers["good"].last_poll_at != baseline)
    status = (await feed.query("{ eventFeedStatus { storeId lastPollError } }"))["data"]
    errors = {s["storeId"]: s["lastPollError"] for s in status["eventFeedStatus"]}
    assert errors["good"] is None and errors["bad"]
    assert DEFAULT_TOKEN not in errors["bad"]  # the store's token never reaches a client
    _change_one_level(feed.sandboxes["good"][0], "magento")
    await until(lambda: feed.service.sink.position == 1)  # the good store's loop found it


async def test_one_woocommerce_poll_costs_the_catalogue_reads_only(start_feed: StartFeed) -> None:
    feed = await start_feed({"s": "woocommerce"}, inventory_poll_interval=HOUR)
    sandbox = feed.sandboxes["s"][0]
    products = list(sandbox.state.products.values())
    variable = sum(1 for p in products if p["type"] == "variable")
    sandbox.calls.reset()
    await feed.service.poll_inventory_now("s")
    by_route = {route.split("/wc/v3/", 1)[-1]: n for route, n in sandbox.calls.by_route.items()}
    # stock rides on products and variations: pages of 100, each variable product's variations
    assert by_route == {
        "products": math.ceil(len(products) / 100),
        "products/{id}/variations": variable,
    }
