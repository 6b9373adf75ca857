"""Deterministic seed data for the Magento sandbox: catalog, MSI sources, 600 orders."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from platforms.sandbox.kit import SEED_NOW

# Every seed timestamp hangs off this fixed instant, never off now(): the sandboxes' shared one.
ANCHOR = SEED_NOW
CURRENCY = "USD"
TAX_RATE = Decimal("8.25")
COUPON = "SUMMER10"
SIZES = (("S", 167), ("M", 168), ("L", 169))
SIZE_ATTRIBUTE_ID = "141"
SOURCES = (
    ("default", "Default Source", "Austin", "TX", "78701", "100 Congress Ave"),
    ("us_east", "East Coast Warehouse", "Newark", "NJ", "07102", "1 Port St"),
    ("us_west", "West Coast Warehouse", "Reno", "NV", "89502", "500 Desert Way"),
)
_WORDS = ("Aero", "Nova", "Terra", "Luma", "Orbit", "Summit", "Drift", "Echo", "Pulse", "Zen")
_KINDS = ("Tee", "Hoodie", "Jacket", "Pant", "Short", "Tank", "Bag", "Bottle", "Mat", "Cap")


def stamp(moment: datetime) -> str:
    """Magento's wire timestamp: UTC, space separated, no offset."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def cents(value: Decimal) -> Decimal:
    """Round half-up to cents, as Magento's price rounding does."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def num(value: Decimal) -> int | float:
    """A JSON number as Magento emits it (integers without a fraction)."""
    return int(value) if value == value.to_integral_value() else float(value)


def stock_item(product_id: int, qty: int) -> dict[str, Any]:
    return {
        "item_id": product_id,
        "product_id": product_id,
        "stock_id": 1,
        "qty": qty,
        "is_in_stock": qty > 0,
        "is_qty_decimal": False,
        "manage_stock": True,
        "use_config_manage_stock": True,
        "min_qty": 0,
        "min_sale_qty": 1,
        "max_sale_qty": 10000,
        "backorders": 0,
        "low_stock_date": None,
    }


def _product(pid: int, sku: str, name: str, price: Decimal, **extra: Any) -> dict[str, Any]:
    created = ANCHOR - timedelta(days=200 + pid % 150, hours=pid % 24)
    updated = created + timedelta(days=pid % 190, minutes=pid % 60)
    configurable = extra.get("type_id") == "configurable"
    # typed as Magento sends them: strings, but category_ids an array of strings
    custom = [
        {"attribute_code": "description", "value": f"<p>{name}.</p>"},
        {"attribute_code": "category_ids", "value": [str(3 + pid % 4), "2"]},
        {"attribute_code": "options_container", "value": "container2"},
        {"attribute_code": "required_options", "value": "0"},
        {"attribute_code": "has_options", "value": "1" if configurable else "0"},
        {"attribute_code": "url_key", "value": sku.lower()},
        {"attribute_code": "tax_class_id", "value": "2"},
        *extra.pop("custom", []),
    ]
    return {
        "id": pid,
        "sku": sku,
        "name": name,
        "attribute_set_id": 9,
        "price": num(price),
        "status": extra.pop("status", 1),
        "visibility": extra.pop("visibility", 4),
        "type_id": extra.pop("type_id", "simple"),
        "created_at": stamp(created),
        "updated_at": stamp(min(updated, ANCHOR)),
        "weight": 0.5,
        "extension_attributes": {"website_ids": [1], **extra.pop("ext", {})},
        "product_links": [],
        "options": [],
        "media_gallery_entries": [],
        "tier_prices": [],
        "custom_attributes": custom,
    }


def catalog(rng: random.Random, count: int) -> tuple[dict[int, dict[str, Any]], list[int]]:
    """`count` catalogue products, every third configurable with S/M/L children.

    Returns the products by id and the ids of purchasable (simple) products.
    """
    products: dict[int, dict[str, Any]] = {}
    purchasable: list[int] = []
    next_id = 1
    for n in range(count):
        name = f"{_WORDS[n % len(_WORDS)]} {_KINDS[(n // len(_WORDS)) % len(_KINDS)]} {n + 1}"
        sku = f"MG-{n + 1:04d}"
        price = Decimal(rng.randrange(900, 12000)) / 100
        status = 2 if n % 29 == 28 else 1
        if n % 3 == 0:
            parent_id, next_id = next_id, next_id + 1 + len(SIZES)
            kids = list(range(parent_id + 1, parent_id + 1 + len(SIZES)))
            options = [
                {
                    "id": parent_id,
                    "attribute_id": SIZE_ATTRIBUTE_ID,
                    "label": "Size",
                    "position": 0,
                    "values": [{"value_index": idx} for _, idx in SIZES],
                    "product_id": parent_id,
                }
            ]
            ext = {"configurable_product_options": options, "configurable_product_links": kids}
            products[parent_id] = _product(
                parent_id, sku, name, Decimal(0), type_id="configurable", status=status, ext=ext
            )
            for kid, (label, idx) in zip(kids, SIZES, strict=True):
                size = [{"attribute_code": "size", "value": str(idx)}]
                products[kid] = _product(
                    kid, f"{sku}-{label}", f"{name}-{label}", price, visibility=1, custom=size
                )
                purchasable.append(kid)
        else:
            pid, next_id = next_id, next_id + 1
            products[pid] = _product(pid, sku, name, price, status=status)
            purchasable.append(pid)
    return products, purchasable


def sources() -> list[dict[str, Any]]:
    """The MSI sources (Magento's locations), shaped like GET /V1/inventory/sources items."""
    return [
        {
            "source_code": code,
            "name": name,
            "enabled": True,
            "description": name,
            "country_id": "US",
            "region": region,
            "city": city,
            "street": street,
            "postcode": postcode,
            "use_default_carrier_config": True,
            "carrier_links": [],
        }
        for code, name, city, region, postcode, street in SOURCES
    ]


def source_items(
    rng: random.Random, products: dict[int, dict[str, Any]], simple_ids: list[int], msi: bool
) -> list[dict[str, Any]]:
    """Per-source quantities; the legacy stock_item mirrors the default source (MSI) or
    holds the whole quantity (no MSI)."""
    items = []
    for pid in simple_ids:
        sku = products[pid]["sku"]
        total = 0
        for n, (code, *_rest) in enumerate(SOURCES):
            if n and rng.random() < 0.3:
                continue  # not every SKU is stocked everywhere
            qty = rng.randrange(0, 120)
            total += qty
            items.append({"sku": sku, "source_code": code, "quantity": qty, "status": int(qty > 0)})
        default_qty = next(i["quantity"] for i in items if i["sku"] == sku) if msi else total
        products[pid]["extension_attributes"]["stock_item"] = stock_item(pid, default_qty)
    return items
