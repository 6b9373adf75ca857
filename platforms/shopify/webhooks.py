"""Shopify webhooks: X-Shopify-Hmac-Sha256 over the raw body, REST-shaped bodies by topic."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import ValidationError

from platforms.errors import PayloadError
from platforms.shopify.mapping.catalog import map_inventory_level
from platforms.shopify.mapping.orders import map_order
from platforms.webhooks import (
    WebhookDelivery,
    WebhookPayloadError,
    json_object,
    required_header,
    verify_base64,
)

ORDER_TOPICS = frozenset(
    {
        "orders/create",
        "orders/updated",
        "orders/cancelled",
        "orders/fulfilled",
        "orders/partially_fulfilled",
        "orders/paid",
        "orders/edited",
    }
)
REFUND_TOPIC = "refunds/create"
INVENTORY_TOPIC = "inventory_levels/update"
TOPICS = ORDER_TOPICS | {REFUND_TOPIC, INVENTORY_TOPIC}
# The five headers Shopify's own validator requires on every HTTPS delivery.
REQUIRED = (
    "X-Shopify-Hmac-Sha256",
    "X-Shopify-Topic",
    "X-Shopify-Shop-Domain",
    "X-Shopify-API-Version",
    "X-Shopify-Webhook-Id",
)


class ShopifyWebhooks:
    """The Shopify webhook adapter (key: the app's client secret)."""

    def is_ping(self, headers: Mapping[str, str], raw_body: bytes) -> bool:
        """Shopify has no unsigned handshake."""
        return False

    def verify(self, headers: Mapping[str, str], raw_body: bytes, secrets: Sequence[str]) -> bool:
        """base64 HMAC-SHA256 of the raw body with the app secret (current or previous)."""
        return verify_base64(headers.get("x-shopify-hmac-sha256"), raw_body, secrets)

    def parse(
        self, headers: Mapping[str, str], raw_body: bytes, *, store_id: str, currency: str
    ) -> WebhookDelivery:
        """Orders topics carry the order; refunds name an order; inventory the level."""
        for name in REQUIRED:
            required_header(headers, name)
        topic = headers["x-shopify-topic"].strip()
        delivery_id = headers["x-shopify-webhook-id"].strip()
        body = json_object(raw_body, topic)
        try:
            if topic in ORDER_TOPICS:
                order = map_order(body, store_id=store_id, shop_currency=currency)
                return WebhookDelivery(delivery_id, topic, orders=(order,))
            if topic == REFUND_TOPIC:
                order_id = body.get("order_id")
                if not isinstance(order_id, int | str) or not str(order_id).isdigit():
                    raise WebhookPayloadError("webhook 'refunds/create': order_id is missing")
                return WebhookDelivery(delivery_id, topic, refetch_order_ids=(str(order_id),))
            if topic == INVENTORY_TOPIC:
                level = map_inventory_level(body, store_id=store_id)
                return WebhookDelivery(delivery_id, topic, inventory_levels=(level,))
        except (PayloadError, ValidationError, ValueError, TypeError) as exc:
            raise WebhookPayloadError(
                f"webhook {topic!r}: body does not map: {_why(exc)}"
            ) from None
        # a topic we do not turn into events is still a valid delivery: acknowledged, no events.
        return WebhookDelivery(delivery_id, topic)


def _why(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return exc.message if isinstance(exc, PayloadError) else type(exc).__name__
