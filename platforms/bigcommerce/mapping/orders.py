"""BigCommerce V2 order (with `include=consignments.line_items`) -> canonical Order."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from platforms.bigcommerce.mapping.common import (
    address,
    decimal_of,
    external_id,
    money,
    optional_id,
    required_time,
    text,
)
from platforms.canonical import (
    CustomField,
    DiscountLine,
    FinancialStatus,
    FulfillmentStatus,
    LineItem,
    Money,
    Order,
    OrderStatus,
    Platform,
    ShippingLine,
    TaxLine,
)
from platforms.errors import PayloadError

Payload = dict[str, Any]

# `GET /v2/order_statuses`: the ids are fixed, the labels are the merchant's
STATUS_BY_ID: dict[int, OrderStatus] = {
    0: OrderStatus.UNKNOWN,  # Incomplete: never listed
    1: OrderStatus.OPEN,  # Pending
    2: OrderStatus.CLOSED,  # Shipped
    3: OrderStatus.OPEN,  # Partially Shipped
    4: OrderStatus.CLOSED,  # Refunded
    5: OrderStatus.CANCELLED,  # Cancelled
    6: OrderStatus.CANCELLED,  # Declined
    7: OrderStatus.OPEN,  # Awaiting Payment
    8: OrderStatus.OPEN,  # Awaiting Pickup
    9: OrderStatus.OPEN,  # Awaiting Shipment
    10: OrderStatus.CLOSED,  # Completed
    11: OrderStatus.OPEN,  # Awaiting Fulfillment
    12: OrderStatus.OPEN,  # Manual Verification Required
    13: OrderStatus.OPEN,  # Disputed
    14: OrderStatus.OPEN,  # Partially Refunded
}
CANCELLED_STATUS_ID = 5


def status_ids_for(status: OrderStatus) -> tuple[int, ...]:
    """The V2 status ids that map to `status` (a list filter takes one: see the client)."""
    return tuple(i for i, s in STATUS_BY_ID.items() if s is status)


_PAYMENT = {
    "pending": FinancialStatus.PENDING,
    "authorized": FinancialStatus.AUTHORIZED,
    "captured": FinancialStatus.PAID,
    "paid": FinancialStatus.PAID,
    "partially refunded": FinancialStatus.PARTIALLY_REFUNDED,
    "refunded": FinancialStatus.REFUNDED,
    "void": FinancialStatus.VOIDED,
    "voided": FinancialStatus.VOIDED,
}


def financial_status(payload: Payload) -> FinancialStatus:
    """From `refunded_amount` against the total when money went back, else `payment_status`."""
    refunded = decimal_of(payload.get("refunded_amount"))
    total = decimal_of(payload.get("total_inc_tax"))
    if refunded > 0:
        return FinancialStatus.REFUNDED if refunded >= total else FinancialStatus.PARTIALLY_REFUNDED
    state = str(payload.get("payment_status") or "pending").strip().lower()
    return _PAYMENT.get(state, FinancialStatus.UNKNOWN)


def fulfillment_status(payload: Payload) -> FulfillmentStatus:
    """From `items_shipped` of `items_total`."""
    shipped, total = payload.get("items_shipped"), payload.get("items_total")
    if not isinstance(shipped, int) or not isinstance(total, int):
        return FulfillmentStatus.UNKNOWN
    if shipped <= 0:
        return FulfillmentStatus.UNFULFILLED
    return (
        FulfillmentStatus.FULFILLED if shipped >= total else FulfillmentStatus.PARTIALLY_FULFILLED
    )


def consignments(payload: Payload) -> Payload:
    """The `consignments` object (`consignment_structure=object`); {} when not included."""
    found = payload.get("consignments")
    return found if isinstance(found, dict) else {}


def _groups(payload: Payload) -> Iterator[Payload]:
    parts = consignments(payload)
    for kind in ("shipping", "pickups", "downloads"):
        yield from (c for c in parts.get(kind) or () if isinstance(c, dict))
    email = parts.get("email")
    if isinstance(email, dict):
        yield from (c for c in email.get("gift_certificates") or () if isinstance(c, dict))


def order_products(payload: Payload) -> list[Payload]:
    """Every order product the consignments carry, once each, in id order."""
    rows: dict[str, Payload] = {}
    for group in _groups(payload):
        for row in group.get("line_items") or ():
            if isinstance(row, dict) and row.get("id") is not None:
                rows.setdefault(str(row["id"]), row)
    return sorted(rows.values(), key=lambda r: int(r["id"]))


def line_discount(row: Payload) -> Decimal:
    """Every discount applied to the order product (its own and its share of the order's)."""
    return sum(
        (
            decimal_of(d.get("amount"))
            for d in row.get("applied_discounts") or ()
            if isinstance(d, dict)
        ),
        Decimal(0),
    )


def map_line(row: Payload, currency: str) -> LineItem:
    """One order product: unit price excluding tax, every applied discount."""
    return LineItem(
        external_id=external_id(row),
        title=str(row.get("name") or ""),
        quantity=int(row.get("quantity") or 0),
        unit_price=money(row.get("price_ex_tax"), currency),
        total_discount=Money(amount=line_discount(row), currency_code=currency),
        sku=text(row.get("sku")),
        variant_external_id=optional_id(row.get("variant_id")),
        product_external_id=optional_id(row.get("product_id")),
    )


def _discounts(rows: list[Payload], currency: str) -> tuple[DiscountLine, ...]:
    totals: dict[tuple[str | None, str | None], Decimal] = {}
    for row in rows:
        for d in row.get("applied_discounts") or ():
            if isinstance(d, dict):
                key = (text(d.get("code")), text(d.get("name")) or text(d.get("id")))
                totals[key] = totals.get(key, Decimal(0)) + decimal_of(d.get("amount"))
    return tuple(
        DiscountLine(code=code, kind=kind, amount=Money(amount=amount, currency_code=currency))
        for (code, kind), amount in totals.items()
    )


def _shipping(payload: Payload, currency: str) -> tuple[ShippingLine, ...]:
    return tuple(
        ShippingLine(
            title=str(c.get("shipping_method") or "Shipping"),
            code=text(c.get("shipping_zone_name")),
            amount=money(c.get("cost_ex_tax"), currency),
        )
        for c in consignments(payload).get("shipping") or ()
        if isinstance(c, dict)
    )


def _form_fields(payload: Payload) -> tuple[CustomField, ...]:
    billing = payload.get("billing_address")
    fields = billing.get("form_fields") if isinstance(billing, dict) else None
    return tuple(
        CustomField(
            namespace="billing_address.form_fields", key=str(f["name"]), value=f.get("value")
        )
        for f in fields or ()
        if isinstance(f, dict) and f.get("name")
    )


def map_order(payload: Payload, *, store_id: str, default_currency: str) -> Order:
    """A V2 order with its consignments' line items: amounts exclude tax except the totals."""
    currency = text(payload.get("currency_code")) or default_currency
    rows = order_products(payload)
    lines = tuple(map_line(r, currency) for r in rows)
    wrapping = decimal_of(payload.get("wrapping_cost_ex_tax"))
    subtotal = sum((li.total.amount for li in lines), Decimal(0)) + wrapping
    shipping = decimal_of(payload.get("shipping_cost_ex_tax"))
    shipping += decimal_of(payload.get("handling_cost_ex_tax"))
    discounts = sum((line_discount(r) for r in rows), Decimal(0))
    shipping_lines = _shipping(payload, currency)
    billing = payload.get("billing_address")
    status_id = payload.get("status_id")
    if not isinstance(status_id, int):
        raise PayloadError("BigCommerce order has no status_id")
    return Order(
        store_id=store_id,
        platform=Platform.BIGCOMMERCE,
        external_id=external_id(payload),
        number=str(payload.get("id")),
        created_at=required_time(payload, "date_created"),
        updated_at=required_time(payload, "date_modified"),
        status=STATUS_BY_ID.get(status_id, OrderStatus.UNKNOWN),
        financial_status=financial_status(payload),
        fulfillment_status=fulfillment_status(payload),
        currency_code=currency,
        email=text(billing.get("email")) if isinstance(billing, dict) else None,
        subtotal_price=Money(amount=subtotal, currency_code=currency),
        total_tax=money(payload.get("total_tax"), currency),
        total_shipping=Money(amount=shipping, currency_code=currency),
        total_discounts=Money(amount=discounts, currency_code=currency),
        total_price=money(payload.get("total_inc_tax"), currency),
        taxes_included=payload.get("is_tax_inclusive_pricing")
        if isinstance(payload.get("is_tax_inclusive_pricing"), bool)
        else None,
        line_items=lines,
        discounts=_discounts(rows, currency),
        shipping_lines=shipping_lines,
        billing_address=address(billing),
        shipping_address=next(
            (
                address(c)
                for c in consignments(payload).get("shipping") or ()
                if isinstance(c, dict)
            ),
            None,
        ),
        customer_external_id=optional_id(payload.get("customer_id")),
        custom_fields=_form_fields(payload),
        raw=payload,
    )


def map_taxes(rows: list[Payload], currency: str) -> tuple[TaxLine, ...]:
    """`GET /v2/orders/{id}/taxes` rows -> one tax line per tax name and rate: `rate` is a
    percentage string ("8.0000") made a fraction, `line_amount` the tax it raised. (Order
    reads do not spend this call; see the spec's absent fields.)"""
    totals: dict[tuple[str, Decimal], Decimal] = {}
    for row in rows:
        if isinstance(row, dict):
            key = (str(row.get("name") or "Tax"), decimal_of(row.get("rate")) / 100)
            totals[key] = totals.get(key, Decimal(0)) + decimal_of(row.get("line_amount"))
    return tuple(
        TaxLine(title=title, rate=rate, amount=Money(amount=amount, currency_code=currency))
        for (title, rate), amount in totals.items()
    )
