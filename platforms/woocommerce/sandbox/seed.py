"""Deterministic WooCommerce sandbox catalogue: products and variations as REST v3 JSON."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

ANCHOR = datetime(2026, 6, 30, tzinfo=UTC)  # seed timestamps hang off this, never now()
SITE_OFFSET = timedelta(hours=2)  # the sandbox site runs on a manual UTC+2 WordPress timezone
SITE_URL = "https://atelier-nord.example"
CURRENCY = "EUR"
VAT = Decimal("0.19")
CENT = Decimal("0.01")

Payload = dict[str, Any]

_NOUNS = ["Tee", "Hoodie", "Beanie", "Scarf", "Tote", "Mug", "Poster", "Notebook", "Socks", "Cap"]
_ADJ = ["Nordic", "Linen", "Alpine", "Harbour", "Granite", "Meadow", "Fjord", "Ember", "Birch"]
_COLORS = ["Black", "Green", "Sand", "Navy"]
_SIZES = ["S", "M", "L"]
_CATEGORIES = [(9, "Clothing"), (15, "Accessories"), (21, "Home"), (27, "Stationery")]
_FIRST = ["Anna", "Jonas", "Lea", "Lukas", "Marie", "Felix", "Sophie", "Paul", "Clara", "Emil"]
_LAST = ["Müller", "Schmidt", "Weber", "Fischer", "Becker", "Hoffmann", "Schulz", "Koch"]
_PLACES = [
    ("Berlin", "BE", "10115", "DE", "Invalidenstraße"),
    ("Hamburg", "HH", "20095", "DE", "Mönckebergstraße"),
    ("München", "BY", "80331", "DE", "Kaufingerstraße"),
    ("Köln", "NW", "50667", "DE", "Hohe Straße"),
    ("Wien", "", "1010", "AT", "Kärntner Straße"),
    ("Amsterdam", "", "1012 JS", "NL", "Damrak"),
]
_STATUSES = [
    ("completed", 55),
    ("processing", 18),
    ("on-hold", 5),
    ("pending", 5),
    ("cancelled", 5),
    ("refunded", 4),
    ("failed", 4),
    ("trash", 4),
]


def fmt(amount: Decimal) -> str:
    """Money as WooCommerce sends it: a string with 2 decimals."""
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def local(ts: datetime) -> str:
    """Site-local `date_*` (no offset)."""
    return (ts + SITE_OFFSET).strftime("%Y-%m-%dT%H:%M:%S")


def gmt(ts: datetime) -> str:
    """`date_*_gmt` (UTC, no offset)."""
    return ts.strftime("%Y-%m-%dT%H:%M:%S")


def dates(prefix: str, ts: datetime | None) -> Payload:
    """The `<prefix>` / `<prefix>_gmt` pair WooCommerce sends for every date."""
    if ts is None:
        return {prefix: None, f"{prefix}_gmt": None}
    return {prefix: local(ts), f"{prefix}_gmt": gmt(ts)}


def php_number(amount: Decimal) -> int | float:
    """A PHP float as json_encode prints it (line-item `price`): 12 not 12.0."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


@dataclass
class SeedState:
    """The store's data as WooCommerce would serialise it."""

    products: dict[int, Payload] = field(default_factory=dict)
    variations: dict[int, Payload] = field(default_factory=dict)  # id -> payload (parent_id set)
    orders: dict[int, Payload] = field(default_factory=dict)
    # refund id -> what its POST asked (line_items, api_refund): the order lists only
    # {id, reason, total} per refund, the refund itself shows the rest.
    refunds: dict[int, Payload] = field(default_factory=dict)


def _stock(rng: random.Random) -> Payload:
    managed = rng.random() < 0.7
    quantity = rng.randint(0, 40) if managed else None
    in_stock = quantity is None or quantity > 0
    return {
        "manage_stock": managed,
        "stock_quantity": quantity,
        "stock_status": "instock" if in_stock else "outofstock",
        "backorders": "no",
        "backorders_allowed": False,
        "backordered": False,
    }


def _links(path: str, collection: str) -> Payload:
    base = f"{SITE_URL}/wp-json/wc/v3"
    return {"self": [{"href": f"{base}/{path}"}], "collection": [{"href": f"{base}/{collection}"}]}


def _pricing(price: Decimal, on_sale: bool) -> Payload:
    sale = (price * Decimal("0.8")).quantize(CENT) if on_sale else None
    return {
        "price": fmt(sale if sale is not None else price),
        "regular_price": fmt(price),
        "sale_price": fmt(sale) if sale is not None else "",
        "on_sale": on_sale,
    }


def _base_product(rng: random.Random, pid: int, index: int, created: datetime) -> Payload:
    name = f"{_ADJ[index % len(_ADJ)]} {_NOUNS[index % len(_NOUNS)]} {index + 1}"
    slug = name.lower().replace(" ", "-")
    modified = created + timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 600))
    cat_id, cat_name = _CATEGORIES[index % len(_CATEGORIES)]
    status = "publish" if index % 25 else rng.choice(["draft", "private"])
    return {
        "id": pid,
        "name": name,
        "slug": slug,
        "permalink": f"{SITE_URL}/product/{slug}/",
        **dates("date_created", created),
        **dates("date_modified", min(modified, ANCHOR)),
        "type": "simple",
        "status": status,
        "featured": index % 17 == 0,
        "catalog_visibility": "visible",
        "description": f"<p>{name}, made in small batches.</p>\n",
        "short_description": "",
        "sku": f"AN-{pid}",
        "purchasable": status == "publish",
        "total_sales": rng.randint(0, 300),
        "virtual": False,
        "downloadable": False,
        "tax_status": "taxable",
        "tax_class": "",
        "weight": "",
        "dimensions": {"length": "", "width": "", "height": ""},
        "shipping_class": "",
        "shipping_class_id": 0,
        "parent_id": 0,
        "categories": [{"id": cat_id, "name": cat_name, "slug": cat_name.lower()}],
        "tags": [{"id": 40 + index % 3, "name": ["new", "bestseller", "eco"][index % 3]}],
        "images": [],
        "attributes": [],
        "default_attributes": [],
        "variations": [],
        "grouped_products": [],
        "menu_order": 0,
        "meta_data": [{"id": pid * 10, "key": "_origin", "value": "EU"}],
        "_links": _links(f"products/{pid}", "products"),
    }


def _variation(
    rng: random.Random, vid: int, parent: Payload, color: str, size: str, position: int
) -> Payload:
    price = Decimal(parent["regular_price"]) + (Decimal("2.00") if size == "L" else 0)
    created = datetime.fromisoformat(parent["date_created_gmt"]).replace(tzinfo=UTC)
    return {
        "id": vid,
        "parent_id": parent["id"],
        **dates("date_created", created),
        **dates("date_modified", created + timedelta(hours=position)),
        "description": "",
        "permalink": f"{parent['permalink']}?attribute_pa_color={color.lower()}",
        "sku": f"AN-{parent['id']}-{color[:3].upper()}-{size}",
        **_pricing(price, rng.random() < 0.1),
        "status": "publish",
        "purchasable": True,
        "virtual": False,
        "downloadable": False,
        "tax_status": "taxable",
        "tax_class": "",
        **_stock(rng),
        "weight": "",
        "dimensions": {"length": "", "width": "", "height": ""},
        "shipping_class": "",
        "shipping_class_id": 0,
        "image": None,
        "attributes": [
            {"id": 6, "name": "Color", "option": color},
            {"id": 0, "name": "Size", "option": size},
        ],
        "menu_order": position,
        "meta_data": [],
        "_links": {
            **_links(
                f"products/{parent['id']}/variations/{vid}", f"products/{parent['id']}/variations"
            ),
            "up": [{"href": f"{SITE_URL}/wp-json/wc/v3/products/{parent['id']}"}],
        },
    }


def seed_products(rng: random.Random, state: SeedState, count: int) -> None:
    """`count` products, every third variable (Color x Size), ids shared with variations."""
    next_id = 100
    for index in range(count):
        created = ANCHOR - timedelta(days=400 - index, hours=rng.randint(0, 23))
        product = _base_product(rng, next_id, index, created)
        next_id += 1
        price = Decimal(rng.randint(8, 90)) - Decimal("0.10")
        if index % 3 == 1:
            colors = rng.sample(_COLORS, 2)
            sizes = _SIZES if index % 2 else _SIZES[:2]
            product.update(type="variable", price="", regular_price=fmt(price), sale_price="")
            product.update(on_sale=False, manage_stock=False, stock_quantity=None)
            product.update(stock_status="instock", backorders="no", backorders_allowed=False)
            product.update(backordered=False, sku=f"AN-{product['id']}")
            product["attributes"] = [
                {
                    "id": 6,
                    "name": "Color",
                    "position": 0,
                    "visible": True,
                    "variation": True,
                    "options": colors,
                },
                {
                    "id": 0,
                    "name": "Size",
                    "position": 1,
                    "visible": True,
                    "variation": True,
                    "options": sizes,
                },
            ]
            for position, (color, size) in enumerate((c, s) for c in colors for s in sizes):
                variation = _variation(rng, next_id, product, color, size, position)
                state.variations[next_id] = variation
                product["variations"].append(next_id)
                next_id += 1
            product["price"] = min(state.variations[v]["price"] for v in product["variations"])
        else:
            product.update(_pricing(price, rng.random() < 0.15))
            product.update(_stock(rng))
        state.products[product["id"]] = product
    for product in state.products.values():
        if product["type"] == "variable":
            product["regular_price"] = ""  # WooCommerce leaves variable parents' prices blank
            product["price"] = ""
