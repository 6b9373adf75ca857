"""Admin GraphQL products, variants, locations and inventory levels: fields read and mapping."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from platforms.canonical import (
    InventoryLevel,
    Location,
    Product,
    ProductOption,
    ProductStatus,
    Variant,
)
from platforms.shopify.documents import Field, Shape, conn, gid, listed, obj, scalars
from platforms.shopify.mapping import common as m
from platforms.shopify.mapping import graphql_common as g

QUANTITY_NAMES = ("available", "on_hand", "committed", "incoming", "reserved")
VARIANT = (
    *scalars("id title sku barcode price compareAtPrice position createdAt updatedAt"),
    listed("selectedOptions", *scalars("name value")),
    obj("inventoryItem", *scalars("id")),
)
PRODUCT = (
    *scalars("id title handle status vendor productType tags createdAt updatedAt"),
    listed("options", *scalars("name values")),
    g.metafields(),
)
QUANTITIES = listed("quantities", *scalars("name quantity"), names=list(QUANTITY_NAMES))
LEVEL = (*scalars("updatedAt"), QUANTITIES, obj("location", *scalars("id")))
_PLACE = "address1 address2 city province provinceCode zip country countryCode phone"
LOCATION = (*scalars("id name isActive deactivatedAt"), obj("address", *scalars(_PLACE)))
_STATUS = {s.value: s for s in ProductStatus}


def product_fields(variants: int) -> tuple[Field, ...]:
    """A product with its first `variants` variants (the rest are paged)."""
    return (*PRODUCT, conn("variants", variants, *VARIANT))


def variant_fields(product: tuple[Field, ...]) -> tuple[Field, ...]:
    """A variant read on its own, with these fields of its product."""
    return (*VARIANT, obj("product", *product))


def levels_at(locations: Sequence[str]) -> tuple[Field, ...]:
    """An inventory item's level at each of these locations, one alias each (`l0`, `l1`…):
    2 points a location instead of a connection's 2 plus 3 a level."""
    return tuple(
        Field(
            "inventoryLevel",
            (*scalars("updatedAt"), QUANTITIES),
            (("locationId", gid("Location", location)), ("includeInactive", True)),
            f"l{n}",
            Shape.OBJECT,
        )
        for n, location in enumerate(locations)
    )


def levels_listed(first: int) -> Field:
    """An inventory item's levels as a connection (locations not known beforehand)."""
    return conn("inventoryLevels", first, *LEVEL, includeInactive=True)


def stocked_variant_fields(
    product: tuple[Field, ...], locations: Sequence[str] | None
) -> tuple[Field, ...]:
    """A variant read with its parent's `product` fields and, for `locations`, its stock."""
    stock = () if locations is None else levels_at(locations)
    item = obj("inventoryItem", *scalars("id"), *stock)
    return (*(f for f in VARIANT if f.name != "inventoryItem"), item, obj("product", *product))


def map_variant(
    payload: Any,
    *,
    store_id: str,
    shop_currency: str,
    product_external_id: str | None = None,
) -> Variant:
    """Map an Admin GraphQL `ProductVariant`; the parent is the one it was read under, else
    its `product { id }`."""
    data = m.require_dict(payload, "variant")
    product_id = product_external_id or g.ref_ident(data.get("product"), "variant", "product")
    if product_id is None:
        raise m.fail("variant", "product", "is missing")
    compare_at = data.get("compareAtPrice")
    options = [o.get("value") for o in m.dicts(data.get("selectedOptions"))]
    return m.build(
        "variant",
        lambda: Variant(
            store_id=store_id,
            platform=m.PLATFORM,
            external_id=g.ident(data.get("id"), "variant", "id"),
            product_external_id=product_id,
            title=m.text(data.get("title")) or "",
            sku=m.nonempty(data.get("sku")),
            barcode=m.nonempty(data.get("barcode")),
            price=g.money(data.get("price"), shop_currency, "variant", "price"),
            compare_at_price=(
                None
                if compare_at in (None, "")
                else g.money(compare_at, shop_currency, "variant", "compareAtPrice")
            ),
            inventory_item_id=g.ref_ident(data.get("inventoryItem"), "variant", "inventoryItem"),
            option_values=tuple(str(o) for o in options if o not in (None, "")),
            position=m.integer(data.get("position")),
            created_at=m.timestamp(data.get("createdAt"), "variant", "createdAt"),
            updated_at=m.timestamp(data.get("updatedAt"), "variant", "updatedAt"),
            custom_fields=g.custom_fields(data),
            raw=dict(data),
        ),
    )


def map_product(
    payload: Any,
    *,
    store_id: str,
    shop_currency: str,
    variants: Sequence[Any] | None = None,
) -> Product:
    """Map an Admin GraphQL `Product`; `variants` when they were read in more than one page
    (default: the payload's own `variants`)."""
    data = m.require_dict(payload, "product")
    external_id = g.ident(data.get("id"), "product", "id")
    rows = g.nodes_of(data.get("variants")) if variants is None else m.dicts(list(variants))
    mapped = tuple(
        map_variant(
            v, store_id=store_id, shop_currency=shop_currency, product_external_id=external_id
        )
        for v in rows
    )
    return m.build(
        "product",
        lambda: Product(
            store_id=store_id,
            platform=m.PLATFORM,
            external_id=external_id,
            title=m.text(data.get("title")) or "",
            handle=m.nonempty(data.get("handle")),
            status=_STATUS.get(m.text(data.get("status")) or "", ProductStatus.UNKNOWN),
            vendor=m.nonempty(data.get("vendor")),
            product_type=m.nonempty(data.get("productType")),
            tags=m.tags(data.get("tags")),
            options=tuple(
                ProductOption(
                    name=m.text(o.get("name")) or "",
                    values=tuple(str(v) for v in o.get("values") or () if v is not None),
                )
                for o in m.dicts(data.get("options"))
            ),
            variants=mapped,
            created_at=m.timestamp(data.get("createdAt"), "product", "createdAt"),
            updated_at=m.timestamp(data.get("updatedAt"), "product", "updatedAt"),
            custom_fields=g.custom_fields(data),
            raw=dict(data),
        ),
    )


def map_location(payload: Any, *, store_id: str) -> Location:
    """Map an Admin GraphQL `Location`; a deactivated one maps with active=False."""
    data = m.require_dict(payload, "location")
    active = data.get("isActive")
    return m.build(
        "location",
        lambda: Location(
            store_id=store_id,
            platform=m.PLATFORM,
            external_id=g.ident(data.get("id"), "location", "id"),
            name=m.text(data.get("name")) or "",
            active=(active if isinstance(active, bool) else True) and not data.get("deactivatedAt"),
            address=g.address(data.get("address")),
            raw=dict(data),
        ),
    )


def map_level(
    payload: Any, *, store_id: str, item_id: str, location_id: str | None = None
) -> InventoryLevel:
    """Map an Admin GraphQL `InventoryLevel` of `item_id`, at `location_id` (else its
    `location { id }`); each of `QUANTITY_NAMES` the answer lacks is null."""
    data = m.require_dict(payload, "inventory level")
    where = location_id or g.ref_ident(data.get("location"), "inventory level", "location")
    if where is None:
        raise m.fail("inventory level", "location", "is missing")
    amounts = {
        str(q.get("name")): m.integer(q.get("quantity")) for q in m.dicts(data.get("quantities"))
    }
    return m.build(
        "inventory level",
        lambda: InventoryLevel(
            store_id=store_id,
            platform=m.PLATFORM,
            external_id=f"{item_id}:{where}",
            inventory_item_id=item_id,
            location_external_id=where,
            available=amounts.get("available"),
            on_hand=amounts.get("on_hand"),
            committed=amounts.get("committed"),
            incoming=amounts.get("incoming"),
            reserved=amounts.get("reserved"),
            updated_at=m.timestamp(data.get("updatedAt"), "inventory level", "updatedAt"),
            raw=dict(data),
        ),
    )
