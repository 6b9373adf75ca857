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
from platforms.shopify.mapping_common import (
    _PLATFORM,
    Payload,
    _address,
    _build,
    _custom_fields,
    _datetime,
    _dicts,
    _fail,
    _id,
    _int,
    _money,
    _nonempty,
    _opt_id,
    _require_dict,
    _tags,
    _text,
)

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
    data = _require_dict(payload, "variant")
    product_id = product_external_id or _opt_id(data.get("product_id"), "variant", "product_id")
    if product_id is None:
        raise _fail("variant", "product_id", "is missing")
    compare_at = data.get("compare_at_price")
    options = (data.get(f"option{n}") for n in (1, 2, 3))
    return _build(
        "variant",
        lambda: Variant(
            store_id=store_id,
            platform=_PLATFORM,
            external_id=_id(data.get("id"), "variant", "id"),
            product_external_id=product_id,
            title=_text(data.get("title")) or "",
            sku=_nonempty(data.get("sku")),
            barcode=_nonempty(data.get("barcode")),
            price=_money(data, "price", shop_currency, "variant"),
            compare_at_price=(
                None
                if compare_at in (None, "")
                else _money(data, "compare_at_price", shop_currency, "variant")
            ),
            inventory_item_id=_opt_id(
                data.get("inventory_item_id"), "variant", "inventory_item_id"
            ),
            option_values=tuple(str(o) for o in options if o is not None and o != ""),
            position=_int(data.get("position")),
            created_at=_datetime(data.get("created_at"), "variant", "created_at"),
            updated_at=_datetime(data.get("updated_at"), "variant", "updated_at"),
            custom_fields=_custom_fields(data),
            raw=dict(data),
        ),
    )


def _option(option: Payload) -> ProductOption:
    values = option.get("values")
    return ProductOption(
        name=_text(option.get("name")) or "",
        values=tuple(str(v) for v in values) if isinstance(values, list) else (),
    )


def map_product(payload: Any, *, store_id: str, shop_currency: str) -> Product:
    """Map a Shopify product with its embedded variants to a Product."""
    data = _require_dict(payload, "product")
    external_id = _id(data.get("id"), "product", "id")
    variants = tuple(
        map_variant(
            v, store_id=store_id, shop_currency=shop_currency, product_external_id=external_id
        )
        for v in _dicts(data.get("variants"))
    )
    return _build(
        "product",
        lambda: Product(
            store_id=store_id,
            platform=_PLATFORM,
            external_id=external_id,
            title=_text(data.get("title")) or "",
            handle=_nonempty(data.get("handle")),
            status=_PRODUCT_STATUS.get(_text(data.get("status")) or "", ProductStatus.UNKNOWN),
            vendor=_nonempty(data.get("vendor")),
            product_type=_nonempty(data.get("product_type")),
            tags=_tags(data.get("tags")),
            options=tuple(_option(o) for o in _dicts(data.get("options"))),
            variants=variants,
            created_at=_datetime(data.get("created_at"), "product", "created_at"),
            updated_at=_datetime(data.get("updated_at"), "product", "updated_at"),
            custom_fields=_custom_fields(data),
            raw=dict(data),
        ),
    )


def map_location(payload: Any, *, store_id: str) -> Location:
    """Map a Shopify location; a deleted or inactive location maps with active=False."""
    data = _require_dict(payload, "location")
    active = data.get("active")
    return _build(
        "location",
        lambda: Location(
            store_id=store_id,
            platform=_PLATFORM,
            external_id=_id(data.get("id"), "location", "id"),
            name=_text(data.get("name")) or "",
            active=(active if isinstance(active, bool) else True) and not data.get("deleted_at"),
            address=_address(data),
            raw=dict(data),
        ),
    )


def map_inventory_level(payload: Any, *, store_id: str) -> InventoryLevel:
    """Map one Shopify inventory level (one item at one location)."""
    data = _require_dict(payload, "inventory level")
    item_id = _id(data.get("inventory_item_id"), "inventory level", "inventory_item_id")
    location_id = _id(data.get("location_id"), "inventory level", "location_id")
    return _build(
        "inventory level",
        lambda: InventoryLevel(
            store_id=store_id,
            platform=_PLATFORM,
            external_id=f"{item_id}:{location_id}",
            inventory_item_id=item_id,
            location_external_id=location_id,
            available=_int(data.get("available")),
            updated_at=_datetime(data.get("updated_at"), "inventory level", "updated_at"),
            raw=dict(data),
        ),
    )
