"""Shopify sandbox webhooks: signed `orders/*`, `refunds/create` and the write topics, delivered
at least once (see `platforms.sandbox.webhooks`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web

from platforms.sandbox.webhooks import WebhookSender, add_sender_routes
from platforms.sandbox.writes import WriteLog
from platforms.shopify.sandbox.seed import ShopifyState
from platforms.webhooks import sign_base64

API_VERSION = "2025-07"


class ShopifyWebhookEmitter:
    """Webhook delivery for one Shopify sandbox: `POST /_sandbox/webhooks` (a control route,
    outside the Admin API) configures it; the storefront and the write routes emit."""

    def __init__(self, state: ShopifyState) -> None:
        self.sender = WebhookSender(self._headers)
        self._domain = str(state.shop.get("myshopify_domain", "sandbox.myshopify.com"))

    @classmethod
    def install(
        cls, app: web.Application, state: ShopifyState, writes: WriteLog
    ) -> ShopifyWebhookEmitter:
        """Create the emitter and register its control routes on the sandbox's app."""
        emitter = cls(state)
        writes.listeners.append(emitter.emit)  # writes through the API notify too
        add_sender_routes(app, emitter.sender)
        return emitter

    def _headers(self, topic: str, body: bytes, delivery_id: str, secret: str) -> dict[str, str]:
        # the five headers Shopify's validator requires, plus the optional ones it sends.
        return {
            "Content-Type": "application/json",
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign_base64(secret, body),
            "X-Shopify-Shop-Domain": self._domain,
            "X-Shopify-API-Version": API_VERSION,
            "X-Shopify-Webhook-Id": str(uuid.UUID(delivery_id)),
            "X-Shopify-Event-Id": str(uuid.UUID(delivery_id[::-1])),
            "X-Shopify-Triggered-At": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }

    def emit(self, topic: str, payload: Mapping[str, Any]) -> None:
        """Send `topic` with `payload` to the configured endpoint."""
        self.sender.emit(topic, orjson.dumps(payload))
