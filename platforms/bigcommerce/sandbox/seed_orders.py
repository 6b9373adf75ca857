"""Seeded V2 orders: order products with their discounts and tax, shipping consignments,
shipments and V3 refunds, consistent to the cent."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from platforms.bigcommerce.sandbox.seed import (
    CURRENCY,
    Payload,
    StoreState,
    cents,
    iso,
    rfc2822,
    seed_catalog,
    v2_money,
)
from platforms.sandbox.kit import SEED_NOW, spread_update

# (status_id, weight): most orders await fulfilment or are done
_STATUSES = ((11, 30), (2, 15), (10, 15), (3, 8), (7, 6), (1, 5), (5, 7), (4, 6), (14, 8))
_SHIPPED_ALL = {2, 10}
_PROVIDERS = (("usps", "USPS"), ("ups", "UPS"), ("fedex", "FedEx"))
TAX_RATE = Decimal("0.08")


def build_state(seed: int, orders: int, products: int) -> StoreState:
    """The whole store for a seed: same seed, same store, byte for byte."""
    rng = random.Random(seed)
    state = StoreState()
    seed_catalog(rng, state, products, customers=max(12, orders // 5))
    state.next_id.update({"order_product": 1000, "shipment": 0, "refund": 0, "address": 500})
    for index in range(orders):
        add_order(rng, state, 100 + index, index, orders)
    return state


def _address(customer: Payload | None, rng: random.Random) -> Payload:
    first = customer["first_name"] if customer else "Guest"
    last = customer["last_name"] if customer else f"Shopper{rng.randint(1, 99)}"
    return {
        "first_name": first,
        "last_name": last,
        "company": "Acme Pty Ltd" if rng.random() < 0.2 else "",
        "street_1": f"{rng.randint(1, 999)} Main Street",
        "street_2": f"Suite {rng.randint(1, 40)}" if rng.random() < 0.3 else "",
        "city": "Austin",
        "state": "Texas",
        "zip": "78751",
        "country": "United States",
        "country_iso2": "US",
        "phone": "555-123-4567",
        "email": customer["email"] if customer else f"guest{rng.randint(1, 999)}@example.com",
    }


def order_product(
    state: StoreState,
    oid: int,
    product: Payload,
    variant: Payload,
    quantity: int,
    discount_rate: Decimal,
) -> Payload:
    """One V2 order product: price excluding tax, the order's coupon share, tax at TAX_RATE."""
    unit = Decimal(str(variant["calculated_price"]))
    total = unit * quantity
    discount = cents(total * discount_rate)
    tax = cents((total - discount) * TAX_RATE)
    line_tax = cents(unit * TAX_RATE)
    applied = (
        [
            {
                "id": "coupon",
                "amount": v2_money(discount),
                "name": "SPRING10",
                "code": "SPRING10",
                "target": "order",
            }
        ]
        if discount
        else []
    )
    return {
        "id": state.new_id("order_product"),
        "order_id": oid,
        "product_id": product["id"],
        "variant_id": variant["id"],
        "order_address_id": oid,
        "name": product["name"],
        "sku": variant["sku"],
        "upc": variant["upc"],
        "type": "physical",
        "base_price": v2_money(unit),
        "price_ex_tax": v2_money(unit),
        "price_inc_tax": v2_money(unit + line_tax),
        "price_tax": v2_money(line_tax),
        "base_total": v2_money(total),
        "total_ex_tax": v2_money(total),
        "total_inc_tax": v2_money(total + tax),
        "total_tax": v2_money(tax),
        "quantity": quantity,
        "is_refunded": False,
        "quantity_refunded": 0,
        "refund_amount": v2_money(Decimal(0)),
        "quantity_shipped": 0,
        "applied_discounts": applied,
        "product_options": [
            {"display_name": o["option_display_name"], "display_value": o["label"]}
            for o in variant["option_values"]
        ],
        "parent_order_product_id": None,
        "is_bundled_product": False,
        "brand": "",
        "_net": total - discount,  # sandbox bookkeeping, stripped before serving
        "_tax": tax,
    }


def add_order(rng: random.Random, state: StoreState, oid: int, index: int, count: int) -> Payload:
    """Seed order `oid` with its lines, consignment, shipments and refunds."""
    created = SEED_NOW - timedelta(days=120) + timedelta(days=120) * (index / max(1, count))
    created = created.replace(microsecond=0)
    modified = spread_update(created, timedelta(hours=rng.randint(1, 96)), timedelta(hours=96))
    status = rng.choices([s for s, _ in _STATUSES], [w for _, w in _STATUSES])[0]
    customer = (
        state.customers.get(rng.randint(1, len(state.customers))) if rng.random() < 0.9 else None
    )
    discount_rate = Decimal("0.10") if rng.random() < 0.25 else Decimal(0)
    rows = []
    for product in rng.sample(sorted(state.products), rng.randint(1, 3)):
        item = state.products[product]
        rows.append(
            order_product(
                state, oid, item, rng.choice(item["variants"]), rng.randint(1, 3), discount_rate
            )
        )
    shipping = rng.choice((Decimal("0"), Decimal("5.00"), Decimal("9.95")))
    order = totals_order(state, oid, rows, shipping, _address(customer, rng))
    order.update(
        {
            "customer_id": customer["id"] if customer else 0,
            "date_created": rfc2822(created),
            "date_modified": rfc2822(modified),
            "status_id": status,
            "payment_status": "void" if status == 5 else "captured",
        }
    )
    state.orders[oid] = order
    state.modified[oid] = modified
    state.order_products[oid] = rows
    if status in _SHIPPED_ALL or status == 3:
        ship(state, oid, rows if status != 3 else rows[:1], modified, rng.choice(_PROVIDERS))
    if status in (4, 14):
        refund(state, oid, rows if status == 4 else rows[:1], full=status == 4, at=modified)
    return order


def totals_order(
    state: StoreState, oid: int, rows: list[Payload], shipping: Decimal, billing: Payload
) -> Payload:
    """The order's V2 money fields from its products and shipping (tax-exclusive store)."""
    net = sum((r["_net"] for r in rows), Decimal(0))
    gross = sum((Decimal(r["total_ex_tax"]) for r in rows), Decimal(0))
    discount = gross - net
    ship_tax = cents(shipping * TAX_RATE)
    tax = sum((r["_tax"] for r in rows), Decimal(0)) + ship_tax
    total_ex = net + shipping
    state.consignments[oid] = {
        "id": oid,
        **{k: v for k, v in billing.items() if k != "email"},
        "email": billing["email"],
        "shipping_method": "Flat Rate" if shipping else "Free Shipping",
        "items_total": sum(r["quantity"] for r in rows),
        "items_shipped": 0,
        "base_cost": v2_money(shipping),
        "cost_ex_tax": v2_money(shipping),
        "cost_inc_tax": v2_money(shipping + ship_tax),
        "cost_tax": v2_money(ship_tax),
        "shipping_zone_id": 1,
        "shipping_zone_name": "United States",
    }
    money = {
        "subtotal_ex_tax": gross,
        "subtotal_inc_tax": gross + tax - ship_tax,
        "subtotal_tax": tax - ship_tax,
        "base_shipping_cost": shipping,
        "shipping_cost_ex_tax": shipping,
        "shipping_cost_inc_tax": shipping + ship_tax,
        "shipping_cost_tax": ship_tax,
        "handling_cost_ex_tax": Decimal(0),
        "handling_cost_inc_tax": Decimal(0),
        "wrapping_cost_ex_tax": Decimal(0),
        "wrapping_cost_inc_tax": Decimal(0),
        "total_ex_tax": total_ex,
        "total_inc_tax": total_ex + tax,
        "total_tax": tax,
        "discount_amount": Decimal(0),
        "coupon_discount": discount,
        "refunded_amount": Decimal(0),
        "store_credit_amount": Decimal(0),
        "gift_certificate_amount": Decimal(0),
    }
    return {
        "id": oid,
        **{k: v2_money(v) for k, v in money.items()},
        "items_total": sum(r["quantity"] for r in rows),
        "items_shipped": 0,
        "is_tax_inclusive_pricing": False,
        "payment_method": "Credit Card",
        "currency_code": CURRENCY,
        "currency_exchange_rate": "1.0000000000",
        "default_currency_code": CURRENCY,
        "date_shipped": "",
        "staff_notes": "",
        "customer_message": "",
        "order_source": "www",
        "channel_id": 1,
        "billing_address": {**billing, "form_fields": [{"name": "Gift note", "value": "none"}]},
        "is_deleted": False,
    }


def ship(
    state: StoreState, oid: int, rows: list[Payload], at: Any, provider: tuple[str, str]
) -> Payload:
    """A V2 shipment of `rows` whole; the order's shipped counts move with it."""
    sid = state.new_id("shipment")
    for row in rows:
        row["quantity_shipped"] = row["quantity"]
    shipped = sum(r["quantity_shipped"] for r in state.order_products[oid])
    order = state.orders[oid]
    order["items_shipped"] = shipped
    order["date_shipped"] = rfc2822(at)
    state.consignments[oid]["items_shipped"] = shipped
    billing = order["billing_address"]
    shipment = {
        "id": sid,
        "order_id": oid,
        "customer_id": order.get("customer_id", 0),
        "order_address_id": oid,
        "date_created": rfc2822(at),
        "tracking_number": f"1Z{oid:06d}{sid:04d}",
        "merchant_shipping_cost": "0.0000",
        "shipping_method": "None",
        "comments": "",
        "shipping_provider": provider[0],
        "tracking_carrier": "",
        "tracking_link": "",
        "billing_address": {k: v for k, v in billing.items() if k != "form_fields"},
        "shipping_address": {k: v for k, v in billing.items() if k != "form_fields"},
        "items": [
            {"order_product_id": r["id"], "product_id": r["product_id"], "quantity": r["quantity"]}
            for r in rows
        ],
        "shipping_provider_display_name": provider[1],
        "generated_tracking_link": "",
    }
    state.shipments.setdefault(oid, []).append(shipment)
    return shipment


def refund(
    state: StoreState,
    oid: int,
    rows: list[Payload],
    *,
    full: bool,
    at: Any,
    quantities: list[int] | None = None,
) -> Payload:
    """A V3 refund: every line and the shipping (`full`), else `quantities` of `rows` (one
    unit each by default)."""
    order = state.orders[oid]
    items, amount = [], Decimal(0)
    for n, row in enumerate(rows):
        quantity = row["quantity"] if full else (quantities[n] if quantities else 1)
        net = cents(row["_net"] * quantity / row["quantity"])
        tax = cents(row["_tax"] * quantity / row["quantity"])
        items.append(
            {
                "item_type": "PRODUCT",
                "item_id": row["id"],
                "quantity": quantity,
                "requested_amount": float(net),
            }
        )
        amount += net + tax
        row["quantity_refunded"] += quantity
        row["is_refunded"] = row["quantity_refunded"] >= row["quantity"]
    if full:
        items.append(
            {
                "item_type": "SHIPPING",
                "item_id": oid,
                "quantity": 1,
                "requested_amount": float(Decimal(order["shipping_cost_ex_tax"])),
            }
        )
        amount = Decimal(order["total_inc_tax"]) - Decimal(order["refunded_amount"])
    rid = state.new_id("refund")
    body = {
        "id": rid,
        "order_id": oid,
        "user_id": 0,
        "created": iso(at),
        "reason": "Customer requires a refund.",
        "total_amount": float(amount),
        "total_tax": 0,
        "uses_merchant_override_values": False,
        "payments": [
            {
                "id": rid,
                "provider_id": "storecredit",
                "amount": float(amount),
                "offline": True,
                "is_declined": False,
                "declined_message": "",
            }
        ],
        "items": items,
    }
    state.refunds[rid] = body
    refunded = Decimal(order["refunded_amount"]) + amount
    order["refunded_amount"] = v2_money(refunded)
    order["payment_status"] = (
        "refunded" if refunded >= Decimal(order["total_inc_tax"]) else "partially refunded"
    )
    return body
