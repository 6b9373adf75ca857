"""Amazon notifications through an EventBridge API destination: the event's `detail` is the
SP-API notification; the destination's connection sends the store's API key in a header,
compared in constant time. ORDER_CHANGE names an order to read; FBA_INVENTORY_AVAILABILITY_
CHANGES carries the SKU's FBA stock per marketplace. Deduped by NotificationId."""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from typing import Any

from platforms.amazon.mapping.catalog import fba_location
from platforms.amazon.mapping.common import timestamp
from platforms.canonical import InventoryLevel, Platform
from platforms.webhooks import (
    WebhookDelivery,
    WebhookMappingError,
    WebhookPayloadError,
    json_object,
)

# the header the EventBridge connection (API key authorisation) is configured to send
API_KEY_HEADER = "x-cartgraph-api-key"
ORDER_CHANGE = "ORDER_CHANGE"
FBA_CHANGES = "FBA_INVENTORY_AVAILABILITY_CHANGES"


def _stock(payload: Any, store_id: str, at: Any) -> tuple[InventoryLevel, ...]:
    """One FBA level per marketplace, versioned by the notification's EventTime."""
    sku = payload.get("SKU") if isinstance(payload, dict) else None
    if not isinstance(sku, str) or not sku:
        raise ValueError("no SKU")
    levels = []
    for market in payload.get("FulfillmentInventoryByMarketplace") or []:
        stock = market["FulfillmentInventory"]
        reserved = stock.get("ReservedQuantityBreakdown") or {}
        inbound = stock.get("InboundQuantityBreakdown") or {}
        location = fba_location(str(market["MarketplaceId"]))
        committed = int(reserved.get("PendingCustomerOrder", 0))
        held = sum(int(v) for v in reserved.values())
        levels.append(
            InventoryLevel(
                store_id=store_id,
                platform=Platform.AMAZON,
                external_id=f"{sku}:{location}",
                inventory_item_id=sku,
                location_external_id=location,
                available=int(stock["Fulfillable"]),
                on_hand=int(stock["Fulfillable"]) + held + int(stock.get("Unfulfillable", 0)),
                committed=committed,
                reserved=held - committed,
                incoming=sum(int(v) for v in inbound.values()),
                updated_at=at,
            )
        )
    return tuple(levels)


class AmazonWebhooks:
    """The `WebhookAdapter` for EventBridge API-destination deliveries."""

    def is_ping(self, headers: Mapping[str, str], raw_body: bytes) -> bool:
        """EventBridge sends no handshake."""
        return False

    def verify(self, headers: Mapping[str, str], raw_body: bytes, secrets: Sequence[str]) -> bool:
        """The API key header equals one of the store's secrets (every one compared)."""
        sent = headers.get(API_KEY_HEADER, "").encode()
        matched = False
        for secret in secrets:
            if secret and sent and hmac.compare_digest(sent, secret.encode()):
                matched = True
        return matched

    def parse(
        self, headers: Mapping[str, str], raw_body: bytes, *, store_id: str, currency: str
    ) -> WebhookDelivery:
        """The notification in the envelope's `detail`."""
        envelope = json_object(raw_body, "eventbridge")
        detail = envelope.get("detail")
        if not isinstance(detail, dict):
            raise WebhookPayloadError("EventBridge event without a notification in `detail`")
        topic = str(detail.get("NotificationType") or envelope.get("detail-type") or "")
        meta = detail.get("NotificationMetadata") or {}
        delivery_id = meta.get("NotificationId") if isinstance(meta, dict) else None
        if not topic or not isinstance(delivery_id, str) or not delivery_id:
            raise WebhookPayloadError("notification without NotificationType/NotificationId")
        payload = detail.get("Payload") or {}
        try:
            if topic == ORDER_CHANGE:
                order_id = str(payload["OrderChangeNotification"]["AmazonOrderId"])
                return WebhookDelivery(delivery_id, topic, refetch_order_ids=(order_id,))
            if topic == FBA_CHANGES:
                at = timestamp(detail.get("EventTime"), "EventTime")
                return WebhookDelivery(
                    delivery_id, topic, inventory_levels=_stock(payload, store_id, at)
                )
        except (KeyError, TypeError, ValueError) as exc:
            raise WebhookMappingError(
                f"Amazon {topic} notification does not map ({type(exc).__name__})",
                delivery_id=delivery_id,
                topic=topic,
            ) from None
        return WebhookDelivery(delivery_id, topic)  # a type not subscribed to: acknowledged
