"""WooCommerce product/variation payloads -> canonical Product, Variant, InventoryLevel (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from platforms.canonical import (
    InventoryLevel,
    Location,
    Platform,
    Product,
    ProductOption,
    ProductStatus,
    Variant,
)
from platforms.errors import PayloadError
from platforms.woocommerce.mapping.common import (
    as_list,
    custom_fields,
    external_id,
    money,
    optional_id,
    text_or_none,
    timestamp,
)

# WooCommerce core keeps stock per product/variation, not per place: one synthetic location.
LOCATION_ID = "default"

# publish -> ACTIVE; draft/pending/future (not yet live) -> DRAFT; private/trash -> ARCHIVED.
PRODUCT_STATUS: dict[str, ProductStatus] = {
    "publish": ProductStatus.ACTIVE,
    "draft": ProductStatus.DRAFT,
    "pending": ProductStatus.DRAFT,
    "future": ProductStatus.DRAFT,
    "private": ProductStatus.ARCHIVED,
    "trash": ProductStatus.ARCHIVED,
}


def store_location(store_id: str, store_name: str) -> Location:
    """The one synthetic stock location of a WooCommerce store."""
    return Location(
        store_id=store_id,
        platform=Platform.WOOCOMMERCE,
        external_id=LOCATION_ID,
        name=f"{store_name} stock",
    )


def stock_level(payload: dict[str, Any], *, store_id: str, item_id: str) -> InventoryLevel:
    """The stock a product/variation payload carries, at the synthetic location.

    `available` is `stock_quantity` when stock is managed (true, or "parent" on a variation,
    where WooCommerce already reports the parent's quantity); None when it is not tracked.
    """
    managed = payload.get("manage_stock") in (True, "parent")
    quantity = payload.get("stock_quantity")
    tracked = managed and isinstance(quantity, int) and not isinstance(quantity, bool)
    return InventoryLevel(
        store_id=store_id,
        platform=Platform.WOOCOMMERCE,
        external_id=f"{item_id}:{LOCATION_ID}",
        inventory_item_id=item_id,
        location_external_id=LOCATION_ID,
        available=quantity if tracked else None,
        updated_at=timestamp(payload, "date_modified"),
    )


def _compare_at(payload: dict[str, Any], currency: str) -> Any:
    # on sale: `price` is the sale price and `regular_price` what it was.
    regular = payload.get("regular_price")
    if payload.get("on_sale") is True and regular not in (None, ""):
        return money(regular, currency)
    return None


def _variant(
    payload: dict[str, Any],
    *,
    store_id: str,
    currency: str,
    product_id: str,
    title: str,
    option_values: tuple[str, ...],
) -> Variant:
    variant_id = external_id(payload)
    position = payload.get("menu_order")
    return Variant(
        store_id=store_id,
        platform=Platform.WOOCOMMERCE,
        external_id=variant_id,
        product_external_id=product_id,
        title=title,
        sku=text_or_none(payload.get("sku")),
        price=money(payload.get("price"), currency),
        compare_at_price=_compare_at(payload, currency),
        inventory_item_id=variant_id,
        option_values=option_values,
        position=position if isinstance(position, int) and not isinstance(position, bool) else None,
        created_at=timestamp(payload, "date_created"),
        updated_at=timestamp(payload, "date_modified"),
        inline_inventory=(stock_level(payload, store_id=store_id, item_id=variant_id),),
        custom_fields=custom_fields(payload.get("meta_data")),
        raw=payload,
    )


def map_variation(
    payload: dict[str, Any], *, store_id: str, currency: str, product_id: str | None = None
) -> Variant:
    """A `products/{id}/variations` entry (or `products/{vid}` of type variation) as a Variant.

    Its title is the chosen attribute options joined by " / " ("Black / M"), as Shopify titles
    variants; the parent id comes from the argument, else the payload's `parent_id`.
    """
    if not isinstance(payload, dict):
        raise PayloadError("WooCommerce variation payload is not an object")
    parent = product_id or optional_id(payload.get("parent_id"))
    if parent is None:
        raise PayloadError("WooCommerce variation payload has no parent_id")
    values = tuple(
        str(a.get("option")) for a in as_list(payload.get("attributes")) if a.get("option")
    )
    title = " / ".join(values) or text_or_none(payload.get("name")) or external_id(payload)
    return _variant(
        payload,
        store_id=store_id,
        currency=currency,
        product_id=parent,
        title=title,
        option_values=values,
    )


def simple_variant(payload: dict[str, Any], *, store_id: str, currency: str) -> Variant:
    """A simple product as its own single variant (variant external id = product id)."""
    product_id = external_id(payload)
    return _variant(
        payload,
        store_id=store_id,
        currency=currency,
        product_id=product_id,
        title=text_or_none(payload.get("name")) or product_id,
        option_values=(),
    )


def _options(payload: dict[str, Any]) -> tuple[ProductOption, ...]:
    # Only attributes "used for variations" define variants; others are descriptive.
    return tuple(
        ProductOption(
            name=str(a.get("name") or ""),
            values=tuple(str(v) for v in a.get("options") or () if v is not None),
        )
        for a in as_list(payload.get("attributes"))
        if a.get("variation") is True
    )


def _names(entries: Any) -> tuple[str, ...]:
    return tuple(str(e["name"]) for e in as_list(entries) if e.get("name"))


def is_variable(payload: dict[str, Any]) -> bool:
    """Whether variants live in `products/{id}/variations` (variable product)."""
    return payload.get("type") == "variable"


def map_product(
    payload: dict[str, Any],
    *,
    store_id: str,
    currency: str,
    variations: Sequence[dict[str, Any]] | None = None,
) -> Product:
    """A WooCommerce product as a canonical Product.

    Simple/external/grouped products carry themselves as their one variant. A variable
    product's variants are the given `variations` payloads (the products endpoint only
    lists their ids); without them its `variants` is empty. `product_type` is the first
    category (WooCommerce's closest notion); the raw `type` stays in `raw`.
    """
    if not isinstance(payload, dict):
        raise PayloadError("WooCommerce product payload is not an object")
    product_id = external_id(payload)
    if is_variable(payload):
        variants = tuple(
            map_variation(v, store_id=store_id, currency=currency, product_id=product_id)
            for v in variations or ()
        )
    else:
        variants = (simple_variant(payload, store_id=store_id, currency=currency),)
    status = payload.get("status")
    categories = _names(payload.get("categories"))
    return Product(
        store_id=store_id,
        platform=Platform.WOOCOMMERCE,
        external_id=product_id,
        title=text_or_none(payload.get("name")) or "",
        handle=text_or_none(payload.get("slug")),
        status=PRODUCT_STATUS.get(status if isinstance(status, str) else "", ProductStatus.UNKNOWN),
        product_type=categories[0] if categories else None,
        tags=_names(payload.get("tags")),
        options=_options(payload),
        variants=variants,
        created_at=timestamp(payload, "date_created"),
        updated_at=timestamp(payload, "date_modified"),
        custom_fields=custom_fields(payload.get("meta_data")),
        raw=payload,
    )
