"""Pure mapping of Shopify Admin REST products, variants, locations and inventory levels."""

from __future__ import annotations

from typing import Any

from platforms.canonical import (
    InventoryLevel,
    Location,
    Product,
    ProductOption,
    ProductStatus,
    Variant,
)
from platforms.shopify.mapping import common as m

_PRODUCT_STATUS = {
    "active": ProductStatus.ACTIVE,
    "draft": ProductStatus.DRAFT,
    "archived": ProductStatus.ARCHIVED,
}


def map_variant(
    payload: Any,
    *,
    store_id: str,
    shop_currency: str,
    product_external_id: str | None = None,
) -> Variant:
    """Map a Shopify variant.

    `product_external_id` is the parent the caller knows (the product the variant came
    embedded in); it wins over the payload's `product_id`, which old payloads lack and
    vendor examples sometimes get wrong.
    """
    data = m.require_dict(payload, "variant")
    product_id = product_external_id or m.opt_ident(data.get("product_id"), "variant", "product_id")
    if product_id is None:
        raise m.fail("variant", "product_id", "is missing")
    compare_at = data.get("compare_at_price")
    options = (data.get(f"option{n}") for n in (1, 2, 3))
    return m.build(
        "variant",
        lambda: Variant(
            store_id=store_id,
            platform=m.PLATFORM,
            external_id=m.ident(data.get("id"), "variant", "id"),
            product_external_id=product_id,
            title=m.text(data.get("title")) or "",
            sku=m.nonempty(data.get("sku")),
            barcode=m.nonempty(data.get("barcode")),
            price=m.money(data, "price", shop_currency, "variant"),
            compare_at_price=(
                None
                if compare_at in (None, "")
                else m.money(data, "compare_at_price", shop_currency, "variant")
            ),
            inventory_item_id=m.opt_ident(
                data.get("inventory_item_id"), "variant", "inventory_item_id"
            ),
            option_values=tuple(str(o) for o in options if o is not None and o != ""),
            position=m.integer(data.get("position")),
            created_at=m.timestamp(data.get("created_at"), "variant", "created_at"),
            updated_at=m.timestamp(data.get("updated_at"), "variant", "updated_at"),
            custom_fields=m.custom_fields(data),
            raw=dict(data),
        ),
    )


def _option(option: m.Payload) -> ProductOption:
    values = option.get("values")
    return ProductOption(
        name=m.text(option.get("name")) or "",
        values=tuple(str(v) for v in values) if isinstance(values, list) else (),
    )


def map_product(payload: Any, *, store_id: str, shop_currency: str) -> Product:
    """Map a Shopify product with its embedded variants to a Product."""
    data = m.require_dict(payload, "product")
    external_id = m.ident(data.get("id"), "product", "id")
    variants = tuple(
        map_variant(
            v, store_id=store_id, shop_currency=shop_currency, product_external_id=external_id
        )
        for v in m.dicts(data.get("variants"))
    )
    return m.build(
        "product",
        lambda: Product(
            store_id=store_id,
            platform=m.PLATFORM,
            external_id=external_id,
            title=m.text(data.get("title")) or "",
            handle=m.nonempty(data.get("handle")),
            status=_PRODUCT_STATUS.get(m.text(data.get("status")) or "", ProductStatus.UNKNOWN),
            vendor=m.nonempty(data.get("vendor")),
            product_type=m.nonempty(data.get("product_type")),
            tags=m.tags(data.get("tags")),
            options=tuple(_option(o) for o in m.dicts(data.get("options"))),
            variants=variants,
            created_at=m.timestamp(data.get("created_at"), "product", "created_at"),
            updated_at=m.timestamp(data.get("updated_at"), "product", "updated_at"),
            custom_fields=m.custom_fields(data),
            raw=dict(data),
        ),
    )


def map_location(payload: Any, *, store_id: str) -> Location:
    """Map a Shopify location; a deleted or inactive location maps with active=False."""
    data = m.require_dict(payload, "location")
    active = data.get("active")
    return m.build(
        "location",
        lambda: Location(
            store_id=store_id,
            platform=m.PLATFORM,
            external_id=m.ident(data.get("id"), "location", "id"),
            name=m.text(data.get("name")) or "",
            active=(active if isinstance(active, bool) else True) and not data.get("deleted_at"),
            address=m.address(data),
            raw=dict(data),
        ),
    )


def map_inventory_level(payload: Any, *, store_id: str) -> InventoryLevel:
    """Map one Shopify inventory level (one item at one location)."""
    data = m.require_dict(payload, "inventory level")
    item_id = m.ident(data.get("inventory_item_id"), "inventory level", "inventory_item_id")
    location_id = m.ident(data.get("location_id"), "inventory level", "location_id")
    return m.build(
        "inventory level",
        lambda: InventoryLevel(
            store_id=store_id,
            platform=m.PLATFORM,
            external_id=f"{item_id}:{location_id}",
            inventory_item_id=item_id,
            location_external_id=location_id,
            available=m.integer(data.get("available")),
            updated_at=m.timestamp(data.get("updated_at"), "inventory level", "updated_at"),
            raw=dict(data),
        ),
    )
