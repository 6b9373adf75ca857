"""Admin GraphQL orders: the fields read (per the caller's selection) and their mapping."""

from __future__ import annotations

from collections.abc import Mapping
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
from platforms.shopify.mapping.graphql_people import FULFILLMENT, refund_fields

# Amounts are read twice over. First from the `Money` scalars (deprecated in favour of
# `…Set` bags, still served by 2026-10): free, in the shop's currency, which for a
# same-currency, tax-exclusive order is what docs/money.md defines, and 50 orders' totals
# and prices fit one query's 1,000 points. A bag costs 2 points an amount, so only the
# orders that need it (`needs_presentment`: the customer paid in another currency, prices
# include tax, or a shipping discount) are read again in presentment money with every tax
# line (`order_fields(presented=True)`), by `nodes(ids:)`, and mapped from that.
ORDER = scalars(
    "id name number createdAt processedAt updatedAt cancelledAt closedAt currencyCode "
    "presentmentCurrencyCode email displayFinancialStatus displayFulfillmentStatus "
    "discountCodes taxesIncluded"
)
SHOP_TOTALS = (
    *scalars("subtotalPrice totalTax totalDiscounts totalPrice"),
    g.bag("totalShippingPrice", g.SHOP),  # after discounts (the scalar is before them)
)
# presented: subtotal, shipping and discounts are summed from the lines read with them
PRESENTED_TOTALS = (g.bag("totalTax"), g.bag("totalPrice"))
LINE = scalars("id title name quantity sku")
TAX_LINES = listed("taxLines", *scalars("rate"), g.bag("price"))
SHIPPING_LINES_PER_ORDER = 5
ID = scalars("id")
# What changes with every new refund, for REFUND_CREATED (`refund_marker`): 1 point.
REFUND_IDS = listed("refunds", *ID, alias="refundIds")

_UNIT = Decimal("0.0001")
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


def _allocations(side: str) -> Field:
    """Every discount on a line, its share of order-level ones included (`totalDiscount` has
    line-level ones only): 3 points a line."""
    return listed("discountAllocations", obj("allocatedAmountSet", obj(side, *scalars("amount"))))


def line_fields(select: OrderSelection, presented: bool = False) -> tuple[Field, ...]:
    """One line item: its own fields, and its discount and the ids of its variant and
    product if read; presented: in presentment money, with its discount and tax lines."""
    if presented:
        refs = [g.bag("originalUnitPrice"), _allocations(g.PRESENTED), TAX_LINES]
    else:
        refs = [*scalars("originalUnitPrice")]
        refs += [_allocations(g.SHOP)] if select.line_discounts else []
    if select.line_variants:
        refs.append(obj("variant", *ID))
    if select.line_products:
        refs.append(obj("product", *ID))
    return (*LINE, *refs)


def _shipping_fields(presented: bool) -> tuple[Field, ...]:
    if presented:
        return (*scalars("title code"), g.bag("originalPrice"), g.bag("discountedPrice"), TAX_LINES)
    return scalars("title code price")  # before discounts: compared with the order's total


def order_fields(select: OrderSelection, lines: int, presented: bool = False) -> tuple[Field, ...]:
    """One order: what the canonical Order requires, plus the parts the caller selected;
    `lines` line items (the rest are paged by `lineItems(after:)`). Presented: the amounts
    in presentment money, and the lines and shipping lines they are summed from."""
    fields: list[Field] = [*ORDER, *(PRESENTED_TOTALS if presented else SHOP_TOTALS)]
    if select.line_items or presented:
        fields.append(conn("lineItems", lines, *line_fields(select, presented)))
    if select.customer:
        fields.append(obj("customer", *ID))
    if select.addresses:
        fields += [obj("billingAddress", *g.ADDRESS), obj("shippingAddress", *g.ADDRESS)]
    if select.taxes:
        price = g.bag("price") if presented else Field("price")
        fields.append(listed("taxLines", *scalars("title rate"), price))
    if select.shipping or presented:
        shipping = _shipping_fields(presented)
        fields.append(conn("shippingLines", SHIPPING_LINES_PER_ORDER, *shipping))
    if select.custom_fields:
        fields.append(g.metafields())
    # `fulfillments` and `refunds` are lists without `first`: all of them, priced once
    if select.fulfillments:
        fields.append(listed("fulfillments", *FULFILLMENT))
    refunds = listed("refunds", *refund_fields(presented)) if select.refunds else REFUND_IDS
    fields += [g.CUSTOM_ATTRIBUTES, refunds]
    return tuple(fields)


def needs_presentment(order: g.Payload) -> bool:
    """Whether an order read in shop money must be read again in presentment money: another
    currency, prices with tax in them, or a shipping discount (its lines' prices, before
    discounts, do not add up to the order's shipping, after them)."""
    if g.is_presented(order):
        return False
    if g.foreign_currency(order) or order.get("taxesIncluded") is True:
        return True
    ships = order.get("shippingLines")
    if not isinstance(ships, Mapping):
        return False
    charged = _shop_amount(order.get("totalShippingPriceSet"))
    listed_total = sum((_decimal(s.get("price")) for s in g.nodes_of(ships)), Decimal(0))
    return _decimal(charged) != listed_total


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except ArithmeticError:
        return Decimal(-1)  # unreadable: never equal, read again (and failed by the mapper)


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


def _line_discount(item: g.Payload) -> Decimal | None:
    """The sum of the line's discount allocations; None when they were not read."""
    allocations = item.get("discountAllocations")
    if not isinstance(allocations, list):
        return None
    return sum(
        (g.amount_of(a, "allocatedAmount", "line item") for a in m.dicts(allocations)),
        Decimal(0),
    )


def _shop_amount(bag: Any) -> Any:
    shop = bag.get(g.SHOP) if isinstance(bag, Mapping) else None
    return shop.get("amount") if isinstance(shop, Mapping) else None


def _taxes(item: g.Payload, entity: str) -> tuple[Decimal, Decimal]:
    """(tax, summed rate) of a line's or shipping line's tax lines."""
    rows = m.dicts(item.get("taxLines"))
    tax = sum((g.amount_of(t, "price", "tax line") for t in rows), Decimal(0))
    rates = sum((m.decimal(t.get("rate"), "tax line", "rate") for t in rows), Decimal(0))
    return tax, rates


def _line(item: g.Payload, currency: str, included: bool) -> LineItem:
    """Unit price before discounts and the line's discount, both excluding tax
    (docs/money.md): a tax-inclusive line loses the tax its tax lines name, the unit price
    to 4 decimals and the rounding into the discount, so the line's total stays exact."""
    quantity = m.integer(item.get("quantity"), 0) or 0
    price = g.amount_of(item, "originalUnitPrice", "line item")
    discount = _line_discount(item)
    if included and discount is not None:
        tax, rates = _taxes(item, "line item")
        net_total = price * quantity - discount - tax
        price = (price / (1 + rates)).quantize(_UNIT) if rates else price
        discount = price * quantity - net_total
    return LineItem(
        external_id=g.ident(item.get("id"), "line item", "lineItems.id"),
        title=m.text(item.get("title")) or m.text(item.get("name")) or "",
        quantity=quantity,
        unit_price=Money(amount=price, currency_code=currency),
        total_discount=None if discount is None else Money(amount=discount, currency_code=currency),
        sku=m.nonempty(item.get("sku")),
        variant_external_id=g.ref_ident(item.get("variant"), "line item", "variant.id"),
        product_external_id=g.ref_ident(item.get("product"), "line item", "product.id"),
    )


def _tax(line: g.Payload, currency: str) -> TaxLine:
    rate = line.get("rate")
    return TaxLine(
        title=m.text(line.get("title")) or "",
        rate=None if rate is None else m.decimal(rate, "tax line", "rate"),
        amount=Money(amount=g.amount_of(line, "price", "tax line"), currency_code=currency),
    )


def _shipping_charge(line: g.Payload, included: bool) -> tuple[Decimal, Decimal]:
    """(charge after its discounts and excluding tax, its discount) of a shipping line."""
    if not isinstance(line.get("discountedPriceSet"), Mapping):
        return g.amount_of(line, "price", "shipping line"), Decimal(0)  # shop money: no discount
    charged = g.amount_of(line, "discountedPrice", "shipping line")
    discount = g.amount_of(line, "originalPrice", "shipping line") - charged
    return charged - (_taxes(line, "shipping line")[0] if included else 0), discount


def _shipping(line: g.Payload, currency: str, included: bool) -> ShippingLine:
    return ShippingLine(
        title=m.text(line.get("title")) or "",
        code=m.nonempty(line.get("code")),
        amount=Money(amount=_shipping_charge(line, included)[0], currency_code=currency),
    )


def _discounts(data: g.Payload, total: Money) -> tuple[DiscountLine, ...]:
    """The codes the order used and the discount they made: the order payload states the
    total only, so several codes share one line naming them all."""
    codes = [str(c) for c in data.get("discountCodes") or () if c]
    if not codes:
        return ()
    return (DiscountLine(code=", ".join(codes), kind="discount_code", amount=total),)


def _amounts(data: g.Payload, currency: str) -> dict[str, Any]:
    """The order's lines and money fields as docs/money.md defines them: read in shop money
    (a same-currency, tax-exclusive order), or summed from the presented lines."""
    included = data.get("taxesIncluded") is True
    lines = tuple(_line(i, currency, included) for i in g.nodes_of(data.get("lineItems")))
    ships = g.nodes_of(data.get("shippingLines"))

    def of(amount: Decimal) -> Money:
        return Money(amount=amount, currency_code=currency)

    amounts: dict[str, Any] = {
        "line_items": lines,
        "shipping_lines": tuple(_shipping(s, currency, included) for s in ships),
        "total_tax": of(g.amount_of(data, "totalTax", "order")),
        "total_price": of(g.amount_of(data, "totalPrice", "order")),
    }
    if not g.is_presented(data):
        shipping = m.decimal(_shop_amount(data.get("totalShippingPriceSet")), "order", "shipping")
        return amounts | {
            "subtotal_price": of(g.amount_of(data, "subtotalPrice", "order")),
            "total_shipping": of(shipping),
            "total_discounts": of(g.amount_of(data, "totalDiscounts", "order")),
        }
    charges = [_shipping_charge(s, included) for s in ships]
    discounts = sum((li.total_discount.amount for li in lines if li.total_discount), Decimal(0))
    return amounts | {
        "subtotal_price": of(sum((li.total.amount for li in lines), Decimal(0))),
        "total_shipping": of(sum((c for c, _ in charges), Decimal(0))),
        "total_discounts": of(discounts + sum((d for _, d in charges), Decimal(0))),
    }


def map_order(payload: Any, *, store_id: str, shop_currency: str) -> Order:
    """Map an Admin GraphQL `Order` (as `order_fields` reads it, in shop or presentment
    money) to an Order; the parts the document did not read are empty."""
    data = m.require_dict(payload, "order")
    external_id = g.ident(data.get("id"), "order", "id")
    currency = g.order_currency(data, shop_currency)
    created = m.timestamp(data.get("createdAt"), "order", "createdAt") or m.timestamp(
        data.get("processedAt"), "order", "processedAt"
    )
    if created is None:
        raise m.fail("order", "createdAt", "is missing")
    included = data.get("taxesIncluded")

    def make() -> Order:
        amounts = _amounts(data, currency)
        return Order(
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
            **amounts,
            tax_lines=tuple(_tax(t, currency) for t in m.dicts(data.get("taxLines"))),
            discounts=_discounts(data, amounts["total_discounts"]),
            billing_address=g.address(data.get("billingAddress")),
            shipping_address=g.address(data.get("shippingAddress")),
            customer_external_id=g.ref_ident(data.get("customer"), "order", "customer.id"),
            custom_fields=g.custom_fields(data),
            raw=dict(data),
        )

    return m.build("order", make)
