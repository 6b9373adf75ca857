"""Admin GraphQL orders: the fields read (per the caller's selection) and their mapping."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from platforms.adapter import OrderSelection
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
from platforms.shopify.documents import Field, conn, listed, obj, scalars
from platforms.shopify.mapping import common as m
from platforms.shopify.mapping import graphql_common as g
from platforms.shopify.mapping.graphql_people import FULFILLMENT, REFUND

# Amounts are read from the `Money` scalars (deprecated in favour of `…Set` bags, still
# served by 2026-10): a bag is an object with an object inside, 2 points per amount, which
# for 50 orders' five totals and their lines' prices alone exceeds one query's 1,000 points.
# Shipping is the exception: its scalar is before discounts, its bag after them.
ORDER = (
    *scalars(
        "id name number createdAt processedAt updatedAt cancelledAt closedAt currencyCode "
        "email displayFinancialStatus displayFulfillmentStatus discountCodes taxesIncluded "
        "subtotalPrice totalTax totalDiscounts totalPrice"
    ),
    obj("totalShippingPriceSet", obj("shopMoney", *scalars("amount"))),
)
LINE = scalars("id title name quantity sku originalUnitPrice")
# every discount on a line, its share of order-level ones included (`totalDiscount` has
# line-level ones only): 3 points a line, read when the line's discount is selected
ALLOCATIONS = listed(
    "discountAllocations", obj("allocatedAmountSet", obj("shopMoney", *scalars("amount")))
)
SHIPPING_LINES_PER_ORDER = 5
ID = scalars("id")
# What changes with every new refund, for REFUND_CREATED (`refund_marker`): 1 point.
REFUND_IDS = listed("refunds", *ID, alias="refundIds")

_FINANCIAL = {s.value: s for s in FinancialStatus}
_FULFILLMENT = {
    "FULFILLED": FulfillmentStatus.FULFILLED,
    "PARTIALLY_FULFILLED": FulfillmentStatus.PARTIALLY_FULFILLED,
    "RESTOCKED": FulfillmentStatus.RESTOCKED,
    # every other state is a way of not having shipped yet
    **dict.fromkeys(
        ("UNFULFILLED", "IN_PROGRESS", "ON_HOLD", "OPEN", "PENDING_FULFILLMENT", "SCHEDULED"),
        FulfillmentStatus.UNFULFILLED,
    ),
    "REQUEST_DECLINED": FulfillmentStatus.UNFULFILLED,
}


def line_fields(select: OrderSelection) -> tuple[Field, ...]:
    """One line item: its own fields, and its discount and the ids of its variant and
    product if read."""
    refs = [ALLOCATIONS] if select.line_discounts else []
    if select.line_variants:
        refs.append(obj("variant", *ID))
    if select.line_products:
        refs.append(obj("product", *ID))
    return (*LINE, *refs)


def order_fields(select: OrderSelection, lines: int) -> tuple[Field, ...]:
    """One order: what the canonical Order requires, plus the parts the caller selected;
    `lines` line items (the rest are paged by `lineItems(after:)`)."""
    fields: list[Field] = [*ORDER]
    if select.line_items:
        fields.append(conn("lineItems", lines, *line_fields(select)))
    if select.customer:
        fields.append(obj("customer", *ID))
    if select.addresses:
        fields += [obj("billingAddress", *g.ADDRESS), obj("shippingAddress", *g.ADDRESS)]
    if select.taxes:
        fields.append(listed("taxLines", *scalars("title rate price")))
    if select.shipping:
        shipping = scalars("title code price")
        fields.append(conn("shippingLines", SHIPPING_LINES_PER_ORDER, *shipping))
    if select.custom_fields:
        fields.append(g.metafields())
    # `fulfillments` and `refunds` are lists without `first`: all of them, priced once
    if select.fulfillments:
        fields.append(listed("fulfillments", *FULFILLMENT))
    fields += [g.CUSTOM_ATTRIBUTES, listed("refunds", *REFUND) if select.refunds else REFUND_IDS]
    return tuple(fields)


def _status(data: g.Payload) -> OrderStatus:
    if data.get("cancelledAt"):
        return OrderStatus.CANCELLED
    if data.get("closedAt"):
        return OrderStatus.CLOSED
    return OrderStatus.OPEN


def _number(data: g.Payload, external_id: str) -> str:
    number = data.get("number")
    if number is not None and number != "":
        return str(number)
    name = m.nonempty(data.get("name"))
    return name.lstrip("#") if name else external_id


def _line_discount(item: g.Payload, currency: str) -> Money | None:
    """The sum of the line's discount allocations; None when they were not read."""
    allocations = item.get("discountAllocations")
    if not isinstance(allocations, list):
        return None
    total = sum(
        (
            m.decimal(_shop_amount(a.get("allocatedAmountSet")), "line item", "discount")
            for a in m.dicts(allocations)
        ),
        Decimal(0),
    )
    return Money(amount=total, currency_code=currency)


def _shop_amount(bag: Any) -> Any:
    shop = bag.get("shopMoney") if isinstance(bag, dict) else None
    return shop.get("amount") if isinstance(shop, dict) else None


def _line(item: g.Payload, currency: str) -> LineItem:
    return LineItem(
        external_id=g.ident(item.get("id"), "line item", "lineItems.id"),
        title=m.text(item.get("title")) or m.text(item.get("name")) or "",
        quantity=m.integer(item.get("quantity"), 0) or 0,
        unit_price=g.money(item.get("originalUnitPrice"), currency, "line item", "price"),
        total_discount=_line_discount(item, currency),
        sku=m.nonempty(item.get("sku")),
        variant_external_id=g.ref_ident(item.get("variant"), "line item", "variant.id"),
        product_external_id=g.ref_ident(item.get("product"), "line item", "product.id"),
    )


def _tax(line: g.Payload, currency: str) -> TaxLine:
    rate = line.get("rate")
    return TaxLine(
        title=m.text(line.get("title")) or "",
        rate=None if rate is None else m.decimal(rate, "tax line", "rate"),
        amount=g.money(line.get("price"), currency, "tax line", "price"),
    )


def _shipping(line: g.Payload, currency: str) -> ShippingLine:
    return ShippingLine(
        title=m.text(line.get("title")) or "",
        code=m.nonempty(line.get("code")),
        amount=g.money(line.get("price"), currency, "shipping line", "price"),
    )


def _discounts(data: g.Payload, total: Money) -> tuple[DiscountLine, ...]:
    """The codes the order used and the discount they made: the order payload states the
    total only, so several codes share one line naming them all."""
    codes = [str(c) for c in data.get("discountCodes") or () if c]
    if not codes:
        return ()
    return (DiscountLine(code=", ".join(codes), kind="discount_code", amount=total),)


def map_order(payload: Any, *, store_id: str, shop_currency: str) -> Order:
    """Map an Admin GraphQL `Order` (as `order_fields` reads it) to an Order; the parts the
    document did not read are empty."""
    data = m.require_dict(payload, "order")
    external_id = g.ident(data.get("id"), "order", "id")
    currency = m.currency_code(data.get("currencyCode"), shop_currency)
    created = m.timestamp(data.get("createdAt"), "order", "createdAt") or m.timestamp(
        data.get("processedAt"), "order", "processedAt"
    )
    if created is None:
        raise m.fail("order", "createdAt", "is missing")

    def amount(key: str) -> Money:
        return g.money(data.get(key), currency, "order", key)

    total_discounts = amount("totalDiscounts")
    included = data.get("taxesIncluded")
    return m.build(
        "order",
        lambda: Order(
            store_id=store_id,
            platform=m.PLATFORM,
            external_id=external_id,
            number=_number(data, external_id),
            created_at=created,
            updated_at=m.timestamp(data.get("updatedAt"), "order", "updatedAt") or created,
            cancelled_at=m.timestamp(data.get("cancelledAt"), "order", "cancelledAt"),
            status=_status(data),
            financial_status=_FINANCIAL.get(
                m.text(data.get("displayFinancialStatus")) or "", FinancialStatus.UNKNOWN
            ),
            fulfillment_status=_FULFILLMENT.get(
                m.text(data.get("displayFulfillmentStatus")) or "", FulfillmentStatus.UNKNOWN
            ),
            currency_code=currency,
            taxes_included=included if isinstance(included, bool) else None,
            email=m.nonempty(data.get("email")),
            subtotal_price=amount("subtotalPrice"),
            total_tax=amount("totalTax"),
            total_shipping=g.money(
                _shop_amount(data.get("totalShippingPriceSet")), currency, "order", "shipping"
            ),
            total_discounts=total_discounts,
            total_price=amount("totalPrice"),
            line_items=tuple(_line(i, currency) for i in g.nodes_of(data.get("lineItems"))),
            tax_lines=tuple(_tax(t, currency) for t in m.dicts(data.get("taxLines"))),
            discounts=_discounts(data, total_discounts),
            shipping_lines=tuple(
                _shipping(s, currency) for s in g.nodes_of(data.get("shippingLines"))
            ),
            billing_address=g.address(data.get("billingAddress")),
            shipping_address=g.address(data.get("shippingAddress")),
            customer_external_id=g.ref_ident(data.get("customer"), "order", "customer.id"),
            custom_fields=g.custom_fields(data),
            raw=dict(data),
        ),
    )
