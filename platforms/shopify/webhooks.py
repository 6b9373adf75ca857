"""Shopify webhooks: X-Shopify-Hmac-Sha256 over the raw body, REST-shaped bodies by topic."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from platforms.errors import PayloadError
from platforms.shopify.mapping.catalog import map_inventory_level
from platforms.shopify.mapping.orders import map_order
from platforms.webhooks import (
    WebhookDelivery,
    WebhookMappingError,
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
PRODUCT_TOPICS = frozenset({"products/create", "products/update"})
PRODUCT_DELETE_TOPIC = "products/delete"  # its body is only `{"id": …}`
TOPICS = ORDER_TOPICS | PRODUCT_TOPICS | {REFUND_TOPIC, INVENTORY_TOPIC, PRODUCT_DELETE_TOPIC}
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
            return _delivery(body, topic, delivery_id, store_id=store_id, currency=currency)
        except (PayloadError, ValidationError, ValueError, TypeError) as exc:
            raise WebhookMappingError(
                f"webhook {topic!r}: body does not map: {_why(exc)}",
                delivery_id=delivery_id,
                topic=topic,
            ) from None


def _delivery(
    body: dict[str, Any], topic: str, delivery_id: str, *, store_id: str, currency: str
) -> WebhookDelivery:
    """The canonical content of one topic (mapping errors propagate)."""
    if topic in ORDER_TOPICS:
        order = map_order(body, store_id=store_id, shop_currency=currency)
        return WebhookDelivery(delivery_id, topic, orders=(order,))
    if topic == REFUND_TOPIC:
        return WebhookDelivery(delivery_id, topic, refetch_order_ids=(_id(body, "order_id"),))
    if topic == INVENTORY_TOPIC:
        level = map_inventory_level(body, store_id=store_id)
        return WebhookDelivery(delivery_id, topic, inventory_levels=(level,))
    if topic in PRODUCT_TOPICS:
        return WebhookDelivery(delivery_id, topic, refetch_product_ids=(_id(body, "id"),))
    if topic == PRODUCT_DELETE_TOPIC:
        return WebhookDelivery(delivery_id, topic, deleted_product_ids=(_id(body, "id"),))
    # a topic we do not turn into events is still a valid delivery: acknowledged, no events.
    return WebhookDelivery(delivery_id, topic)


def _id(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, int | str) or isinstance(value, bool) or not str(value).isdigit():
        raise ValueError(f"{name} is missing")
    return str(value)


def _why(exc: Exception) -> str:
    if isinstance(exc, ValidationError):  # a ValueError too: asked first
        first = exc.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    if isinstance(exc, ValueError) and str(exc).endswith("is missing"):
        return str(exc)
    return exc.message if isinstance(exc, PayloadError) else type(exc).__name__
