"""Orders API v0 order (+ its getOrderItems items) -> canonical Order (pure functions).

The client reads Orders 2026-01-01 only (`orders.py`); this mapper serves the v0 shapes users
already hold (exports, stored `getOrders`/`getOrder`/`getOrderItems` answers) and those that
notifications and feed/report tooling still carry, and `remap_order` dispatches to it for a
kept payload with an `AmazonOrderId`.

Money (docs/money.md): a v0 `ItemPrice` is the price of the whole quantity, so the unit
price is `ItemPrice / QuantityOrdered`; `PromotionDiscount` is the line's discount,
`ShippingPrice - ShippingDiscount` its shipping, the `*Tax` amounts (less the discounts'
taxes) its tax, gift wrap and COD fee (less its discount) fees in the subtotal. Every amount
is in the order's currency (its `OrderTotal`'s, else its items', else its marketplace's): an
amount in another currency cannot be added to it, so it is left out of the totals and kept,
unconverted, in the `foreignAmounts` custom field. A header without items (Amazon's
`getOrders` answer) states only `OrderTotal`: the subtotal is that total until the items are
mapped with it; a Pending order has no total: all amounts 0.00, financial status PENDING.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from platforms.amazon.mapping.common import (
    address,
    decimal_of,
    field,
    marketplace_currency,
    text,
    timestamp,
)
from platforms.amazon.mapping.orders import STATUS_MAP
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
# v0 OrderStatus -> the 2026-01-01 fulfillmentStatus it is (InvoiceUnconfirmed: shipped,
# the buyer's invoice not yet confirmed)
V0_STATUS: dict[str, str] = {
    "PendingAvailability": "PENDING_AVAILABILITY",
    "Pending": "PENDING",
    "Unshipped": "UNSHIPPED",
    "PartiallyShipped": "PARTIALLY_SHIPPED",
    "Shipped": "SHIPPED",
    "InvoiceUnconfirmed": "SHIPPED",
    "Canceled": "CANCELLED",
    "Unfulfillable": "UNFULFILLABLE",
}
_UNKNOWN = (OrderStatus.UNKNOWN, FinancialStatus.UNKNOWN, FulfillmentStatus.UNKNOWN)


class _Amounts:
    """Reads v0 `Money` in one currency; what is in another is set aside, not converted."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.foreign: list[dict[str, str]] = []

    def get(self, value: Any, what: str) -> Decimal:
        if not isinstance(value, dict):
            return Decimal(0)
        code = value.get("CurrencyCode")
        amount = decimal_of(value.get("Amount"), what)
        if code != self.currency:
            self.foreign.append({"field": what, "amount": str(amount), "currencyCode": str(code)})
            return Decimal(0)
        return amount

    def money(self, amount: Decimal) -> Money:
        return Money(amount=amount, currency_code=self.currency)


class _Totals:
    def __init__(self) -> None:
        self.lines = self.discounts = self.shipping = self.fees = self.tax = Decimal(0)
        self.promotions: dict[str | None, Decimal] = {}


def _line(item: Payload, amounts: _Amounts, totals: _Totals) -> LineItem:
    item_id, quantity = item.get("OrderItemId"), item.get("QuantityOrdered")
    if not isinstance(item_id, str) or not item_id or not isinstance(quantity, int) or quantity < 1:
        raise PayloadError("an order item lacks OrderItemId or QuantityOrdered")
    get = amounts.get
    price = get(item.get("ItemPrice"), "ItemPrice")
    off = get(item.get("PromotionDiscount"), "PromotionDiscount")
    wrap = (item.get("BuyerInfo") or {}) if isinstance(item.get("BuyerInfo"), dict) else {}
    totals.lines += price - off
    totals.discounts += off + get(item.get("ShippingDiscount"), "ShippingDiscount")
    totals.shipping += get(item.get("ShippingPrice"), "ShippingPrice") - get(
        item.get("ShippingDiscount"), "ShippingDiscount"
    )
    totals.fees += (
        get(wrap.get("GiftWrapPrice"), "GiftWrapPrice")
        + get(item.get("CODFee"), "CODFee")
        - get(item.get("CODFeeDiscount"), "CODFeeDiscount")
    )
    taxes = ("ItemTax", "ShippingTax", "GiftWrapTax")
    untaxes = ("PromotionDiscountTax", "ShippingDiscountTax")
    totals.tax += sum((get(item.get(k) or wrap.get(k), k) for k in taxes), Decimal(0))
    totals.tax -= sum((get(item.get(k), k) for k in untaxes), Decimal(0))
    promoted = off + get(item.get("ShippingDiscount"), "ShippingDiscount")
    if promoted:
        codes = [text(c) for c in item.get("PromotionIds") or []]
        code = next((c for c in codes if c), None)
        totals.promotions[code] = totals.promotions.get(code, Decimal(0)) + promoted
    sku = text(item.get("SellerSKU"))
    return LineItem(
        external_id=item_id,
        title=text(item.get("Title")) or sku or item_id,
        quantity=quantity,
        unit_price=amounts.money(price / quantity),
        total_discount=amounts.money(off),
        sku=sku,
        variant_external_id=sku,
    )


def v0_currency(order: Payload, items: list[Payload], default_currency: str) -> str:
    """The order's currency: its OrderTotal's, else its first priced item's, else its
    marketplace's, else the store's."""
    total = order.get("OrderTotal")
    if isinstance(total, dict) and isinstance(total.get("CurrencyCode"), str):
        return str(total["CurrencyCode"])
    for item in items:
        price = item.get("ItemPrice")
        if isinstance(price, dict) and isinstance(price.get("CurrencyCode"), str):
            return str(price["CurrencyCode"])
    return marketplace_currency(order.get("MarketplaceId")) or default_currency


def v0_items(payload: Any, order_id: str) -> list[Payload]:
    """The items of a getOrderItems answer (`payload` or its inner object), which must be
    `order_id`'s."""
    inner = payload.get("payload", payload) if isinstance(payload, dict) else None
    if not isinstance(inner, dict):
        raise PayloadError("getOrderItems answer is not an object")
    if inner.get("AmazonOrderId") not in (None, order_id):
        raise PayloadError("getOrderItems answer is another order's")
    return [i for i in inner.get("OrderItems") or [] if isinstance(i, dict)]


def map_v0_order(
    order: Payload, items: list[Payload] | None = None, *, store_id: str, default_currency: str
) -> Order:
    """One Orders v0 order (with its items when known) as the canonical Order."""
    order_id = order.get("AmazonOrderId")
    if not isinstance(order_id, str) or not order_id:
        raise PayloadError("order without AmazonOrderId")
    kept = order.get("OrderItems") if items is None else items
    rows = [i for i in kept or [] if isinstance(i, dict)]
    amounts = _Amounts(v0_currency(order, rows, default_currency))
    state = STATUS_MAP.get(V0_STATUS.get(str(order.get("OrderStatus")), ""), _UNKNOWN)
    totals = _Totals()
    lines = tuple(_line(i, amounts, totals) for i in rows)
    stated = order.get("OrderTotal")
    total = amounts.get(stated, "OrderTotal") if stated else None
    built = totals.lines + totals.fees + totals.shipping + totals.tax
    if total is None:
        total = built
    subtotal = totals.lines + totals.fees if rows else total
    m = amounts.money
    level = text(order.get("ShipmentServiceLevelCategory"))
    buyer: Payload = order["BuyerInfo"] if isinstance(order.get("BuyerInfo"), dict) else {}
    return Order(
        store_id=store_id,
        platform=Platform.AMAZON,
        external_id=order_id,
        number=order_id,
        created_at=timestamp(order.get("PurchaseDate"), "PurchaseDate"),
        updated_at=timestamp(order.get("LastUpdateDate"), "LastUpdateDate"),
        status=state[0],
        financial_status=state[1],
        fulfillment_status=state[2],
        currency_code=amounts.currency,
        email=text(buyer.get("BuyerEmail")),
        subtotal_price=m(subtotal),
        total_tax=m(totals.tax),
        total_shipping=m(totals.shipping),
        total_discounts=m(totals.discounts),
        total_price=m(total),
        taxes_included=None,  # Amazon states tax apart, never how prices were entered
        line_items=lines,
        tax_lines=(TaxLine(title="Tax", amount=m(totals.tax)),) if totals.tax else (),
        discounts=tuple(
            DiscountLine(code=code, kind="promotion", amount=m(a))
            for code, a in totals.promotions.items()
        ),
        shipping_lines=_shipping(level, m(totals.shipping)),
        shipping_address=address(order.get("ShippingAddress")),
        custom_fields=_custom_fields(order, amounts),
        raw={**order, "OrderItems": rows} if rows else order,  # remaps to this very order
    )


def _shipping(level: str | None, amount: Money) -> tuple[ShippingLine, ...]:
    if not amount.amount:
        return ()
    return (ShippingLine(title=level or "Shipping", code=level, amount=amount),)


def _custom_fields(order: Payload, amounts: _Amounts) -> tuple[CustomField, ...]:
    found = [
        field(key, order[src])
        for key, src in (
            ("marketplaceId", "MarketplaceId"),
            ("fulfilledBy", "FulfillmentChannel"),
            ("SELLER_ORDER_ID", "SellerOrderId"),
            ("orderType", "OrderType"),
        )
        if text(order.get(src))
    ]
    if amounts.foreign:
        found.append(field("foreignAmounts", amounts.foreign))
    return tuple(found)
