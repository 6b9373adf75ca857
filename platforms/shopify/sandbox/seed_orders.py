"""Seeded Shopify orders whose money reconciles: lines - discounts + shipping + tax = total."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from platforms.shopify.sandbox.format import (
    ANCHOR,
    CURRENCY,
    cents,
    clone,
    gid,
    money,
    money_set,
    parse_wire_time,
    shop_ts,
)
from platforms.shopify.sandbox.seed_after import fulfillments_for, refunds_for

Payload = dict[str, Any]

ORDER_ID_BASE = 5_000_000_000_000
LINE_ID_BASE = 14_000_000_000_000
SHIPPING_LINE_ID_BASE = 4_000_000_000_000
SPAN = timedelta(days=182)

# Tax jurisdictions by shipping province: several lines per order where real stores have them.
TAXES: dict[str, tuple[tuple[str, Decimal], ...]] = {
    "NY": (("New York State Tax", Decimal("0.04")), ("New York City Tax", Decimal("0.045"))),
    "KY": (("Kentucky State Tax", Decimal("0.06")),),
    "TX": (("Texas State Tax", Decimal("0.0625")), ("Austin City Tax", Decimal("0.02"))),
    "OR": (),
    "WA": (("Washington State Tax", Decimal("0.065")),),
    "IL": (("Illinois State Tax", Decimal("0.0625")),),
    "CO": (("Colorado State Tax", Decimal("0.029")),),
    "FL": (("Florida State Tax", Decimal("0.06")),),
    "CA": (("California State Tax", Decimal("0.0725")),),
}
SHIPPING = (("Standard Shipping", Decimal("6.90")), ("Express Shipping", Decimal("14.90")))
FREE_SHIPPING_OVER = Decimal("75.00")
FINANCIAL = ("paid", "pending", "authorized", "refunded", "partially_refunded", "voided")
FINANCIAL_WEIGHTS = (70, 6, 6, 6, 6, 6)
NOTES = ("Please gift wrap", "Leave at the back door", None, None, None)


def build_orders(
    rng: random.Random,
    count: int,
    products: Sequence[Payload],
    customers: Sequence[Payload],
    locations: Sequence[Payload],
) -> list[Payload]:
    """`count` orders, oldest first, the newest created exactly at the anchor."""
    sellable = [p for p in products if p["status"] == "active"] or list(products)
    offsets = [*sorted((rng.random() for _ in range(count - 1)), reverse=True), 0.0]
    # A few app-driven bulk edits give many orders the same updated_at: pagination must
    # break the tie on id or it skips/duplicates rows.
    bulk = [ANCHOR - timedelta(days=d, minutes=7) for d in (3, 40, 95)]
    orders = []
    for n, offset in enumerate(offsets, start=1):
        created = (ANCHOR - SPAN * offset).replace(microsecond=0)
        order = _order(rng, n, created, sellable, customers, locations[0]["id"] if locations else 0)
        stamp = shop_ts(rng.choice(bulk))
        # Only move updated_at forward, so closed_at/cancelled_at never postdate it.
        if rng.random() < 0.06 and parse_wire_time(stamp) > parse_wire_time(order["updated_at"]):
            order["updated_at"] = stamp
        orders.append(order)
    return orders


def _lines(rng: random.Random, n: int, sellable: Sequence[Payload]) -> list[Payload]:
    lines = []
    for i, product in enumerate(rng.sample(list(sellable), min(rng.randint(1, 4), len(sellable)))):
        variant = rng.choice(product["variants"])
        default = variant["title"] == "Default Title"
        ident = LINE_ID_BASE + n * 10 + i
        lines.append(
            {
                "id": ident,
                "admin_graphql_api_id": gid("LineItem", ident),
                "attributed_staffs": [],
                "current_quantity": 0,
                "fulfillable_quantity": 0,
                "fulfillment_service": "manual",
                "fulfillment_status": None,
                "gift_card": False,
                "grams": variant["grams"],
                "name": product["title"] if default else f"{product['title']} - {variant['title']}",
                "price": variant["price"],
                "price_set": money_set(Decimal(variant["price"])),
                "product_exists": True,
                "product_id": product["id"],
                "properties": [],
                "quantity": rng.choices((1, 2, 3, 5), weights=(70, 20, 8, 2))[0],
                "requires_shipping": True,
                "sku": variant["sku"],
                "taxable": True,
                "title": product["title"],
                "variant_id": variant["id"],
                "variant_inventory_management": "shopify",
                "variant_title": None if default else variant["title"],
                "vendor": product["vendor"],
                "duties": [],
            }
        )
    return lines


def _discount(rng: random.Random, gross: Decimal) -> tuple[Decimal, list[Payload], list[Payload]]:
    """(amount, discount_codes, discount_applications) for about a quarter of orders."""
    if rng.random() >= 0.25:
        return Decimal(0), [], []
    if gross >= Decimal(20) and rng.random() < 0.5:
        amount, kind, value, code = Decimal("10.00"), "fixed_amount", "10.0", "TENOFF"
    else:
        pct = rng.choice((10, 15))
        amount, kind, value, code = cents(gross * pct / 100), "percentage", f"{pct}.0", f"SAVE{pct}"
    codes = [{"code": code, "amount": money(amount), "type": kind}]
    application = {
        "target_type": "line_item",
        "type": "discount_code",
        "value": value,
        "value_type": kind,
        "allocation_method": "across",
        "target_selection": "all",
        "code": code,
    }
    return amount, codes, [application]


def _allocate(lines: list[Payload], amount: Decimal, gross: Decimal) -> None:
    """Spread the order discount over lines pro rata; the last line takes the rounding rest."""
    left = amount
    for i, line in enumerate(lines):
        line_gross = Decimal(line["price"]) * line["quantity"]
        share = left if i == len(lines) - 1 else cents(amount * line_gross / gross)
        left -= share
        line["discount_allocations"] = (
            [
                {
                    "amount": money(share),
                    "amount_set": money_set(share),
                    "discount_application_index": 0,
                }
            ]
            if amount
            else []
        )
        # As in Shopify's 2024-10 order: the deprecated total_discount reads "0.00" beside
        # the allocations (copying the share here once hid a mapper reading only it).
        line["total_discount"] = money(Decimal(0))
        line["total_discount_set"] = money_set(Decimal(0))


def _tax(lines: list[Payload], province_code: str) -> tuple[Decimal, list[Payload]]:
    """Per-line tax per jurisdiction, rounded per line; order tax lines are their sums."""
    sums: dict[str, Decimal] = {}
    rates = TAXES.get(province_code, ())
    for line in lines:
        allocated = sum((Decimal(a["amount"]) for a in line["discount_allocations"]), Decimal(0))
        net = Decimal(line["price"]) * line["quantity"] - allocated
        line["tax_lines"] = []
        for title, rate in rates:
            tax = cents(net * rate)
            sums[title] = sums.get(title, Decimal(0)) + tax
            line["tax_lines"].append(_tax_line(title, rate, tax))
    order_lines = [_tax_line(title, rate, sums[title]) for title, rate in rates]
    return sum(sums.values(), Decimal(0)), order_lines


def _tax_line(title: str, rate: Decimal, amount: Decimal) -> Payload:
    return {
        "channel_liable": False,
        "price": money(amount),
        "price_set": money_set(amount),
        "rate": float(rate),  # Shopify sends tax rates as JSON numbers
        "title": title,
    }


def _shipping(rng: random.Random, n: int, net: Decimal) -> tuple[Decimal, list[Payload]]:
    title, price = ("Free Shipping", Decimal("0.00"))
    if net < FREE_SHIPPING_OVER or rng.random() < 0.1:
        title, price = rng.choice(SHIPPING)
    ident = SHIPPING_LINE_ID_BASE + n
    line: Payload = {
        "id": ident,
        "carrier_identifier": None,
        "code": title,
        "discounted_price": money(price),
        "discounted_price_set": money_set(price),
        "phone": None,
        "price": money(price),
        "price_set": money_set(price),
        "requested_fulfillment_service_id": None,
        "source": "shopify",
        "title": title,
        "tax_lines": [],
        "discount_allocations": [],
    }
    return price, [line]


def _statuses(rng: random.Random, created: datetime) -> tuple[str, str | None, bool, bool]:
    """(financial_status, fulfillment_status, cancelled, closed)."""
    financial = rng.choices(FINANCIAL, weights=FINANCIAL_WEIGHTS)[0]
    cancelled = financial == "voided" or (financial == "refunded" and rng.random() < 0.5)
    if cancelled or financial in ("pending", "authorized"):
        fulfillment = None
    elif financial in ("refunded", "partially_refunded"):
        fulfillment = rng.choice(("fulfilled", "partial"))
    else:
        fulfillment = rng.choices(("fulfilled", "partial", None), weights=(60, 10, 30))[0]
    old = ANCHOR - created > timedelta(days=14)
    closed = cancelled or (fulfillment == "fulfilled" and old and rng.random() < 0.75)
    return financial, fulfillment, cancelled, closed


def _order(
    rng: random.Random,
    n: int,
    created: datetime,
    sellable: Sequence[Payload],
    customers: Sequence[Payload],
    location_id: int,
) -> Payload:
    ident = ORDER_ID_BASE + n
    lines = _lines(rng, n, sellable)
    gross = sum((Decimal(li["price"]) * li["quantity"] for li in lines), Decimal(0))
    discount, codes, applications = _discount(rng, gross)
    _allocate(lines, discount, gross)
    customer = rng.choice(list(customers))
    address = {**customer["default_address"]}
    shipping_address = _order_address(address)
    tax, tax_lines = _tax(lines, shipping_address["province_code"])
    shipping, shipping_lines = _shipping(rng, n, gross - discount)
    subtotal = gross - discount
    total = subtotal + shipping + tax
    financial, fulfillment, cancelled, closed = _statuses(rng, created)
    updated = _updated_at(rng, created)
    _fulfil_lines(lines, fulfillment, cancelled)
    order: Payload = {
        "id": ident,
        "admin_graphql_api_id": gid("Order", ident),
        "app_id": 580111,
        "browser_ip": None,
        "buyer_accepts_marketing": rng.random() < 0.3,
        "cancel_reason": rng.choice(("customer", "declined", "inventory")) if cancelled else None,
        "cancelled_at": shop_ts(updated) if cancelled else None,
        "closed_at": shop_ts(updated) if closed else None,
        "confirmation_number": f"{rng.getrandbits(40):010X}"[:9],
        "confirmed": True,
        "contact_email": customer["email"],
        "created_at": shop_ts(created),
        "currency": CURRENCY,
        "customer_locale": "en",
        "discount_applications": applications,
        "discount_codes": codes,
        "email": customer["email"],
        "estimated_taxes": False,
        "financial_status": financial,
        "fulfillment_status": fulfillment,
        "landing_site": "/",
        "location_id": None,
        "name": f"#{1000 + n}",
        "note": rng.choice(NOTES),
        "note_attributes": [{"name": "gift_message", "value": "Happy birthday!"}]
        if n % 17 == 0
        else [],
        "number": n,
        "order_number": 1000 + n,
        "payment_gateway_names": ["shopify_payments"],
        "phone": None,
        "presentment_currency": CURRENCY,
        "processed_at": shop_ts(created),
        "source_name": "web",
        "tags": "wholesale, vip" if n % 23 == 0 else "",
        "tax_exempt": False,
        "tax_lines": tax_lines,
        "taxes_included": False,
        "test": False,
        "token": f"{rng.getrandbits(128):032x}",
        "total_outstanding": money(total if financial in ("pending", "authorized") else Decimal(0)),
        "total_tip_received": "0.00",
        "total_weight": sum(li["grams"] * li["quantity"] for li in lines),
        "updated_at": shop_ts(updated),
        "user_id": None,
        "billing_address": {**shipping_address},
        "customer": _order_customer(customer),
        "line_items": lines,
        "shipping_address": shipping_address,
        "shipping_lines": shipping_lines,
    }
    order.update(_totals(gross, discount, subtotal, shipping, tax, total))
    order["fulfillments"] = fulfillments_for(order, lines, location_id)
    order["refunds"] = refunds_for(rng, order, financial, total)
    return order


def _updated_at(rng: random.Random, created: datetime) -> datetime:
    """Some hours to days after creation, never past the anchor (recent orders squeeze in)."""
    delta = timedelta(hours=rng.randint(0, 240), minutes=rng.randint(0, 59))
    if created + delta > ANCHOR:
        delta = (ANCHOR - created) * rng.random()
    return (created + delta).replace(microsecond=0)


def _totals(
    gross: Decimal,
    discount: Decimal,
    subtotal: Decimal,
    shipping: Decimal,
    tax: Decimal,
    total: Decimal,
) -> Payload:
    out: Payload = {}
    for name, value in (
        ("total_line_items_price", gross),
        ("total_discounts", discount),
        ("current_total_discounts", discount),
        ("subtotal_price", subtotal),
        ("current_subtotal_price", subtotal),
        ("total_tax", tax),
        ("current_total_tax", tax),
        ("total_price", total),
        ("current_total_price", total),
    ):
        out[name] = money(value)
        out[f"{name}_set"] = money_set(value)
    out["total_shipping_price_set"] = money_set(shipping)
    return out


def _order_address(address: Payload) -> Payload:
    keys = ("first_name", "address1", "phone", "city", "zip", "province", "country", "last_name")
    more = ("address2", "company", "name", "country_code", "province_code")
    return {k: address.get(k) for k in keys + more} | {"latitude": None, "longitude": None}


def _order_customer(customer: Payload) -> Payload:
    # Orders embed the customer without the storefront-only fields.
    return {k: clone(v) for k, v in customer.items() if k != "multipass_identifier"}


def _fulfil_lines(lines: list[Payload], fulfillment: str | None, cancelled: bool) -> None:
    for i, line in enumerate(lines):
        done = fulfillment == "fulfilled" or (fulfillment == "partial" and i == 0)
        line["fulfillment_status"] = "fulfilled" if done else None
        line["fulfillable_quantity"] = 0 if done or cancelled else line["quantity"]
        line["current_quantity"] = 0 if cancelled else line["quantity"]
