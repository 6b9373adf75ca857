"""BigCommerce V3 catalog (products with `include=variants,custom_fields`), V3 multi-location
inventory items and locations -> canonical Product, Variant, InventoryLevel, Location."""

from __future__ import annotations

from typing import Any

from platforms.bigcommerce.mapping.common import (
    address,
    decimal_of,
    external_id,
    money,
    parse_time,
    text,
)
from platforms.canonical import (
    Address,
    CustomField,
    InventoryLevel,
    Location,
    Money,
    Platform,
    Product,
    ProductOption,
    ProductStatus,
    Variant,
)
from platforms.errors import PayloadError

Payload = dict[str, Any]


def _labels(variant: Payload) -> tuple[tuple[str, str], ...]:
    return tuple(
        (str(o.get("option_display_name") or ""), str(o.get("label") or ""))
        for o in variant.get("option_values") or ()
        if isinstance(o, dict)
    )


def _price(variant: Payload, product: Payload, currency: str) -> tuple[Money, Money | None]:
    """What a shopper pays and what it is marked down from: a variant's null price is its
    product's; a sale price (> 0) is charged instead of the price, which becomes compare-at."""
    base = variant.get("price")
    base = product.get("price") if base is None else base
    sale = variant.get("sale_price")
    sale = product.get("sale_price") if sale is None else sale
    if decimal_of(sale) > 0:
        return money(sale, currency), money(base, currency)
    retail = decimal_of(variant.get("retail_price") or product.get("retail_price"))
    compare = money(retail, currency) if retail > decimal_of(base) else None
    return money(base, currency), compare


def map_variant(
    variant: Payload, *, product: Payload, store_id: str, currency: str, position: int | None
) -> Variant:
    """A V3 variant; its inventory item is the variant itself (inventory is by variant_id)."""
    variant_id = external_id(variant)
    labels = _labels(variant)
    price, compare = _price(variant, product, currency)
    return Variant(
        store_id=store_id,
        platform=Platform.BIGCOMMERCE,
        external_id=variant_id,
        product_external_id=external_id(variant, "product_id"),
        title=" / ".join(v for _, v in labels) or str(product.get("name") or ""),
        sku=text(variant.get("sku")),
        barcode=text(variant.get("upc")) or text(variant.get("gtin")),
        price=price,
        compare_at_price=compare,
        inventory_item_id=variant_id,
        option_values=tuple(v for _, v in labels),
        position=position,
        raw=variant,
    )


def _options(variants: list[Payload]) -> tuple[ProductOption, ...]:
    values: dict[str, list[str]] = {}
    for variant in variants:
        for name, label in _labels(variant):
            if label not in values.setdefault(name, []):
                values[name].append(label)
    return tuple(ProductOption(name=n, values=tuple(v)) for n, v in values.items() if n)


def map_product(payload: Payload, *, store_id: str, currency: str) -> Product:
    """A V3 product with its variants (every product has at least its base variant)."""
    variants = [v for v in payload.get("variants") or () if isinstance(v, dict)]
    if not variants:
        raise PayloadError("BigCommerce product came without variants (include=variants)")
    url = payload.get("custom_url")
    handle = text(url.get("url")) if isinstance(url, dict) else None
    keywords = str(payload.get("search_keywords") or "")
    return Product(
        store_id=store_id,
        platform=Platform.BIGCOMMERCE,
        external_id=external_id(payload),
        title=str(payload.get("name") or ""),
        handle=handle.strip("/") if handle else None,
        status=ProductStatus.ACTIVE if payload.get("is_visible") else ProductStatus.DRAFT,
        product_type=text(payload.get("type")),
        tags=tuple(t.strip() for t in keywords.split(",") if t.strip()),
        options=_options(variants),
        variants=tuple(
            map_variant(v, product=payload, store_id=store_id, currency=currency, position=i)
            for i, v in enumerate(variants, start=1)
        ),
        created_at=parse_time(payload.get("date_created")),
        updated_at=parse_time(payload.get("date_modified")),
        custom_fields=tuple(
            CustomField(key=str(f["name"]), value=f.get("value"))
            for f in payload.get("custom_fields") or ()
            if isinstance(f, dict) and f.get("name")
        ),
        raw=payload,
    )


def map_levels(item: Payload, *, store_id: str) -> list[InventoryLevel]:
    """One `inventory/items` row (a variant) -> its level at each location it is stocked at:
    available = available to sell (on hand less safety stock, which is what is held back)."""
    identity = item.get("identity")
    if not isinstance(identity, dict):
        raise PayloadError("BigCommerce inventory item has no identity")
    item_id = external_id(identity, "variant_id")
    levels = []
    for row in item.get("locations") or ():
        if not isinstance(row, dict):
            continue
        location = external_id(row, "location_id")
        found = row.get("settings")
        settings: Payload = found if isinstance(found, dict) else {}
        levels.append(
            InventoryLevel(
                store_id=store_id,
                platform=Platform.BIGCOMMERCE,
                external_id=f"{item_id}:{location}",
                inventory_item_id=item_id,
                location_external_id=location,
                available=int(row.get("available_to_sell") or 0),
                on_hand=int(row.get("total_inventory_onhand") or 0),
                reserved=int(settings.get("safety_stock") or 0),
                raw=row,
            )
        )
    return levels


def map_location(payload: Payload, *, store_id: str) -> Location:
    """A V3 inventory location."""
    found = payload.get("address")
    place: Address | None = None
    if isinstance(found, dict):
        place = address({**found, "country_iso2": found.get("country_code")})
    return Location(
        store_id=store_id,
        platform=Platform.BIGCOMMERCE,
        external_id=external_id(payload),
        name=str(payload.get("label") or payload.get("code") or ""),
        active=bool(payload.get("enabled", True)),
        address=place,
        raw=payload,
    )
