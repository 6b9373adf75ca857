"""WooCommerce order payload -> canonical Order (pure functions)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from platforms.canonical import (
    DiscountLine,
    FinancialStatus,
    FulfillmentStatus,
    LineItem,
    Order,
    OrderStatus,
    Platform,
    ShippingLine,
    TaxLine,
)
from platforms.errors import PayloadError
from platforms.woocommerce.mapping.common import (
    address,
    as_list,
    currency_of,
    custom_fields,
    decimal_of,
    external_id,
    money,
    optional_id,
    required_timestamp,
    text_or_none,
    timestamp,
)

_O, _C, _X = OrderStatus.OPEN, OrderStatus.CLOSED, OrderStatus.CANCELLED
_F, _U = FulfillmentStatus.FULFILLED, FulfillmentStatus.UNFULFILLED

# WooCommerce has one `status`; canonical splits it in three. The table is the contract:
#   pending    (awaiting payment)           -> OPEN,      PENDING,  UNFULFILLED
#   on-hold    (awaiting manual payment)    -> OPEN,      PENDING,  UNFULFILLED
#   processing (paid, to be shipped)        -> OPEN,      PAID,     UNFULFILLED
#   completed  (paid and shipped)           -> CLOSED,    PAID,     FULFILLED
#   refunded   (fully refunded)             -> CLOSED,    REFUNDED, UNKNOWN
#   cancelled  (cancelled before payment)   -> CANCELLED, VOIDED,   UNFULFILLED
#   failed     (payment failed; may retry)  -> OPEN,      PENDING,  UNFULFILLED
#   trash      (deleted to the bin)         -> CANCELLED, UNKNOWN,  UNKNOWN
#   checkout-draft / plugin statuses        -> UNKNOWN,   UNKNOWN,  UNKNOWN
STATUS_MAP: dict[str, tuple[OrderStatus, FinancialStatus, FulfillmentStatus]] = {
    "pending": (_O, FinancialStatus.PENDING, _U),
    "on-hold": (_O, FinancialStatus.PENDING, _U),
    "processing": (_O, FinancialStatus.PAID, _U),
    "completed": (_C, FinancialStatus.PAID, _F),
    "refunded": (_C, FinancialStatus.REFUNDED, FulfillmentStatus.UNKNOWN),
    "cancelled": (_X, FinancialStatus.VOIDED, _U),
    "failed": (_O, FinancialStatus.PENDING, _U),
    "trash": (_X, FinancialStatus.UNKNOWN, FulfillmentStatus.UNKNOWN),
}
_UNKNOWN = (OrderStatus.UNKNOWN, FinancialStatus.UNKNOWN, FulfillmentStatus.UNKNOWN)

# Canonical order filter -> the WooCommerce statuses that map to it (for `status=`).
WOO_STATUSES_FOR: dict[OrderStatus, tuple[str, ...]] = {
    status: tuple(k for k, v in STATUS_MAP.items() if v[0] is status and k != "trash")
    for status in (_O, _C, _X)
}


def statuses(payload: dict[str, Any]) -> tuple[OrderStatus, FinancialStatus, FulfillmentStatus]:
    """Canonical (status, financial, fulfillment) for an order; partial refunds detected.

    A paid order with entries in `refunds` but not status `refunded` is PARTIALLY_REFUNDED.
    """
    raw = payload.get("status")
    status, financial, fulfillment = STATUS_MAP.get(raw if isinstance(raw, str) else "", _UNKNOWN)
    if financial is FinancialStatus.PAID and as_list(payload.get("refunds")):
        financial = FinancialStatus.PARTIALLY_REFUNDED
    return status, financial, fulfillment


def line_item(payload: dict[str, Any], currency: str) -> LineItem:
    """One `line_items` entry (docs/money.md).

    `subtotal` is before coupons and `total` after, both excluding tax whether or not the
    store's prices include it; so the canonical unit price is subtotal/quantity (to 4
    decimals when it does not divide) and the line's discount is subtotal - total. The JSON
    number `price` (= total/quantity) is only the fallback when `subtotal` is missing.
    """
    quantity = payload.get("quantity")
    qty = quantity if isinstance(quantity, int) and not isinstance(quantity, bool) else 0
    total = decimal_of(payload.get("total"))
    if payload.get("subtotal") not in (None, ""):
        subtotal = decimal_of(payload.get("subtotal"))
        # no normalize(): Decimal("20").normalize() is 2E+1 (the Money model renders it).
        unit = (subtotal / qty).quantize(Decimal("0.0001")) if qty else subtotal
    else:
        subtotal, unit = total, decimal_of(payload.get("price"))
    product_id = optional_id(payload.get("product_id"))
    # variation_id 0 = simple product: the product is its own variant.
    variant_id = optional_id(payload.get("variation_id")) or product_id
    discount = subtotal - total
    return LineItem(
        external_id=external_id(payload),
        title=text_or_none(payload.get("name")) or "",
        quantity=qty,
        unit_price=money(unit, currency),
        total_discount=money(discount, currency),
        sku=text_or_none(payload.get("sku")),
        variant_external_id=variant_id,
        product_external_id=product_id,
    )


def _tax_line(payload: dict[str, Any], currency: str) -> TaxLine:
    amount = decimal_of(payload.get("tax_total")) + decimal_of(payload.get("shipping_tax_total"))
    rate = payload.get("rate_percent")  # WooCommerce >= 3.7: a percentage (19.0)
    return TaxLine(
        title=text_or_none(payload.get("label")) or text_or_none(payload.get("rate_code")) or "",
        rate=decimal_of(rate) / 100 if rate not in (None, "") else None,
        amount=money(amount, currency),
    )


def _discount_line(payload: dict[str, Any], currency: str) -> DiscountLine:
    return DiscountLine(
        code=text_or_none(payload.get("code")),
        kind="coupon",
        amount=money(payload.get("discount"), currency),
    )


def _shipping_line(payload: dict[str, Any], currency: str) -> ShippingLine:
    return ShippingLine(
        title=text_or_none(payload.get("method_title")) or "",
        code=text_or_none(payload.get("method_id")),
        amount=money(payload.get("total"), currency),
    )


def order_subtotal(payload: dict[str, Any]) -> Decimal:
    """Line totals (after coupons) plus fee lines, before shipping and tax (docs/money.md).

    So `total == subtotal + shipping_total + total_tax` for a consistent WooCommerce order.
    """
    lines = sum((decimal_of(i.get("total")) for i in as_list(payload.get("line_items"))), Decimal())
    fees = sum((decimal_of(f.get("total")) for f in as_list(payload.get("fee_lines"))), Decimal())
    return lines + fees


def map_order(payload: dict[str, Any], *, store_id: str, default_currency: str) -> Order:
    """A WooCommerce order (REST v3 / webhook body) as a canonical Order.

    Timestamps come from `date_*_gmt` (UTC); WooCommerce records no cancellation time, so
    `cancelled_at` is the last modification of a cancelled order (the best it offers).
    """
    if not isinstance(payload, dict):
        raise PayloadError("WooCommerce order payload is not an object")
    currency = currency_of(payload, default_currency)
    status, financial, fulfillment = statuses(payload)
    updated = timestamp(payload, "date_modified") or required_timestamp(payload, "date_created")
    raw_billing = payload.get("billing")
    billing: dict[str, Any] = raw_billing if isinstance(raw_billing, dict) else {}
    return Order(
        store_id=store_id,
        platform=Platform.WOOCOMMERCE,
        external_id=external_id(payload),
        number=text_or_none(payload.get("number")) or external_id(payload),
        created_at=required_timestamp(payload, "date_created"),
        updated_at=updated,
        cancelled_at=updated if status is OrderStatus.CANCELLED else None,
        status=status,
        financial_status=financial,
        fulfillment_status=fulfillment,
        currency_code=currency,
        email=text_or_none(billing.get("email")),
        subtotal_price=money(order_subtotal(payload), currency),
        total_tax=money(payload.get("total_tax"), currency),
        total_shipping=money(payload.get("shipping_total"), currency),
        # coupons discount lines only (no shipping discounts in core): the lines' sum.
        total_discounts=money(payload.get("discount_total"), currency),
        total_price=money(payload.get("total"), currency),
        taxes_included=payload.get("prices_include_tax")
        if isinstance(payload.get("prices_include_tax"), bool)
        else None,
        line_items=tuple(line_item(i, currency) for i in as_list(payload.get("line_items"))),
        tax_lines=tuple(_tax_line(t, currency) for t in as_list(payload.get("tax_lines"))),
        discounts=tuple(_discount_line(c, currency) for c in as_list(payload.get("coupon_lines"))),
        shipping_lines=tuple(
            _shipping_line(s, currency) for s in as_list(payload.get("shipping_lines"))
        ),
        billing_address=address(billing),
        shipping_address=address(payload.get("shipping")),
        customer_external_id=optional_id(payload.get("customer_id")),
        custom_fields=custom_fields(payload.get("meta_data")),
        raw=payload,
    )
