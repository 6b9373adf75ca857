"""Pure mapping of Magento customers, shipments and credit memos to the canonical model."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from platforms.canonical import (
    Address,
    Customer,
    Fulfillment,
    FulfillmentLine,
    Order,
    Platform,
    Refund,
    RefundLine,
    RefundTransaction,
    ShipmentStatus,
)
from platforms.errors import PayloadError
from platforms.magento.mapping import common as cv
from platforms.magento.mapping.orders import line_discount

# credit memo `state`: 1 open (offline, pending), 2 refunded, 3 canceled.
_MEMO_STATE = {1: "pending", 2: "success", 3: "cancelled"}


def _object(payload: Any, what: str) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise PayloadError(f"Magento {what} payload is not an object")
    return payload


def _customer_address(payload: Any) -> Address | None:
    """Customer addresses nest the region as {region_code, region}; order ones are flat."""
    data = cv.as_dict(payload)
    region = cv.as_dict(data.get("region"))
    if region:
        data = {**data, "region": region.get("region"), "region_code": region.get("region_code")}
    return cv.address(data)


def _default_address(data: dict[str, Any]) -> Address | None:
    rows = [cv.as_dict(a) for a in cv.as_list(data.get("addresses"))]
    default_id = cv.opt_str(data.get("default_billing")) or cv.opt_str(data.get("default_shipping"))
    chosen = next(
        (a for a in rows if a.get("default_billing") is True or a.get("default_shipping") is True),
        None,
    ) or next((a for a in rows if default_id and str(a.get("id")) == default_id), None)
    return _customer_address(chosen) if chosen else None


def map_customer(
    payload: Any, *, store_id: str, default_currency: str, raw: bool = True
) -> Customer:
    """A `customers/search` item. Magento reports no order count or spend (None); the
    newsletter flag is `extension_attributes.is_subscribed` when the module exposes it; the
    customer group is the `tags` entry `group:<id>`."""
    data = _object(payload, "customer")
    subscribed = cv.as_dict(data.get("extension_attributes")).get("is_subscribed")
    addresses = tuple(a for a in map(_customer_address, cv.as_list(data.get("addresses"))) if a)
    default = _default_address(data)
    group = cv.opt_str(data.get("group_id"))
    return cv.checked(
        lambda: Customer(
            store_id=store_id,
            platform=Platform.MAGENTO,
            external_id=cv.require_id(data, "id", "customer"),
            first_name=cv.opt_str(data.get("firstname")),
            last_name=cv.opt_str(data.get("lastname")),
            email=cv.opt_str(data.get("email")),
            phone=default.phone if default else None,
            default_address=default,
            addresses=addresses,
            accepts_marketing=subscribed if isinstance(subscribed, bool) else None,
            created_at=cv.parse_time(data.get("created_at")),
            updated_at=cv.parse_time(data.get("updated_at")),
            tags=(f"group:{group}",) if group else (),
            custom_fields=cv.custom_fields(data),
            raw=data if raw else {},
        ),
        "customer",
    )


def map_shipment(payload: Any, *, store_id: str) -> Fulfillment:
    """A `/V1/shipments` item with its tracks. A Magento shipment exists only once goods
    left, so its status is SUCCESS; tracks carry no URL (carriers build those)."""
    data = _object(payload, "shipment")
    tracks = [cv.as_dict(t) for t in cv.as_list(data.get("tracks"))]
    titles = [cv.opt_str(t.get("title")) or cv.opt_str(t.get("carrier_code")) for t in tracks]
    source = cv.opt_str(cv.as_dict(data.get("extension_attributes")).get("source_code"))
    return cv.checked(
        lambda: Fulfillment(
            store_id=store_id,
            platform=Platform.MAGENTO,
            external_id=cv.require_id(data, "entity_id", "shipment"),
            order_external_id=cv.require_id(data, "order_id", "shipment"),
            status=ShipmentStatus.SUCCESS,
            created_at=cv.parse_time(data.get("created_at")),
            updated_at=cv.parse_time(data.get("updated_at")),
            tracking_company=next((t for t in titles if t), None),
            tracking_numbers=tuple(
                n for n in (cv.opt_str(t.get("track_number")) for t in tracks) if n
            ),
            lines=tuple(
                FulfillmentLine(
                    line_item_external_id=cv.require_id(i, "order_item_id", "shipment item"),
                    quantity=cv.to_int(i.get("qty")),
                )
                for i in map(cv.as_dict, cv.as_list(data.get("items")))
            ),
            location_external_id=source,
            raw=data,
        ),
        "shipment",
    )


def map_creditmemo(payload: Any, *, store_id: str, default_currency: str) -> Refund:
    """A `/V1/creditmemos` item. Amount is `grand_total`; an online memo (with a
    `transaction_id`) is one gateway transaction. Restocking is not reported (None). Its
    items may name a configurable's or bundle's child rows, which are no lines of the
    mapped order: `platforms.mapping.lines.refund_on_order_lines` puts them on their line."""
    data = _object(payload, "credit memo")
    currency = cv.currency_code(data.get("order_currency_code"), default_currency)
    amount = cv.money(data.get("grand_total"), currency)
    txn = cv.opt_str(data.get("transaction_id"))
    status = _MEMO_STATE.get(cv.to_int(data.get("state")))
    comments = [cv.opt_str(cv.as_dict(c).get("comment")) for c in cv.as_list(data.get("comments"))]
    note = cv.opt_str(data.get("customer_note")) or next((c for c in comments if c), None)
    shipping = data.get("shipping_amount")
    return cv.checked(
        lambda: Refund(
            store_id=store_id,
            platform=Platform.MAGENTO,
            external_id=cv.require_id(data, "entity_id", "credit memo"),
            order_external_id=cv.require_id(data, "order_id", "credit memo"),
            created_at=cv.parse_time(data.get("created_at")),
            note=note,
            amount=amount,
            lines=tuple(
                RefundLine(
                    line_item_external_id=cv.require_id(i, "order_item_id", "credit memo item"),
                    quantity=cv.to_int(i.get("qty")),
                    subtotal=cv.money(_refunded_net(i), currency),
                )
                for i in map(cv.as_dict, cv.as_list(data.get("items")))
                # configurable children repeat their priced parent at 0 qty/amount
                if cv.to_decimal(i.get("qty")) > 0
            ),
            shipping=None if shipping is None else cv.money(shipping, currency),
            transactions=(
                RefundTransaction(external_id=txn, kind="refund", amount=amount, status=status),
            )
            if txn
            else (),
            raw=data,
        ),
        "credit memo",
    )


def _refunded_net(item: dict[str, Any]) -> Decimal:
    """A memo row after its discount, excluding tax: as the order line's total."""
    return cv.to_decimal(item.get("row_total")) - line_discount(item)


def refund_marker(order: Order) -> str | None:
    """The order's `total_refunded` ("" when nothing was refunded): Magento orders list no
    credit memos, but each one adds to this total, so a new refund changes it. (A memo of
    amount 0, refunding nothing, goes unseen.)"""
    refunded = cv.to_decimal(order.raw.get("total_refunded"))
    return format(refunded.normalize(), "f") if refunded > 0 else ""
