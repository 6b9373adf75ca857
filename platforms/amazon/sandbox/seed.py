"""Deterministic Amazon seller catalogue: listings items (2021-08-01 shape) and FBA summaries."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from platforms.sandbox.kit import SEED_NOW

Payload = dict[str, Any]

SELLER_ID = "A2SANDBOXSELLER1"
CENT = Decimal("0.01")
# the marketplaces the sandbox seller sells in: (id, currency, name, country); the first is home
MARKETPLACES: tuple[tuple[str, str, str, str], ...] = (
    ("ATVPDKIKX0DER", "USD", "Amazon.com", "US"),
    ("A2EUQ1WTGCTBG2", "CAD", "Amazon.ca", "CA"),
)
HOME_MARKETPLACE, HOME_CURRENCY = MARKETPLACES[0][0], MARKETPLACES[0][1]
CAD_PER_USD = Decimal("1.37")
_NOUNS = ["Water Bottle", "Yoga Mat", "Desk Lamp", "Backpack", "Travel Mug", "Phone Stand"]
_ADJ = ["Summit", "Coastal", "Urban", "Trail", "Harbor", "Prairie", "Canyon", "Aspen"]
_COLORS = ["Black", "Blue", "Green", "Red"]


def fmt(amount: Decimal) -> str:
    """Money as Amazon sends it: a decimal string, two places."""
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def stamp(ts: datetime) -> str:
    """ISO 8601 UTC with a Z, as every SP-API timestamp."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(amount: Decimal, currency: str) -> Payload:
    """An SP-API `Money` (Orders 2026-01-01 and Listings: amount as a string)."""
    return {"amount": fmt(amount), "currencyCode": currency}


def local_price(usd: Decimal, currency: str) -> Decimal:
    """The seller's price in a marketplace's currency (fixed rate: deterministic)."""
    return usd if currency == "USD" else (usd * CAD_PER_USD).quantize(CENT)


@dataclass
class AmazonState:
    """The seller's account as SP-API would serialise it."""

    listings: dict[str, Payload] = field(default_factory=dict)  # sku -> listings Item
    # marketplace -> sku -> InventorySummary: Amazon's stock of the SKU in that marketplace
    fba: dict[str, dict[str, Payload]] = field(default_factory=dict)
    orders: dict[str, Payload] = field(default_factory=dict)  # orderId -> Orders 2026 Order
    personal: dict[str, Payload] = field(default_factory=dict)  # orderId -> buyer, recipient
    usd_prices: dict[str, Decimal] = field(default_factory=dict)  # sku -> home price
    # orderId -> refunds the payment-adjustment feed made (the Finances API's RefundEvents)
    refunds: dict[str, list[Payload]] = field(default_factory=dict)

    def roots(self) -> list[str]:
        """SKUs that are a product: variation parents and standalone listings."""
        return [s for s, item in self.listings.items() if not parent_skus(item)]

    def children(self, sku: str) -> list[str]:
        """A variation parent's child SKUs (empty for a standalone listing)."""
        for group in self.listings[sku].get("relationships", []):
            for rel in group["relationships"]:
                if rel.get("childSkus"):
                    return list(rel["childSkus"])
        return []

    def purchasable(self) -> list[str]:
        """SKUs a buyer can order: children and standalone listings, not parents."""
        return [s for s in self.listings if not self.children(s)]

    def is_fba(self, sku: str) -> bool:
        """Fulfilled by Amazon (its stock is in Amazon's FCs, read from FBA inventory)."""
        channels = self.listings[sku].get("fulfillmentAvailability", [])
        return any(c["fulfillmentChannelCode"] != "DEFAULT" for c in channels)


def parent_skus(item: Payload) -> list[str]:
    """The listing's variation parents (one at most)."""
    for group in item.get("relationships", []):
        for rel in group["relationships"]:
            if rel.get("parentSkus"):
                return list(rel["parentSkus"])
    return []


def _summaries(
    asin: str, product_type: str, name: str, created: datetime, updated: datetime, buyable: bool
) -> list[Payload]:
    return [
        {
            "marketplaceId": market,
            "asin": asin,
            "productType": product_type,
            "conditionType": "new_new",
            "status": ["BUYABLE", "DISCOVERABLE"] if buyable else ["DISCOVERABLE"],
            "itemName": name,
            "createdDate": stamp(created),
            "lastUpdatedDate": stamp(updated),
        }
        for market, _, _, _ in MARKETPLACES
    ]


def _relationship(kind: str, skus: list[str]) -> list[Payload]:
    rel = {
        "type": "VARIATION",
        kind: skus,
        "variationTheme": {"attributes": ["color"], "theme": "COLOR"},
    }
    return [{"marketplaceId": m, "relationships": [rel]} for m, _, _, _ in MARKETPLACES]


def _sellable(
    rng: random.Random,
    state: AmazonState,
    sku: str,
    base: Payload,
    usd: Decimal,
    fba: bool,
    index: int,
) -> Payload:
    """A purchasable listing: offers per marketplace and its fulfilment channel."""
    item = dict(base)
    item["offers"] = [
        {"marketplaceId": m, "offerType": "B2C", "price": money(local_price(usd, cur), cur)}
        for m, cur, _, _ in MARKETPLACES
    ]
    item["attributes"] = {
        **base["attributes"],
        "list_price": [
            {
                "currency": "USD",
                "value": fmt(usd * Decimal("1.25")),
                "marketplace_id": HOME_MARKETPLACE,
            }
        ],
        "externally_assigned_product_identifier": [
            {"type": "ean", "value": f"40{index:011d}", "marketplace_id": HOME_MARKETPLACE}
        ],
    }
    if fba:
        item["fulfillmentAvailability"] = [{"fulfillmentChannelCode": "AMAZON_NA"}]
        for market, _, _, _ in MARKETPLACES:
            state.fba.setdefault(market, {})[sku] = _fba_summary(rng, sku, item)
    else:
        item["fulfillmentAvailability"] = [
            {"fulfillmentChannelCode": "DEFAULT", "quantity": rng.randint(0, 60)}
        ]
    state.usd_prices[sku] = usd
    return item


def _fba_summary(rng: random.Random, sku: str, item: Payload) -> Payload:
    summary = item["summaries"][0]
    fulfillable, reserved = rng.randint(0, 120), rng.randint(0, 6)
    working, shipped, receiving = rng.randint(0, 20), rng.randint(0, 20), rng.randint(0, 5)
    unfulfillable = rng.randint(0, 3)
    return {
        "asin": summary["asin"],
        "fnSku": f"X00{sku.replace('-', '')[-7:]}",
        "sellerSku": sku,
        "condition": "NewItem",
        "inventoryDetails": {
            "fulfillableQuantity": fulfillable,
            "inboundWorkingQuantity": working,
            "inboundShippedQuantity": shipped,
            "inboundReceivingQuantity": receiving,
            "reservedQuantity": {
                "totalReservedQuantity": reserved,
                "pendingCustomerOrderQuantity": reserved,
                "pendingTransshipmentQuantity": 0,
                "fcProcessingQuantity": 0,
            },
            "unfulfillableQuantity": {"totalUnfulfillableQuantity": unfulfillable},
        },
        "lastUpdatedTime": summary["lastUpdatedDate"],
        "productName": summary["itemName"],
        "totalQuantity": fulfillable + reserved + unfulfillable + working + shipped + receiving,
    }


def seed_listings(rng: random.Random, products: int) -> AmazonState:
    """`products` products: every third a colour family (a parent and 2-3 children), the
    rest standalone; about half the sellable SKUs fulfilled by Amazon."""
    state = AmazonState()
    for i in range(products):
        sku, asin = f"AZ-{1000 + i}", f"B0{i:08d}"
        name = f"{_ADJ[i % len(_ADJ)]} {_NOUNS[i % len(_NOUNS)]} {i}"
        created = SEED_NOW - timedelta(days=400 - i * 3 % 300, minutes=rng.randint(0, 900))
        updated = min(SEED_NOW, created + timedelta(days=rng.randint(1, 200)))
        product_type = "HOME" if i % 2 else "SPORTING_GOODS"
        attributes = {
            "brand": [
                {"value": f"{_ADJ[i % len(_ADJ)]} Goods", "marketplace_id": HOME_MARKETPLACE}
            ],
            "generic_keyword": [
                {"value": _NOUNS[i % len(_NOUNS)].lower(), "marketplace_id": HOME_MARKETPLACE}
            ],
        }
        usd = Decimal(rng.randint(900, 8900)) / 100
        if i % 3:
            base: Payload = {
                "sku": sku,
                "summaries": _summaries(asin, product_type, name, created, updated, True),
                "attributes": attributes,
                "issues": [],
            }
            state.listings[sku] = _sellable(rng, state, sku, base, usd, rng.random() < 0.5, i)
            continue
        colors = _COLORS[: 2 + i % 2]
        child_skus = [f"{sku}-{c[:3].upper()}" for c in colors]
        state.listings[sku] = {
            "sku": sku,
            "summaries": _summaries(asin, product_type, name, created, updated, False),
            "attributes": attributes,
            "issues": [],
            "offers": [],
            "fulfillmentAvailability": [],
            "relationships": _relationship("childSkus", child_skus),
        }
        for n, (color, child) in enumerate(zip(colors, child_skus, strict=True)):
            touched = min(SEED_NOW, updated - timedelta(minutes=7 * (n + 1)))
            base = {
                "sku": child,
                "summaries": _summaries(
                    f"B1{i:06d}{n:02d}", product_type, f"{name}, {color}", created, touched, True
                ),
                "attributes": {
                    **attributes,
                    "color": [{"value": color, "marketplace_id": HOME_MARKETPLACE}],
                },
                "issues": [],
                "relationships": _relationship("parentSkus", [sku]),
            }
            fba = rng.random() < 0.5 and i > 0  # the first family: the merchant's own stock
            state.listings[child] = _sellable(rng, state, child, base, usd + n, fba, i * 10 + n)
    return state
