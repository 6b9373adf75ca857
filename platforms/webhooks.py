"""The platform side of webhooks: signature check, parsing into canonical objects, signing."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from platforms.canonical import InventoryLevel, Order
from platforms.errors import InvalidInputError


class WebhookPayloadError(InvalidInputError):
    """A signed webhook whose body or headers we cannot understand (answered 400)."""

    code = "WEBHOOK_MALFORMED"


class WebhookMappingError(WebhookPayloadError):
    """A signed delivery that names itself (delivery id, topic) but whose body does not map:
    stored and quarantined, so a mapping fix can replay it (never refused, never dropped)."""

    code = "WEBHOOK_UNMAPPABLE"

    def __init__(self, message: str, *, delivery_id: str, topic: str) -> None:
        super().__init__(message)
        self.delivery_id = delivery_id
        self.topic = topic


@dataclass(frozen=True)
class WebhookDelivery:
    """One verified delivery: its dedupe id, topic and the object versions it shows.

    `refetch_order_ids` name orders whose current state must be read from the store
    (e.g. a refund webhook carries the refund, not the order it changed); likewise
    `refetch_product_ids` (a product body lacks what a canonical product needs: variants).
    """

    delivery_id: str
    topic: str
    orders: tuple[Order, ...] = ()
    inventory_levels: tuple[InventoryLevel, ...] = ()
    refetch_order_ids: tuple[str, ...] = ()
    # products whose current state (with variants) is read from the store; deleted ones.
    refetch_product_ids: tuple[str, ...] = ()
    deleted_product_ids: tuple[str, ...] = ()


class WebhookAdapter(Protocol):
    """How one platform signs and shapes webhooks. Header names arrive lower-cased."""

    def is_ping(self, headers: Mapping[str, str], raw_body: bytes) -> bool:
        """An unsigned handshake the platform sends on subscription: acknowledge, never store."""
        ...

    def verify(self, headers: Mapping[str, str], raw_body: bytes, secrets: Sequence[str]) -> bool:
        """Whether the signature over the exact raw bytes matches one of `secrets`."""
        ...

    def parse(
        self, headers: Mapping[str, str], raw_body: bytes, *, store_id: str, currency: str
    ) -> WebhookDelivery:
        """The delivery's canonical content; WebhookPayloadError when malformed."""
        ...


def sign_base64(secret: str, raw_body: bytes) -> str:
    """base64(HMAC-SHA256(secret, body)): Shopify's and WooCommerce's webhook signature."""
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_base64(signature: str | None, raw_body: bytes, secrets: Sequence[str]) -> bool:
    """Constant-time check of a base64 HMAC-SHA256 against every accepted secret."""
    if not signature:
        return False
    sent = signature.strip().encode()
    # every secret is tried (no early exit) so timing does not tell which one matched.
    matched = False
    for secret in secrets:
        if secret and hmac.compare_digest(sent, sign_base64(secret, raw_body).encode()):
            matched = True
    return matched


def json_object(raw_body: bytes, topic: str) -> dict[str, Any]:
    """The body as a JSON object, or WebhookPayloadError naming the topic."""
    try:
        body = orjson.loads(raw_body)
    except orjson.JSONDecodeError:
        raise WebhookPayloadError(f"webhook {topic!r}: body is not JSON") from None
    if not isinstance(body, dict):
        raise WebhookPayloadError(f"webhook {topic!r}: body is not a JSON object")
    return body


def required_header(headers: Mapping[str, str], name: str) -> str:
    """A header that must be present and non-empty."""
    value = headers.get(name.lower(), "").strip()
    if not value:
        raise WebhookPayloadError(f"webhook header {name} is missing")
    return value
