"""WooCommerce webhooks: X-WC-Webhook-Signature over the raw body, the unsigned ping, topics."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from platforms.canonical import InventoryLevel
from platforms.errors import PayloadError
from platforms.webhooks import (
    WebhookDelivery,
    WebhookMappingError,
    json_object,
    required_header,
    verify_base64,
)
from platforms.woocommerce.mapping.catalog import is_variable, stock_level
from platforms.woocommerce.mapping.common import external_id
from platforms.woocommerce.mapping.orders import map_order

ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.restored"})
# product bodies carry `stock_quantity`: the level at the store's one location.
PRODUCT_TOPICS = frozenset({"product.created", "product.updated", "product.restored"})
PRODUCT_DELETE_TOPIC = "product.deleted"  # its body is only `{"id": …}`
# WooCommerce's creation ping: form-encoded `webhook_id=<id>`, no signature header at all.
_PING = re.compile(rb"^webhook_id=\d+$")


class WooCommerceWebhooks:
    """The WooCommerce webhook adapter (key: the webhook's own `secret`)."""

    def is_ping(self, headers: Mapping[str, str], raw_body: bytes) -> bool:
        """The unsigned `webhook_id=<id>` body sent when a webhook is created."""
        return "x-wc-webhook-signature" not in headers and bool(_PING.match(raw_body.strip()))

    def verify(self, headers: Mapping[str, str], raw_body: bytes, secrets: Sequence[str]) -> bool:
        """base64 HMAC-SHA256 of the raw body (PHP json_encode bytes, never re-serialised)."""
        return verify_base64(headers.get("x-wc-webhook-signature"), raw_body, secrets)

    def parse(
        self, headers: Mapping[str, str], raw_body: bytes, *, store_id: str, currency: str
    ) -> WebhookDelivery:
        """Order topics carry the order as the REST API renders it."""
        topic = required_header(headers, "X-WC-Webhook-Topic")
        delivery_id = required_header(headers, "X-WC-Webhook-Delivery-ID")
        body = json_object(raw_body, topic)
        try:
            return _delivery(body, topic, delivery_id, store_id=store_id, currency=currency)
        except (PayloadError, ValidationError, ValueError, TypeError) as exc:
            why = exc.message if isinstance(exc, PayloadError) else type(exc).__name__
            raise WebhookMappingError(
                f"webhook {topic!r}: body does not map: {why}",
                delivery_id=delivery_id,
                topic=topic,
            ) from None


def _delivery(
    body: dict[str, Any], topic: str, delivery_id: str, *, store_id: str, currency: str
) -> WebhookDelivery:
    """The canonical content of one topic (mapping errors propagate)."""
    if topic in PRODUCT_TOPICS:
        levels = _stock_levels(body, store_id)
        # a variation's change is its parent product's: the product is read with its variants
        parent = body.get("parent_id")
        product = str(parent) if isinstance(parent, int) and parent > 0 else _id(body)
        return WebhookDelivery(
            delivery_id, topic, inventory_levels=levels, refetch_product_ids=(product,)
        )
    if topic == PRODUCT_DELETE_TOPIC:
        return WebhookDelivery(delivery_id, topic, deleted_product_ids=(_id(body),))
    if topic in ORDER_TOPICS:
        order = map_order(body, store_id=store_id, default_currency=currency)
        return WebhookDelivery(delivery_id, topic, orders=(order,))
    return WebhookDelivery(delivery_id, topic)


def _id(body: dict[str, Any]) -> str:
    value = body.get("id")
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError("id is missing")
    return str(value)


def _stock_levels(body: dict[str, Any], store_id: str) -> tuple[InventoryLevel, ...]:
    """A simple product's or a variation's stock (its id is the inventory item id), when
    WooCommerce manages it; a variable parent's own stock is not a variant's, so none."""
    if is_variable(body):
        return ()
    level = stock_level(body, store_id=store_id, item_id=external_id(body))
    return () if level.available is None else (level,)
