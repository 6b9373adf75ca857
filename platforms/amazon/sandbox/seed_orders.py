"""Deterministic Amazon orders (Orders API 2026-01-01 shape): FBA and merchant-fulfilled,
pending orders without amounts, promotions, taxes, shipping, cancellations, packages."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from platforms.amazon.sandbox.seed import (
    MARKETPLACES,
    AmazonState,
    Payload,
    local_price,
    money,
    seed_listings,
    stamp,
)
from platforms.sandbox.kit import SEED_NOW, spread_update

TAX_RATES = {"USD": Decimal("0.0825"), "CAD": Decimal("0.13")}
SHIPPING = {"USD": Decimal("4.99"), "CAD": Decimal("6.99")}
_STATUSES = [
    ("SHIPPED", 50),
    ("UNSHIPPED", 15),
    ("PARTIALLY_SHIPPED", 5),
    ("PENDING", 12),
    ("PENDING_AVAILABILITY", 2),
    ("CANCELLED", 8),
]
_NAMES = ["Avery Stone", "Jordan Lee", "Morgan Diaz", "Riley Chen", "Casey Brooks", "Quinn Patel"]
_PLACES = [
    ("Seattle", "WA", "98101", "US"),
    ("Austin", "TX", "73301", "US"),
    ("Denver", "CO", "80202", "US"),
    ("Toronto", "ON", "M5H 2N2", "CA"),
    ("Vancouver", "BC", "V6B 1A1", "CA"),
]
_LONGEST = timedelta(days=20)
CENT = Decimal("0.01")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def _item(
    rng: random.Random,
    state: AmazonState,
    order_id: str,
    n: int,
    sku: str,
    currency: str,
    pending: bool,
    ship: bool,
) -> tuple[Payload, dict[str, Decimal]]:
    """One order item and its amounts by proceeds type (ITEM, SHIPPING, DISCOUNT, TAX)."""
    listing = state.listings[sku]["summaries"][0]
    qty = rng.randint(1, 3)
    unit = local_price(state.usd_prices[sku], currency)
    item: Payload = {
        "orderItemId": f"{order_id.replace('-', '')[-11:]}{n:03d}",
        "quantityOrdered": qty,
        "product": {
            "asin": listing["asin"],
            "title": listing["itemName"],
            "sellerSku": sku,
            "condition": {"conditionType": "NEW", "conditionSubtype": "NEW"},
        },
    }
    promo = rng.random() < 0.2
    amounts = {
        "ITEM": unit * qty,
        "SHIPPING": SHIPPING[currency] if ship else Decimal(0),
        "DISCOUNT": -_cents(unit * qty * Decimal("0.1")) if promo else Decimal(0),
    }
    amounts["TAX"] = _cents((amounts["ITEM"] + amounts["DISCOUNT"]) * TAX_RATES[currency])
    if pending:  # Amazon states no price or proceeds until payment is authorised
        return item, {}
    item["product"]["price"] = {"unitPrice": money(unit, currency)}
    breakdowns: list[Payload] = [
        {"type": kind, "subtotal": money(value, currency)}
        for kind, value in amounts.items()
        if value or kind == "ITEM"
    ]
    for entry in breakdowns:
        if entry["type"] in ("TAX", "DISCOUNT"):
            entry["detailedBreakdowns"] = [{"subtype": "ITEM", "value": entry["subtotal"]}]
    item["proceeds"] = {
        "proceedsTotal": money(sum(amounts.values(), Decimal(0)), currency),
        "breakdowns": breakdowns,
    }
    if promo:
        item["promotion"] = {"breakdowns": [{"promotionId": f"PROMO-{rng.randint(100, 999)}"}]}
    return item, amounts


def _fulfil(order: Payload, status: str, rng: random.Random) -> None:
    """Item quantities shipped, cancellations, and (merchant-fulfilled) packages."""
    items = order["orderItems"]
    shipped_items = (
        items if status == "SHIPPED" else items[:1] if status == "PARTIALLY_SHIPPED" else []
    )
    for item in items:
        done = item["quantityOrdered"] if item in shipped_items else 0
        item["fulfillment"] = {
            "quantityFulfilled": done,
            "quantityUnfulfilled": item["quantityOrdered"] - done,
        }
        if status == "CANCELLED":
            item["fulfillment"]["quantityUnfulfilled"] = 0
            item["cancellation"] = {
                "cancellationRequest": {"requester": "BUYER", "cancelReason": "Ordered by mistake"},
                "cancellationExecution": {
                    "cancelledBy": "MERCHANT",
                    "cancelReason": "Buyer requested cancellation",
                },
            }
    if shipped_items and order["fulfillment"]["fulfilledBy"] == "MERCHANT":
        shipped = datetime.fromisoformat(order["createdTime"]) + timedelta(hours=20)
        order["packages"] = [
            {
                "packageReferenceId": "1",
                "createdTime": stamp(shipped - timedelta(hours=2)),
                "packageStatus": {"status": "IN_TRANSIT" if status != "SHIPPED" else "DELIVERED"},
                "carrier": "UPS",
                "shipTime": stamp(shipped),
                "shippingService": "UPS Ground",
                "trackingNumber": f"1Z999AA1{rng.randint(10**9, 10**10 - 1)}",
                "packageItems": [
                    {"orderItemId": i["orderItemId"], "quantity": i["quantityOrdered"]}
                    for i in shipped_items
                ],
            }
        ]


def _personal(rng: random.Random, order_id: str, fba: bool) -> Payload:
    name = rng.choice(_NAMES)
    city, region, postal, country = rng.choice(_PLACES)
    buyer: Payload = {"buyerName": name}
    if not fba:  # the anonymised e-mail is only given for merchant-fulfilled orders
        buyer["buyerEmail"] = f"{order_id.replace('-', '')[-10:]}@marketplace.amazon.com"
    address = {
        "name": name,
        "addressLine1": f"{rng.randint(1, 999)} Main Street",
        "city": city,
        "stateOrRegion": region,
        "postalCode": postal,
        "countryCode": country,
        "addressType": "RESIDENTIAL",
    }
    if not fba:
        address["phone"] = f"+1 206-555-{rng.randint(1000, 9999)}"
    return {"buyer": buyer, "recipient": {"deliveryAddress": address}}


def build_order(
    rng: random.Random, state: AmazonState, index: int, created: datetime, updated: datetime
) -> Payload:
    """One seeded order (everything its includedData sets may show)."""
    market, currency, market_name, _ = MARKETPLACES[0 if rng.random() < 0.8 else 1]
    fba = rng.random() < 0.5
    status = rng.choices([s for s, _ in _STATUSES], [w for _, w in _STATUSES])[0]
    if fba and status == "PARTIALLY_SHIPPED":
        status = "SHIPPED"
    order_id = f"11{index % 10}-{rng.randint(1000000, 9999999)}-{index:07d}"
    pool = [s for s in state.purchasable() if state.is_fba(s) == fba]
    pending = status.startswith("PENDING")
    lines = rng.sample(pool, k=rng.randint(1, 3))
    if status == "PARTIALLY_SHIPPED" and len(lines) < 2:  # one line ships whole or not at all
        status = "UNSHIPPED"
    items, totals = [], dict.fromkeys(("ITEM", "SHIPPING", "DISCOUNT", "TAX"), Decimal(0))
    for n, sku in enumerate(lines):
        item, amounts = _item(
            rng, state, order_id, n + 1, sku, currency, pending, ship=not fba and n == 0
        )
        items.append(item)
        for kind, value in amounts.items():
            totals[kind] += value
    order: Payload = {
        "orderId": order_id,
        "createdTime": stamp(created),
        "lastUpdatedTime": stamp(updated),
        "programs": ["PRIME"] if fba else [],
        "salesChannel": {
            "channelName": "AMAZON",
            "marketplaceId": market,
            "marketplaceName": market_name,
        },
        "fulfillment": {
            "fulfillmentStatus": status,
            "fulfilledBy": "AMAZON" if fba else "MERCHANT",
            "fulfillmentServiceLevel": "Expedited" if index % 7 == 0 else "Standard",
        },
        "orderItems": items,
    }
    if not fba:
        order["orderAliases"] = [{"aliasId": f"SO-{index:06d}", "aliasType": "SELLER_ORDER_ID"}]
    if not pending:
        order["proceeds"] = {
            "grandTotal": money(sum(totals.values(), Decimal(0)), currency),
            "breakdowns": [
                {"type": k, "subtotal": money(v, currency)}
                for k, v in totals.items()
                if v or k == "ITEM"
            ],
        }
    _fulfil(order, status, rng)
    state.personal[order_id] = _personal(rng, order_id, fba)
    return order


def build_state(seed: int, orders: int, products: int) -> AmazonState:
    """The whole seeded seller account."""
    rng = random.Random(seed)
    state = seed_listings(rng, products)
    for index in range(orders):
        created = (
            SEED_NOW
            - timedelta(days=180)
            + timedelta(seconds=(index * 180 * 86400) // max(orders, 1) + rng.randint(0, 3600))
        )
        delta = timedelta(minutes=rng.randint(5, int(_LONGEST.total_seconds() // 60)))
        updated = spread_update(created, delta, _LONGEST) - timedelta(seconds=index % 60)
        order = build_order(rng, state, index, created, updated)
        state.orders[order["orderId"]] = order
    _seed_refunds(state)
    return state


def _seed_refunds(state: AmazonState) -> None:
    """Every 4th shipped merchant order, newest first, had one unit of its first item
    refunded: the Finances API's RefundEvent (the Orders API itself shows no refund)."""
    shipped = [
        o
        for o in state.orders.values()
        if (o["fulfillment"]["fulfilledBy"], o["fulfillment"]["fulfillmentStatus"])
        == ("MERCHANT", "SHIPPED")
    ]
    shipped.sort(key=lambda o: (o["lastUpdatedTime"], o["orderId"]), reverse=True)
    for order in shipped[::4]:
        item = order["orderItems"][0]
        price = item["product"]["price"]["unitPrice"]
        charge = {"CurrencyCode": price["currencyCode"], "CurrencyAmount": -float(price["amount"])}
        row = {
            "OrderAdjustmentItemId": item["orderItemId"],
            "SellerSKU": item["product"]["sellerSku"],
            "QuantityShipped": 1,
            "ItemChargeAdjustmentList": [{"ChargeType": "Principal", "ChargeAmount": charge}],
        }
        state.refunds[order["orderId"]] = [
            {
                "AmazonOrderId": order["orderId"],
                "PostedDate": order["lastUpdatedTime"],
                "MarketplaceName": "Amazon.com",
                "ShipmentItemAdjustmentList": [row],
            }
        ]


def updated_of(order: dict[str, Any]) -> datetime:
    """An order's lastUpdatedTime as an aware datetime."""
    return datetime.fromisoformat(order["lastUpdatedTime"])
