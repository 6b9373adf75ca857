"""WooCommerce sandbox webhooks: signed `order.*` deliveries, the ping, storefront simulation."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from platforms.sandbox_kit import CONTROL_PREFIX
from platforms.sandbox_webhook_kit import (
    DeliveryPlan,
    SandboxClock,
    WebhookSender,
    add_sender_routes,
    order_change_route,
    read_json,
)
from platforms.webhooks import sign_base64
from platforms.woocommerce.sandbox_stock import WooCommerceStockRoute
from platforms.woocommerce.seed import SITE_URL, dates
from platforms.woocommerce.seed_orders import FIRST_ORDER_ID

if TYPE_CHECKING:
    from platforms.woocommerce.sandbox import WooCommerceSandbox

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
    """Storefront simulation and webhook delivery for one WooCommerce sandbox.

    Control routes (outside the REST API): `POST /_sandbox/webhooks` configures delivery
    (and sends the unsigned creation ping), `POST /_sandbox/orders` places an order,
    `POST /_sandbox/orders/{id}` with `{"action": "update"|"cancel"|"fulfill"|"refund"|
    "partial_refund"}` changes one (a partial refund of 1.00 keeps the status, as in Woo).
    Each change is visible on `/wp-json/wc/v3/orders` at once.
    """

    def __init__(self, sandbox: WooCommerceSandbox) -> None:
        self.state = sandbox.state
        self.clock = SandboxClock()
        self.sender = WebhookSender(delivery_headers)

    @classmethod
    def install(cls, sandbox: WooCommerceSandbox) -> WooCommerceWebhookEmitter:
        """Create the emitter and register its control routes on the sandbox's app."""
        emitter = cls(sandbox)
        variations = sandbox.state.variations

        def announce(topic: str, payload: Any) -> None:  # writes through the API notify too
            if topic.startswith("product.") and payload.get("id") in variations:
                payload = sandbox._variation_as_product(payload)  # as products/{id} shows it
            emitter.announce(topic, payload)

        sandbox.writes.listeners.append(announce)
        add_sender_routes(sandbox.app, emitter.sender, emitter._ping)
        sandbox.app.router.add_post(f"{CONTROL_PREFIX}/orders", emitter._create_route)
        change = order_change_route(emitter.change_order, not_found={"error": "no such order"})
        sandbox.app.router.add_post(rf"{CONTROL_PREFIX}/orders/{{id:\d+}}", change)
        WooCommerceStockRoute.install(sandbox, emitter)
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

    def place_order(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A new paid order (`processing`), stamped now; emits `order.created`."""
        template = self.state.orders.get(FIRST_ORDER_ID) or next(iter(self.state.orders.values()))
        oid = max(self.state.orders, default=FIRST_ORDER_ID) + 1
        now = self.clock.tick()
        order: dict[str, Any] = json.loads(json.dumps(template))
        order.update(
            {
                "id": oid,
                "number": str(oid),
                "status": "processing",
                **dates("date_created", now),
                **dates("date_modified", now),
                **dates("date_paid", now),
                **dates("date_completed", None),
                "refunds": [],
                "order_key": f"wc_order_{oid:012x}",
            }
        )
        order.update(overrides or {})
        order["_links"] = {"self": [{"href": f"{SITE_URL}/wp-json/wc/v3/orders/{oid}"}]}
        self.state.orders[oid] = order
        self.sender.emit("order.created", php_json(order))
        return order

    def change_order(self, oid: int, action: str) -> dict[str, Any] | None:
        """Apply a storefront/admin change; emits `order.updated` (Woo has no finer topics)."""
        order = self.state.orders.get(oid)
        if order is None:
            return None
        now = self.clock.tick()
        order.update(dates("date_modified", now))
        if action == "cancel":
            order["status"] = "cancelled"
        elif action == "fulfill":
            order.update({"status": "completed", **dates("date_completed", now)})
        elif action == "refund":
            order["status"] = "refunded"
            order["refunds"] = [{"id": oid * 10 + 5, "reason": "", "total": f"-{order['total']}"}]
        elif action == "partial_refund":  # newest first, like WooCommerce's summary
            refunds = order.setdefault("refunds", [])
            refunds.insert(0, {"id": oid * 10 + 6 + len(refunds), "reason": "", "total": "-1.00"})
        else:
            order["customer_note"] = f"edited at {now.isoformat()}"
        self.sender.emit("order.updated", php_json(order))
        return order

    async def _create_route(self, request: web.Request) -> web.StreamResponse:
        body = await read_json(request)
        if isinstance(body, web.Response):
            return body
        return web.json_response(self.place_order(body.get("order")), status=201)
