"""Bulk reads of a whole catalogue against the sandbox over a real socket: the same products,
variants and levels as paging, for 10 points a query; refusals are typed errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from platforms.adapter import ProductQuery
from platforms.errors import UpstreamValidationError
from platforms.sandbox.kit import serve
from platforms.shopify.client_graphql import ShopifyGraphqlClient
from platforms.shopify.client_graphql_bulk import ShopifyBulkReads
from platforms.shopify.sandbox.app import ShopifySandbox

Served = tuple[ShopifySandbox, ShopifyGraphqlClient]


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    sandbox = ShopifySandbox(seed=4, orders=3, products=9, bucket=None)
    async with serve(sandbox.app) as url:
        connection = replace(sandbox.connection("big", url), options={"bulk_above": "3"})
        client = ShopifyGraphqlClient(connection)
        try:
            yield sandbox, client
        finally:
            await client.aclose()


async def test_bulk_catalogue_equals_the_paged_one(served: Served) -> None:
    sandbox, client = served
    found = await client.whole_catalogue()
    assert found is not None and found.errors == [] and found.level_errors == []
    paged = []
    cursor = None
    while True:
        page = await client.list_products(ProductQuery(), cursor=cursor, limit=50)
        paged += page.items
        if (cursor := page.next_cursor) is None:
            break
    assert _by_id(found.products) == _by_id(paged)
    items = [v.inventory_item_id for p in paged for v in p.variants if v.inventory_item_id]
    levels = await client.get_inventory_levels(items)
    assert _by_id(found.levels) == _by_id([lv for lvs in levels.values() for lv in lvs])
    assert len(found.levels) == len(sandbox.state.inventory_levels)


def _by_id(models: list[Any]) -> dict[str, Any]:
    """Canonical objects by external id, as JSON without the raw payload."""
    return {m.external_id: m.model_dump(mode="json", exclude={"raw"}) for m in models}


async def test_a_small_store_is_paged(served: Served) -> None:
    _, client = served
    small = ShopifyBulkReads(
        ShopifyGraphqlClient(replace(client.connection, options={"bulk_above": "100000"}))
    )
    try:
        assert await small.catalogue_if_large() is None
        off = ShopifyBulkReads(
            ShopifyGraphqlClient(replace(client.connection, options={"bulk_above": "off"}))
        )
        assert await off.catalogue_if_large() is None
        await off.api.aclose()
    finally:
        await small.api.aclose()


async def test_a_bulk_query_shopify_refuses_is_an_error_naming_the_store(served: Served) -> None:
    _, client = served
    with pytest.raises(UpstreamValidationError) as caught:
        await client.bulk.run("{ shop { name } }", client._ctx("bulk_catalogue"))
    assert caught.value.store_id == "big"
    assert "at least one connection" in str(caught.value)
