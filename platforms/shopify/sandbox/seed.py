"""Deterministic seed data for the Shopify sandbox: shop, locations, catalog, stock, orders."""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import orjson

from platforms.shopify.sandbox.format import ANCHOR, CURRENCY, gid, money, shop_ts
from platforms.shopify.sandbox.seed_orders import build_orders

Payload = dict[str, Any]

# Id bases: int64-sized like real Shopify ids (well beyond 2^32), one range per resource.
PRODUCT_ID_BASE = 8_100_000_000_000
VARIANT_ID_BASE = 44_100_000_000_000
INVENTORY_ITEM_ID_BASE = 46_100_000_000_000
OPTION_ID_BASE = 10_100_000_000_000
LOCATION_ID_BASE = 70_100_000_000
CUSTOMER_ID_BASE = 7_100_000_000_000
SHOP_ID = 61_100_000_000

# (city, province, province_code, zip, lat, lon): US addresses for locations and customers.
CITIES: tuple[tuple[str, str, str, str, float, float], ...] = (
    ("New York", "New York", "NY", "10001", 40.7506, -73.9972),
    ("Brooklyn", "New York", "NY", "11201", 40.6943, -73.9903),
    ("Louisville", "Kentucky", "KY", "40202", 38.2527, -85.7585),
    ("Austin", "Texas", "TX", "78701", 30.2711, -97.7437),
    ("Portland", "Oregon", "OR", "97205", 45.5202, -122.6742),
    ("Seattle", "Washington", "WA", "98101", 47.6101, -122.3344),
    ("Chicago", "Illinois", "IL", "60601", 41.8858, -87.6181),
    ("Denver", "Colorado", "CO", "80202", 39.7525, -104.9995),
    ("Miami", "Florida", "FL", "33130", 25.7670, -80.2045),
    ("San Francisco", "California", "CA", "94103", 37.7726, -122.4099),
)
STREETS = ("Main Street", "Oak Avenue", "Chestnut Street", "2nd Avenue", "Elm Street", "Broadway")
FIRST = ("Ada", "Bob", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kai", "Lena")
LAST = ("Norman", "Lovelace", "Okafor", "Silva", "Kim", "Novak", "Haddad", "Berg", "Rossi", "Ito")
LOCATION_NAMES = ("Brooklyn Warehouse", "Louisville Fulfillment", "Austin Store", "Seattle Pop-up")

# (product_type, vendor, nouns, option scheme, price range in cents)
Category = tuple[str, str, tuple[str, ...], str, tuple[int, int]]
CATEGORIES: tuple[Category, ...] = (
    (
        "Apparel",
        "Northwind Threads",
        ("T-Shirt", "Hoodie", "Sweater", "Jacket"),
        "size",
        (1800, 12900),
    ),
    (
        "Accessories",
        "Harbor Goods",
        ("Tote Bag", "Beanie", "Scarf", "Wallet"),
        "color",
        (900, 7900),
    ),
    ("Home", "Kiln & Co", ("Mug", "Candle", "Throw Blanket", "Planter"), "default", (1200, 8900)),
    (
        "Stationery",
        "Paper Lane",
        ("Notebook", "Pen Set", "Planner", "Stickers"),
        "color",
        (400, 3900),
    ),
)
ADJECTIVES = ("Classic", "Organic", "Everyday", "Vintage", "Alpine", "Coastal", "Urban", "Heritage")
SIZES = ("S", "M", "L", "XL")
COLORS = ("Black", "Sand", "Forest", "Navy")


@dataclass
class ShopifyState:
    """The store's data exactly as Shopify REST renders it (dicts, money strings, int ids)."""

    shop: Payload
    locations: list[Payload]
    customers: list[Payload]
    products: list[Payload]
    inventory_levels: dict[tuple[int, int], Payload]
    orders: list[Payload] = field(default_factory=list)

    def variants(self) -> list[Payload]:
        """Every variant of every product, in product then position order."""
        return [v for p in self.products for v in p["variants"]]

    def order(self, ident: int) -> Payload | None:
        """The order with id `ident`, if the store has it."""
        return next((o for o in self.orders if o["id"] == ident), None)


def build_state(seed: int, orders: int, products: int, locations: int) -> ShopifyState:
    """Build the whole store from `seed`: same arguments, byte-identical JSON.

    Every call returns its own fresh copy (sandboxes may mutate their state); the seeded
    build itself is cached per arguments, because test suites build the same store often.
    """
    shop, locs, customers, catalog, levels, order_list = orjson.loads(
        _built(seed, orders, products, locations)
    )
    keyed = {(lv["inventory_item_id"], lv["location_id"]): lv for lv in levels}
    return ShopifyState(shop, locs, customers, catalog, keyed, order_list)


@functools.lru_cache(maxsize=8)
def _built(seed: int, orders: int, products: int, locations: int) -> bytes:
    state = _generate(seed, orders, products, locations)
    levels = list(state.inventory_levels.values())
    parts = (state.shop, state.locations, state.customers, state.products, levels, state.orders)
    return orjson.dumps(parts)


def _generate(seed: int, orders: int, products: int, locations: int) -> ShopifyState:
    rng = random.Random(seed)
    locs = [_location(n) for n in range(1, locations + 1)]
    customers = [_customer(rng, n) for n in range(1, max(20, orders // 4) + 1)]
    catalog = [_product(rng, n, products) for n in range(1, products + 1)]
    levels = _inventory(rng, catalog, locs)
    state = ShopifyState(_shop(), locs, customers, catalog, levels)
    state.orders = build_orders(rng, orders, catalog, customers, locs)
    return state


def _shop() -> Payload:
    return {
        "id": SHOP_ID,
        "name": "Cartgraph Sandbox Outfitters",
        "email": "owner@sandbox-outfitters.example.com",
        "domain": "sandbox-outfitters.example.com",
        "myshopify_domain": "sandbox-outfitters.myshopify.com",
        "province": "New York",
        "country": "US",
        "currency": CURRENCY,
        "money_format": "${{amount}}",
        "iana_timezone": "America/New_York",
        "timezone": "(GMT-05:00) America/New_York",
        "plan_name": "basic",
        "created_at": shop_ts(ANCHOR - timedelta(days=900)),
        "updated_at": shop_ts(ANCHOR - timedelta(days=30)),
        "taxes_included": False,
        "admin_graphql_api_id": gid("Shop", SHOP_ID),
    }


def address_for(rng: random.Random, first: str, last: str) -> Payload:
    """A Shopify order/customer address (billing/shipping shape)."""
    city, province, code, zip_code, lat, lon = rng.choice(CITIES)
    number = rng.randint(1, 999)
    # company and address2 derive from drawn values, so the random sequence is unchanged
    return {
        "first_name": first,
        "address1": f"{number} {rng.choice(STREETS)}",
        "phone": f"+1555{rng.randint(1000000, 9999999)}",
        "city": city,
        "zip": zip_code,
        "province": province,
        "country": "United States",
        "last_name": last,
        "address2": f"Suite {number % 40 + 100}" if number % 4 == 0 else "",
        "company": f"{last} Supply Co." if number % 6 == 0 else None,
        "latitude": lat,
        "longitude": lon,
        "name": f"{first} {last}",
        "country_code": "US",
        "province_code": code,
    }


def _location(n: int) -> Payload:
    ident = LOCATION_ID_BASE + n
    city, province, code, zip_code, _, _ = CITIES[(n * 3) % len(CITIES)]
    created = shop_ts(ANCHOR - timedelta(days=800 - n))
    return {
        "id": ident,
        "name": LOCATION_NAMES[(n - 1) % len(LOCATION_NAMES)] + ("" if n <= 4 else f" {n}"),
        "address1": f"{100 + n} Commerce Way",
        "address2": None,
        "city": city,
        "zip": zip_code,
        "province": province,
        "country": "US",
        "phone": None,
        "created_at": created,
        "updated_at": created,
        "country_code": "US",
        "country_name": "United States",
        "province_code": code,
        "legacy": False,
        # A fourth and later location is deactivated: real shops keep retired locations around.
        "active": n <= 3,
        "admin_graphql_api_id": gid("Location", ident),
        "localized_country_name": "United States",
        "localized_province_name": province,
    }


def _customer(rng: random.Random, n: int) -> Payload:
    ident = CUSTOMER_ID_BASE + n
    first, last = rng.choice(FIRST), rng.choice(LAST)
    created = shop_ts(ANCHOR - timedelta(days=rng.randint(200, 700), minutes=rng.randint(0, 1439)))
    address = address_for(rng, first, last)
    return {
        "id": ident,
        "email": f"{first.lower()}.{last.lower()}{n}@mail.example.com",
        "created_at": created,
        "updated_at": created,
        "first_name": first,
        "last_name": last,
        "state": "enabled",
        "note": None,
        "verified_email": True,
        "multipass_identifier": None,
        "tax_exempt": False,
        "phone": address["phone"],
        "tags": "",
        "currency": CURRENCY,
        "tax_exemptions": [],
        "admin_graphql_api_id": gid("Customer", ident),
        "default_address": {
            "id": ident,
            "customer_id": ident,
            **{k: address[k] for k in ("first_name", "last_name", "company", "address1")},
            **{k: address[k] for k in ("address2", "city", "province", "country", "zip")},
            "phone": address["phone"],
            "name": address["name"],
            "province_code": address["province_code"],
            "country_code": "US",
            "country_name": "United States",
            "default": True,
        },
    }


def _option_values(rng: random.Random, scheme: str) -> tuple[str, list[str]]:
    if scheme == "size":
        return "Size", list(SIZES[: rng.randint(1, 4)])
    if scheme == "color":
        return "Color", rng.sample(COLORS, rng.randint(1, 4))
    return "Title", ["Default Title"]


def _product(rng: random.Random, n: int, total: int) -> Payload:
    ident = PRODUCT_ID_BASE + n
    ptype, vendor, nouns, scheme, (low, high) = CATEGORIES[n % len(CATEGORIES)]
    title = f"{rng.choice(ADJECTIVES)} {rng.choice(nouns)} No. {n}"
    # Products were created over the year before the anchor, older ids first.
    created = ANCHOR - timedelta(days=400 - int(300 * n / max(total, 1)), hours=rng.randint(0, 23))
    updated = created + timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 1439))
    updated = min(updated, ANCHOR - timedelta(minutes=n))
    status = rng.choices(("active", "draft", "archived"), weights=(85, 10, 5))[0]
    option_name, values = _option_values(rng, scheme)
    price = Decimal(rng.randrange(low, high, 100) + 99) / 100
    variants = [
        _variant(rng, ident, n, i, value, price, shop_ts(created), shop_ts(updated))
        for i, value in enumerate(values, start=1)
    ]
    return {
        "id": ident,
        "title": title,
        "body_html": f"<p>The {title.lower()}, made to last.</p>",
        "vendor": vendor,
        "product_type": ptype,
        "created_at": shop_ts(created),
        "handle": title.lower().replace(" ", "-").replace(".", ""),
        "updated_at": shop_ts(updated),
        "published_at": None if status == "draft" else shop_ts(created + timedelta(hours=1)),
        "template_suffix": None,
        "published_scope": "web",
        "tags": ", ".join(sorted(rng.sample(("eco", "gift", "new", "sale", "staff-pick"), 2))),
        "status": status,
        "admin_graphql_api_id": gid("Product", ident),
        "variants": variants,
        "options": [
            {
                "id": OPTION_ID_BASE + n,
                "product_id": ident,
                "name": option_name,
                "position": 1,
                "values": values,
            }
        ],
        "images": [],
        "image": None,
    }


def _variant(
    rng: random.Random,
    product_id: int,
    n: int,
    position: int,
    value: str,
    price: Decimal,
    created: str,
    updated: str,
) -> Payload:
    serial = n * 4 + position  # at most 4 variants per product: unique and stable
    ident, item = VARIANT_ID_BASE + serial, INVENTORY_ITEM_ID_BASE + serial
    on_sale = rng.random() < 0.2
    return {
        "id": ident,
        "product_id": product_id,
        "title": value,
        "price": money(price),
        "sku": f"SB-{n:04d}-{position}",
        "position": position,
        "inventory_policy": "deny",
        "compare_at_price": money(price * Decimal("1.25")) if on_sale else None,
        "fulfillment_service": "manual",
        "inventory_management": "shopify",
        "option1": value,
        "option2": None,
        "option3": None,
        "created_at": created,
        "updated_at": updated,
        "taxable": True,
        "barcode": f"0{800000000000 + serial}",
        "grams": 150 + 50 * (n % 7),
        "image_id": None,
        "weight": round((150 + 50 * (n % 7)) / 1000, 2),
        "weight_unit": "kg",
        "inventory_item_id": item,
        "inventory_quantity": 0,  # filled in from the inventory levels
        "old_inventory_quantity": 0,
        "requires_shipping": True,
        "admin_graphql_api_id": gid("ProductVariant", ident),
    }


def _inventory(
    rng: random.Random, products: list[Payload], locations: list[Payload]
) -> dict[tuple[int, int], Payload]:
    levels: dict[tuple[int, int], Payload] = {}
    for product in products:
        for variant in product["variants"]:
            total = 0
            for location in locations:
                item, loc = variant["inventory_item_id"], location["id"]
                # A few oversold items go negative, as Shopify allows with "continue" sales.
                available = rng.randint(-2, 120) if rng.random() < 0.03 else rng.randint(0, 120)
                total += available
                levels[(item, loc)] = {
                    "inventory_item_id": item,
                    "location_id": loc,
                    "available": available,
                    "updated_at": product["updated_at"],
                    "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{loc}?inventory_item_id={item}",
                }
            variant["inventory_quantity"] = variant["old_inventory_quantity"] = total
    return levels
