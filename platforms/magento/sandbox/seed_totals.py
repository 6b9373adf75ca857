"""The rest of a Magento order's keys, derived from its core amounts: tax-inclusive and base
amounts, invoiced/refunded/canceled totals, `parent_item`, payment and address ids, as
Adobe's published order carries them (tests/platforms/magento/sandbox/test_fidelity.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from platforms.magento.sandbox.seed import num

Payload = dict[str, Any]
# US region ids as Magento's directory numbers them (New York is 43 in the published order)
REGION_IDS = {"TX": 57, "NY": 43, "FL": 18, "WA": 62, "IL": 23, "CO": 13}
PAID = ("processing", "complete", "closed")


def _d(row: Payload, key: str) -> Decimal:
    return Decimal(str(row.get(key) or 0))


def _with_base(row: Payload, rate: Decimal = Decimal(1), **amounts: Decimal) -> None:
    """Set each amount and its `base_` twin: `rate` base-currency units per order-currency
    unit (1 in the seeded store, whose base currency is the order's)."""
    for key, value in amounts.items():
        row[key] = num(value)
        row[f"base_{key}"] = num((value * rate).quantize(Decimal("0.01")))


def complete_item(row: Payload, rule: bool, rate: Decimal = Decimal(1)) -> None:
    """An item row's derived keys from price, qty_ordered, row_total, discount and tax."""
    qty = _d(row, "qty_ordered")
    price, tax, discount = _d(row, "price"), _d(row, "tax_amount"), _d(row, "discount_amount")
    invoiced = _d(row, "qty_invoiced") >= qty > 0
    refunded = _d(row, "qty_refunded") >= qty > 0
    # before the discount, as Magento keeps them (tax_amount is after it)
    gross = (price * (1 + _d(row, "tax_percent") / 100)).quantize(Decimal("0.01"))
    _with_base(
        row,
        rate,
        original_price=price,
        price_incl_tax=gross,
        row_total_incl_tax=gross * qty,
        discount_tax_compensation_amount=Decimal(0),
        row_invoiced=_d(row, "row_total") if invoiced else Decimal(0),
        tax_invoiced=tax if invoiced else Decimal(0),
        discount_invoiced=discount if invoiced else Decimal(0),
        amount_refunded=_d(row, "row_total") if refunded else Decimal(0),
        tax_refunded=tax if refunded else Decimal(0),
        discount_refunded=discount if refunded else Decimal(0),
    )
    row.update(
        applied_rule_ids="1" if rule else "",
        discount_percent=10 if discount else 0,
        free_shipping=0,
        is_qty_decimal=0,
        no_discount=0,
        quote_item_id=row["item_id"],
        row_weight=num(_d(row, "weight") * qty),
    )


def _order_amounts(order: Payload) -> dict[str, Decimal]:
    subtotal, tax = _d(order, "subtotal"), _d(order, "tax_amount")
    shipping, grand = _d(order, "shipping_amount"), _d(order, "grand_total")
    shipping_tax = _d(order, "shipping_tax_amount")  # 0 in the seeded store: untaxed shipping
    return {
        "subtotal": subtotal,
        "shipping_amount": shipping,
        "tax_amount": tax,
        "discount_amount": _d(order, "discount_amount"),
        "grand_total": grand,
        "subtotal_incl_tax": subtotal + tax - shipping_tax,
        "shipping_incl_tax": shipping + shipping_tax,
        "shipping_tax_amount": shipping_tax,
        "shipping_discount_amount": Decimal(0),
        "shipping_discount_tax_compensation_amount": Decimal(0),
        "discount_tax_compensation_amount": Decimal(0),
        "total_due": grand - _d(order, "total_paid"),
    }


def _documents(order: Payload) -> dict[str, Decimal]:
    """Invoiced (paid states), refunded (closed) and canceled totals, as Magento keeps them
    (order-level discounts negative, like `discount_amount`)."""
    out: dict[str, Decimal] = {}
    amounts = {
        "subtotal": _d(order, "subtotal"),
        "tax": _d(order, "tax_amount"),
        "shipping": _d(order, "shipping_amount"),
        "discount": _d(order, "discount_amount"),
        "total": _d(order, "grand_total"),
    }
    for doc, applies in (
        ("invoiced", order["state"] in PAID),
        ("refunded", order["state"] == "closed"),
        ("canceled", order["state"] == "canceled"),
    ):
        if applies:
            out |= {f"{name}_{doc}": value for name, value in amounts.items()}
    if order["state"] in PAID:
        out["total_paid"] = amounts["total"]
    if order["state"] == "closed":
        out["total_offline_refunded"] = amounts["total"]
    return out


def complete_order(order: Payload, rate: Decimal = Decimal(1)) -> None:
    """Every key the published order has (and the invoice/refund totals its state implies);
    `rate`: base-currency units per order-currency unit."""
    rule = bool(order.get("coupon_code"))
    rows = order["items"]
    for row in rows:
        complete_item(row, rule, rate)
    by_id = {row["item_id"]: row for row in rows}
    for row in rows:
        if "parent_item_id" in row:
            row["parent_item"] = dict(by_id[row["parent_item_id"]])
    _with_base(order, rate, **_order_amounts(order), **_documents(order))
    order.update(
        applied_rule_ids="1" if rule else "",
        base_to_global_rate=1,
        base_to_order_rate=num((1 / rate).quantize(Decimal("0.0001"))),
        store_to_base_rate=0,
        store_to_order_rate=0,
        billing_address_id=order["billing_address"]["entity_id"],
        customer_note_notify=1,
        email_sent=1,
        is_virtual=0,
        protect_code=f"{order['entity_id'] * 7919 % 16**6:06x}",
        quote_id=order["entity_id"] + 1,
        weight=num(
            sum((_d(r, "row_weight") for r in rows if "parent_item_id" not in r), Decimal(0))
        ),
    )
    _address_and_payment(order)


def _address_and_payment(order: Payload) -> None:
    assignment = order["extension_attributes"]["shipping_assignments"][0]
    shipping = assignment["shipping"]
    for address in (order["billing_address"], shipping["address"]):
        address["region_id"] = REGION_IDS.get(address["region_code"], 12)
    assignment["items"] = order["items"]  # children included, as Magento lists them
    keys = ("shipping_amount", "shipping_discount_amount", "shipping_incl_tax")
    total = {k: order[k] for k in (*keys, "shipping_tax_amount")}
    total["shipping_discount_tax_compensation_amount"] = 0
    shipping["total"] = total | {
        f"base_{k}": order[f"base_{k}"] for k in (*keys, "shipping_tax_amount")
    }
    payment = order["payment"]
    payment.update(
        account_status=None,
        additional_information=["Check / Money order", ""],
        base_amount_ordered=payment["amount_ordered"],
        base_shipping_amount=order["shipping_amount"],
        shipping_amount=order["shipping_amount"],
        cc_last4=None,
        entity_id=order["entity_id"],
    )
