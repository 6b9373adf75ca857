"""Pure mapping of WooCommerce customers, refunds and order-derived fulfillments."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from platforms.canonical import (
    Customer,
    Fulfillment,
    FulfillmentLine,
    Money,
    Order,
    Platform,
    Refund,
    RefundLine,
    RefundTransaction,
    ShipmentStatus,
)
from platforms.errors import PayloadError
from platforms.woocommerce.mapping.common import (
    address,
    as_list,
    custom_fields,
    decimal_of,
    external_id,
    optional_id,
    parse_gmt,
    text_or_none,
    timestamp,
)

# The WooCommerce Shipment Tracking extension's order meta: the de-facto tracking store.
TRACKING_META = "_wc_shipment_tracking_items"


def _object(payload: Any, entity: str) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise PayloadError(f"WooCommerce {entity} payload is not an object")
    return payload


def map_customer(
    payload: Any, *, store_id: str, default_currency: str, raw: bool = True
) -> Customer:
    """A WooCommerce REST v3 customer. v3 reports no order count, spend or marketing consent
    (None); the WordPress role is the customer's group (`tags`)."""
    data = _object(payload, "customer")
    billing = data.get("billing") if isinstance(data.get("billing"), dict) else {}
    addresses = tuple(a for a in (address(billing), address(data.get("shipping"))) if a)
    spent = data.get("total_spent")  # legacy v1/v2 only
    role = text_or_none(data.get("role"))
    return Customer(
        store_id=store_id,
        platform=Platform.WOOCOMMERCE,
        external_id=external_id(data),
        first_name=text_or_none(data.get("first_name")),
        last_name=text_or_none(data.get("last_name")),
        email=text_or_none(data.get("email")),
        phone=text_or_none(billing.get("phone")) if isinstance(billing, dict) else None,
        default_address=addresses[0] if addresses else None,
        addresses=addresses,
        accepts_marketing=None,
        orders_count=data["orders_count"] if isinstance(data.get("orders_count"), int) else None,
        total_spent=None
        if spent is None
        else Money(amount=decimal_of(spent), currency_code=default_currency),
        created_at=timestamp(data, "date_created"),
        updated_at=timestamp(data, "date_modified"),
        tags=(role,) if role else (),
        custom_fields=custom_fields(data.get("meta_data")),
        raw=data if raw else {},
    )


def _refunded_item(line: dict[str, Any]) -> str:
    """The order line a refund line refers to: its `_refunded_item_id` meta (the refund
    line's own id is a new item id that no order line has)."""
    for meta in as_list(line.get("meta_data")):
        if meta.get("key") == "_refunded_item_id" and optional_id(meta.get("value")):
            return str(meta["value"])
    return external_id(line)


def _refund_line(line: dict[str, Any], currency: str) -> RefundLine:
    quantity = line.get("quantity")
    return RefundLine(
        line_item_external_id=_refunded_item(line),
        # refund lines carry negative quantities and totals.
        quantity=abs(quantity) if isinstance(quantity, int) else 0,
        subtotal=Money(amount=-decimal_of(line.get("total")), currency_code=currency),
    )


def map_refund(payload: Any, *, store_id: str, order_id: str, currency: str) -> Refund:
    """A WooCommerce order refund (`orders/{id}/refunds` item). `refunded_payment` true means
    the gateway sent the money back (one transaction); false is a manual refund (none).
    WooCommerce does not report whether the lines were restocked (None)."""
    data = _object(payload, "refund")
    amount = Money(amount=decimal_of(data.get("amount")), currency_code=currency)
    shipping_lines = as_list(data.get("shipping_lines"))
    shipping = (  # an empty list says no shipping went back (0); no key says nothing
        Money(
            amount=-sum((decimal_of(s.get("total")) for s in shipping_lines), Decimal(0)),
            currency_code=currency,
        )
        if isinstance(data.get("shipping_lines"), list)
        else None
    )
    refunded_payment = data.get("refunded_payment") is True
    return Refund(
        store_id=store_id,
        platform=Platform.WOOCOMMERCE,
        external_id=external_id(data),
        order_external_id=order_id,
        created_at=timestamp(data, "date_created"),
        note=text_or_none(data.get("reason")),
        amount=amount,
        lines=tuple(_refund_line(line, currency) for line in as_list(data.get("line_items"))),
        shipping=shipping,
        transactions=(RefundTransaction(kind="refund", amount=amount, status="success"),)
        if refunded_payment
        else (),
        custom_fields=custom_fields(data.get("meta_data")),
        raw=data,
    )


def _tracking_items(order: dict[str, Any]) -> list[dict[str, Any]]:
    for meta in as_list(order.get("meta_data")):
        if meta.get("key") == TRACKING_META:
            return as_list(meta.get("value"))
    return []


def _shipped_at(item: dict[str, Any]) -> datetime | None:
    """`date_shipped` is a unix timestamp (as text) in the extension's meta."""
    raw = str(item.get("date_shipped") or "").strip()
    if raw.isdigit():
        return datetime.fromtimestamp(int(raw), tz=UTC)
    return parse_gmt(raw)


def _tracked(item: dict[str, Any], order_id: str) -> dict[str, Any]:
    provider = text_or_none(item.get("custom_tracking_provider")) or text_or_none(
        item.get("tracking_provider")
    )
    number = text_or_none(item.get("tracking_number"))
    link = text_or_none(item.get("custom_tracking_link"))
    shipped = _shipped_at(item)
    return {
        "external_id": f"{order_id}-{text_or_none(item.get('tracking_id')) or number or 'track'}",
        "created_at": shipped,
        "updated_at": shipped,
        "tracking_company": provider,
        "tracking_numbers": (number,) if number else (),
        "tracking_urls": (link,) if link else (),
    }


def fulfillments_from_order(order: Any, *, store_id: str) -> list[Fulfillment]:
    """WooCommerce core has no shipments: one fulfillment per Shipment Tracking entry when
    the order has that meta, else one for a `completed` order (shipped, untracked), else none.
    Lines are the whole order when there is one fulfillment (core cannot say more)."""
    data = _object(order, "order")
    order_id = external_id(data)
    completed = timestamp(data, "date_completed")
    entries = [_tracked(item, order_id) for item in _tracking_items(data)]
    if not entries and data.get("status") == "completed":
        entries = [{"external_id": f"{order_id}-completed", "created_at": completed}]
    lines = tuple(
        FulfillmentLine(line_item_external_id=external_id(i), quantity=int(i.get("quantity") or 0))
        for i in as_list(data.get("line_items"))
    )
    return [
        Fulfillment(
            store_id=store_id,
            platform=Platform.WOOCOMMERCE,
            order_external_id=order_id,
            status=ShipmentStatus.SUCCESS,
            lines=lines if len(entries) == 1 else (),
            **{"updated_at": completed, **entry},
        )
        for entry in entries
    ]


def refunded_ids(order: Any) -> list[str] | None:
    """Ids in the order's `refunds` summary; None when the payload has no summary at all."""
    if not isinstance(order, dict) or not isinstance(order.get("refunds"), list):
        return None
    return [str(r["id"]) for r in as_list(order["refunds"]) if r.get("id")]


def refund_marker(order: Order) -> str | None:
    """The ids of the order's `refunds` summary, sorted ("" = none; None = no summary):
    every new refund (partial or not) changes it (REFUND_CREATED)."""
    ids = refunded_ids(order.raw)
    return None if ids is None else ",".join(sorted(set(ids)))
