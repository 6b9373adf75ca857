"""Pure mapping of Shopify customers, fulfillments and refunds to the canonical model."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from platforms.canonical import (
    Customer,
    Fulfillment,
    FulfillmentLine,
    Money,
    Order,
    Refund,
    RefundLine,
    RefundTransaction,
    ShipmentStatus,
)
from platforms.shopify.mapping import common as m

_SHIPMENT = {s.value.lower(): s for s in ShipmentStatus if s is not ShipmentStatus.UNKNOWN}
# restock types that put stock back; "no_restock" and a missing type do not.
_RESTOCKING = {"cancel", "return", "legacy_restock"}


def _accepts_marketing(data: Mapping[str, Any]) -> bool | None:
    """Since 2022 consent is `email_marketing_consent.state`; older payloads carry a bool."""
    consent = data.get("email_marketing_consent")
    if isinstance(consent, Mapping) and isinstance(consent.get("state"), str):
        return bool(consent["state"] == "subscribed")
    flag = data.get("accepts_marketing")
    return bool(flag) if isinstance(flag, bool) else None


def map_customer(payload: Any, *, store_id: str, shop_currency: str, raw: bool = True) -> Customer:
    """Map a Shopify REST customer (`customers.json` item); `raw=False` drops the payload."""
    data = m.require_dict(payload, "customer")
    currency = m.currency_code(data.get("currency"), shop_currency)
    spent = data.get("total_spent")
    addresses = tuple(a for a in (m.address(x) for x in m.dicts(data.get("addresses"))) if a)
    return m.build(
        "customer",
        lambda: Customer(
            store_id=store_id,
            platform=m.PLATFORM,
            external_id=m.ident(data.get("id"), "customer", "id"),
            first_name=m.nonempty(data.get("first_name")),
            last_name=m.nonempty(data.get("last_name")),
            email=m.nonempty(data.get("email")),
            phone=m.nonempty(data.get("phone")),
            default_address=m.address(data.get("default_address")),
            addresses=addresses,
            accepts_marketing=_accepts_marketing(data),
            orders_count=m.integer(data.get("orders_count")),
            total_spent=None
            if spent is None
            else Money(amount=m.decimal(spent, "customer", "total_spent"), currency_code=currency),
            created_at=m.timestamp(data.get("created_at"), "customer", "created_at"),
            updated_at=m.timestamp(data.get("updated_at"), "customer", "updated_at"),
            tags=m.tags(data.get("tags")),
            custom_fields=m.custom_fields(data),
            raw=dict(data) if raw else {},
        ),
    )


def _list_of_text(data: Mapping[str, Any], many: str, one: str) -> tuple[str, ...]:
    values = data.get(many)
    if isinstance(values, list):
        return tuple(str(v) for v in values if v not in (None, ""))
    single = m.nonempty(data.get(one))
    return (single,) if single else ()


def map_fulfillment(payload: Any, *, store_id: str) -> Fulfillment:
    """Map a Shopify fulfillment (embedded in an order or from `fulfillments.json`)."""
    data = m.require_dict(payload, "fulfillment")
    lines = tuple(
        FulfillmentLine(
            line_item_external_id=m.ident(i.get("id"), "fulfillment", "line_items[].id"),
            quantity=m.integer(i.get("quantity"), 0) or 0,
        )
        for i in m.dicts(data.get("line_items"))
    )
    return m.build(
        "fulfillment",
        lambda: Fulfillment(
            store_id=store_id,
            platform=m.PLATFORM,
            external_id=m.ident(data.get("id"), "fulfillment", "id"),
            order_external_id=m.ident(data.get("order_id"), "fulfillment", "order_id"),
            status=_SHIPMENT.get(m.text(data.get("status")) or "", ShipmentStatus.UNKNOWN),
            created_at=m.timestamp(data.get("created_at"), "fulfillment", "created_at"),
            updated_at=m.timestamp(data.get("updated_at"), "fulfillment", "updated_at"),
            tracking_company=m.nonempty(data.get("tracking_company")),
            tracking_numbers=_list_of_text(data, "tracking_numbers", "tracking_number"),
            tracking_urls=_list_of_text(data, "tracking_urls", "tracking_url"),
            lines=lines,
            location_external_id=m.opt_ident(data.get("location_id"), "fulfillment", "location_id"),
            raw=dict(data),
        ),
    )


def _refund_line(item: Mapping[str, Any], currency: str, restock: Any) -> RefundLine:
    restock_type = m.nonempty(item.get("restock_type"))
    restocked = restock_type in _RESTOCKING if restock_type else None
    if restocked is None and isinstance(restock, bool):
        restocked = restock  # pre-2019 refunds: one flag for the whole refund
    return RefundLine(
        line_item_external_id=m.ident(item.get("line_item_id"), "refund", "line_item_id"),
        quantity=m.integer(item.get("quantity"), 0) or 0,
        restock_type=restock_type,
        restocked=restocked,
        subtotal=m.money(item, "subtotal", currency, "refund line"),
    )


def _transaction(item: Mapping[str, Any], currency: str) -> RefundTransaction:
    return RefundTransaction(
        external_id=m.opt_ident(item.get("id"), "refund", "transactions[].id"),
        kind=m.text(item.get("kind")) or "refund",
        amount=Money(
            amount=m.decimal(item.get("amount"), "refund", "transactions[].amount"),
            currency_code=m.currency_code(item.get("currency"), currency),
        ),
        gateway=m.nonempty(item.get("gateway")),
        status=m.nonempty(item.get("status")),
    )


def _shipping(data: Mapping[str, Any], currency: str) -> Money | None:
    """Refunded shipping: `refund_shipping_lines` (2024+; an empty list is 0) or
    `shipping_refund` adjustments (negative amounts, older versions). None when the payload
    says nothing of shipping."""
    total, seen = Decimal(0), isinstance(data.get("refund_shipping_lines"), list)
    for line in m.dicts(data.get("refund_shipping_lines")):
        total += m.money(line, "subtotal_amount", currency, "refund shipping line").amount
        seen = True
    for adj in m.dicts(data.get("order_adjustments")):
        if adj.get("kind") == "shipping_refund":
            total -= m.money(adj, "amount", currency, "order adjustment").amount
            seen = True
    return Money(amount=total, currency_code=currency) if seen else None


def _refunded(transactions: tuple[RefundTransaction, ...], currency: str) -> Money:
    """Money given back: successful refund transactions (a failed attempt refunds nothing)."""
    total = sum(
        (
            t.amount.amount
            for t in transactions
            if t.kind == "refund" and t.status in (None, "success")
        ),
        Decimal(0),
    )
    return Money(amount=total, currency_code=currency)


def _refund_currency(data: Mapping[str, Any], fallback: str) -> str:
    """The currency the customer paid in (docs/money.md): refund transactions are in it, as
    is the presentment side of the lines' bags; `fallback` (the shop's) otherwise."""
    for txn in m.dicts(data.get("transactions")):
        code = m.currency_code(txn.get("currency"), "")
        if code:
            return code
    for line in m.dicts(data.get("refund_line_items")):
        bag = line.get("subtotal_set")
        side = bag.get("presentment_money") if isinstance(bag, Mapping) else None
        if isinstance(side, Mapping) and m.currency_code(side.get("currency_code"), ""):
            return m.currency_code(side.get("currency_code"), fallback)
    return fallback


def map_refund(payload: Any, *, store_id: str, currency: str) -> Refund:
    """Map a Shopify refund (embedded in an order or from `refunds.json`); `currency` is the
    order's shop currency, used when the refund does not show the customer's."""
    data = m.require_dict(payload, "refund")
    currency = _refund_currency(data, currency)
    if not isinstance(data.get("refund_line_items", []), list):
        raise m.fail("refund", "refund_line_items", "is not a list")
    txs = tuple(_transaction(t, currency) for t in m.dicts(data.get("transactions")))
    return m.build(
        "refund",
        lambda: Refund(
            store_id=store_id,
            platform=m.PLATFORM,
            external_id=m.ident(data.get("id"), "refund", "id"),
            order_external_id=m.ident(data.get("order_id"), "refund", "order_id"),
            created_at=m.timestamp(data.get("created_at"), "refund", "created_at"),
            note=m.nonempty(data.get("note")),
            amount=_refunded(txs, currency),
            lines=tuple(
                _refund_line(i, currency, data.get("restock"))
                for i in m.dicts(data.get("refund_line_items"))
            ),
            shipping=_shipping(data, currency),
            transactions=txs,
            raw=dict(data),
        ),
    )


def refund_marker(order: Order) -> str | None:
    """The ids of the order payload's embedded `refunds`, sorted ("" = none; None = the
    payload has no `refunds` key): a new refund always changes it (REFUND_CREATED)."""
    refunds = order.raw.get("refunds")
    if not isinstance(refunds, list):
        return None
    ids = {str(r["id"]) for r in refunds if isinstance(r, Mapping) and r.get("id") is not None}
    return ",".join(sorted(ids))
