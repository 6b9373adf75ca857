"""The BigCommerce sandbox's store: state, money/time formats of both API generations, and the
seeded catalog, stock per location and customers (orders: seed_orders)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from email.utils import format_datetime
from typing import Any

from platforms.sandbox.kit import SEED_NOW
from platforms.sandbox.webhooks import SandboxClock

Payload = dict[str, Any]
CURRENCY = "USD"
STORE_HASH = "cg4b1gc0"
CENT = Decimal("0.01")
LOCATIONS = (
    (1, "BC-LOCATION-1", "Default location", "Austin", "TX", "78701"),
    (2, "RENO-DC", "Reno Distribution", "Reno", "NV", "89501"),
    (3, "BK-STORE", "Brooklyn Shop", "Brooklyn", "NY", "11201"),
)
_NOUNS = ("Tote", "Jar", "Towel", "Mug", "Candle", "Scarf", "Bowl", "Apron", "Basket", "Lamp")
_ADJECTIVES = ("Linen", "Stoneware", "Oak", "Copper", "Wool", "Glass", "Cotton", "Clay")
_FIRST = ("Jane", "Omar", "Li", "Ana", "Tom", "Priya", "Sam", "Eva", "Noah", "Mia")
_LAST = ("Doe", "Haddad", "Chen", "Silva", "Berg", "Patel", "Ito", "Novak", "Kim", "Ruiz")
SIZES = ("S", "M", "L")


def v2_money(value: Decimal) -> str:
    """V2 money: a string with 4 decimals ("12.3400")."""
    return f"{value.quantize(Decimal('0.0001')):f}"


def v3_money(value: Decimal) -> float | int:
    """V3 money: a JSON number."""
    return int(value) if value == value.to_integral() else float(value)


def rfc2822(value: datetime) -> str:
    """V2 times: RFC 2822 ("Wed, 10 Jan 2018 21:05:30 +0000")."""
    return format_datetime(value.astimezone(UTC))


def iso(value: datetime) -> str:
    """V3 times: ISO 8601 with an offset ("2018-08-15T14:48:46+00:00")."""
    return value.astimezone(UTC).isoformat()


def cents(value: Decimal) -> Decimal:
    """Half-up to cents, as BigCommerce rounds order amounts."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class StoreState:
    """Everything the sandbox serves, keyed by BigCommerce's integer ids."""

    locations: dict[int, Payload] = field(default_factory=dict)
    products: dict[int, Payload] = field(default_factory=dict)
    # (variant id, location id) -> {"onhand", "safety"}: a record exists once stock was set
    stock: dict[tuple[int, int], dict[str, int]] = field(default_factory=dict)
    customers: dict[int, Payload] = field(default_factory=dict)
    orders: dict[int, Payload] = field(default_factory=dict)
    order_products: dict[int, list[Payload]] = field(default_factory=dict)
    consignments: dict[int, Payload] = field(default_factory=dict)  # the shipping one
    modified: dict[int, datetime] = field(default_factory=dict)  # orders' true times
    shipments: dict[int, list[Payload]] = field(default_factory=dict)
    refunds: dict[int, Payload] = field(default_factory=dict)
    tax_rates: dict[int, Decimal] = field(default_factory=dict)  # orders not at the seed's rate
    next_id: dict[str, int] = field(default_factory=dict)
    # changes after the seed: whole seconds, never the same twice (one version per change)
    clock: SandboxClock = field(default_factory=SandboxClock)

    def new_id(self, kind: str) -> int:
        """The next id of a kind (order products, shipments, refunds, ...)."""
        self.next_id[kind] = self.next_id.get(kind, 0) + 1
        return self.next_id[kind]

    def variant(self, variant_id: int) -> tuple[Payload, Payload] | None:
        """(product, variant) of a variant id."""
        for product in self.products.values():
            for variant in product["variants"]:
                if variant["id"] == variant_id:
                    return product, variant
        return None


def _location(row: tuple[int, str, str, str, str, str]) -> Payload:
    lid, code, label, city, state, zip_code = row
    return {
        "id": lid,
        "code": code,
        "label": label,
        "description": f"{label} ({city})",
        "managed_by_external_source": False,
        "type_id": "PHYSICAL",
        "enabled": True,
        "time_zone": "America/Chicago",
        "address": {
            "address1": f"{100 + lid} Main Street",
            "address2": "",
            "city": city,
            "state": state,
            "zip": zip_code,
            "email": f"{code.lower()}@example.com",
            "phone": "555-0100",
            "country_code": "US",
        },
        "created_at": iso(SEED_NOW - timedelta(days=400)),
        "updated_at": iso(SEED_NOW - timedelta(days=200)),
    }


def _variant(rng: random.Random, pid: int, vid: int, sku: str, size: str | None) -> Payload:
    price = Decimal(rng.randint(500, 12000)) / 100
    sale = cents(price * Decimal("0.8")) if rng.random() < 0.15 else Decimal(0)
    retail = cents(price * Decimal("1.25")) if rng.random() < 0.2 else Decimal(0)
    options = (
        []
        if size is None
        else [
            {
                "id": 170 + SIZES.index(size),
                "label": size,
                "option_id": 220,
                "option_display_name": "Size",
            }
        ]
    )
    return {
        "id": vid,
        "product_id": pid,
        "sku": sku,
        "sku_id": None if size is None else vid + 10000,
        "price": v3_money(price),
        "calculated_price": v3_money(sale or price),
        "sale_price": v3_money(sale),
        "retail_price": v3_money(retail),
        "cost_price": 0,
        "upc": f"0{pid:05d}{vid:06d}" if rng.random() < 0.5 else "",
        "mpn": "",
        "gtin": "",
        "inventory_level": 0,
        "inventory_warning_level": 0,
        "purchasing_disabled": False,
        "option_values": options,
    }


def _product(rng: random.Random, index: int, next_variant: list[int]) -> Payload:
    pid = 111 + index
    name = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} {index + 1}"
    sizes: tuple[str | None, ...] = SIZES[: rng.randint(2, 3)] if rng.random() < 0.5 else (None,)
    variants = []
    for n, size in enumerate(sizes, start=1):
        next_variant[0] += 1
        variants.append(_variant(rng, pid, next_variant[0], f"BC-{pid}-{n}", size))
    created = SEED_NOW - timedelta(days=300, minutes=37 * index)
    modified = SEED_NOW - timedelta(days=2, minutes=53 * index + rng.randint(0, 40))
    return {
        "id": pid,
        "name": name,
        "type": "physical",
        "sku": f"BC-{pid}",
        "price": variants[0]["price"],
        "sale_price": 0,
        "retail_price": 0,
        "calculated_price": variants[0]["calculated_price"],
        "is_visible": rng.random() < 0.9,
        "inventory_tracking": "variant",
        "brand_id": 36,
        "categories": [23],
        "search_keywords": f"{name.split()[1].lower()}, home",
        "custom_url": {"url": f"/{name.lower().replace(' ', '-')}/", "is_customized": False},
        "date_created": iso(created),
        "date_modified": iso(modified),
        "base_variant_id": variants[0]["id"],
        "custom_fields": [{"id": pid, "name": "material", "value": name.split()[0]}]
        if index % 3 == 0
        else [],
        "variants": variants,
    }


def _customer(rng: random.Random, cid: int) -> Payload:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    created = SEED_NOW - timedelta(days=500 - cid)
    return {
        "id": cid,
        "email": f"{first.lower()}.{last.lower()}{cid}@example.com",
        "first_name": first,
        "last_name": last,
        "company": "",
        "phone": f"555-01{cid:02d}",
        "customer_group_id": 0,
        "notes": "",
        "tax_exempt_category": "",
        "accepts_product_review_abandoned_cart_emails": rng.random() < 0.5,
        "date_created": iso(created),
        "date_modified": iso(SEED_NOW - timedelta(hours=7 * cid)),
        "address_count": 1,
        "addresses": [
            {
                "id": cid,
                "customer_id": cid,
                "first_name": first,
                "last_name": last,
                "company": "",
                "address1": f"{cid} Elm Street",
                "address2": "",
                "city": "Austin",
                "state_or_province": "Texas",
                "postal_code": "78751",
                "country_code": "US",
                "country": "United States",
                "phone": f"555-01{cid:02d}",
                "address_type": "residential",
            }
        ],
    }


def seed_catalog(rng: random.Random, state: StoreState, products: int, customers: int) -> None:
    """Locations, products with variants, stock records per location, customers."""
    state.locations = {row[0]: _location(row) for row in LOCATIONS}
    next_variant = [300]
    for index in range(products):
        product = _product(rng, index, next_variant)
        state.products[product["id"]] = product
        for variant in product["variants"]:
            # stocked at the default location always, elsewhere about half the time; a
            # variant never set at a location has no record there (relative adjustments 422)
            for lid in state.locations:
                if lid == 1 or rng.random() < 0.5:
                    safety = rng.choice((0, 0, 0, 1, 2))
                    state.stock[(variant["id"], lid)] = {
                        "onhand": rng.randint(0, 120) + safety,
                        "safety": safety,
                    }
    for cid in range(1, customers + 1):
        state.customers[cid] = _customer(rng, cid)
