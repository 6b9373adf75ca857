"""BigCommerce V3 customers, V2 shipments and V3 payment-action refunds -> canonical Customer,
Fulfillment and Refund."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from platforms.bigcommerce.mapping.common import (
    address,
    decimal_of,
    external_id,
    money,
    optional_id,
    parse_time,
    text,
)
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

Payload = dict[str, Any]


def map_customer(payload: Payload, *, store_id: str) -> Customer:
    """A V3 customer (with `include=addresses`)."""
    addresses = tuple(
        a for a in (address(row) for row in payload.get("addresses") or ()) if a is not None
    )
    return Customer(
        store_id=store_id,
        platform=Platform.BIGCOMMERCE,
        external_id=external_id(payload),
        first_name=text(payload.get("first_name")),
        last_name=text(payload.get("last_name")),
        email=text(payload.get("email")),
        phone=text(payload.get("phone")),
        default_address=addresses[0] if addresses else None,
        addresses=addresses,
        accepts_marketing=payload.get("accepts_product_review_abandoned_cart_emails")
        if isinstance(payload.get("accepts_product_review_abandoned_cart_emails"), bool)
        else None,
        created_at=parse_time(payload.get("date_created")),
        updated_at=parse_time(payload.get("date_modified")),
        raw=payload,
    )


def map_shipment(payload: Payload, *, store_id: str) -> Fulfillment:
    """A V2 shipment: its items name order products (`order_product_id`)."""
    tracking = text(payload.get("tracking_number"))
    url = text(payload.get("tracking_link")) or text(payload.get("generated_tracking_link"))
    created = parse_time(payload.get("date_created"))
    return Fulfillment(
        store_id=store_id,
        platform=Platform.BIGCOMMERCE,
        external_id=external_id(payload),
        order_external_id=external_id(payload, "order_id"),
        status=ShipmentStatus.SUCCESS,  # a V2 shipment exists once the goods left
        created_at=created,
        updated_at=created,
        tracking_company=text(payload.get("shipping_provider_display_name"))
        or text(payload.get("tracking_carrier"))
        or text(payload.get("shipping_provider")),
        tracking_numbers=(tracking,) if tracking else (),
        tracking_urls=(url,) if url else (),
        lines=tuple(
            FulfillmentLine(
                line_item_external_id=external_id(item, "order_product_id"),
                quantity=int(item.get("quantity") or 0),
            )
            for item in payload.get("items") or ()
            if isinstance(item, dict)
        ),
        raw=payload,
    )


def map_refund(payload: Payload, *, store_id: str, currency: str) -> Refund:
    """A V3 payment-action refund: `total_amount` is all money back (tax included); its
    PRODUCT items are order products, its SHIPPING item the shipping refunded (the items list
    the whole refund, so without one no shipping went back)."""
    lines, shipping = [], Decimal(0)
    for item in payload.get("items") or ():
        if not isinstance(item, dict):
            continue
        kind = str(item.get("item_type") or "").upper()
        requested = item.get("requested_amount")
        if kind == "PRODUCT":
            lines.append(
                RefundLine(
                    line_item_external_id=external_id(item, "item_id"),
                    quantity=int(item.get("quantity") or 0),
                    subtotal=None if requested is None else money(requested, currency),
                )
            )
        elif kind == "SHIPPING":
            shipping += decimal_of(requested)
    return Refund(
        store_id=store_id,
        platform=Platform.BIGCOMMERCE,
        external_id=external_id(payload),
        order_external_id=external_id(payload, "order_id"),
        created_at=parse_time(payload.get("created")),
        note=text(payload.get("reason")),
        amount=money(payload.get("total_amount"), currency),
        lines=tuple(lines),
        shipping=Money(amount=shipping, currency_code=currency),
        transactions=tuple(
            RefundTransaction(
                external_id=optional_id(p.get("id")),
                kind="refund",
                amount=money(p.get("amount"), currency),
                gateway=text(p.get("provider_id")),
                status="declined" if p.get("is_declined") else "success",
            )
            for p in payload.get("payments") or ()
            if isinstance(p, dict)
        ),
        raw=payload,
    )


def refunded_amount(raw: Payload) -> Decimal:
    """The order's `refunded_amount` (0 when none)."""
    try:
        return decimal_of(raw.get("refunded_amount"))
    except PayloadError:  # a marker never fails a read
        return Decimal(0)


def refund_marker(order: Order) -> str | None:
    """What changes with every refund: the refunded amount (None while nothing went back)."""
    amount = refunded_amount(order.raw)
    return str(amount) if amount > 0 else None
