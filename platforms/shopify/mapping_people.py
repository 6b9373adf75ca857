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
from platforms.shopify.mapping_common import (
    _PLATFORM,
    _address,
    _build,
    _currency,
    _custom_fields,
    _datetime,
    _decimal,
    _dicts,
    _fail,
    _id,
    _int,
    _money,
    _nonempty,
    _opt_id,
    _require_dict,
    _tags,
    _text,
)

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
    data = _require_dict(payload, "customer")
    currency = _currency(data.get("currency"), shop_currency)
    spent = data.get("total_spent")
    addresses = tuple(a for a in (_address(x) for x in _dicts(data.get("addresses"))) if a)
    return _build(
        "customer",
        lambda: Customer(
            store_id=store_id,
            platform=_PLATFORM,
            external_id=_id(data.get("id"), "customer", "id"),
            first_name=_nonempty(data.get("first_name")),
            last_name=_nonempty(data.get("last_name")),
            email=_nonempty(data.get("email")),
            phone=_nonempty(data.get("phone")),
            default_address=_address(data.get("default_address")),
            addresses=addresses,
            accepts_marketing=_accepts_marketing(data),
            orders_count=_int(data.get("orders_count")),
            total_spent=None
            if spent is None
            else Money(amount=_decimal(spent, "customer", "total_spent"), currency_code=currency),
            created_at=_datetime(data.get("created_at"), "customer", "created_at"),
            updated_at=_datetime(data.get("updated_at"), "customer", "updated_at"),
            tags=_tags(data.get("tags")),
            custom_fields=_custom_fields(data),
            raw=dict(data) if raw else {},
        ),
    )


def _list_of_text(data: Mapping[str, Any], many: str, one: str) -> tuple[str, ...]:
    values = data.get(many)
    if isinstance(values, list):
        return tuple(str(v) for v in values if v not in (None, ""))
    single = _nonempty(data.get(one))
    return (single,) if single else ()


def map_fulfillment(payload: Any, *, store_id: str) -> Fulfillment:
    """Map a Shopify fulfillment (embedded in an order or from `fulfillments.json`)."""
    data = _require_dict(payload, "fulfillment")
    lines = tuple(
        FulfillmentLine(
            line_item_external_id=_id(i.get("id"), "fulfillment", "line_items[].id"),
            quantity=_int(i.get("quantity"), 0) or 0,
        )
        for i in _dicts(data.get("line_items"))
    )
    return _build(
        "fulfillment",
        lambda: Fulfillment(
            store_id=store_id,
            platform=_PLATFORM,
            external_id=_id(data.get("id"), "fulfillment", "id"),
            order_external_id=_id(data.get("order_id"), "fulfillment", "order_id"),
            status=_SHIPMENT.get(_text(data.get("status")) or "", ShipmentStatus.UNKNOWN),
            created_at=_datetime(data.get("created_at"), "fulfillment", "created_at"),
            updated_at=_datetime(data.get("updated_at"), "fulfillment", "updated_at"),
            tracking_company=_nonempty(data.get("tracking_company")),
            tracking_numbers=_list_of_text(data, "tracking_numbers", "tracking_number"),
            tracking_urls=_list_of_text(data, "tracking_urls", "tracking_url"),
            lines=lines,
            location_external_id=_opt_id(data.get("location_id"), "fulfillment", "location_id"),
            raw=dict(data),
        ),
    )


def _refund_line(item: Mapping[str, Any], currency: str, restock: Any) -> RefundLine:
    restock_type = _nonempty(item.get("restock_type"))
    restocked = restock_type in _RESTOCKING if restock_type else None
    if restocked is None and isinstance(restock, bool):
        restocked = restock  # pre-2019 refunds: one flag for the whole refund
    return RefundLine(
        line_item_external_id=_id(item.get("line_item_id"), "refund", "line_item_id"),
        quantity=_int(item.get("quantity"), 0) or 0,
        restock_type=restock_type,
        restocked=restocked,
        subtotal=_money(item, "subtotal", currency, "refund line"),
    )


def _transaction(item: Mapping[str, Any], currency: str) -> RefundTransaction:
    return RefundTransaction(
        external_id=_opt_id(item.get("id"), "refund", "transactions[].id"),
        kind=_text(item.get("kind")) or "refund",
        amount=Money(
            amount=_decimal(item.get("amount"), "refund", "transactions[].amount"),
            currency_code=_currency(item.get("currency"), currency),
        ),
        gateway=_nonempty(item.get("gateway")),
        status=_nonempty(item.get("status")),
    )


def _shipping(data: Mapping[str, Any], currency: str) -> Money | None:
    """Refunded shipping: `refund_shipping_lines` (2024+) or `shipping_refund` adjustments
    (negative amounts, older versions). None when the refund gave no shipping back."""
    total, seen = Decimal(0), False
    for line in _dicts(data.get("refund_shipping_lines")):
        total += _money(line, "subtotal_amount", currency, "refund shipping line").amount
        seen = True
    for adj in _dicts(data.get("order_adjustments")):
        if adj.get("kind") == "shipping_refund":
            total -= _money(adj, "amount", currency, "order adjustment").amount
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


def map_refund(payload: Any, *, store_id: str, currency: str) -> Refund:
    """Map a Shopify refund (embedded in an order or from `refunds.json`); `currency` is the
    order's, used where a money field has no `_set` bag."""
    data = _require_dict(payload, "refund")
    if not isinstance(data.get("refund_line_items", []), list):
        raise _fail("refund", "refund_line_items", "is not a list")
    txs = tuple(_transaction(t, currency) for t in _dicts(data.get("transactions")))
    return _build(
        "refund",
        lambda: Refund(
            store_id=store_id,
            platform=_PLATFORM,
            external_id=_id(data.get("id"), "refund", "id"),
            order_external_id=_id(data.get("order_id"), "refund", "order_id"),
            created_at=_datetime(data.get("created_at"), "refund", "created_at"),
            note=_nonempty(data.get("note")),
            amount=_refunded(txs, currency),
            lines=tuple(
                _refund_line(i, currency, data.get("restock"))
                for i in _dicts(data.get("refund_line_items"))
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
