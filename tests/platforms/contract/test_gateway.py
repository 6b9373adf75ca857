"""Contract through the gateway over HTTP: the standard nested order query costs exactly the
fewest upstream calls each platform's API allows, and missing ids are null, not errors.

Upstream calls of NESTED (a page of `n` orders, 30 and 50, with variants, products, inventory
and locations), where V = distinct variants on the page, items = their inventory items and
P = distinct variable/configurable products:

| Platform (API)  | Calls              | Why this is the fewest the API allows                     |
|-----------------|--------------------|-----------------------------------------------------------|
| Shopify GraphQL | 1 + ceil(V/90)     | the orders page with its lines' variant ids and the store's locations (`locations(first: 50)`, read while not known); then `nodes(ids:)` of the variants with their products' own fields and their stock at each location (one `inventoryLevel(locationId:)` alias each): 11 points a variant at 3 locations, 90 a document, the documents sent at once. Split by cost: no single document may request over 1,000 points |
| Shopify REST    | 3 + ceil(items/50) | orders page; `products.json?ids=` (variants embedded, 250 ids a call); `inventory_levels.json?inventory_item_ids=` (capped at 50 ids a call); `locations.json` |
| WooCommerce     | 2 + P              | orders page; `products?include=` (100 a call); one `products/{id}/variations` per variable product (no cross-product variations endpoint); stock rides on the variation and the one location is synthetic: 0 calls |
| Magento 2       | 4                  | orders search; one `products` search for variants and parents (`entity_id in`; the configurables' other children are not fetched, as `product { variants }` is not read); `inventory/source-items` (`sku in`, 300 a call); `inventory/sources` |
| BigCommerce     | 2 + 2 x ceil(V/250) | V2 orders page with `include=consignments.line_items&consignment_structure=object` (the lines come with the page); V3 `catalog/products?id:in=&include=variants` for the lines' products (250 a call; products <= V); V3 `inventory/items?variant_id:in=` (one row per variant with every location, 250 a call); `inventory/locations` |
| Amazon SP-API   | 1 + 2 ceil(V/20) + ceil(P/20) + 2 ceil(V/50) | `searchOrders` (items inline); `searchListingsItems` by SKU (20 a call) for the variants, again for their families' parent listings; stock: the listings' merchant quantity (20 SKUs a call) and `getInventorySummaries` per marketplace (50 SKUs a call, 2 marketplaces), sent at once; locations come from the store's configured marketplaces: 0 calls |

Points of Shopify GraphQL's requests (requested by the published rules / actual, on the
contract store): the orders page requests 2 + n x (7 + 2L) + 102, with L lines an order sized
to fill the document (n = 30: L = 11, 974 / 309; n = 50: L = 5, 954 / 527); each variants
document requests 11 a variant (n = 30: 55 variants, 605 / 605; n = 50: 79, 869 / 869).
The actual points are asserted too (`NESTED_ORDER_QUERY_ACTUAL`: the contract store's seed).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import astuple, dataclass
from typing import TYPE_CHECKING, Any

import pytest

from platforms.ids import Kind, decode_id, encode_id
from tests.platforms.contract.support import MISSING_ID, OpenStore

if TYPE_CHECKING:
    from tests.conftest import StartGateway

NESTED = """
query Nested($first: Int) {
  orders(first: $first) {
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

    orders: int
    variants: int  # distinct variants
    items: int  # distinct inventory items
    variable_products: int  # distinct parents with more than one variant


@dataclass(frozen=True)
class Cost:
    """A platform's stated upstream cost of NESTED."""

    formula: str
    calls: Callable[[PageShape], int]


NESTED_ORDER_QUERY_CALLS: dict[str, Cost] = {
    "shopify-graphql": Cost("1 + ceil(V/90)", lambda s: 1 + math.ceil(s.variants / 90)),
    "shopify-rest": Cost("3 + ceil(items/50)", lambda s: 3 + math.ceil(s.items / 50)),
    "woocommerce": Cost("2 + P", lambda s: 2 + s.variable_products),
    "magento": Cost("4", lambda s: 4),
    "bigcommerce": Cost("2 + 2 x ceil(V/250)", lambda s: 2 + 2 * math.ceil(s.variants / 250)),
    "amazon": Cost(
        "1 + 2 ceil(V/20) + ceil(P/20) + 2 ceil(V/50)",
        lambda s: (
            1
            + 2 * math.ceil(s.variants / 20)
            + math.ceil(s.variable_products / 20)
            + 2 * math.ceil(s.variants / 50)
        ),
    ),
}


def _shopify_points(shape: PageShape) -> list[int]:
    """Requested points of each of Shopify GraphQL's requests (see the module's docstring)."""
    locations = 2 + 50 * 2
    lines = ((1000 - locations - 2) // shape.orders - 7) // 2
    page = 2 + shape.orders * (7 + 2 * lines) + locations
    per_doc = math.ceil(shape.variants / math.ceil(shape.variants / 90))
    chunks = [per_doc] * (shape.variants // per_doc)
    if shape.variants % per_doc:
        chunks.append(shape.variants % per_doc)
    return [page, *(11 * c for c in chunks)]


# APIs that bound requests by points: what each of NESTED's requests requests
NESTED_ORDER_QUERY_POINTS: dict[str, Callable[[PageShape], list[int]]] = {
    "shopify-graphql": _shopify_points,
}


# What each of those requests actually cost (`actualQueryCost`) on the contract store, by `n`
NESTED_ORDER_QUERY_ACTUAL: dict[str, dict[int, list[int]]] = {
    "shopify-graphql": {30: [309, 605], 50: [527, 869]},
}


def shape(edges: list[dict[str, Any]], products: dict[str, tuple[str, ...]]) -> PageShape:
    variants = [li["variant"] for e in edges for li in e["node"]["lineItems"]]
    parents = {decode_id(v["product"]["id"]).external_id for v in variants}
    variable = [p for p in parents if len(products[p]) > 1]
    return PageShape(
        orders=len(edges),
        variants=len({v["id"] for v in variants}),
        items=len({v["inventoryItemId"] for v in variants}),
        variable_products=len(variable),
    )


@pytest.mark.parametrize("first", [30, 50])
async def test_nested_order_query_costs_the_fewest_calls_the_api_allows(
    open_store: OpenStore, start_gateway: StartGateway, first: int
) -> None:
    store = await open_store("nested")
    gateway = await start_gateway([store.connection])
    store.sandbox.calls.reset()

    edges = (await gateway.data(NESTED, {"first": first}))["orders"]["edges"]

    assert len(edges) == first
    lines = [li for e in edges for li in e["node"]["lineItems"]]
    assert lines and all(li["variant"] is not None for li in lines)
    for line in lines:
        assert line["variant"]["product"]["title"]
        levels = line["variant"]["inventoryLevels"]
        assert levels and all(lv["location"]["name"] for lv in levels)
    cost = NESTED_ORDER_QUERY_CALLS.get(store.api)
    assert cost is not None, f"state {store.api}'s cost of NESTED in NESTED_ORDER_QUERY_CALLS"
    page = shape(edges, dict(store.facts.products))
    expected = cost.calls(page)
    assert store.sandbox.calls.total == expected, (cost.formula, store.sandbox.calls.by_route)
    points = NESTED_ORDER_QUERY_POINTS.get(store.api)
    if points is not None:
        assert gateway.registry is not None
        spent = list(gateway.registry.get("nested").client.spent)
        assert sorted(s.requested for s in spent) == sorted(points(page))
        assert all(s.requested <= 1000 and (s.actual or 0) <= s.requested for s in spent)
        actual = NESTED_ORDER_QUERY_ACTUAL[store.api][first]
        assert sorted(s.actual for s in spent) == sorted(actual), [astuple(s) for s in spent]


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
