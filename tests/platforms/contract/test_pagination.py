"""Contract: listing walks every order and product exactly once, newest `updated_at` first."""

from __future__ import annotations

import math

import pytest

from platforms.adapter import OrderQuery, ProductQuery
from tests.platforms.contract.support import Store, walk


@pytest.mark.parametrize("limit", [100, 23])
async def test_orders_walk_every_order_once_newest_first_one_call_per_page(
    store: Store, limit: int
) -> None:
    size = await page_size(store, limit)
    orders, pages = await walk(
        lambda cursor: store.client.list_orders(OrderQuery(), cursor=cursor, limit=limit)
    )

    ids = [o.external_id for o in orders]
    assert len(ids) == len(set(ids)), "an order came twice"
    assert set(ids) == set(store.facts.orders), "gaps or strangers"
    assert [o.updated_at for o in orders] == [store.facts.orders[i] for i in ids]
    stamps = [o.updated_at for o in orders]
    assert stamps == sorted(stamps, reverse=True)
    assert pages == math.ceil(len(ids) / size)
    assert store.sandbox.calls.total == pages  # one upstream call per page, no probing


async def page_size(store: Store, limit: int) -> int:
    """How many orders a page holds: `limit`, or fewer where the platform bounds a request
    by cost (Shopify GraphQL: as many as 1,000 points hold); every page but the last is full."""
    first = await store.client.list_orders(OrderQuery(), cursor=None, limit=limit)
    store.sandbox.calls.reset()
    assert 0 < len(first.items) <= limit
    return len(first.items)


@pytest.mark.parametrize("limit", [100, 17])
async def test_products_walk_every_product_once_with_all_variants(store: Store, limit: int) -> None:
    products, pages = await walk(
        lambda cursor: store.client.list_products(ProductQuery(), cursor=cursor, limit=limit)
    )

    ids = [p.external_id for p in products]
    assert len(ids) == len(set(ids)), "a product came twice"
    assert set(ids) == set(store.facts.products), "gaps or strangers"
    first = await store.client.list_products(ProductQuery(), cursor=None, limit=limit)
    assert pages == math.ceil(len(ids) / len(first.items))  # `limit`, or what cost allows
    for product in products:
        variants = [v.external_id for v in product.variants]
        assert sorted(variants) == sorted(store.facts.products[product.external_id])
        assert {v.product_external_id for v in product.variants} <= {product.external_id}
    stamps = [p.updated_at for p in products]
    assert None not in stamps
    assert stamps == sorted(stamps, reverse=True)  # type: ignore[type-var]
