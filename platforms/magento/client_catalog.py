"""Pure assembly of Products and Variants from a batch of Magento product payloads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from platforms.adapter import VariantBatch, VariantKey
from platforms.canonical import Product, Variant
from platforms.errors import PayloadError
from platforms.magento.mapping.catalog import child_ids, is_configurable, map_product, map_variant
from platforms.mapping.kit import MapSite

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
    site: MapSite,
) -> tuple[list[Product], list[PayloadError]]:
    """Products in `parents` order; configurables take their children from `known`.
    Each is mapped on its own: a bad one (or a bad child) is that product's error."""
    return site.each(
        lambda row: map_product(row, store_id, currency, children=known, inline_stock=inline_stock),
        parents,
    )


def assemble_variant_batch(
    keys: Sequence[VariantKey],
    known: Mapping[str, Payload],
    store_id: str,
    currency: str,
    *,
    inline_stock: bool,
    site: MapSite,
) -> VariantBatch:
    """Variants for `keys` from the payloads fetched (missing or non-variant ids absent).

    A key's parent hint is used when that configurable really links the child. A parent
    goes into `products` when every child of theirs was fetched too, so a Product handed on
    never carries a partial variant list; otherwise into `partial_products`, with the
    children fetched. A key whose payload cannot be mapped gets its own error; a parent that
    cannot be mapped is left for the product read.
    """
    variants: dict[str, Variant] = {}
    parents = _Parents()
    errors: dict[str, PayloadError] = {}
    for key in keys:
        try:
            _assemble_one(key, known, store_id, currency, inline_stock, variants, parents)
        except (PayloadError, ValueError, TypeError, KeyError) as exc:
            errors[key.external_id] = site.error(exc, key.external_id)
            variants.pop(key.external_id, None)
    return VariantBatch(
        variants=variants,
        products=parents.complete,
        errors=errors,
        partial_products=parents.partial,
    )


class _Parents:
    """The parent Products of a batch: complete ones and those missing some children."""

    def __init__(self) -> None:
        self.complete: dict[str, Product] = {}
        self.partial: dict[str, Product] = {}

    def has(self, product_id: str) -> bool:
        return product_id in self.complete or product_id in self.partial


def _assemble_one(
    key: VariantKey,
    known: Mapping[str, Payload],
    store_id: str,
    currency: str,
    inline_stock: bool,
    variants: dict[str, Variant],
    parents: _Parents,
) -> None:
    """One key's variant (and its product, when mappable) into the results."""
    row = known.get(key.external_id)
    if row is None or is_configurable(row):
        return
    parent = known.get(key.product_external_id or "")
    if parent is None or key.external_id not in child_ids(parent):
        variants[key.external_id] = map_variant(
            row, store_id, currency, position=1, inline_stock=inline_stock
        )
        parent, links = row, []
    else:
        links = child_ids(parent)
        variants[key.external_id] = map_variant(
            row,
            store_id,
            currency,
            parent=parent,
            position=links.index(key.external_id) + 1,
            inline_stock=inline_stock,
        )
    product_id = str(parent["id"])
    if parents.has(product_id):
        return
    whole = all(cid in known for cid in links)
    try:
        children = known if links else None
        product = map_product(
            parent, store_id, currency, children=children, inline_stock=inline_stock
        )
    except PayloadError:
        return  # the variant stands; a read of the product itself reports the bad parent
    (parents.complete if whole else parents.partial)[product_id] = product
