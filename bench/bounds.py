"""Lower bounds on upstream calls: the fewest requests each platform's API allows per row.

Each bound is computed from the answer itself (which products, variants and stock items the
page holds) with the documented batch caps, and comes with the formula shown in the table.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bench.queries import Row
from platforms.bigcommerce.client import id_windows
from platforms.ids import decode_id
from platforms.shopify.client_graphql_catalog import PARTIAL_PRODUCT
from platforms.shopify.cost import MAX_QUERY_COST
from platforms.shopify.documents import nodes
from platforms.shopify.mapping.graphql_catalog import stocked_variant_fields

SHOPIFY_IDS_CAP = 250  # orders.json / products.json `ids=` and `limit`
SHOPIFY_INVENTORY_CAP = 50  # inventory_levels.json `inventory_item_ids`
WOO_INCLUDE_CAP = 100  # `include=` with per_page <= 100
MAGENTO_IN_CAP = 300  # our searchCriteria `in` chunk (URL length), far above one page's needs
BIGCOMMERCE_CAP = 250  # V3 `id:in` / `variant_id:in` with limit <= 250; V2 id windows of 250


# Where the gateway spends more than the bound, and why (shown in table 1 when ratio > 1).
# Empty: every row is expected at ratio 1.00 (Magento's nested row reaches it by asking
# get_variants for incomplete parents when the query does not read `product { variants }`).
EXCESS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Bound:
    """The minimum calls for a row, how it was counted, and why it exceeds one per resource."""

    calls: int
    formula: str
    forced: str = ""
    excess: str = ""


def _ext(global_id: str) -> str:
    return decode_id(global_id).external_id


def _line_variants(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for edge in data["orders"]["edges"]:
        for line in edge["node"]["lineItems"]:
            if line["variant"] is not None:
                yield line["variant"]


def _variable_parents(pairs: list[tuple[str, str]]) -> set[str]:
    """Products that have a variant with its own id (a simple product is its own variant)."""
    return {product for product, variant in pairs if variant != product}


def nested_bound(platform: str, data: dict[str, Any]) -> Bound:
    """orders page → variants → products → stock per location."""
    variants = list(_line_variants(data))
    pairs = [(_ext(v["product"]["id"]), _ext(v["id"])) for v in variants if v["product"]]
    products = {p for p, _ in pairs}
    items = {v["inventoryItemId"] for v in variants if v["inventoryItemId"]}
    if platform == "shopify":
        return _shopify_graphql_nested(variants)
    if platform == "shopify-rest":
        p = math.ceil(len(products) / SHOPIFY_IDS_CAP)
        i = math.ceil(len(items) / SHOPIFY_INVENTORY_CAP)
        return Bound(
            1 + p + i + 1,
            f"1 orders + ceil({len(products)}/250) products + ceil({len(items)}/50) levels"
            " + 1 locations",
            "no batch variant endpoint: variants ride on their products",
        )
    if platform == "woocommerce":
        variable = _variable_parents(pairs)
        p = math.ceil(len(products) / WOO_INCLUDE_CAP)
        return Bound(
            1 + p + len(variable),
            f"1 orders + ceil({len(products)}/100) products + {len(variable)} variable parents",
            "no cross-product variations endpoint: one call per variable parent",
        )
    if platform == "bigcommerce":
        p = math.ceil(len(products) / BIGCOMMERCE_CAP)
        i = math.ceil(len(items) / BIGCOMMERCE_CAP)
        return Bound(
            1 + p + i + 1,
            f"1 orders (lines included) + ceil({len(products)}/250) products + "
            f"ceil({len(items)}/250) inventory items + 1 locations",
        )
    ids = products | {v for _, v in pairs}
    return Bound(
        1 + math.ceil(len(ids) / MAGENTO_IN_CAP) + math.ceil(len(items) / MAGENTO_IN_CAP) + 1,
        f"1 orders + ceil({len(ids)}/300) products + ceil({len(items)}/300) source-items"
        " + 1 sources",
    )


def _shopify_graphql_nested(variants: list[dict[str, Any]]) -> Bound:
    """Admin GraphQL (Shopify's default API): the orders page names the lines' variants, then
    the variants with their products and their stock at every location, each priced by the
    published rules, in documents of at most 1,000 requested points."""
    distinct = {v["id"] for v in variants}
    places = {lv["location"]["name"] for v in variants for lv in v["inventoryLevels"]}
    fields = stocked_variant_fields(PARTIAL_PRODUCT, [str(n) for n in range(len(places))])
    each = nodes("ProductVariant", ["x"], *fields).cost
    documents = math.ceil(len(distinct) * each / MAX_QUERY_COST)
    return Bound(
        1 + documents,
        f"1 orders page + ceil({len(distinct)} x {each} / 1000) variants with stock at"
        f" {len(places)} locations",
        "at most 1,000 requested points a document; the variants' ids come with the page",
    )


def catalogue_bound(platform: str, data: dict[str, Any]) -> Bound:
    """One products page with every product's variants."""
    nodes = [e["node"] for e in data["products"]["edges"]]
    pairs = [(_ext(n["id"]), _ext(v["id"])) for n in nodes for v in n["variants"]]
    variable = _variable_parents(pairs)
    if platform in ("shopify", "shopify-rest", "bigcommerce"):
        return Bound(1, "1 products page (variants embedded)")
    if platform == "woocommerce":
        return Bound(
            1 + len(variable),
            f"1 products page + {len(variable)} variable products' variations",
            "no cross-product variations endpoint: one call per variable product",
        )
    children = 1 if variable else 0
    return Bound(
        1 + children,
        f"1 products page + {children} children search",
        "configurable products list child ids only: their children need a second search",
    )


def multi_store_bound(row: Row) -> Bound:
    """One orders page per store."""
    return Bound(len(row.store_ids), f"1 orders page x {len(row.store_ids)} stores")


def entities_bound(platform: str, row: Row) -> Bound:
    """Orders by an id list, as a federation router batches `_entities`."""
    n = len(row.variables["representations"])
    if platform == "bigcommerce":
        # V2 has no `id:in`: the fewest calls are the fewest min_id..max_id windows of 250
        ids = [_ext(r["id"]) for r in row.variables["representations"]]
        windows = len(id_windows(ids))
        return Bound(windows, f"{windows} id windows of 250 ({n} orders)", "V2 orders: no id:in")
    cap = {
        "shopify": SHOPIFY_IDS_CAP,  # nodes(ids:) takes 250 too
        "shopify-rest": SHOPIFY_IDS_CAP,
        "woocommerce": WOO_INCLUDE_CAP,
        "magento": MAGENTO_IN_CAP,
    }[platform]
    return Bound(math.ceil(n / cap), f"ceil({n}/{cap}) orders-by-ids")


def bound_for(row: Row, data: dict[str, Any]) -> Bound:
    """The lower bound of a row, from its answer, with the known excess explained."""
    bound = _bound(row, data)
    excess = EXCESS.get((row.platform, row.query), "")
    return Bound(bound.calls, bound.formula, bound.forced, excess)


def _bound(row: Row, data: dict[str, Any]) -> Bound:
    if row.query == "nested":
        return nested_bound(row.platform, data)
    if row.query == "catalogue":
        return catalogue_bound(row.platform, data)
    if row.query == "multi-store":
        return multi_store_bound(row)
    return entities_bound(row.platform, row)
