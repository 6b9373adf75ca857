"""Deterministic Magento orders: configurable parent+child rows, reconciling totals."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from platforms.magento.sandbox.seed import (
    ANCHOR,
    COUPON,
    CURRENCY,
    TAX_RATE,
    cents,
    num,
    stamp,
)
from platforms.magento.sandbox.seed_totals import complete_order
from platforms.sandbox.kit import spread_update

_STATES = (
    ("new", "pending", 12),
    ("processing", "processing", 28),
    ("complete", "complete", 42),
    ("closed", "closed", 6),
    ("canceled", "canceled", 8),
    ("holded", "holded", 4),
)
_PEOPLE = (
    ("Jane", "Doe", "Austin", "TX", "Texas"),
    ("John", "Smith", "Purchase", "NY", "New York"),
    ("Ana", "Lopez", "Miami", "FL", "Florida"),
    ("Wei", "Chen", "Seattle", "WA", "Washington"),
    ("Amara", "Okafor", "Chicago", "IL", "Illinois"),
    ("Lars", "Berg", "Denver", "CO", "Colorado"),
)
SPAN_DAYS = 182


def _address(order_id: int, person: int, kind: str) -> dict[str, Any]:
    first, last, city, code, region = _PEOPLE[person % len(_PEOPLE)]
    return {
        "address_type": kind,
        "city": city,
        "country_id": "US",
        "email": f"{first.lower()}.{last.lower()}{person}@example.com",
        "entity_id": order_id * 2 - (kind == "billing"),
        "firstname": first,
        "lastname": last,
        "parent_id": order_id,
        "postcode": f"{10000 + person * 37:05d}",
        "region": region,
        "region_code": code,
        **({"company": f"{last} Holdings"} if person % 6 == 0 else {}),  # absent when unset
        "street": [f"{100 + person} Main St", *([f"Suite {person}"] if person % 4 == 0 else [])],
        "telephone": f"512-555-{1000 + person:04d}",
    }


def _row(item_id: int, order_id: int, product: dict[str, Any], when: str) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "order_id": order_id,
        "product_id": product["id"],
        "product_type": product["type_id"],
        "sku": product["sku"],
        "name": product["name"],
        "store_id": 1,
        "created_at": when,
        "updated_at": when,
        "is_virtual": 0,
        "weight": 0.5,
    }


def _amounts(
    row: dict[str, Any], qty: int, price: Decimal, discount: Decimal, tax: Decimal
) -> None:
    row.update(
        qty_ordered=qty,
        price=num(price),
        base_price=num(price),
        original_price=num(price),
        row_total=num(price * qty),
        base_row_total=num(price * qty),
        discount_amount=num(discount),
        base_discount_amount=num(discount),
        tax_amount=num(tax),
        base_tax_amount=num(tax),
        tax_percent=num(TAX_RATE) if tax else 0,
    )


def _progress(row: dict[str, Any], state: str, qty: int) -> None:
    paid = state in ("processing", "complete", "closed")
    row.update(
        qty_invoiced=qty if paid else 0,
        qty_shipped=qty if state in ("complete", "closed") else 0,
        qty_refunded=qty if state == "closed" else 0,
        qty_canceled=qty if state == "canceled" else 0,
    )


def _lines(
    rng: random.Random,
    order_id: int,
    catalog: dict[int, dict[str, Any]],
    parents: dict[int, dict[str, Any]],
    purchasable: list[int],
    ctx: dict[str, Any],
) -> tuple[list[dict[str, Any]], Decimal, Decimal, Decimal]:
    """Item rows plus (subtotal, discount, tax); a configurable purchase is a priced
    parent row plus a zero-priced child row pointing at it through parent_item_id."""
    rows: list[dict[str, Any]] = []
    subtotal = discount_total = tax_total = Decimal(0)
    for pid in rng.sample(purchasable, rng.randint(1, 3)):
        qty = rng.randint(1, 3)
        child = catalog[pid]
        price = Decimal(str(child["price"]))
        row_total = price * qty
        discount = cents(row_total / 10) if ctx["coupon"] else Decimal(0)
        tax = cents((row_total - discount) * TAX_RATE / 100)
        subtotal, discount_total, tax_total = (
            subtotal + row_total,
            discount_total + discount,
            tax_total + tax,
        )
        item_id = order_id * 10 + len(rows)
        parent = parents.get(pid)
        top = _row(item_id, order_id, parent or child, ctx["when"])
        top["sku"] = child["sku"]  # Magento puts the chosen child's SKU on the parent row
        _amounts(top, qty, price, discount, tax)
        _progress(top, ctx["state"], qty)
        rows.append(top)
        if parent is not None:
            kid = _row(item_id + 1, order_id, child, ctx["when"])
            _amounts(kid, qty, Decimal(0), Decimal(0), Decimal(0))
            _progress(kid, ctx["state"], qty)
            kid["parent_item_id"] = item_id
            kid["parent_item"] = dict(top)
            rows.append(kid)
    return rows, subtotal, discount_total, tax_total


def _history(order_id: int, state: str, status: str, when: str) -> list[dict[str, Any]]:
    if state != "canceled":
        return []
    return [
        {
            "comment": None,
            "created_at": when,
            "entity_id": order_id,
            "entity_name": "order",
            "is_customer_notified": None,
            "is_visible_on_front": 0,
            "parent_id": order_id,
            "status": status,
        }
    ]


def _order(
    rng: random.Random,
    order_id: int,
    catalog: dict[int, dict[str, Any]],
    parents: dict[int, dict[str, Any]],
    purchasable: list[int],
) -> dict[str, Any]:
    created = ANCHOR - timedelta(seconds=rng.randrange(SPAN_DAYS * 86400))
    longest = timedelta(days=10)
    updated = spread_update(created, timedelta(seconds=rng.randrange(0, 10 * 86400)), longest)
    state, status, _ = rng.choices(_STATES, weights=[w for *_, w in _STATES])[0]
    person = rng.randrange(24)
    guest = person % 5 == 4
    ctx = {"coupon": rng.random() < 0.2, "state": state, "when": stamp(created)}
    rows, subtotal, discount, tax = _lines(rng, order_id, catalog, parents, purchasable, ctx)
    shipping = Decimal(0) if subtotal >= 100 else Decimal(5)
    grand = subtotal + shipping + tax - discount
    paid = grand if state in ("processing", "complete", "closed") else Decimal(0)
    billing = _address(order_id, person, "billing")
    order: dict[str, Any] = {
        "entity_id": order_id,
        "increment_id": f"{order_id:09d}",
        "created_at": stamp(created),
        "updated_at": stamp(updated),
        "state": state,
        "status": status,
        "store_id": 1,
        "store_name": "Main Website\nMain Website Store\nDefault Store View",
        "base_currency_code": CURRENCY,
        "order_currency_code": CURRENCY,
        "global_currency_code": CURRENCY,
        "store_currency_code": CURRENCY,
        "customer_email": billing["email"],
        "customer_firstname": billing["firstname"],
        "customer_lastname": billing["lastname"],
        "customer_is_guest": int(guest),
        "customer_id": None if guest else 100 + person,
        "customer_group_id": 0 if guest else 1,
        "coupon_code": COUPON if ctx["coupon"] else None,
        "discount_description": COUPON if ctx["coupon"] else None,
        "subtotal": num(subtotal),
        "base_subtotal": num(subtotal),
        "discount_amount": num(-discount),  # Magento reports discounts as negative amounts
        "base_discount_amount": num(-discount),
        "tax_amount": num(tax),
        "base_tax_amount": num(tax),
        "shipping_amount": num(shipping),
        "base_shipping_amount": num(shipping),
        "shipping_description": "Flat Rate - Fixed",
        "grand_total": num(grand),
        "base_grand_total": num(grand),
        "total_paid": num(paid),
        "total_invoiced": num(paid),
        "total_refunded": num(grand) if state == "closed" else 0,
        "total_due": num(grand - paid),
        "total_qty_ordered": sum(r["qty_ordered"] for r in rows if "parent_item_id" not in r),
        "total_item_count": len(rows),
        "items": rows,
        "billing_address": billing,
        "payment": {"method": "checkmo", "amount_ordered": num(grand), "parent_id": order_id},
        "status_histories": _history(order_id, state, status, stamp(updated)),
        "extension_attributes": {
            "shipping_assignments": [
                {
                    "shipping": {
                        "address": _address(order_id, person, "shipping"),
                        "method": "flatrate_flatrate",
                        "total": {"shipping_amount": num(shipping)},
                    },
                    "items": [r for r in rows if "parent_item_id" not in r],
                }
            ],
            "applied_taxes": [
                {
                    "code": "US-*-*-Rate 1",
                    "title": "US-*-*-Rate 1",
                    "percent": num(TAX_RATE),
                    "amount": num(tax),
                    "base_amount": num(tax),
                }
            ]
            if tax
            else [],
        },
    }
    complete_order(order)
    return order


def build_orders(
    rng: random.Random, catalog: dict[int, dict[str, Any]], purchasable: list[int], count: int
) -> dict[int, dict[str, Any]]:
    """`count` orders over the ~6 months before the anchor, entity ids 1..count."""
    parents = {
        kid: parent
        for parent in catalog.values()
        if parent["type_id"] == "configurable"
        for kid in parent["extension_attributes"]["configurable_product_links"]
    }
    return {
        order_id: _order(rng, order_id, catalog, parents, purchasable)
        for order_id in range(1, count + 1)
    }
