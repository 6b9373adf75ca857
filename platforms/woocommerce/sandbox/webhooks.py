"""WooCommerce sandbox webhooks: signed `order.*` and `product.*` deliveries (PHP's JSON) and
the unsigned creation ping, delivered at least once (see `platforms.sandbox.webhooks`)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from platforms.sandbox.webhooks import DeliveryPlan, WebhookSender, add_sender_routes
from platforms.sandbox.writes import WriteLog
from platforms.webhooks import sign_base64
from platforms.woocommerce.sandbox.catalog import variation_as_product
from platforms.woocommerce.sandbox.seed import SITE_URL, SeedState

WEBHOOK_ID = 41  # the sandbox's one webhook subscription (post id), in every delivery
USER_AGENT = "WooCommerce/9.8.5 Hookshot (WordPress/6.8.1)"


def php_json(payload: Any) -> bytes:
    """Bytes as PHP's json_encode writes them: `\\/` for '/', `\\uXXXX` for non-ASCII."""
    # '/' only ever occurs inside JSON strings, so escaping every one is exactly PHP's output.
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    return text.replace("/", "\\/").encode("ascii")


def delivery_headers(topic: str, body: bytes, delivery_id: str, secret: str) -> dict[str, str]:
    """The headers WooCommerce's WC_Webhook::deliver() sends."""
    resource, _, event = topic.partition(".")
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-WC-Webhook-Source": f"{SITE_URL}/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": sign_base64(secret, body),
        "X-WC-Webhook-ID": str(WEBHOOK_ID),
        "X-WC-Webhook-Delivery-ID": delivery_id,
    }


class WooCommerceWebhookEmitter:
    """Webhook delivery for one WooCommerce sandbox: `POST /_sandbox/webhooks` (a control route,
    outside the REST API) configures it and sends the unsigned creation ping; the storefront
    and the write routes announce."""

    def __init__(self) -> None:
        self.sender = WebhookSender(delivery_headers)

    @classmethod
    def install(
        cls, app: web.Application, state: SeedState, writes: WriteLog
    ) -> WooCommerceWebhookEmitter:
        """Create the emitter and register its control routes on the sandbox's app."""
        emitter = cls()
        variations = state.variations

        def announce(topic: str, payload: Any) -> None:  # writes through the API notify too
            if topic.startswith("product.") and payload.get("id") in variations:
                payload = variation_as_product(state, payload)  # as products/{id} shows it
            emitter.announce(topic, payload)

        writes.listeners.append(announce)
        add_sender_routes(app, emitter.sender, emitter._ping)
        return emitter

    def announce(self, topic: str, payload: Any) -> None:
        """Send `topic` with `payload` as WooCommerce encodes it (a write's webhook)."""
        self.sender.emit(topic, php_json(payload))

    def _ping(self, plan: DeliveryPlan) -> None:
        self.sender.send_raw(
            plan.url,
            f"webhook_id={WEBHOOK_ID}".encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT},
        )
