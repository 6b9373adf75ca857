"""WooCommerceClient against the sandbox over a real socket: results, exact call counts, errors."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from platforms.adapter import OrderQuery, Page, ProductQuery, VariantKey
from platforms.canonical import Order, OrderStatus
from platforms.errors import InvalidInputError, UpstreamUnavailableError
from platforms.woocommerce import SPEC
from platforms.woocommerce.client import WooCommerceClient
from platforms.woocommerce.sandbox.app import WooCommerceSandbox
from tests.helpers.woocommerce import Served
from tests.platforms.contract.support import authentication_error, walk

ORDERS = "GET /wp-json/wc/v3/orders"
PRODUCTS = "GET /wp-json/wc/v3/products"
ONE_PRODUCT = "GET /wp-json/wc/v3/products/{id}"
VARIATIONS = "GET /wp-json/wc/v3/products/{id}/variations"


async def test_list_orders_pages_newest_modified_first_one_call_each(served: Served) -> None:
    client, calls = served.client, served.sandbox.calls

    async def fetch(cursor: str | None) -> Page[Order]:
        page = await client.list_orders(OrderQuery(), cursor=cursor, limit=100)
        updated = [o.updated_at for o in page.items]
        assert updated == sorted(updated, reverse=True)
        return page

    orders, pages = await walk(fetch)
    seen = [o.external_id for o in orders]
    visible = [i for i, o in served.sandbox.state.orders.items() if o["status"] != "trash"]
    assert sorted(seen) == sorted(map(str, visible)) and len(seen) == len(set(seen))
    assert calls.by_route == {ORDERS: pages} and pages == -(-len(visible) // 100)


async def test_list_orders_filters(served: Served) -> None:
    since = datetime(2026, 6, 20, tzinfo=UTC)
    page = await served.client.list_orders(
        OrderQuery(updated_after=since, status=OrderStatus.CLOSED), cursor=None, limit=100
    )
    assert page.items and all(o.updated_at > since for o in page.items)
    assert {o.status for o in page.items} == {OrderStatus.CLOSED}
    assert served.sandbox.calls.total == 1
    with pytest.raises(InvalidInputError):
        await served.client.list_orders(OrderQuery(), cursor="bogus", limit=10)


async def test_get_orders_one_call_missing_ids_absent(served: Served) -> None:
    ids = ["5000", "5001", "424242", "not-a-number"]
    found = await served.client.get_orders(ids)
    assert set(found) == {"5000", "5001"}
    assert found["5000"].raw == served.sandbox.state.orders[5000]
    assert served.sandbox.calls.by_route == {ORDERS: 1}
    served.sandbox.calls.reset()
    many = await served.client.get_orders([str(5000 + n) for n in range(150)])
    assert served.sandbox.calls.by_route == {ORDERS: 2}  # ceil(150 / 100)
    assert len(many) == sum(
        1 for n in range(150) if served.sandbox.state.orders[5000 + n]["status"] != "trash"
    )


async def test_get_products_batch_plus_one_call_per_variable_product(served: Served) -> None:
    state = served.sandbox.state
    products = await served.client.get_products(["100", "101", "104", "999999"])
    variable = [p for p in ("100", "101") if state.products[int(p)]["type"] == "variable"]
    assert set(products) == {"100", "101"}  # 104 is a variation, 999999 does not exist
    assert served.sandbox.calls.by_route == {PRODUCTS: 1, VARIATIONS: len(variable)}
    parent = products["101"]
    assert [v.external_id for v in parent.variants] == [
        str(v) for v in state.products[101]["variations"]
    ]
    level = parent.variants[0].inline_inventory
    assert level is not None and level[0].location_external_id == "default"
    (simple,) = products["100"].variants
    assert simple.external_id == "100" and simple.inventory_item_id == "100"


async def test_list_products_page(served: Served) -> None:
    page = await served.client.list_products(ProductQuery(), cursor=None, limit=30)
    variable = sum(1 for p in page.items if p.raw["type"] == "variable")
    assert len(page.items) == 30 and page.next_cursor == "2"
    assert served.sandbox.calls.by_route == {PRODUCTS: 1, VARIATIONS: variable}


async def test_get_variants_hinted_unhinted_simple_and_missing(served: Served) -> None:
    state = served.sandbox.state
    v1, v2 = state.products[101]["variations"][:2]
    other_parent = next(
        p for p in state.products.values() if p["type"] == "variable" and p["id"] != 101
    )
    lone = other_parent["variations"][0]
    keys = [
        VariantKey(str(v1), "101"),
        VariantKey(str(v2)),  # no hint, but its parent is loaded anyway
        VariantKey("100"),  # simple product = its own variant
        VariantKey(str(lone)),  # no hint, parent unknown: products/{id}
        VariantKey("424242", "101"),  # not a variation of 101
        VariantKey("888888"),  # does not exist
    ]
    batch = await served.client.get_variants(keys)
    assert set(batch.variants) == {str(v1), str(v2), "100", str(lone)}
    assert batch.variants[str(lone)].product_external_id == str(other_parent["id"])
    assert set(batch.products) == {"101", "100"}
    # 1 products batch + 1 variations call for parent 101 + products/{id} for 2 unresolved ids
    assert served.sandbox.calls.by_route == {PRODUCTS: 1, VARIATIONS: 1, ONE_PRODUCT: 2}


async def test_inventory_and_locations(served: Served) -> None:
    state = served.sandbox.state
    vid = state.products[101]["variations"][0]
    levels = await served.client.get_inventory_levels(["100", str(vid), "777777"])
    assert set(levels) == {"100", str(vid)}
    expected = (
        state.variations[vid]["stock_quantity"] if state.variations[vid]["manage_stock"] else None
    )
    assert levels[str(vid)][0].available == expected
    assert served.sandbox.calls.by_route == {PRODUCTS: 1, ONE_PRODUCT: 2}
    served.sandbox.calls.reset()
    (location,) = await served.client.list_locations()
    assert location.external_id == "default" and location.name == "Atelier Nord stock"
    assert served.sandbox.calls.total == 0


async def test_transient_failures_are_retried(served: Served) -> None:
    served.sandbox.faults.fail_next(429, 503)
    served.sandbox.faults.drop_next(1)
    found = await served.client.get_orders(["5000"])
    assert set(found) == {"5000"}
    # faults run before auth: drop + 429 + 503 + the success, each a fresh signed request
    assert served.sandbox.calls.by_route == {ORDERS: 4}
    served.sandbox.faults.fail_next(500, 500, 500, 500)
    with pytest.raises(UpstreamUnavailableError) as info:
        await served.client.get_orders(["5000"])
    assert info.value.status == 500 and info.value.store_id == "woo1"


async def test_401_fails_after_exactly_one_request_and_leaks_nothing(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    conn = served.sandbox.connection("woo1", served.base_url)
    bad = WooCommerceClient(
        replace(
            conn,
            credentials={
                "consumer_key": conn.credentials["consumer_key"],
                "consumer_secret": "cs_leaky_secret",
            },
        )
    )
    caplog.set_level(logging.DEBUG)
    error = await authentication_error(bad, ["5000"])
    assert served.sandbox.calls.total == 1
    assert error.status == 401 and error.operation == "get_orders"
    assert "provided signature does not match" in error.message
    text = f"{error} {error.extensions()} {bad!r} {conn!r} {caplog.text}"
    for secret in (
        "cs_leaky_secret",
        conn.credentials["consumer_key"],
        conn.credentials["consumer_secret"],
    ):
        assert secret not in text


async def test_spec_builds_client_and_sandbox() -> None:
    sandbox = SPEC.create_sandbox(seed=2, orders=5, products=4)
    assert isinstance(sandbox, WooCommerceSandbox) and len(sandbox.state.orders) == 5
    client = SPEC.create_client(sandbox.connection("s", "http://127.0.0.1:1"), None)
    assert client.max_page_size == 100
    await client.aclose()
