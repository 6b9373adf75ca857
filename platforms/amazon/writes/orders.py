"""Amazon order writes: shipments of merchant-fulfilled orders (v0 `confirmShipment`),
cancellations (POST_ORDER_ACKNOWLEDGEMENT_DATA, StatusCode Failure) and refunds
(POST_PAYMENT_ADJUSTMENT_DATA) through the Feeds API, in flight until the feed's processing
report says done, and ending as it says.

A refund adjusts items of a merchant-fulfilled order, never an order-level amount: each
refunded line its Principal (unit price x quantity) and the first line the refunded Shipping."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

from platforms.amazon.client_feeds import FeedJob, submit_feed
from platforms.amazon.mapping.common import optional_timestamp
from platforms.amazon.mapping.people import fulfillments_from_order
from platforms.amazon.rest import Payload
from platforms.canonical import Money, Platform, Refund, RefundLine
from platforms.errors import NotFoundError, PayloadError
from platforms.writes.commands import (
    CancelOrder,
    Checkpoint,
    CreateFulfillment,
    CreateRefund,
    WriteOutcome,
    operation_tag,
)
from platforms.writes.results import as_json

if TYPE_CHECKING:
    from platforms.amazon.client import AmazonClient

FEED_TYPE = "POST_ORDER_ACKNOWLEDGEMENT_DATA"


def acknowledgement(seller_id: str, order: Payload, reason: str) -> bytes:
    """The XML feed that cancels every item of `order`."""
    items = "".join(
        f"<Item><AmazonOrderItemCode>{escape(str(i['orderItemId']))}</AmazonOrderItemCode>"
        f"<CancelReason>{escape(reason)}</CancelReason></Item>"
        for i in order.get("orderItems") or []
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header><DocumentVersion>1.01'
        f"</DocumentVersion><MerchantIdentifier>{escape(seller_id)}</MerchantIdentifier></Header>"
        "<MessageType>OrderAcknowledgement</MessageType><Message><MessageID>1</MessageID>"
        f"<OrderAcknowledgement><AmazonOrderID>{escape(str(order['orderId']))}</AmazonOrderID>"
        f"<StatusCode>Failure</StatusCode>{items}</OrderAcknowledgement></Message></AmazonEnvelope>"
    ).encode()


class AmazonOrderWrites:
    """The order half of `AmazonWriter`."""

    def __init__(self, client: AmazonClient) -> None:
        self.client = client

    async def order(self, order_id: str) -> Payload:
        """The order as the writes need it (no personal data), or NotFoundError."""
        found = await self.client.raw_order(order_id)
        if found is None:
            raise NotFoundError(
                f"No Amazon order {order_id[:40]!r}",
                store_id=self.client.connection.store_id,
                platform="amazon",
            )
        return found

    # --- shipments --------------------------------------------------------------------

    async def ship(
        self, command: CreateFulfillment, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome:
        """`confirmShipment` (one attempt), then the order read back for its new package."""
        reference = operation_tag(operation_key)
        lines = [{"orderItemId": x.line_item_id, "quantity": x.quantity} for x in command.lines]
        detail: dict[str, Any] = {
            "packageReferenceId": reference,
            "carrierCode": command.tracking_company or "Other",
            "trackingNumber": command.tracking_number,
            "shipDate": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if lines:
            detail["orderItems"] = lines
        body = {"marketplaceId": checkpoint["marketplace"], "packageDetail": detail}
        path = f"/orders/v0/orders/{command.order_id}/shipmentConfirmation"
        await self.client._call(
            "POST", path, "confirmShipment", body=body, external_id=command.order_id, once=True
        )
        found = await self.shipped(command, operation_key)
        if found is None:
            raise PayloadError("Amazon confirmed the shipment but the order does not show it")
        return found

    async def shipped(self, command: CreateFulfillment, operation_key: str) -> WriteOutcome | None:
        """The package this operation confirmed, if the order shows it."""
        reference = f"{command.order_id}:{operation_tag(operation_key)}"
        order = self.client._order(await self.order(command.order_id))
        for shipment in fulfillments_from_order(order):
            if shipment.external_id == reference:
                return WriteOutcome(
                    {
                        "fulfillment_id": shipment.external_id,
                        "order_id": command.order_id,
                        "status": shipment.status.value,
                        "tracking_company": shipment.tracking_company,
                        "tracking_number": next(iter(shipment.tracking_numbers), None),
                        "tracking_url": None,
                        "lines": [
                            {"line_item_id": x.line_item_external_id, "quantity": x.quantity}
                            for x in shipment.lines
                        ],
                        "fulfillment": as_json(shipment),
                    }
                )
        return None

    # --- cancellation -----------------------------------------------------------------

    async def cancel(self, command: CancelOrder, checkpoint: Checkpoint) -> WriteOutcome:
        """The acknowledgement feed, in flight until its processing report (the verdict); an
        earlier attempt's, when `checkpoint` names one."""
        order = await self.order(command.order_id)
        content = acknowledgement(self.client.seller_id, order, "GeneralAdjustment")
        job = FeedJob(
            FEED_TYPE, checkpoint["marketplace"], command.order_id, "cancel_order", "cancellation"
        )
        feed = await submit_feed(self.client, job, content, checkpoint)
        return WriteOutcome(
            {
                "order_id": command.order_id,
                "status": "CANCELLED",
                "cancelled_at": feed.get("processingEndTime"),
                "feed_id": feed["feedId"],
            }
        )

    async def cancelled(self, command: CancelOrder) -> WriteOutcome | None:
        """The order is cancelled already (an earlier attempt's feed went through)."""
        order = await self.order(command.order_id)
        if (order.get("fulfillment") or {}).get("fulfillmentStatus") != "CANCELLED":
            return None
        return WriteOutcome(
            {"order_id": command.order_id, "status": "CANCELLED", "cancelled_at": None}
        )


# --- refunds: the payment-adjustment feed -------------------------------------------

ADJUSTMENT_FEED = "POST_PAYMENT_ADJUSTMENT_DATA"
NO_LINES = (
    "Amazon's payment adjustments are per item: name the lines to refund (an order-level "
    "amount has no Amazon equivalent)"
)
REASON = "CustomerReturn"  # Amazon's AdjustmentReason for a seller-granted refund


class RefundLineError(ValueError):
    """A refund line the order does not have, or more than was ordered."""


def _unit_price(item: Payload) -> tuple[Decimal, str]:
    price = ((item.get("product") or {}).get("price") or {}).get("unitPrice") or {}
    return Decimal(str(price.get("amount", "0"))), str(price.get("currencyCode", ""))


def adjustments(order: Payload, command: CreateRefund) -> list[tuple[str, Decimal, Decimal, str]]:
    """(order item, principal, shipping, currency) per refunded line, checked against the
    order's items."""
    items = {str(i.get("orderItemId")): i for i in order.get("orderItems") or []}
    shipping = Decimal(command.shipping_amount or "0")
    out = []
    for n, line in enumerate(command.lines):
        item = items.get(line.line_item_id)
        if item is None:
            raise RefundLineError(f"order has no line {line.line_item_id[:40]!r}")
        if not 0 < line.quantity <= int(item.get("quantityOrdered") or 0):
            raise RefundLineError(f"line {line.line_item_id[:40]!r}: more than was ordered")
        unit, currency = _unit_price(item)
        out.append(
            (line.line_item_id, unit * line.quantity, shipping if n == 0 else Decimal(0), currency)
        )
    return out


def adjustment_feed(
    seller_id: str, order_id: str, rows: list[tuple[str, Decimal, Decimal, str]], tag: str
) -> bytes:
    """The OrderAdjustment XML feed; `tag` (the operation's) names each adjusted item."""
    items = ""
    for n, (item_id, principal, shipping, currency) in enumerate(rows, 1):
        components = [("Principal", principal)] + ([("Shipping", shipping)] if shipping else [])
        amounts = "".join(
            f"<Component><Type>{kind}</Type><Amount currency={quoteattr(currency)}>{amount:.2f}"
            "</Amount></Component>"
            for kind, amount in components
        )
        items += (
            f"<AdjustedItem><AmazonOrderItemCode>{escape(item_id)}</AmazonOrderItemCode>"
            f"<MerchantAdjustmentItemID>{escape(tag)}-{n}</MerchantAdjustmentItemID>"
            f"<AdjustmentReason>{REASON}</AdjustmentReason>"
            f"<ItemPriceAdjustments>{amounts}</ItemPriceAdjustments></AdjustedItem>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header><DocumentVersion>1.01'
        f"</DocumentVersion><MerchantIdentifier>{escape(seller_id)}</MerchantIdentifier></Header>"
        "<MessageType>OrderAdjustment</MessageType><Message><MessageID>1</MessageID>"
        f"<OrderAdjustment><AmazonOrderID>{escape(order_id)}</AmazonOrderID>{items}"
        "</OrderAdjustment></Message></AmazonEnvelope>"
    ).encode()


async def refund(
    client: AmazonClient,
    order: Payload,
    command: CreateRefund,
    operation_key: str,
    checkpoint: Checkpoint,
) -> WriteOutcome:
    """The payment-adjustment feed, in flight until its processing report (an earlier
    attempt's, when `checkpoint` names one)."""
    rows = adjustments(order, command)
    content = adjustment_feed(
        client.seller_id, command.order_id, rows, operation_tag(operation_key)
    )
    job = FeedJob(
        ADJUSTMENT_FEED, checkpoint["marketplace"], command.order_id, "create_refund", "refund"
    )
    feed = await submit_feed(client, job, content, checkpoint)
    return WriteOutcome(
        {
            "order_id": command.order_id,
            "refund": as_json(_refund(client, command, rows, operation_key, feed)),
            "lines": [
                {"line_item_id": x.line_item_id, "quantity": x.quantity} for x in command.lines
            ],
            "feed_id": feed["feedId"],
        }
    )


def _refund(
    client: AmazonClient,
    command: CreateRefund,
    rows: list[tuple[str, Decimal, Decimal, str]],
    operation_key: str,
    feed: Payload,
) -> Refund:
    """The canonical refund the processed feed made (Amazon gives it no id: ours)."""
    currency = rows[0][3]

    def m(amount: Decimal) -> Money:
        return Money(amount=amount, currency_code=currency)

    shipping = sum((s for _, _, s, _ in rows), Decimal(0))
    return Refund(
        store_id=client.connection.store_id,
        platform=Platform.AMAZON,
        external_id=f"{command.order_id}:{operation_tag(operation_key)}",
        order_external_id=command.order_id,
        created_at=optional_timestamp(feed.get("processingEndTime")),
        note=command.reason,
        amount=m(sum((p + s for _, p, s, _ in rows), Decimal(0))),
        lines=tuple(
            RefundLine(line_item_external_id=item, quantity=x.quantity, subtotal=m(principal))
            for (item, principal, _, _), x in zip(rows, command.lines, strict=True)
        ),
        shipping=m(shipping),
    )
