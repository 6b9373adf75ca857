"""Pure mapping of Magento 2 sales orders (GET /V1/orders payloads) to canonical Orders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from platforms.canonical import (
    Address,
    DiscountLine,
    FinancialStatus,
    FulfillmentStatus,
    LineComponent,
    LineItem,
    Order,
    OrderStatus,
    Platform,
    ShippingLine,
    TaxLine,
)
from platforms.errors import PayloadError
from platforms.magento.mapping import common as cv

# Magento's order *state* is a fixed set (statuses are merchant-configurable labels on
# top of states), so the canonical status is derived from the state first.
STATE_TO_STATUS: dict[str, OrderStatus] = {
    "new": OrderStatus.OPEN,
    "pending_payment": OrderStatus.OPEN,
    "payment_review": OrderStatus.OPEN,
    "processing": OrderStatus.OPEN,
    "holded": OrderStatus.OPEN,
    "complete": OrderStatus.CLOSED,
    "closed": OrderStatus.CLOSED,
    "canceled": OrderStatus.CANCELLED,
}
# Default status codes, for payloads that lack `state`.
_STATUS_TO_STATE = {"pending": "new", "fraud": "payment_review"}


def order_state(payload: dict[str, Any]) -> str | None:
    """The order's state, falling back to the state behind a default status code."""
    state = cv.opt_str(payload.get("state"))
    if state is not None:
        return state
    status = cv.opt_str(payload.get("status"))
    return _STATUS_TO_STATE.get(status, status) if status else None


def map_status(payload: dict[str, Any]) -> OrderStatus:
    """new/pending_payment/payment_review/processing/holded -> OPEN; complete/closed -> CLOSED;
    canceled -> CANCELLED; anything else -> UNKNOWN."""
    return STATE_TO_STATUS.get(order_state(payload) or "", OrderStatus.UNKNOWN)


def map_financial_status(payload: dict[str, Any]) -> FinancialStatus:
    """From total_paid / total_refunded when present, else from the state.

    closed -> REFUNDED, canceled -> VOIDED, complete -> PAID, new/pending_payment/
    payment_review -> PENDING, processing/holded without paid amounts -> UNKNOWN.
    """
    grand = cv.to_decimal(payload.get("grand_total"))
    paid = cv.to_decimal(payload.get("total_paid"))
    refunded = cv.to_decimal(payload.get("total_refunded"))
    if refunded > 0:
        return FinancialStatus.REFUNDED if refunded >= paid else FinancialStatus.PARTIALLY_REFUNDED
    if paid > 0:
        return FinancialStatus.PAID if paid >= grand else FinancialStatus.PARTIALLY_PAID
    state = order_state(payload)
    if state == "closed":
        return FinancialStatus.REFUNDED
    if state == "canceled":
        return FinancialStatus.VOIDED
    if state == "complete":
        return FinancialStatus.PAID
    if state in ("new", "pending_payment", "payment_review"):
        return FinancialStatus.PENDING
    return FinancialStatus.UNKNOWN


def map_fulfillment_status(payload: dict[str, Any]) -> FulfillmentStatus:
    """Shipped vs ordered quantity over the shippable top-level items."""
    ordered = shipped = Decimal(0)
    for item in top_level_items(payload):
        if cv.to_int(item.get("is_virtual")):
            continue
        ordered += cv.to_decimal(item.get("qty_ordered")) - cv.to_decimal(item.get("qty_canceled"))
        shipped += cv.to_decimal(item.get("qty_shipped"))
    if order_state(payload) == "complete" or (ordered > 0 and shipped >= ordered):
        return FulfillmentStatus.FULFILLED
    if shipped > 0:
        return FulfillmentStatus.PARTIALLY_FULFILLED
    return FulfillmentStatus.UNFULFILLED


def top_level_items(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Items without a parent: one per purchased line (configurable/bundle children excluded)."""
    return [
        item
        for item in (cv.as_dict(i) for i in cv.as_list(payload.get("items")))
        if item and item.get("parent_item_id") is None
    ]


def _children_by_parent(payload: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    children: dict[str, list[dict[str, Any]]] = {}
    for item in (cv.as_dict(i) for i in cv.as_list(payload.get("items"))):
        parent = item.get("parent_item_id")
        if parent is not None:
            children.setdefault(str(parent), []).append(item)
    return children


def _components(item: dict[str, Any], kids: list[dict[str, Any]]) -> tuple[LineComponent, ...]:
    """The child rows of a line, with how many of each one unit of the line holds."""
    ordered = cv.to_decimal(item.get("qty_ordered"))
    return tuple(
        LineComponent(
            external_id=cv.require_id(kid, "item_id", "order item"),
            per_unit=(cv.to_decimal(kid.get("qty_ordered")) / ordered) if ordered else Decimal(1),
        )
        for kid in kids
    )


def line_discount(item: dict[str, Any]) -> Decimal:
    """The row's discount excluding tax: `discount_amount` (positive or negative by
    version) less the tax part Magento hides in it when prices include tax."""
    hidden = cv.to_decimal(item.get("discount_tax_compensation_amount"))
    return abs(cv.to_decimal(item.get("discount_amount"))) - hidden


def map_line_items(payload: dict[str, Any], currency: str) -> tuple[LineItem, ...]:
    """One LineItem per top-level item; the price sits on the parent row of a configurable
    or bundle, the child rows only name what was picked (so children are never counted,
    only listed as the line's components). `price` is Magento's tax-exclusive price."""
    children = _children_by_parent(payload)
    lines = []
    for item in top_level_items(payload):
        item_id = cv.require_id(item, "item_id", "order item")
        product_id = cv.opt_str(item.get("product_id"))
        variant_id = product_id
        kids = children.get(item_id, [])
        if item.get("product_type") == "configurable" and kids:
            variant_id = cv.opt_str(kids[0].get("product_id"))
        lines.append(
            LineItem(
                external_id=item_id,
                title=cv.opt_str(item.get("name")) or cv.opt_str(item.get("sku")) or item_id,
                quantity=cv.to_int(item.get("qty_ordered")),
                unit_price=cv.money(item.get("price"), currency),
                total_discount=cv.money(line_discount(item), currency),
                sku=cv.opt_str(item.get("sku")),
                variant_external_id=variant_id,
                product_external_id=product_id,
                components=_components(item, kids),
            )
        )
    return tuple(lines)


def _tax_lines(payload: dict[str, Any], currency: str) -> tuple[TaxLine, ...]:
    applied = cv.as_list(cv.as_dict(payload.get("extension_attributes")).get("applied_taxes"))
    lines = [
        TaxLine(
            title=cv.opt_str(tax.get("title")) or cv.opt_str(tax.get("code")) or "Tax",
            rate=cv.to_decimal(tax["percent"]) / 100 if tax.get("percent") is not None else None,
            amount=cv.money(tax.get("amount"), currency),
        )
        for tax in (cv.as_dict(t) for t in applied)
        if tax
    ]
    if not lines and cv.to_decimal(payload.get("tax_amount")):
        lines.append(TaxLine(title="Tax", amount=cv.money(payload.get("tax_amount"), currency)))
    return tuple(lines)


def _discounts(payload: dict[str, Any], currency: str) -> tuple[DiscountLine, ...]:
    amount = abs(cv.to_decimal(payload.get("discount_amount")))
    if not amount:
        return ()
    code = cv.opt_str(payload.get("coupon_code"))
    return (
        DiscountLine(
            code=code or cv.opt_str(payload.get("discount_description")),
            kind="coupon" if code else "cart_rule",
            amount=cv.money(amount, currency),
        ),
    )


def _shipping(payload: dict[str, Any]) -> dict[str, Any]:
    assignments = cv.as_list(
        cv.as_dict(payload.get("extension_attributes")).get("shipping_assignments")
    )
    return cv.as_dict(cv.as_dict(assignments[0]).get("shipping")) if assignments else {}


def shipping_discount(payload: dict[str, Any]) -> Decimal:
    """Discount on shipping, excluding the tax Magento hides in it."""
    hidden = cv.to_decimal(payload.get("shipping_discount_tax_compensation_amount"))
    return abs(cv.to_decimal(payload.get("shipping_discount_amount"))) - hidden


def order_discount(payload: dict[str, Any]) -> Decimal:
    """Every discount on the order (items and shipping), excluding the hidden tax."""
    hidden = cv.to_decimal(payload.get("discount_tax_compensation_amount")) + cv.to_decimal(
        payload.get("shipping_discount_tax_compensation_amount")
    )
    return abs(cv.to_decimal(payload.get("discount_amount"))) - hidden


def shipping_charged(payload: dict[str, Any]) -> Decimal:
    """`shipping_amount` (tax-exclusive, before discounts) less its discount."""
    return cv.to_decimal(payload.get("shipping_amount")) - shipping_discount(payload)


def _shipping_lines(payload: dict[str, Any], currency: str) -> tuple[ShippingLine, ...]:
    title = cv.opt_str(payload.get("shipping_description"))
    if title is None and payload.get("shipping_amount") is None:
        return ()
    return (
        ShippingLine(
            title=title or "Shipping",
            code=cv.opt_str(_shipping(payload).get("method")),
            amount=cv.money(shipping_charged(payload), currency),
        ),
    )


def _cancelled_at(payload: dict[str, Any], updated_at: datetime) -> datetime | None:
    """Magento has no cancelled_at: use the 'canceled' status-history entry, else updated_at."""
    if map_status(payload) is not OrderStatus.CANCELLED:
        return None
    for entry in (cv.as_dict(h) for h in cv.as_list(payload.get("status_histories"))):
        when = cv.parse_time(entry.get("created_at"))
        if entry.get("status") == "canceled" and when is not None:
            return when
    return updated_at


def _shipping_address(payload: dict[str, Any]) -> Address | None:
    return cv.address(_shipping(payload).get("address"))


def map_order(payload: dict[str, Any], store_id: str, default_currency: str = "USD") -> Order:
    """A canonical Order from a Magento order payload (docs/money.md).

    Magento's `subtotal` is before discounts: the canonical subtotal is the sum of the line
    totals after them. Shipping is after its discount; `tax_amount` and `grand_total` as
    given, so subtotal + shipping + tax = total. Magento does not say whether the store's
    prices include tax (None); its amounts are tax-exclusive either way.
    """
    if not isinstance(payload, dict):
        raise PayloadError("Magento order is not a JSON object")
    external_id = cv.require_id(payload, "entity_id", "order")
    return cv.checked(
        lambda: _build_order(payload, store_id, default_currency), f"order {external_id}"
    )


def _build_order(payload: dict[str, Any], store_id: str, default_currency: str) -> Order:
    external_id = cv.require_id(payload, "entity_id", "order")
    currency = cv.currency_code(
        payload.get("order_currency_code"),
        cv.currency_code(payload.get("base_currency_code"), default_currency),
    )
    created_at = cv.require_time(payload, "created_at", "order")
    updated_at = cv.parse_time(payload.get("updated_at")) or created_at
    customer = None if cv.to_int(payload.get("customer_is_guest")) else payload.get("customer_id")
    lines = map_line_items(payload, currency)
    return Order(
        store_id=store_id,
        platform=Platform.MAGENTO,
        external_id=external_id,
        number=cv.opt_str(payload.get("increment_id")) or external_id,
        created_at=created_at,
        updated_at=updated_at,
        cancelled_at=_cancelled_at(payload, updated_at),
        status=map_status(payload),
        financial_status=map_financial_status(payload),
        fulfillment_status=map_fulfillment_status(payload),
        currency_code=currency,
        email=cv.opt_str(payload.get("customer_email")),
        subtotal_price=cv.money(sum((li.total.amount for li in lines), Decimal(0)), currency),
        total_tax=cv.money(payload.get("tax_amount"), currency),
        total_shipping=cv.money(shipping_charged(payload), currency),
        # the order's own figure: its items' and shipping's discounts, by Magento's rules
        total_discounts=cv.money(order_discount(payload), currency),
        total_price=cv.money(payload.get("grand_total"), currency),
        line_items=lines,
        tax_lines=_tax_lines(payload, currency),
        discounts=_discounts(payload, currency),
        shipping_lines=_shipping_lines(payload, currency),
        billing_address=cv.address(payload.get("billing_address")),
        shipping_address=_shipping_address(payload),
        customer_external_id=cv.opt_str(customer),
        custom_fields=cv.custom_fields(payload),
        raw=payload,
    )
