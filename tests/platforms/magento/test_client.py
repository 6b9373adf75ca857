"""MagentoClient against the sandbox over a real socket: call counts, paging, faults, auth."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from platforms.adapter import OrderQuery, ProductQuery, RateLimitSettings, VariantKey
from platforms.canonical import OrderStatus
from platforms.errors import InvalidInputError, UpstreamUnavailableError
from platforms.http import RetryPolicy
from platforms.magento.client import MagentoClient
from platforms.magento.mapping.common import parse_time
from platforms.magento.sandbox.app import MagentoSandbox
from platforms.sandbox.kit import serve
from tests.platforms.contract.support import authentication_error, walk

# Mirrors conftest.FAST_RETRY (test modules are not importable from each other).
FAST_RETRY = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05)
ORDERS_ROUTE = "GET /rest/{store_code}/V1/orders"
PRODUCTS_ROUTE = "GET /rest/{store_code}/V1/products"
SOURCE_ITEMS_ROUTE = "GET /rest/{store_code}/V1/inventory/source-items"
SOURCES_ROUTE = "GET /rest/{store_code}/V1/inventory/sources"


async def walk_orders(client: MagentoClient, query: OrderQuery, limit: int) -> list[str]:
    """Every order id list_orders yields, following cursors to the end."""
    orders, _ = await walk(lambda cursor: client.list_orders(query, cursor=cursor, limit=limit))
    return [order.external_id for order in orders]


@pytest.mark.parametrize(("limit", "calls"), [(100, 6), (250, 3), (300, 2), (1000, 2)])
async def test_list_orders_walks_every_order_once(
    client: MagentoClient, sandbox: MagentoSandbox, limit: int, calls: int
) -> None:
    ids = await walk_orders(client, OrderQuery(), limit)
    assert len(ids) == len(set(ids)) == 600
    # 1000 is capped to the 300 page size Magento's input limits allow.
    assert sandbox.calls.by_route == {ORDERS_ROUTE: calls}
    expected = sorted(
        sandbox.state.orders.values(), key=lambda o: (o["updated_at"], o["entity_id"]), reverse=True
    )
    assert ids == [str(o["entity_id"]) for o in expected]


async def test_stale_cursor_past_the_end_is_empty_not_the_last_page_again(
    client: MagentoClient, sandbox: MagentoSandbox
) -> None:
    first = await client.list_orders(OrderQuery(), cursor=None, limit=300)
    assert first.next_cursor is not None
    for order_id in range(1, 401):  # the store shrinks between two page requests
        del sandbox.state.orders[order_id]
    sandbox.calls.reset()
    second = await client.list_orders(OrderQuery(), cursor=first.next_cursor, limit=300)
    # Magento answered page 2 with its last page (page 1) again; we must not repeat it.
    assert second.items == [] and second.next_cursor is None
    assert sandbox.calls.total == 1


async def test_list_orders_filters(client: MagentoClient, sandbox: MagentoSandbox) -> None:
    since = datetime(2026, 6, 1, tzinfo=UTC)
    ids = await walk_orders(client, OrderQuery(updated_after=since), 300)
    expected = {
        str(o["entity_id"])
        for o in sandbox.state.orders.values()
        if (parse_time(o["updated_at"]) or since) > since
    }
    assert expected and set(ids) == expected
    page = await client.list_orders(
        OrderQuery(status=OrderStatus.CANCELLED), cursor=None, limit=300
    )
    assert page.items and all(o.status is OrderStatus.CANCELLED for o in page.items)
    cancelled = [o for o in sandbox.state.orders.values() if o["state"] == "canceled"]
    assert len(page.items) == len(cancelled)


async def test_bad_cursor_is_invalid_input_without_a_call(
    client: MagentoClient, sandbox: MagentoSandbox
) -> None:
    with pytest.raises(InvalidInputError):
        await client.list_orders(OrderQuery(), cursor="nonsense", limit=10)
    assert sandbox.calls.total == 0


async def test_get_orders_one_call_missing_ids_absent(
    client: MagentoClient, sandbox: MagentoSandbox
) -> None:
    found = await client.get_orders(["3", "17", "999999", "abc", "3"])
    assert set(found) == {"3", "17"}
    assert found["17"].number == "000000017"
    assert sandbox.calls.by_route == {ORDERS_ROUTE: 1}
    sandbox.calls.reset()
    assert await client.get_orders(["abc"]) == {}
    assert sandbox.calls.total == 0
    found = await client.get_orders([str(i) for i in range(1, 302)])
    assert len(found) == 301 and sandbox.calls.by_route == {ORDERS_ROUTE: 2}


async def test_get_products_counts(client: MagentoClient, sandbox: MagentoSandbox) -> None:
    simple = await client.get_products(["5", "6", "404040"])  # MG-0002, MG-0003: simples
    assert set(simple) == {"5", "6"} and sandbox.calls.by_route == {PRODUCTS_ROUTE: 1}
    assert [v.external_id for v in simple["5"].variants] == ["5"]
    sandbox.calls.reset()
    mixed = await client.get_products(["1", "5"])  # 1 is configurable: +1 call for children
    assert sandbox.calls.by_route == {PRODUCTS_ROUTE: 2}
    parent = mixed["1"]
    assert [v.external_id for v in parent.variants] == ["2", "3", "4"]
    assert [v.option_values for v in parent.variants] == [("167",), ("168",), ("169",)]
    assert all(v.product_external_id == "1" and v.inline_inventory is None for v in parent.variants)


async def test_list_products_two_calls_per_page_with_configurables(
    client: MagentoClient, sandbox: MagentoSandbox
) -> None:
    products, pages = await walk(
        lambda cursor: client.list_products(ProductQuery(), cursor=cursor, limit=100)
    )
    seen = [p.external_id for p in products]
    assert len(seen) == len(set(seen)) == 150  # children are variants, not products
    assert sandbox.calls.by_route == {PRODUCTS_ROUTE: 2 * pages}


async def test_get_variants_one_call_plus_one_for_missing_siblings(
    client: MagentoClient, sandbox: MagentoSandbox
) -> None:
    keys = [
        VariantKey("2", "1"),
        VariantKey("3", "1"),
        VariantKey("4", "1"),
        VariantKey("5"),
        VariantKey("1"),  # a configurable parent is not a variant
        VariantKey("777777", "1"),
        VariantKey("9", "7"),  # 7's other children (8, 10) were not asked for
    ]
    batch = await client.get_variants(keys)
    # one search for variants and hinted parents, one for 7's other children (8, 10), so
    # every configurable parent is handed on complete and its product costs nothing more.
    assert sandbox.calls.by_route == {PRODUCTS_ROUTE: 2}
    assert set(batch.variants) == {"2", "3", "4", "5", "9"}
    assert batch.variants["3"].product_external_id == "1"
    assert batch.variants["3"].position == 2
    assert batch.variants["5"].product_external_id == "5"
    assert batch.variants["9"].product_external_id == "7"
    assert set(batch.products) == {"1", "5", "7"}
    assert len(batch.products["1"].variants) == 3
    assert len(batch.products["7"].variants) == 3


async def test_get_variants_without_complete_parents_skips_the_siblings(
    client: MagentoClient, sandbox: MagentoSandbox
) -> None:
    keys = [VariantKey("2", "1"), VariantKey("3", "1"), VariantKey("4", "1"), VariantKey("5")]
    keys += [VariantKey("9", "7")]  # 7's other children (8, 10) are not asked for
    batch = await client.get_variants(keys, complete_parents=False)
    assert sandbox.calls.by_route == {PRODUCTS_ROUTE: 1}
    assert set(batch.variants) == {"2", "3", "4", "5", "9"}
    assert set(batch.products) == {"1", "5"}  # every child of 1 was asked for
    assert set(batch.partial_products) == {"7"}
    partial = batch.partial_products["7"]
    assert [v.external_id for v in partial.variants] == ["9"]
    assert partial.variants[0] == batch.variants["9"]  # same link position, same variant
    whole = (await client.get_products(["7"]))["7"]
    assert partial.model_copy(update={"variants": whole.variants}) == whole


async def test_inventory_and_locations_with_msi(
    client: MagentoClient, sandbox: MagentoSandbox
) -> None:
    skus = ["MG-0001-S", "MG-0002", "NOPE"]
    levels = await client.get_inventory_levels(skus)
    assert sandbox.calls.by_route == {SOURCE_ITEMS_ROUTE: 1}
    expected = {
        (i["sku"], i["source_code"], i["quantity"])
        for i in sandbox.state.source_items
        if i["sku"] in skus
    }
    got = {
        (lv.inventory_item_id, lv.location_external_id, lv.available)
        for v in levels.values()
        for lv in v
    }
    assert got == expected and "NOPE" not in levels
    locations = await client.list_locations()
    assert [loc.external_id for loc in locations] == ["default", "us_east", "us_west"]
    assert sandbox.calls.by_route == {SOURCE_ITEMS_ROUTE: 1, SOURCES_ROUTE: 1}


async def test_without_msi_falls_back_to_stock_item() -> None:
    sandbox = MagentoSandbox(orders=5, products=12, msi=False)
    async with serve(sandbox.app) as url:
        client = MagentoClient(sandbox.connection("mg", url), retry=FAST_RETRY)
        try:
            levels = await client.get_inventory_levels(["MG-0002", "NOPE"])
            assert sandbox.calls.total == 2  # the 404 that detects "no MSI", then products
            product = sandbox.state.product_by_sku("MG-0002")
            assert product is not None
            assert [(lv.location_external_id, lv.available) for lv in levels["MG-0002"]] == [
                ("default", product["extension_attributes"]["stock_item"]["qty"])
            ]
            sandbox.calls.reset()
            await client.get_inventory_levels(["MG-0002"])
            assert sandbox.calls.by_route == {PRODUCTS_ROUTE: 1}
            assert [loc.external_id for loc in await client.list_locations()] == ["default"]
            assert sandbox.calls.total == 1  # no call: the store is known to lack MSI
            products = await client.get_products([str(product["id"])])
            inline = products[str(product["id"])].variants[0].inline_inventory
            assert inline is not None and inline[0].inventory_item_id == "MG-0002"
        finally:
            await client.aclose()


@pytest.mark.parametrize("statuses", [(429,), (500, 503), (502,)])
async def test_transient_failures_are_retried(
    client: MagentoClient, sandbox: MagentoSandbox, statuses: tuple[int, ...]
) -> None:
    sandbox.faults.retry_after = 0.01
    sandbox.faults.fail_next(*statuses)
    found = await client.get_orders(["1"])
    assert set(found) == {"1"}
    assert sandbox.calls.by_route == {ORDERS_ROUTE: len(statuses) + 1}


async def test_dropped_connection_is_retried(
    client: MagentoClient, sandbox: MagentoSandbox
) -> None:
    sandbox.faults.drop_next(1)
    assert set(await client.get_orders(["2"])) == {"2"}
    assert sandbox.calls.by_route == {ORDERS_ROUTE: 2}


async def test_persistent_5xx_gives_up_after_max_attempts(
    client: MagentoClient, sandbox: MagentoSandbox
) -> None:
    sandbox.faults.fail_next(500, 500, 500, 500, 500)
    with pytest.raises(UpstreamUnavailableError) as info:
        await client.get_orders(["1"])
    assert info.value.status == 500 and "Report ID" in info.value.message
    assert sandbox.calls.total == FAST_RETRY.max_attempts


async def test_server_bucket_429s_are_absorbed() -> None:
    sandbox = MagentoSandbox(orders=20, products=6, bucket=RateLimitSettings(2, 20))
    async with serve(sandbox.app) as url:
        client = MagentoClient(sandbox.connection("mg", url), retry=FAST_RETRY)
        try:
            for order_id in range(1, 11):
                assert set(await client.get_orders([str(order_id)])) == {str(order_id)}
        finally:
            await client.aclose()
    assert sandbox.bucket is not None and sandbox.bucket.rejected > 0


async def test_401_is_authentication_error_after_one_request(
    sandbox: MagentoSandbox, base_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "tok-very-secret-123"
    conn = sandbox.connection("mg", base_url)
    conn = type(conn)(**{**conn.__dict__, "credentials": {"access_token": secret}})
    client = MagentoClient(conn, retry=FAST_RETRY)
    sandbox.calls.reset()
    caplog.set_level(logging.DEBUG)
    error = await authentication_error(client, ["1"])
    assert sandbox.calls.total == 1
    assert error.status == 401 and error.store_id == "mg" and error.operation == "get_orders"
    # Magento's template is filled in from its parameters.
    assert "isn't authorized to access Magento_Sales::actions_view" in error.message
    for text in (
        str(error),
        repr(error),
        str(error.extensions()),
        repr(client),
        repr(conn),
        caplog.text,
    ):
        assert secret not in text
