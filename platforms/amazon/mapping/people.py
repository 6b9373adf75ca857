"""Order-derived shipments (pure): merchant packages, and Amazon's own shipping of FBA lines.

Amazon has no customer accounts for sellers (buyers are anonymised per order); refunds are
not in the Orders API but financial events of the Finances API, mapped here too."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from platforms.amazon.mapping.catalog import MERCHANT, fba_location
from platforms.amazon.mapping.common import decimal_of, optional_timestamp, text
from platforms.canonical import (
    Fulfillment,
    FulfillmentLine,
    Money,
    Order,
    Platform,
    Refund,
    RefundLine,
    ShipmentStatus,
)
from platforms.errors import PayloadError

Payload = dict[str, Any]
PACKAGE_STATUS = {
    "PENDING": ShipmentStatus.PENDING,
    "IN_TRANSIT": ShipmentStatus.SUCCESS,
    "SHIPPED": ShipmentStatus.SUCCESS,
    "DELIVERED": ShipmentStatus.SUCCESS,
    "CANCELLED": ShipmentStatus.CANCELLED,
    "UNDELIVERABLE": ShipmentStatus.FAILURE,
}


def _package(order: Order, package: Payload) -> Fulfillment:
    reference = str(package.get("packageReferenceId"))
    lines = tuple(
        FulfillmentLine(line_item_external_id=str(x["orderItemId"]), quantity=int(x["quantity"]))
        for x in package.get("packageItems") or []
        if isinstance(x, dict) and x.get("orderItemId") and isinstance(x.get("quantity"), int)
    )
    tracking = text(package.get("trackingNumber"))
    status = (package.get("packageStatus") or {}).get("status")
    return Fulfillment(
        store_id=order.store_id,
        platform=Platform.AMAZON,
        external_id=f"{order.external_id}:{reference}",
        order_external_id=order.external_id,
        status=PACKAGE_STATUS.get(str(status), ShipmentStatus.UNKNOWN),
        created_at=optional_timestamp(package.get("createdTime")),
        updated_at=optional_timestamp(package.get("shipTime")),
        tracking_company=text(package.get("carrier")),
        tracking_numbers=(tracking,) if tracking else (),
        lines=lines,
        location_external_id=MERCHANT,
        raw=package,
    )


def _amazon_shipped(order: Order, raw: Payload) -> Fulfillment | None:
    """Amazon ships FBA orders itself and shows no package: one fulfilment of the lines'
    `quantityFulfilled`, from the marketplace's FBA network."""
    lines = []
    for item in raw.get("orderItems") or []:
        done = (item.get("fulfillment") or {}).get("quantityFulfilled")
        if isinstance(done, int) and done > 0:
            lines.append(
                FulfillmentLine(line_item_external_id=str(item["orderItemId"]), quantity=done)
            )
    if not lines:
        return None
    market = str((raw.get("salesChannel") or {}).get("marketplaceId"))
    return Fulfillment(
        store_id=order.store_id,
        platform=Platform.AMAZON,
        external_id=f"{order.external_id}:AFN",
        order_external_id=order.external_id,
        status=ShipmentStatus.SUCCESS,
        lines=tuple(lines),
        location_external_id=fba_location(market),
    )


def fulfillments_from_order(order: Order) -> list[Fulfillment]:
    """The order's shipments, from its payload (packages, or Amazon's FBA shipping)."""
    raw = order.raw
    if (raw.get("fulfillment") or {}).get("fulfilledBy") == "AMAZON":
        shipped = _amazon_shipped(order, raw)
        return [shipped] if shipped is not None else []
    return [_package(order, p) for p in raw.get("packages") or [] if isinstance(p, dict)]


# --- refunds: Finances API v0 RefundEvents of one order ---------------------------------
# A RefundEvent has no id of its own: a refund is `<orderId>:refund-<n>`, its place in the
# order's (append-only) event list. Amazon signs charges from the seller's side (a refund is
# negative); canonical refunds are positive (docs/money.md): `amount` is every component
# given back, `shipping` the Shipping component, a line's subtotal its Principal, its
# quantity Amazon's `QuantityShipped`.


def refund_events(answer: Any) -> list[Payload]:
    """The RefundEventList of a listFinancialEventsByOrderId answer (tolerant of absences)."""
    inner = answer.get("payload") if isinstance(answer, dict) else None
    events = (inner or {}).get("FinancialEvents") if isinstance(inner, dict) else None
    rows = (events or {}).get("RefundEventList") if isinstance(events, dict) else None
    return [r for r in rows or [] if isinstance(r, dict)]


def _charges(row: Payload, currency: str | None) -> list[tuple[str, Decimal, str]]:
    out = []
    for charge in row.get("ItemChargeAdjustmentList") or []:
        money = charge.get("ChargeAmount") if isinstance(charge, dict) else None
        if not isinstance(money, dict):
            continue
        code = text(money.get("CurrencyCode"))
        if code is None or (currency is not None and code != currency):
            raise PayloadError("a refund charge is in another currency than its refund")
        amount = -decimal_of(money.get("CurrencyAmount"), "CurrencyAmount")
        out.append((str(charge.get("ChargeType")), amount, code))
        currency = code
    return out


def map_refund(event: Payload, n: int, *, store_id: str, order_id: str) -> Refund:
    """The `n`th RefundEvent of `order_id` as a canonical Refund."""
    if event.get("AmazonOrderId") not in (None, order_id):
        raise PayloadError("a refund event is another order's")
    lines, total, shipping, currency = [], Decimal(0), Decimal(0), None
    for row in event.get("ShipmentItemAdjustmentList") or []:
        charges = _charges(row, currency) if isinstance(row, dict) else []
        if not charges:
            continue
        currency = charges[0][2]
        principal = sum((a for k, a, _ in charges if k == "Principal"), Decimal(0))
        total += sum((a for _, a, _ in charges), Decimal(0))
        shipping += sum((a for k, a, _ in charges if k == "Shipping"), Decimal(0))
        item = text(row.get("OrderAdjustmentItemId"))
        quantity = row.get("QuantityShipped")
        if item is not None and isinstance(quantity, int) and quantity > 0:
            subtotal = Money(amount=principal, currency_code=currency)
            lines.append(
                RefundLine(line_item_external_id=item, quantity=quantity, subtotal=subtotal)
            )
    if currency is None:
        raise PayloadError("a refund event adjusts no charge")
    return Refund(
        store_id=store_id,
        platform=Platform.AMAZON,
        external_id=f"{order_id}:refund-{n}",
        order_external_id=order_id,
        created_at=optional_timestamp(event.get("PostedDate")),
        amount=Money(amount=total, currency_code=currency),
        lines=tuple(lines),
        shipping=Money(amount=shipping, currency_code=currency),  # 0 when none was given back
        raw=event,
    )
