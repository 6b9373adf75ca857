"""Pure mapping of Shopify Admin REST orders to canonical Orders."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from platforms.canonical import (
    DiscountLine,
    FinancialStatus,
    FulfillmentStatus,
    LineItem,
    Money,
    Order,
    OrderStatus,
    ShippingLine,
    TaxLine,
)
from platforms.shopify import mapping_common as m

_FINANCIAL = {
    "pending": FinancialStatus.PENDING,
    "authorized": FinancialStatus.AUTHORIZED,
    "partially_paid": FinancialStatus.PARTIALLY_PAID,
    "paid": FinancialStatus.PAID,
    "partially_refunded": FinancialStatus.PARTIALLY_REFUNDED,
    "refunded": FinancialStatus.REFUNDED,
    "voided": FinancialStatus.VOIDED,
}
_FULFILLMENT = {
    # Shopify sends null for "nothing shipped yet"; "unfulfilled" is the filter's spelling.
    None: FulfillmentStatus.UNFULFILLED,
    "unfulfilled": FulfillmentStatus.UNFULFILLED,
    "partial": FulfillmentStatus.PARTIALLY_FULFILLED,
    "fulfilled": FulfillmentStatus.FULFILLED,
    "restocked": FulfillmentStatus.RESTOCKED,
}


def _order_status(payload: m.Payload) -> OrderStatus:
    if payload.get("cancelled_at"):
        return OrderStatus.CANCELLED
    if payload.get("closed_at"):
        return OrderStatus.CLOSED
    return OrderStatus.OPEN


def _order_number(payload: m.Payload, external_id: str) -> str:
    number = payload.get("order_number")
    if number is not None and number != "":
        return str(number)
    return m.nonempty(payload.get("name")) or external_id


def _line_item(item: m.Payload, currency: str) -> LineItem:
    return LineItem(
        external_id=m.ident(item.get("id"), "line item", "line_items[].id"),
        title=m.text(item.get("title")) or m.text(item.get("name")) or "",
        quantity=m.integer(item.get("quantity"), 0) or 0,
        unit_price=m.money(item, "price", currency, "line item"),
        total_discount=m.money(item, "total_discount", currency, "line item"),
        sku=m.nonempty(item.get("sku")),
        variant_external_id=m.opt_ident(item.get("variant_id"), "line item", "variant_id"),
        product_external_id=m.opt_ident(item.get("product_id"), "line item", "product_id"),
    )


def _tax_line(line: m.Payload, currency: str) -> TaxLine:
    rate = line.get("rate")
    return TaxLine(
        title=m.text(line.get("title")) or "",
        rate=None if rate is None else m.decimal(rate, "tax line", "rate"),
        amount=m.money(line, "price", currency, "tax line"),
    )


def _discount(code: m.Payload, currency: str) -> DiscountLine:
    return DiscountLine(
        code=m.nonempty(code.get("code")),
        kind=m.nonempty(code.get("type")),
        amount=m.money(code, "amount", currency, "discount code"),
    )


def _shipping_line(line: m.Payload, currency: str) -> ShippingLine:
    return ShippingLine(
        title=m.text(line.get("title")) or "",
        code=m.nonempty(line.get("code")),
        amount=m.money(line, "price", currency, "shipping line"),
    )


def _total_shipping(payload: m.Payload, lines: tuple[ShippingLine, ...], currency: str) -> Money:
    bag = payload.get("total_shipping_price_set")
    if isinstance(bag, Mapping) and isinstance(bag.get("shop_money"), Mapping):
        return m.money(payload, "total_shipping_price", currency, "order")
    # older payloads have no total: the shipping lines are the whole charge.
    return Money(
        amount=sum((line.amount.amount for line in lines), Decimal(0)), currency_code=currency
    )


def map_order(payload: Any, *, store_id: str, shop_currency: str) -> Order:
    """Map a Shopify REST order (`orders.json` item or `order.json` body) to an Order."""
    data = m.require_dict(payload, "order")
    external_id = m.ident(data.get("id"), "order", "id")
    currency = m.currency_code(data.get("currency"), shop_currency)
    created = m.timestamp(data.get("created_at"), "order", "created_at") or m.timestamp(
        data.get("processed_at"), "order", "processed_at"
    )
    if created is None:
        raise m.fail("order", "created_at", "is missing")
    shipping = tuple(_shipping_line(s, currency) for s in m.dicts(data.get("shipping_lines")))
    customer = data.get("customer")
    return m.build(
        "order",
        lambda: Order(
            store_id=store_id,
            platform=m.PLATFORM,
            external_id=external_id,
            number=_order_number(data, external_id),
            created_at=created,
            updated_at=m.timestamp(data.get("updated_at"), "order", "updated_at") or created,
            cancelled_at=m.timestamp(data.get("cancelled_at"), "order", "cancelled_at"),
            status=_order_status(data),
            financial_status=_FINANCIAL.get(
                m.text(data.get("financial_status")) or "", FinancialStatus.UNKNOWN
            ),
            fulfillment_status=_FULFILLMENT.get(
                m.text(data.get("fulfillment_status")), FulfillmentStatus.UNKNOWN
            ),
            currency_code=currency,
            email=m.nonempty(data.get("email")) or m.nonempty(data.get("contact_email")),
            subtotal_price=m.money(data, "subtotal_price", currency, "order"),
            total_tax=m.money(data, "total_tax", currency, "order"),
            total_shipping=_total_shipping(data, shipping, currency),
            total_discounts=m.money(data, "total_discounts", currency, "order"),
            total_price=m.money(data, "total_price", currency, "order"),
            line_items=tuple(_line_item(i, currency) for i in m.dicts(data.get("line_items"))),
            tax_lines=tuple(_tax_line(t, currency) for t in m.dicts(data.get("tax_lines"))),
            discounts=tuple(_discount(d, currency) for d in m.dicts(data.get("discount_codes"))),
            shipping_lines=shipping,
            billing_address=m.address(data.get("billing_address")),
            shipping_address=m.address(data.get("shipping_address")),
            customer_external_id=(
                m.opt_ident(customer.get("id"), "order", "customer.id")
                if isinstance(customer, Mapping)
                else None
            ),
            custom_fields=m.custom_fields(data),
            raw=dict(data),
        ),
    )
