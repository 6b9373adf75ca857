"""The official ShopifyAPI SDK against the sandbox over a real socket: the calls it makes must
succeed as they do on real Shopify (issue 16), and discounts live where Shopify puts them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

import pytest
import shopify  # type: ignore[import-untyped]

from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox

TOKEN = "shpat_sandbox_token"
VERSION = "2025-07"
T = TypeVar("T")


@pytest.fixture
def store() -> ShopifySandbox:
    return ShopifySandbox(seed=1, orders=60, products=20, locations=3, bucket=None)


@pytest.fixture
async def sdk(store: ShopifySandbox) -> AsyncIterator[ShopifySandbox]:
    """The sandbox served, its site remembered for `call`."""
    async with serve(store.app) as base:
        SITE["site"] = f"{base}/admin/api/{VERSION}"
        yield store


SITE: dict[str, str] = {}


def _in_session(fn: Callable[[], T]) -> T:
    # the SDK keeps site and headers per thread: set them in the thread that calls.
    shopify.ShopifyResource.site = SITE["site"]
    shopify.ShopifyResource.version = VERSION
    shopify.ShopifyResource.headers["X-Shopify-Access-Token"] = TOKEN
    try:
        return fn()
    finally:
        shopify.ShopifyResource.clear_session()


async def call(fn: Callable[[], T]) -> T:
    """The SDK blocks (urllib): run it off the loop that serves the sandbox."""
    return await asyncio.to_thread(_in_session, fn)


def _orders(store: ShopifySandbox, **match: Any) -> Iterator[dict[str, Any]]:
    for order in store.state.orders:
        if all(order.get(k) == v for k, v in match.items()):
            yield order


async def test_order_cancel_with_the_sdk_empty_body(sdk: ShopifySandbox) -> None:
    """`Order.cancel()` POSTs no body at all; real Shopify cancels (the sandbox said 422)."""
    raw = next(_orders(sdk, cancelled_at=None, financial_status="paid"))
    order = await call(lambda: shopify.Order.find(raw["id"]))
    await call(order.cancel)
    assert order.cancelled_at is not None
    assert raw["cancelled_at"] is not None


async def test_order_close_with_the_sdk(sdk: ShopifySandbox) -> None:
    raw = next(_orders(sdk, closed_at=None, cancelled_at=None))
    order = await call(lambda: shopify.Order.find(raw["id"]))
    await call(order.close)
    assert order.closed_at is not None and raw["closed_at"] == order.closed_at


async def test_inventory_level_connect_with_the_sdk(sdk: ShopifySandbox) -> None:
    """`InventoryLevel.connect` stocks an item at a new location with 0 available."""
    item, location = next(iter(sdk.state.inventory_levels))
    del sdk.state.inventory_levels[(item, location)]  # as if a merchant disconnected it
    level = await call(lambda: shopify.InventoryLevel.connect(location, item))
    assert (level.inventory_item_id, level.location_id, level.available) == (item, location, 0)
    assert sdk.state.inventory_levels[(item, location)]["available"] == 0
    again = await call(lambda: shopify.InventoryLevel.connect(location, item))
    assert again.available == 0  # connecting a connected level is a no-op, as on Shopify


async def test_variant_save_with_the_sdk_uses_the_nested_route(sdk: ShopifySandbox) -> None:
    """`variant.save()` PUTs products/{pid}/variants/{id}.json (the sandbox had only
    variants/{id}.json)."""
    raw = sdk.state.products[0]["variants"][0]
    variant = await call(lambda: shopify.Variant.find(raw["id"]))
    variant.price = "9.99"
    assert await call(variant.save)
    assert raw["price"] == "9.99"
    assert (
        sdk.calls.by_route["PUT /admin/api/{version}/products/{product_id}/variants/{id}.json"] == 1
    )


async def test_refund_calculate_with_the_sdk(sdk: ShopifySandbox) -> None:
    """`Refund.calculate` suggests transactions for lines + shipping and saves nothing."""
    raw = next(o for o in _orders(sdk, financial_status="paid") if not o["refunds"])
    line = raw["line_items"][0]
    refunds_before = len(raw["refunds"])
    refund = await call(
        lambda: shopify.Refund.calculate(
            raw["id"],
            shipping={"full_refund": True},
            refund_line_items=[
                {"line_item_id": line["id"], "quantity": 1, "restock_type": "no_restock"}
            ],
        )
    )
    suggested = refund.attributes["transactions"][0]
    assert suggested.kind == "suggested_refund"
    shipping = Decimal(refund.attributes["shipping"].amount)
    assert shipping == sum(Decimal(s["discounted_price"]) for s in raw["shipping_lines"])
    (calc_line,) = refund.attributes["refund_line_items"]
    expected = Decimal(calc_line.subtotal) + Decimal(calc_line.total_tax) + shipping
    assert Decimal(suggested.amount) == expected
    assert len(raw["refunds"]) == refunds_before  # calculate never records a refund


async def test_seeded_discounts_live_in_allocations_not_total_discount(
    store: ShopifySandbox,
) -> None:
    """As in the real 2024-10 order: `total_discount` "0.00", the money in
    `discount_allocations` (the sandbox copied it into both, which hid a mapping bug)."""
    discounted = [o for o in store.state.orders if o["discount_codes"]]
    assert discounted
    for order in discounted:
        allocated = sum(
            Decimal(a["amount"]) for li in order["line_items"] for a in li["discount_allocations"]
        )
        assert allocated == Decimal(order["total_discounts"])
        assert {li["total_discount"] for li in order["line_items"]} == {"0.00"}
