"""Contract through the gateway over HTTP: the standard nested order query costs exactly the
fewest upstream calls each platform's API allows, and missing ids are null, not errors.

Upstream calls of NESTED (30 orders with variants, products, inventory and locations), where
items = distinct inventory items on the page and V = distinct variable/configurable products:

| Platform    | Calls            | Why this is the fewest the API allows                         |
|-------------|------------------|---------------------------------------------------------------|
| Shopify     | 3 + ceil(items/50) | orders page; `products.json?ids=` (variants embedded, 250 ids a call); `inventory_levels.json?inventory_item_ids=` (capped at 50 ids a call); `locations.json` |
| WooCommerce | 2 + V            | orders page; `products?include=` (100 a call); one `products/{id}/variations` per variable product (no cross-product variations endpoint); stock rides on the variation and the one location is synthetic: 0 calls |
| Magento 2   | 4                | orders search; one `products` search for variants and parents (`entity_id in`; the configurables' other children are not fetched, as `product { variants }` is not read); `inventory/source-items` (`sku in`, 300 a call); `inventory/sources` |
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from platforms.ids import Kind, decode_id, encode_id
from tests.platforms.contract.support import MISSING_ID, OpenStore

if TYPE_CHECKING:
    from tests.conftest import StartGateway

NESTED = """
{
  orders(first: 30) {
    edges { node {
      id storeId updatedAt
      lineItems { quantity
        variant { id sku inventoryItemId product { id title }
          inventoryLevels { available location { name } } } }
    } }
  }
}"""


@dataclass(frozen=True)
class PageShape:
    """What a page of the nested query touched, in the terms the costs are stated in."""

    items: int  # distinct inventory items
    variable_products: int  # distinct parents with more than one variant


@dataclass(frozen=True)
class Cost:
    """A platform's stated upstream cost of NESTED."""

    formula: str
    calls: Callable[[PageShape], int]


NESTED_ORDER_QUERY_CALLS: dict[str, Cost] = {
    "shopify": Cost("3 + ceil(items/50)", lambda s: 3 + math.ceil(s.items / 50)),
    "woocommerce": Cost("2 + V", lambda s: 2 + s.variable_products),
    "magento": Cost("4", lambda s: 4),
}


def shape(edges: list[dict[str, Any]], products: dict[str, tuple[str, ...]]) -> PageShape:
    variants = [li["variant"] for e in edges for li in e["node"]["lineItems"]]
    parents = {decode_id(v["product"]["id"]).external_id for v in variants}
    variable = [p for p in parents if len(products[p]) > 1]
    return PageShape(
        items=len({v["inventoryItemId"] for v in variants}),
        variable_products=len(variable),
    )


async def test_nested_order_query_costs_the_fewest_calls_the_api_allows(
    open_store: OpenStore, start_gateway: StartGateway
) -> None:
    store = await open_store("nested")
    gateway = await start_gateway([store.connection])
    store.sandbox.calls.reset()

    edges = (await gateway.data(NESTED))["orders"]["edges"]

    assert len(edges) == 30
    lines = [li for e in edges for li in e["node"]["lineItems"]]
    assert lines and all(li["variant"] is not None for li in lines)
    for line in lines:
        assert line["variant"]["product"]["title"]
        levels = line["variant"]["inventoryLevels"]
        assert levels and all(lv["location"]["name"] for lv in levels)
    platform = store.spec.platform.value
    cost = NESTED_ORDER_QUERY_CALLS.get(platform)
    assert cost is not None, f"state {platform}'s cost of NESTED in NESTED_ORDER_QUERY_CALLS"
    expected = cost.calls(shape(edges, dict(store.facts.products)))
    assert store.sandbox.calls.total == expected, (cost.formula, store.sandbox.calls.by_route)


async def test_missing_ids_are_null_over_graphql(
    open_store: OpenStore, start_gateway: StartGateway
) -> None:
    store = await open_store("nulls")
    gateway = await start_gateway([store.connection])
    order_id = min(store.facts.orders)
    variant_id, product_id = min(store.facts.variants.items())
    query = """query($o: ID!, $p: ID!, $v: ID!, $mo: ID!, $mp: ID!, $mv: ID!) {
      order(id: $o) { id } product(id: $p) { id } variant(id: $v) { id product { id } }
      missingOrder: order(id: $mo) { id } missingProduct: product(id: $mp) { id }
      missingVariant: variant(id: $mv) { id }
    }"""
    ids = {
        "o": encode_id("nulls", Kind.ORDER, order_id),
        "p": encode_id("nulls", Kind.PRODUCT, product_id),
        "v": encode_id("nulls", Kind.VARIANT, variant_id),
        "mo": encode_id("nulls", Kind.ORDER, MISSING_ID),
        "mp": encode_id("nulls", Kind.PRODUCT, MISSING_ID),
        "mv": encode_id("nulls", Kind.VARIANT, MISSING_ID),
    }

    data = await gateway.data(query, ids)

    assert data["order"] == {"id": ids["o"]}
    assert data["product"] == {"id": ids["p"]}
    assert data["variant"] == {"id": ids["v"], "product": {"id": ids["p"]}}
    assert data["missingOrder"] is None
    assert data["missingProduct"] is None
    assert data["missingVariant"] is None
