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
from platforms.shopify.mapping import common as m

_CENT = Decimal("0.01")
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


def _sum(rows: list[m.Payload], key: str, currency: str, entity: str) -> Decimal:
    return sum((m.money(r, key, currency, entity).amount for r in rows), Decimal(0))


def _line_discount(item: m.Payload, currency: str) -> Decimal:
    """Every discount on the line: its `discount_allocations` (line-level and its share of
    order-level discounts) when the payload has them; `total_discount` only in payloads
    older than allocations (since 2019 it reads "0.00" beside them: never add both)."""
    allocations = item.get("discount_allocations")
    if isinstance(allocations, list):
        return _sum(m.dicts(allocations), "amount", currency, "discount allocation")
    return m.money(item, "total_discount", currency, "line item").amount


def _net_unit(price: Decimal, item: m.Payload) -> Decimal:
    """One unit's price without the tax a tax-inclusive price holds (4 decimals; the line's
    total stays exact: the rounding goes into its discount)."""
    rates = sum(
        (m.decimal(t.get("rate"), "tax line", "rate") for t in m.dicts(item.get("tax_lines"))),
        Decimal(0),
    )
    return (price / (1 + rates)).quantize(Decimal("0.0001")) if rates else price


def _line_item(item: m.Payload, currency: str, taxes_included: bool) -> LineItem:
    """Unit price before discounts and line discount, both excluding tax (docs/money.md)."""
    quantity = m.integer(item.get("quantity"), 0) or 0
    price = m.money(item, "price", currency, "line item").amount
    discount = _line_discount(item, currency)
    if taxes_included:
        tax = _sum(m.dicts(item.get("tax_lines")), "price", currency, "tax line")
        net_total = price * quantity - discount - tax
        price = _net_unit(price, item)
        discount = price * quantity - net_total
    return LineItem(
        external_id=m.ident(item.get("id"), "line item", "line_items[].id"),
        title=m.text(item.get("title")) or m.text(item.get("name")) or "",
        quantity=quantity,
        unit_price=Money(amount=price, currency_code=currency),
        total_discount=Money(amount=discount, currency_code=currency),
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


def _discount(code: m.Payload, currency: str, net_share: Decimal) -> DiscountLine:
    """A discount code; `net_share` turns a tax-inclusive amount tax-exclusive (1 if not)."""
    amount = m.money(code, "amount", currency, "discount code").amount
    return DiscountLine(
        code=m.nonempty(code.get("code")),
        kind=m.nonempty(code.get("type")),
        amount=Money(amount=(amount * net_share).quantize(_CENT), currency_code=currency),
    )


def _net_share(data: m.Payload, lines: tuple[LineItem, ...], currency: str) -> Decimal:
    """Net / gross of the line discounts in a tax-inclusive order (1 otherwise), to state
    its discount codes tax-exclusive like every other amount (docs/money.md)."""
    if data.get("taxes_included") is not True:
        return Decimal(1)
    gross = sum((_line_discount(i, currency) for i in m.dicts(data.get("line_items"))), Decimal(0))
    net = sum((li.total_discount.amount for li in lines if li.total_discount), Decimal(0))
    return net / gross if gross else Decimal(1)


def _shipping_charge(line: m.Payload, currency: str, taxes_included: bool) -> Decimal:
    """The method's charge after its discounts (`discounted_price`), excluding tax."""
    key = "discounted_price" if line.get("discounted_price") is not None else "price"
    charge = m.money(line, key, currency, "shipping line").amount
    if taxes_included:
        charge -= _sum(m.dicts(line.get("tax_lines")), "price", currency, "tax line")
    return charge


def _shipping_discount(line: m.Payload, currency: str) -> Decimal:
    if line.get("discounted_price") is None:
        return Decimal(0)
    price = m.money(line, "price", currency, "shipping line").amount
    return price - m.money(line, "discounted_price", currency, "shipping line").amount


def _shipping_line(line: m.Payload, currency: str, taxes_included: bool) -> ShippingLine:
    return ShippingLine(
        title=m.text(line.get("title")) or "",
        code=m.nonempty(line.get("code")),
        amount=Money(
            amount=_shipping_charge(line, currency, taxes_included), currency_code=currency
        ),
    )


def _currency(data: m.Payload, shop_currency: str) -> str:
    """The currency the customer paid in: `presentment_currency` when the totals carry it
    (presentment money), else the shop's `currency`."""
    shop = m.currency_code(data.get("currency"), shop_currency)
    presented = m.currency_code(data.get("presentment_currency"), shop)
    bag = data.get("total_price_set")
    side = bag.get("presentment_money") if isinstance(bag, Mapping) else None
    if isinstance(side, Mapping) and m.currency_code(side.get("currency_code"), "") == presented:
        return presented
    return shop


def _amounts(data: m.Payload, currency: str) -> dict[str, Any]:
    """The order's lines and money fields, as docs/money.md defines them."""
    included = data.get("taxes_included") is True
    lines = tuple(_line_item(i, currency, included) for i in m.dicts(data.get("line_items")))
    ships = m.dicts(data.get("shipping_lines"))
    shipping = tuple(_shipping_line(s, currency, included) for s in ships)
    line_discounts = sum(
        (li.total_discount.amount for li in lines if li.total_discount), Decimal(0)
    )
    ship_discounts = sum((_shipping_discount(s, currency) for s in ships), Decimal(0))
    total = sum((s.amount.amount for s in shipping), Decimal(0))
    return {
        "line_items": lines,
        "shipping_lines": shipping,
        "taxes_included": data.get("taxes_included")
        if isinstance(data.get("taxes_included"), bool)
        else None,
        "subtotal_price": _of(sum((li.total.amount for li in lines), Decimal(0)), currency),
        "total_shipping": _of(total, currency),
        "total_discounts": _of(line_discounts + ship_discounts, currency),
        "total_tax": m.money(data, "total_tax", currency, "order"),
        "total_price": m.money(data, "total_price", currency, "order"),
    }


def _discounts(data: m.Payload, currency: str) -> tuple[DiscountLine, ...]:
    included = data.get("taxes_included") is True
    lines = tuple(_line_item(i, currency, included) for i in m.dicts(data.get("line_items")))
    share = _net_share(data, lines, currency)
    return tuple(_discount(d, currency, share) for d in m.dicts(data.get("discount_codes")))


def _of(amount: Decimal, currency: str) -> Money:
    return Money(amount=amount, currency_code=currency)


def map_order(payload: Any, *, store_id: str, shop_currency: str) -> Order:
    """Map a Shopify REST order (`orders.json` item or `order.json` body) to an Order.

    Money per docs/money.md: the presentment currency, tax-exclusive amounts (a
    tax-inclusive order's lines and shipping lose the tax their tax lines name), line
    discounts from `discount_allocations`, and a subtotal summed from the lines (Shopify's
    own `subtotal_price` is not always after discounts in its published examples).
    """
    data = m.require_dict(payload, "order")
    external_id = m.ident(data.get("id"), "order", "id")
    currency = _currency(data, shop_currency)
    created = m.timestamp(data.get("created_at"), "order", "created_at") or m.timestamp(
        data.get("processed_at"), "order", "processed_at"
    )
    if created is None:
        raise m.fail("order", "created_at", "is missing")
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
            **_amounts(data, currency),
            tax_lines=tuple(_tax_line(t, currency) for t in m.dicts(data.get("tax_lines"))),
            discounts=_discounts(data, currency),
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
