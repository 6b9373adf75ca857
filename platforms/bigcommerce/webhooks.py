"""BigCommerce webhooks: thin payloads (`scope`, `data.type`/`data.id`, `hash`) signed per the
Standard Webhooks spec (`webhook-id`, `webhook-timestamp`, `webhook-signature`)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from platforms.webhooks import WebhookDelivery, WebhookPayloadError, json_object

# Standard Webhooks' default: a delivery signed longer ago (or ahead) than this is refused,
# so a captured delivery cannot be replayed later.
TOLERANCE_SECONDS = 300
SECRET_PREFIX = "whsec_"  # noqa: S105 - the key format's prefix, no secret
ORDER_SCOPES = frozenset(
    {
        "store/order/created",
        "store/order/updated",
        "store/order/statusUpdated",
        "store/order/archived",
        "store/order/refund/created",
        "store/shipment/created",
        "store/shipment/updated",
    }
)
PRODUCT_PREFIXES = ("store/product/", "store/sku/")


def signing_key(secret: str) -> bytes:
    """The HMAC key: `whsec_<base64>` decoded, else the app's client secret as given (the
    key BigCommerce signs with; its whsec_ form is that secret in base64)."""
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
        except binascii.Error:
            return secret.encode()
    return secret.encode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify_signature(
    headers: Mapping[str, str], body: bytes, secrets: Sequence[str], now: float
) -> bool:
    """Whether a `v1` signature of `webhook-signature` matches one of `secrets`, and the
    timestamp is within TOLERANCE_SECONDS of `now`. Every pair is compared in constant time,
    with no early exit, so timing tells nothing about which (if any) matched."""
    message_id = headers.get("webhook-id", "").strip()
    stamp = headers.get("webhook-timestamp", "").strip()
    if not message_id or not stamp.isdigit() or abs(now - int(stamp)) > TOLERANCE_SECONDS:
        return False
    sent = [s for s in headers.get("webhook-signature", "").split() if s.startswith("v1,")]
    matched = False
    for secret in (s for s in secrets if s):
        expected = sign(secret, message_id, int(stamp), body).encode()
        for candidate in sent:
            if hmac.compare_digest(candidate.encode(), expected):
                matched = True
    return matched


class BigCommerceWebhooks:
    """The BigCommerce webhook adapter (key: `webhook_secret`, the app's client secret or its
    `whsec_` form). Payloads name the object only: the gateway reads it from the store."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock

    def is_ping(self, headers: Mapping[str, str], raw_body: bytes) -> bool:
        """BigCommerce sends no unsigned handshake."""
        return False

    def verify(self, headers: Mapping[str, str], raw_body: bytes, secrets: Sequence[str]) -> bool:
        """Standard Webhooks signature over the exact raw bytes, timestamp not stale."""
        return verify_signature(headers, raw_body, secrets, self._clock())

    def parse(
        self, headers: Mapping[str, str], raw_body: bytes, *, store_id: str, currency: str
    ) -> WebhookDelivery:
        """The delivery's dedupe id is the body's `hash` (the same event sent again, under a
        new `webhook-id` or not, is one delivery), else `webhook-id`; what it names is read."""
        body = json_object(raw_body, "bigcommerce")
        scope = body.get("scope")
        if not isinstance(scope, str) or not scope:
            raise WebhookPayloadError("BigCommerce webhook has no scope")
        delivery_id = _text(body.get("hash")) or _text(headers.get("webhook-id"))
        if delivery_id is None:
            raise WebhookPayloadError(f"webhook {scope!r}: neither hash nor webhook-id")
        return delivery(scope, delivery_id, body.get("data"))


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _id(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | str) or str(value) in ("", "0"):
        return None
    return str(value)


def delivery(scope: str, delivery_id: str, data: Any) -> WebhookDelivery:
    """What a thin payload names, by scope: orders (refunds and shipments name theirs in
    `data.order_id`) and products (SKU scopes name theirs in `data.inventory.product_id`)."""
    data = data if isinstance(data, dict) else {}
    if scope in ORDER_SCOPES:
        # a shipment names its order in `orderId`; order scopes (refunds too) in `id`
        order = _id(data.get("orderId")) if data.get("type") == "shipment" else _id(data.get("id"))
        return WebhookDelivery(delivery_id, scope, refetch_order_ids=(order,) if order else ())
    if scope.startswith(PRODUCT_PREFIXES):
        inventory = data.get("inventory") if isinstance(data.get("inventory"), dict) else {}
        product = _id(inventory.get("product_id")) or (
            _id(data.get("id")) if data.get("type") == "product" else None
        )
        if scope == "store/product/deleted" and product:
            return WebhookDelivery(delivery_id, scope, deleted_product_ids=(product,))
        return WebhookDelivery(
            delivery_id, scope, refetch_product_ids=(product,) if product else ()
        )
    return WebhookDelivery(delivery_id, scope)
