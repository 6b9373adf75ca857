"""Deterministic WooCommerce orders for the sandbox: reconciling totals, addresses, meta_data."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from platforms.sandbox.kit import spread_update
from platforms.woocommerce.sandbox.people import add_tracking
from platforms.woocommerce.sandbox.seed import (
    _FIRST,
    _LAST,
    _PLACES,
    _STATUSES,
    ANCHOR,
    CURRENCY,
    SITE_URL,
    VAT,
    Payload,
    SeedState,
    dates,
    fmt,
    php_number,
    seed_products,
)

FIRST_ORDER_ID = 5000
_PAID = {"completed", "processing", "refunded"}


def _purchasables(state: SeedState) -> list[tuple[Payload, Payload | None]]:
    """(product, variation or None) pairs a shopper can buy."""
    out: list[tuple[Payload, Payload | None]] = []
    for product in state.products.values():
        if product["status"] != "publish":
            continue
        if product["type"] == "variable":
            out.extend((product, state.variations[v]) for v in product["variations"])
        else:
            out.append((product, None))
    return out


def _address(rng: random.Random, email: str | None) -> Payload:
    city, state, postcode, country, street = rng.choice(_PLACES)
    first, last, number = rng.choice(_FIRST), rng.choice(_LAST), rng.randint(1, 180)
    # company and address_2 derive from drawn values, so the random sequence is unchanged
    block: Payload = {
        "first_name": first,
        "last_name": last,
        "company": f"{last} Studio" if number % 6 == 0 else "",
        "address_1": f"{street} {number}",
        "address_2": f"{number % 5 + 1}. OG" if number % 4 == 0 else "",
        "city": city,
        "state": state,
        "postcode": postcode,
        "country": country,
    }
    if email is not None:
        block["email"] = email
        block["phone"] = f"+49 30 {rng.randint(1000000, 9999999)}"
    else:
        block["phone"] = ""
    return block


def _line(
    item_id: int, pick: tuple[Payload, Payload | None], qty: int, coupon: bool
) -> tuple[Payload, Decimal, Decimal]:
    product, variation = pick
    unit = Decimal((variation or product)["price"])
    subtotal = unit * qty
    total = (
        subtotal - (subtotal * Decimal("0.10")).quantize(Decimal("0.01")) if coupon else subtotal
    )
    tax, subtotal_tax = (
        (total * VAT).quantize(Decimal("0.01")),
        (subtotal * VAT).quantize(Decimal("0.01")),
    )
    meta: list[Payload] = []
    if variation is not None:
        meta = [
            {
                "id": item_id * 10 + n,
                "key": f"pa_{a['name'].lower()}",
                "value": a["option"].lower(),
                "display_key": a["name"],
                "display_value": a["option"],
            }
            for n, a in enumerate(variation["attributes"])
        ]
    line = {
        "id": item_id,
        "name": product["name"]
        if variation is None
        else f"{product['name']} - {', '.join(a['option'] for a in variation['attributes'])}",
        "product_id": product["id"],
        "variation_id": variation["id"] if variation else 0,
        "quantity": qty,
        "tax_class": "",
        "subtotal": fmt(subtotal),
        "subtotal_tax": fmt(subtotal_tax),
        "total": fmt(total),
        "total_tax": fmt(tax),
        "taxes": [{"id": 1, "total": fmt(tax), "subtotal": fmt(subtotal_tax)}],
        "meta_data": meta,
        "sku": (variation or product)["sku"],
        "price": php_number(total / qty),
        "image": {"id": "", "src": ""},
        "parent_name": product["name"] if variation else None,
    }
    return line, total, subtotal - total


def _order(rng: random.Random, oid: int, picks: list[tuple[Payload, Payload | None]]) -> Payload:
    status = rng.choices([s for s, _ in _STATUSES], [w for _, w in _STATUSES])[0]
    created = ANCHOR - timedelta(days=180) + timedelta(seconds=rng.randint(0, 180 * 86400 - 7200))
    modified = spread_update(
        created, timedelta(minutes=rng.randint(1, 72 * 60)), timedelta(minutes=72 * 60)
    )
    coupon = rng.random() < 0.2
    customer = rng.randint(2, 200) if rng.random() < 0.7 else 0
    email = f"customer{customer or oid}@example.com"
    item_base = oid * 10
    lines, net, discount = [], Decimal(0), Decimal(0)
    for n, pick in enumerate(rng.sample(picks, rng.randint(1, 4))):
        line, total, off = _line(item_base + n, pick, rng.randint(1, 3), coupon)
        lines.append(line)
        net += total
        discount += off
    cart_tax = sum((Decimal(line["total_tax"]) for line in lines), Decimal(0))
    discount_tax = sum(
        (Decimal(line["subtotal_tax"]) - Decimal(line["total_tax"]) for line in lines), Decimal(0)
    )
    shipping = Decimal("0.00") if net >= 50 else Decimal("4.90")
    shipping_tax = (shipping * VAT).quantize(Decimal("0.01"))
    total = net + shipping + cart_tax + shipping_tax
    return {
        "id": oid,
        "parent_id": 0,
        "status": status,
        "currency": CURRENCY,
        "version": "9.8.5",
        "prices_include_tax": False,
        **dates("date_created", created),
        **dates("date_modified", modified),
        "discount_total": fmt(discount),
        "discount_tax": fmt(discount_tax),
        "shipping_total": fmt(shipping),
        "shipping_tax": fmt(shipping_tax),
        "cart_tax": fmt(cart_tax),
        "total": fmt(total),
        "total_tax": fmt(cart_tax + shipping_tax),
        "customer_id": customer,
        "order_key": f"wc_order_{rng.getrandbits(48):012x}",
        "billing": _address(rng, email),
        "shipping": _address(rng, None),
        "payment_method": "stripe" if status != "on-hold" else "bacs",
        "payment_method_title": "Credit card" if status != "on-hold" else "Direct bank transfer",
        "transaction_id": f"pi_{rng.getrandbits(64):016x}" if status in _PAID else "",
        "customer_ip_address": f"203.0.113.{rng.randint(1, 254)}",
        "customer_user_agent": "Mozilla/5.0",
        "created_via": "checkout",
        "customer_note": "",
        **dates("date_completed", modified if status == "completed" else None),
        **dates("date_paid", created + timedelta(minutes=1) if status in _PAID else None),
        "cart_hash": f"{rng.getrandbits(128):032x}",
        "number": str(oid),
        "meta_data": [
            {"id": oid * 100 + 1, "key": "is_vat_exempt", "value": "no"},
            {
                "id": oid * 100 + 2,
                "key": "_wc_order_attribution_source_type",
                "value": rng.choice(["organic", "typein", "referral", "utm"]),
            },
        ],
        "line_items": lines,
        "tax_lines": [
            {
                "id": item_base + 7,
                "rate_code": "DE-MWST-1",
                "rate_id": 1,
                "label": "MwSt.",
                "compound": False,
                "tax_total": fmt(cart_tax),
                "shipping_tax_total": fmt(shipping_tax),
                "rate_percent": 19,
                "meta_data": [],
            }
        ],
        "shipping_lines": [
            {
                "id": item_base + 8,
                "method_title": "DHL Paket" if shipping else "Free shipping",
                "method_id": "flat_rate" if shipping else "free_shipping",
                "instance_id": "1",
                "total": fmt(shipping),
                "total_tax": fmt(shipping_tax),
                "taxes": [{"id": 1, "total": fmt(shipping_tax), "subtotal": ""}],
                "meta_data": [],
            }
        ],
        "fee_lines": [],
        "coupon_lines": [
            {
                "id": item_base + 9,
                "code": "summer10",
                "discount": fmt(discount),
                "discount_tax": fmt(discount_tax),
                "meta_data": [],
            }
        ]
        if coupon
        else [],
        "refunds": _refunds(rng, oid, status, total),
        "payment_url": f"{SITE_URL}/checkout/order-pay/{oid}/",
        "currency_symbol": "€",
        "_links": {
            "self": [{"href": f"{SITE_URL}/wp-json/wc/v3/orders/{oid}"}],
            "collection": [{"href": f"{SITE_URL}/wp-json/wc/v3/orders"}],
            **(
                {"customer": [{"href": f"{SITE_URL}/wp-json/wc/v3/customers/{customer}"}]}
                if customer
                else {}
            ),
        },
    }


def _refunds(rng: random.Random, oid: int, status: str, total: Decimal) -> list[Any]:
    if status == "refunded":
        return [{"id": oid * 10 + 5, "reason": "Customer request", "total": f"-{fmt(total)}"}]
    if status == "completed" and rng.random() < 0.05:
        return [{"id": oid * 10 + 5, "reason": "Damaged item", "total": "-5.00"}]
    return []


def seed_orders(rng: random.Random, state: SeedState, count: int) -> None:
    """`count` orders over the six months before ANCHOR, ids from FIRST_ORDER_ID upward."""
    picks = _purchasables(state)
    for n in range(count):
        oid = FIRST_ORDER_ID + n
        state.orders[oid] = _order(rng, oid, picks)


def build_state(seed: int, orders: int, products: int) -> SeedState:
    """The whole seeded store; same arguments -> byte-identical data."""
    rng = random.Random(seed)
    state = SeedState()
    seed_products(rng, state, products)
    seed_orders(rng, state, orders)
    add_tracking(state)  # Shipment Tracking meta on some completed orders (no rng use)
    return state
