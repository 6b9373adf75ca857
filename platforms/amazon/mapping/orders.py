"""Orders API 2026-01-01 order payload -> canonical Order (pure functions).

Money (docs/money.md) comes from the proceeds breakdowns: per item ITEM (unit price x
quantity), DISCOUNT (promotions, negative; its detailed breakdown says ITEM or SHIPPING),
SHIPPING and TAX; per order the fees not attributed to an item (GIFT_WRAP, COD_FEE, OTHER,
DELIVERY_TIP) and `grandTotal`; they add up (tax is stated apart in every marketplace, so
`taxesIncluded` is null: Amazon does not say how prices were entered). An order still
PENDING has no price and no proceeds yet: its canonical amounts are all 0.00 in the
marketplace's currency with financialStatus PENDING, never an estimate; they appear once
Amazon authorises payment (the order updates).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from platforms.amazon.mapping.common import (
    address,
    field,
    marketplace_currency,
    money_of,
    text,
    timestamp,
    zero,
)
from platforms.canonical import (
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
_O, _C, _X = OrderStatus.OPEN, OrderStatus.CLOSED, OrderStatus.CANCELLED
_F, _U = FulfillmentStatus.FULFILLED, FulfillmentStatus.UNFULFILLED
# fulfillment.fulfillmentStatus -> (status, financial status, fulfilment status)
STATUS_MAP: dict[str, tuple[OrderStatus, FinancialStatus, FulfillmentStatus]] = {
    "PENDING_AVAILABILITY": (_O, FinancialStatus.PENDING, _U),
    "PENDING": (_O, FinancialStatus.PENDING, _U),
    "UNSHIPPED": (_O, FinancialStatus.PAID, _U),
    "PARTIALLY_SHIPPED": (_O, FinancialStatus.PAID, FulfillmentStatus.PARTIALLY_FULFILLED),
    "SHIPPED": (_C, FinancialStatus.PAID, _F),
    "CANCELLED": (_X, FinancialStatus.VOIDED, _U),
    "UNFULFILLABLE": (_X, FinancialStatus.VOIDED, _U),
}
_UNKNOWN = (OrderStatus.UNKNOWN, FinancialStatus.UNKNOWN, FulfillmentStatus.UNKNOWN)
# canonical status filter -> the fulfillmentStatuses searchOrders takes
STATUSES_FOR: dict[OrderStatus, tuple[str, ...]] = {
    s: tuple(k for k, v in STATUS_MAP.items() if v[0] is s) for s in (_O, _C, _X)
}
_FEES = ("GIFT_WRAP", "COD_FEE", "OTHER", "DELIVERY_TIP")


def _breakdowns(proceeds: Any) -> list[Payload]:
    rows = proceeds.get("breakdowns") if isinstance(proceeds, dict) else None
    return [r for r in rows or [] if isinstance(r, dict)]


def _sum(rows: list[Payload], kinds: tuple[str, ...], currency: str, what: str) -> Decimal:
    return sum(
        (
            money_of(r.get("subtotal"), currency, what).amount
            for r in rows
            if r.get("type") in kinds
        ),
        Decimal(0),
    )


def _details(rows: list[Payload], kind: str, currency: str) -> dict[str, Decimal]:
    """A TAX or DISCOUNT breakdown by what it is on (ITEM, SHIPPING, DISCOUNT...), signed as
    Amazon sends it; a breakdown without details is on the item."""
    out: dict[str, Decimal] = {}
    for row in rows:
        if row.get("type") != kind:
            continue
        details = [d for d in row.get("detailedBreakdowns") or [] if isinstance(d, dict)]
        pairs = [(str(d.get("subtype") or "ITEM"), d.get("value")) for d in details] or [
            ("ITEM", row.get("subtotal"))
        ]
        for subtype, value in pairs:
            out[subtype] = out.get(subtype, Decimal(0)) + money_of(value, currency, kind).amount
    return out


class _Totals:
    """Running sums over the items, tax-exclusive (docs/money.md)."""

    def __init__(self) -> None:
        self.lines = self.line_discounts = self.shipping = Decimal(0)
        self.shipping_discounts = self.tax = Decimal(0)
        self.promotions: dict[str | None, Decimal] = {}


def _line(item: Payload, currency: str, totals: _Totals) -> LineItem:
    """One item. Its proceeds breakdowns add up (Amazon's own examples: grandTotal is their
    sum, in every marketplace): ITEM and SHIPPING exclude the TAX stated beside them."""
    product: Payload = item["product"] if isinstance(item.get("product"), dict) else {}
    item_id, quantity = item.get("orderItemId"), item.get("quantityOrdered")
    if not isinstance(item_id, str) or not item_id or not isinstance(quantity, int) or quantity < 1:
        raise PayloadError("an order item lacks orderItemId or quantityOrdered")
    price = (product.get("price") or {}).get("unitPrice")
    unit = money_of(price, currency, "unitPrice") if price is not None else zero(currency)
    rows = _breakdowns(item.get("proceeds"))
    tax, off = _details(rows, "TAX", currency), _details(rows, "DISCOUNT", currency)
    off_item = -off.get("ITEM", Decimal(0))
    totals.lines += unit.amount * quantity - off_item
    totals.line_discounts += off_item
    totals.shipping += _sum(rows, ("SHIPPING",), currency, "SHIPPING")
    totals.shipping_discounts += -off.get("SHIPPING", Decimal(0))
    totals.tax += sum(tax.values(), Decimal(0))
    promotions = (item.get("promotion") or {}).get("breakdowns") or []
    codes = [text(p.get("promotionId")) for p in promotions if isinstance(p, dict)]
    discount = off_item - off.get("SHIPPING", Decimal(0))
    if discount:
        code = codes[0] if codes else None
        totals.promotions[code] = totals.promotions.get(code, Decimal(0)) + discount
    sku = text(product.get("sellerSku"))
    return LineItem(
        external_id=item_id,
        title=text(product.get("title")) or sku or item_id,
        quantity=quantity,
        unit_price=unit,
        total_discount=Money(amount=off_item, currency_code=currency),
        sku=sku,
        variant_external_id=sku,
    )


def order_currency(payload: Payload, default_currency: str) -> str:
    """The order's currency: its grand total's, else its marketplace's, else the store's."""
    total = (payload.get("proceeds") or {}).get("grandTotal")
    if isinstance(total, dict) and isinstance(total.get("currencyCode"), str):
        return str(total["currencyCode"])
    market = (payload.get("salesChannel") or {}).get("marketplaceId")
    return marketplace_currency(market) or default_currency


def map_order(payload: Payload, *, store_id: str, default_currency: str) -> Order:
    """One Orders API 2026-01-01 order as the canonical Order."""
    order_id = payload.get("orderId")
    if not isinstance(order_id, str) or not order_id:
        raise PayloadError("order without orderId")
    currency = order_currency(payload, default_currency)
    fulfillment = payload.get("fulfillment") or {}
    status, financial, shipped = STATUS_MAP.get(str(fulfillment.get("fulfillmentStatus")), _UNKNOWN)
    totals = _Totals()
    lines = tuple(_line(i, currency, totals) for i in payload.get("orderItems") or [])
    discounts = tuple(
        DiscountLine(code=code, kind="promotion", amount=Money(amount=a, currency_code=currency))
        for code, a in totals.promotions.items()
    )
    fees = _sum(_breakdowns(payload.get("proceeds")), _FEES, currency, "fee")
    subtotal = totals.lines + fees
    shipping = totals.shipping - totals.shipping_discounts
    grand = (payload.get("proceeds") or {}).get("grandTotal")
    total = (
        money_of(grand, currency, "grandTotal").amount
        if grand
        else subtotal + shipping + totals.tax
    )
    level = text(fulfillment.get("fulfillmentServiceLevel"))

    def m(amount: Decimal) -> Money:
        return Money(amount=amount, currency_code=currency)

    buyer: Payload = payload["buyer"] if isinstance(payload.get("buyer"), dict) else {}
    recipient: Payload = payload["recipient"] if isinstance(payload.get("recipient"), dict) else {}
    return Order(
        store_id=store_id,
        platform=Platform.AMAZON,
        external_id=order_id,
        number=order_id,
        created_at=timestamp(payload.get("createdTime"), "createdTime"),
        updated_at=timestamp(payload.get("lastUpdatedTime"), "lastUpdatedTime"),
        status=status,
        financial_status=financial,
        fulfillment_status=shipped,
        currency_code=currency,
        email=text(buyer.get("buyerEmail")),
        subtotal_price=m(subtotal),
        total_tax=m(totals.tax),
        total_shipping=m(shipping),
        total_discounts=m(totals.line_discounts + totals.shipping_discounts),
        total_price=m(total),
        taxes_included=None,  # Amazon does not say how prices were entered (see above)
        line_items=lines,
        tax_lines=(TaxLine(title="Tax", amount=m(totals.tax)),) if totals.tax else (),
        discounts=discounts,
        shipping_lines=(ShippingLine(title=level or "Shipping", code=level, amount=m(shipping)),)
        if totals.shipping
        else (),
        shipping_address=address(recipient.get("deliveryAddress")),
        custom_fields=_custom_fields(payload),
        raw=payload,
    )


def _custom_fields(payload: Payload) -> tuple[Any, ...]:
    found = [
        field(a["aliasType"], a["aliasId"])
        for a in payload.get("orderAliases") or []
        if isinstance(a, dict) and a.get("aliasType") and a.get("aliasId")
    ]
    channel = payload.get("salesChannel") or {}
    if channel.get("marketplaceId"):
        found.append(field("marketplaceId", channel["marketplaceId"]))
    by = (payload.get("fulfillment") or {}).get("fulfilledBy")
    if by:
        found.append(field("fulfilledBy", by))
    if payload.get("programs"):
        found.append(field("programs", list(payload["programs"])))
    return tuple(found)
