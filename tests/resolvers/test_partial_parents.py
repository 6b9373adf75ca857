"""Magento line-item variants skip their parents' siblings unless `product { variants }` is read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from platforms.adapter import StoreConnection
from platforms.magento.sandbox.app import MagentoSandbox
from platforms.sandbox.kit import serve
from tests.conftest import Gateway, StartGateway

ORDERS = "GET /rest/{store_code}/V1/orders"
PRODUCTS = "GET /rest/{store_code}/V1/products"
SOURCE_ITEMS = "GET /rest/{store_code}/V1/inventory/source-items"
SOURCES = "GET /rest/{store_code}/V1/inventory/sources"

# bench/queries.py NESTED with `{product}` in place of `product { id title }`.
NESTED = """query($first: Int) { orders(first: $first) { edges { node { id lineItems {
  variant { id sku inventoryItemId {product}
    inventoryLevels { available location { name } } } } } } } }"""

WHOLE_SHAPES = {
    "plain": ("product { id title variants { id } }", ""),
    "spread under variant": (
        "...V",
        "fragment V on Variant { product { id title variants { id } } }",
    ),
    "spread under product": (
        "product { id ...P }",
        "fragment P on Product { title variants { id } }",
    ),
    "inline under variant": ("... on Variant { product { id title variants { id } } }", ""),
    "inline under product": ("product { id ... on Product { title variants { id } } }", ""),
}


@pytest.fixture
async def magento(
    start_gateway: StartGateway,
) -> AsyncIterator[tuple[MagentoSandbox, Gateway]]:
    """A seeded Magento sandbox on a real socket and a gateway in front of it."""
    sandbox = MagentoSandbox(seed=1)
    async with serve(sandbox.app) as url:
        conn: StoreConnection = sandbox.connection("mg", url)
        yield sandbox, await start_gateway([conn])


def _variants(data: dict[str, Any]) -> list[dict[str, Any]]:
    lines = [line for e in data["orders"]["edges"] for line in e["node"]["lineItems"]]
    return [line["variant"] for line in lines if line["variant"]]


async def _nested(gw: Gateway, product: str, fragments: str = "") -> dict[str, Any]:
    return await gw.data(NESTED.replace("{product}", product) + fragments, {"first": 20})


async def _read_whole(gw: Gateway, ids: list[str]) -> dict[str, dict[str, Any]]:
    """These products as `product(id:)` reads them (from the product itself), by id."""
    fields = " ".join(
        f'p{i}: product(id: "{pid}") {{ id title variants {{ id }} }}'
        for i, pid in enumerate(dict.fromkeys(ids))
    )
    data = await gw.data(f"{{ {fields} }}")
    return {p["id"]: p for p in data.values()}


async def _check_whole_parents(gw: Gateway, data: dict[str, Any]) -> None:
    """Every product's variants as read by `product(id:)`; some with unordered siblings."""
    variants = _variants(data)
    products = {v["product"]["id"]: v["product"] for v in variants}
    ordered = {v["id"] for v in variants}
    assert products == await _read_whole(gw, list(products))
    # the page orders only some children of some configurable: the case this is about
    assert any({v["id"] for v in p["variants"]} - ordered for p in products.values())


async def test_nested_query_without_product_variants_costs_the_api_lower_bound(
    magento: tuple[MagentoSandbox, Gateway],
) -> None:
    sandbox, gw = magento
    sandbox.calls.reset()
    data = await _nested(gw, "product { id title }")
    # 1 orders + 1 products (variants and their parents) + 1 source-items + 1 sources
    assert sandbox.calls.by_route == {ORDERS: 1, PRODUCTS: 1, SOURCE_ITEMS: 1, SOURCES: 1}
    variants = _variants(data)
    assert variants and all(v["product"]["title"] for v in variants)
    whole = await _read_whole(gw, [v["product"]["id"] for v in variants])
    for variant in variants:
        product = whole[variant["product"]["id"]]
        assert variant["product"]["title"] == product["title"]
        assert variant["id"] in {v["id"] for v in product["variants"]}


@pytest.mark.parametrize("shape", WHOLE_SHAPES.values(), ids=list(WHOLE_SHAPES))
async def test_reading_product_variants_returns_every_child(
    magento: tuple[MagentoSandbox, Gateway], shape: tuple[str, str]
) -> None:
    sandbox, gw = magento
    selection, fragments = shape
    sandbox.calls.reset()
    data = await _nested(gw, selection, fragments)
    # one more products search, for the siblings not ordered on the page (a fragment is
    # not read through: it counts as selecting `variants`)
    assert sandbox.calls.by_route == {ORDERS: 1, PRODUCTS: 2, SOURCE_ITEMS: 1, SOURCES: 1}
    await _check_whole_parents(gw, data)


async def test_a_partial_parent_never_answers_a_read_of_its_variants(
    magento: tuple[MagentoSandbox, Gateway],
) -> None:
    _, gw = magento
    lines = "lineItems { variant { id product { id title %s } } }"
    query = (
        "query($first: Int) {"
        f" a: orders(first: $first) {{ edges {{ node {{ {lines % ''} }} }} }}"
        f" b: orders(first: $first) {{ edges {{ node {{ {lines % 'variants { id }'} }} }} }} }}"
    )
    data = await gw.data(query, {"first": 20})
    # b's variants are a's (same loader key, loaded with incomplete parents), yet b reads
    # each product whole
    await _check_whole_parents(gw, {"orders": data["b"]})
