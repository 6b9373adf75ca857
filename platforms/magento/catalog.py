"""Pure assembly of Products and Variants from a batch of Magento product payloads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from platforms.adapter import VariantBatch, VariantKey
from platforms.canonical import Product, Variant
from platforms.magento.map_catalog import child_ids, is_configurable, map_product, map_variant

Payload = dict[str, Any]


def by_id(rows: Iterable[Payload]) -> dict[str, Payload]:
    """Product payloads keyed by their entity id (as str)."""
    return {str(row["id"]): row for row in rows if row.get("id") is not None}


def is_hidden_child(row: Payload | None) -> bool:
    """A simple product "Not Visible Individually": in practice a configurable's child."""
    return row is not None and not is_configurable(row) and row.get("visibility") == 1


def missing_children(parents: Iterable[Payload], have: Mapping[str, Payload]) -> list[str]:
    """Child ids of the configurables among `parents` not already in `have`."""
    wanted = (cid for p in parents if is_configurable(p) for cid in child_ids(p))
    return list(dict.fromkeys(cid for cid in wanted if cid not in have))


def assemble_products(
    parents: Sequence[Payload],
    known: Mapping[str, Payload],
    store_id: str,
    currency: str,
    *,
    inline_stock: bool,
) -> list[Product]:
    """Products in `parents` order; configurables take their children from `known`."""
    return [
        map_product(row, store_id, currency, children=known, inline_stock=inline_stock)
        for row in parents
    ]


def assemble_variant_batch(
    keys: Sequence[VariantKey],
    known: Mapping[str, Payload],
    store_id: str,
    currency: str,
    *,
    inline_stock: bool,
) -> VariantBatch:
    """Variants for `keys` from the payloads fetched (missing or non-variant ids absent).

    A key's parent hint is used when that configurable really links the child. Parents
    are returned as Products only when every child of theirs was fetched too, so a
    Product handed on never carries a partial variant list.
    """
    variants: dict[str, Variant] = {}
    products: dict[str, Product] = {}
    for key in keys:
        row = known.get(key.external_id)
        if row is None or is_configurable(row):
            continue
        parent = known.get(key.product_external_id or "")
        if parent is None or key.external_id not in child_ids(parent):
            variants[key.external_id] = map_variant(
                row, store_id, currency, position=1, inline_stock=inline_stock
            )
            products.setdefault(
                key.external_id, map_product(row, store_id, currency, inline_stock=inline_stock)
            )
            continue
        links = child_ids(parent)
        variants[key.external_id] = map_variant(
            row,
            store_id,
            currency,
            parent=parent,
            position=links.index(key.external_id) + 1,
            inline_stock=inline_stock,
        )
        if all(cid in known for cid in links):
            products.setdefault(
                str(parent["id"]),
                map_product(parent, store_id, currency, children=known, inline_stock=inline_stock),
            )
    return VariantBatch(variants=variants, products=products)
