"""Listings items and FBA inventory summaries -> canonical products, variants, stock (pure).

A seller SKU is a Variant; a variation family (the parent listing, with its parent ASIN) is a
Product whose variants are its child SKUs; a listing outside any family is a Product with
itself as the one variant. Stock: Amazon's FBA network is one location per marketplace
(`fba-<marketplaceId>`), merchant-fulfilled quantity one "merchant" location.
"""

from __future__ import annotations

from typing import Any

from platforms.amazon.mapping.common import field, money_of, optional_timestamp, text
from platforms.canonical import (
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
MERCHANT = "merchant"
MARKETPLACE_NAMES = {
    "ATVPDKIKX0DER": "Amazon.com",
    "A2EUQ1WTGCTBG2": "Amazon.ca",
    "A1AM78C64UM0Y8": "Amazon.com.mx",
    "A1F83G8C2ARO7P": "Amazon.co.uk",
    "A1PA6795UKMFR9": "Amazon.de",
    "A1VC38T7YXB528": "Amazon.co.jp",
}


def fba_location(marketplace_id: str) -> str:
    """The location id of Amazon's fulfilment network in one marketplace."""
    return f"fba-{marketplace_id}"


def locations(store_id: str, marketplace_ids: list[str]) -> list[Location]:
    """The merchant's own stock, then Amazon's network per marketplace."""
    found = [
        Location(
            store_id=store_id,
            platform=Platform.AMAZON,
            external_id=MERCHANT,
            name="Merchant-fulfilled stock",
        )
    ]
    for market in marketplace_ids:
        name = f"Amazon FBA ({MARKETPLACE_NAMES.get(market, market)})"
        found.append(
            Location(
                store_id=store_id,
                platform=Platform.AMAZON,
                external_id=fba_location(market),
                name=name,
            )
        )
    return found


def summary(item: Payload, marketplace_id: str) -> Payload:
    """The item's summary in `marketplace_id`, else its first."""
    rows = [s for s in item.get("summaries") or [] if isinstance(s, dict)]
    if not rows:
        raise PayloadError("listings item without summaries")
    return next((s for s in rows if s.get("marketplaceId") == marketplace_id), rows[0])


def _values(item: Payload, name: str) -> list[Any]:
    rows = (item.get("attributes") or {}).get(name) or []
    return [r.get("value") for r in rows if isinstance(r, dict) and r.get("value") is not None]


def relation(item: Payload, kind: str) -> list[str]:
    """The item's VARIATION `childSkus` or `parentSkus`."""
    for group in item.get("relationships") or []:
        for rel in group.get("relationships") or []:
            if rel.get("type") == "VARIATION" and rel.get(kind):
                return [str(s) for s in rel[kind]]
    return []


def theme(item: Payload) -> list[str]:
    """The variation theme's attribute names (e.g. ["color"])."""
    for group in item.get("relationships") or []:
        for rel in group.get("relationships") or []:
            attributes = (rel.get("variationTheme") or {}).get("attributes")
            if attributes:
                return [str(a) for a in attributes]
    return []


def _price(item: Payload, market: str, currency: str) -> Money:
    for offer in item.get("offers") or []:
        if offer.get("marketplaceId") == market and offer.get("offerType", "B2C") == "B2C":
            return money_of(offer.get("price"), currency, "offer price")
    raise PayloadError(f"listing has no B2C offer in {market}")


def _list_price(item: Payload, currency: str) -> Money | None:
    rows = (item.get("attributes") or {}).get("list_price") or []
    for row in rows:
        if isinstance(row, dict) and row.get("currency") == currency and row.get("value"):
            return money_of(
                {"amount": row["value"], "currencyCode": currency}, currency, "list_price"
            )
    return None


def map_variant(
    item: Payload, *, store_id: str, currency: str, market: str, parent: Payload | None
) -> Variant:
    """One purchasable SKU; `parent` is its family's parent listing (None: standalone)."""
    sku = text(item.get("sku"))
    if sku is None:
        raise PayloadError("listings item without sku")
    info = summary(item, market)
    names = theme(parent) if parent is not None else []
    options = [str(v[0]) for v in (_values(item, n) for n in names) if v]
    siblings = relation(parent, "childSkus") if parent is not None else [sku]
    codes = _values(item, "externally_assigned_product_identifier")
    return Variant(
        store_id=store_id,
        platform=Platform.AMAZON,
        external_id=sku,
        product_external_id=str(parent["sku"]) if parent is not None else sku,
        title=" / ".join(options) or text(info.get("itemName")) or sku,
        sku=sku,
        barcode=str(codes[0]) if codes else None,
        price=_price(item, market, currency),
        compare_at_price=_list_price(item, currency),
        inventory_item_id=sku,
        option_values=tuple(options),
        position=siblings.index(sku) + 1 if sku in siblings else None,
        created_at=optional_timestamp(info.get("createdDate")),
        updated_at=optional_timestamp(info.get("lastUpdatedDate")),
        custom_fields=(
            field("asin", info.get("asin")),
            field("productType", info.get("productType")),
        ),
        raw=item,
    )


def map_product(
    root: Payload, children: list[Payload], *, store_id: str, currency: str, market: str
) -> Product:
    """A family (`root` the parent listing, `children` its SKUs) or a standalone listing."""
    info = summary(root, market)
    family = bool(relation(root, "childSkus"))
    variants = (
        tuple(
            map_variant(c, store_id=store_id, currency=currency, market=market, parent=root)
            for c in children
        )
        if family
        else (map_variant(root, store_id=store_id, currency=currency, market=market, parent=None),)
    )
    names = theme(root) if family else []
    status = info.get("status") or []
    return Product(
        store_id=store_id,
        platform=Platform.AMAZON,
        external_id=str(root["sku"]),
        title=text(info.get("itemName")) or str(root["sku"]),
        handle=text(info.get("asin")),
        status=ProductStatus.ACTIVE
        if {"BUYABLE", "DISCOVERABLE"} & set(status)
        else ProductStatus.DRAFT,
        vendor=next((str(v) for v in _values(root, "brand")), None),
        product_type=text(info.get("productType")),
        tags=tuple(str(v) for v in _values(root, "generic_keyword")),
        options=tuple(
            ProductOption(
                name=n,
                values=tuple(
                    dict.fromkeys(v.option_values[i] for v in variants if len(v.option_values) > i)
                ),
            )
            for i, n in enumerate(names)
        ),
        variants=variants,
        created_at=optional_timestamp(info.get("createdDate")),
        updated_at=optional_timestamp(info.get("lastUpdatedDate")),
        custom_fields=(field("asin", info.get("asin")),),
        raw=root,
    )


def merchant_level(item: Payload, *, store_id: str) -> InventoryLevel | None:
    """The merchant-fulfilled quantity (fulfillmentAvailability DEFAULT), if the SKU has one."""
    sku = str(item.get("sku"))
    for channel in item.get("fulfillmentAvailability") or []:
        if channel.get("fulfillmentChannelCode") == "DEFAULT":
            quantity = channel.get("quantity")
            return InventoryLevel(
                store_id=store_id,
                platform=Platform.AMAZON,
                external_id=f"{sku}:{MERCHANT}",
                inventory_item_id=sku,
                location_external_id=MERCHANT,
                available=quantity if isinstance(quantity, int) else None,
                updated_at=optional_timestamp(summary(item, "").get("lastUpdatedDate")),
            )
    return None


def fba_level(row: Payload, marketplace_id: str, *, store_id: str) -> InventoryLevel:
    """An FBA inventory summary: fulfillable is available, reserved and inbound as such."""
    sku = text(row.get("sellerSku"))
    if sku is None:
        raise PayloadError("inventory summary without sellerSku")
    details = row.get("inventoryDetails") or {}
    reserved = details.get("reservedQuantity") or {}
    unfulfillable = (details.get("unfulfillableQuantity") or {}).get("totalUnfulfillableQuantity")
    inbound = [
        details.get(k)
        for k in ("inboundWorkingQuantity", "inboundShippedQuantity", "inboundReceivingQuantity")
    ]
    available = details.get("fulfillableQuantity")
    held = reserved.get("totalReservedQuantity")
    committed = reserved.get("pendingCustomerOrderQuantity")
    on_hand = (
        (available + held + (unfulfillable or 0))
        if isinstance(available, int) and isinstance(held, int)
        else None
    )
    location = fba_location(marketplace_id)
    return InventoryLevel(
        store_id=store_id,
        platform=Platform.AMAZON,
        external_id=f"{sku}:{location}",
        inventory_item_id=sku,
        location_external_id=location,
        available=available if isinstance(available, int) else None,
        on_hand=on_hand,
        committed=committed if isinstance(committed, int) else None,
        incoming=sum(i for i in inbound if isinstance(i, int)) if details else None,
        # held for transshipment or FC processing: reserved, but not sold
        reserved=held - (committed or 0) if isinstance(held, int) else None,
        updated_at=optional_timestamp(row.get("lastUpdatedTime")),
    )
