"""Shopify sandbox storefront: place and change orders, as a shopper or an admin would; each
change sends the webhooks Shopify sends for it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from platforms.sandbox.kit import CONTROL_PREFIX
from platforms.sandbox.webhooks import SandboxClock, order_change_route, read_json
from platforms.shopify.sandbox.format import clone, gid, shop_ts
from platforms.shopify.sandbox.product_admin import ShopifyProductAdmin
from platforms.shopify.sandbox.seed import ShopifyState

# (topic, payload): a webhook to send (the sandbox's `ShopifyWebhookEmitter.emit`).
Emit = Callable[[str, Mapping[str, Any]], None]


class ShopifyStorefront:
    """Storefront simulation for one Shopify sandbox.

    Control routes (outside the Admin API): `POST /_sandbox/orders` places an order,
    `POST /_sandbox/orders/{id}` with
    `{"action": "update"|"cancel"|"fulfill"|"refund"|"partial_refund"}` changes one. Like
    Shopify, a cancellation sends `orders/cancelled` and `orders/updated` for the same change.
    """

    def __init__(self, state: ShopifyState, emit: Emit) -> None:
        self.state = state
        self.clock = SandboxClock()
        self._emit = emit

    @classmethod
    def install(cls, app: web.Application, state: ShopifyState, emit: Emit) -> ShopifyStorefront:
        """Create the storefront and register its control routes on the sandbox's app."""
        front = cls(state, emit)
        app.router.add_post(f"{CONTROL_PREFIX}/orders", front._create_route)
        change = order_change_route(
            front.change_order, not_found={"errors": "Not Found"}, wrap="order"
        )
        app.router.add_post(rf"{CONTROL_PREFIX}/orders/{{id:\d+}}", change)
        ShopifyProductAdmin.install(app, state, emit, front.clock)  # products/* webhooks
        return front

    def place_order(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """A new paid, unfulfilled order stamped now; emits `orders/create`."""
        orders = self.state.orders
        template = orders[-1]
        ident = max(o["id"] for o in orders) + 1
        number = max(int(o["number"]) for o in orders) + 1
        stamp = shop_ts(self.clock.tick())
        order: dict[str, Any] = clone(template)
        order.update(
            {
                "id": ident,
                "admin_graphql_api_id": gid("Order", ident),
                "number": number,
                "order_number": 1000 + number,
                "name": f"#{1000 + number}",
                "created_at": stamp,
                "processed_at": stamp,
                "updated_at": stamp,
                "cancelled_at": None,
                "cancel_reason": None,
                "closed_at": None,
                "financial_status": "paid",
                "fulfillment_status": None,
                "fulfillments": [],
                "refunds": [],
                "token": f"{ident:032x}",
            }
        )
        for line in order.get("line_items", []):
            line.update({"fulfillment_status": None, "fulfillable_quantity": line["quantity"]})
        order.update(overrides or {})
        orders.append(order)
        self._emit("orders/create", order)
        return order

    def change_order(self, ident: int, action: str) -> dict[str, Any] | None:
        """Apply an admin change and emit the topics Shopify sends for it."""
        order = self.state.order(ident)
        if order is None:
            return None
        stamp = shop_ts(self.clock.tick())
        order["updated_at"] = stamp
        topics = ["orders/updated"]
        if action == "cancel":
            order.update({"cancelled_at": stamp, "closed_at": stamp, "cancel_reason": "customer"})
            topics.insert(0, "orders/cancelled")
        elif action == "fulfill":
            order["fulfillment_status"] = "fulfilled"
            for line in order.get("line_items", []):
                line.update({"fulfillment_status": "fulfilled", "fulfillable_quantity": 0})
            topics.insert(0, "orders/fulfilled")
        elif action == "refund":
            order["financial_status"] = "refunded"
            refund = {"id": ident * 10 + 1, "order_id": ident, "created_at": stamp, "note": None}
            order.setdefault("refunds", []).append(refund)
            self._emit("refunds/create", {**refund, "refund_line_items": [], "transactions": []})
        elif action == "partial_refund":  # a goodwill refund: one more, each with its own id
            order["financial_status"] = "partially_refunded"
            refunds = order.setdefault("refunds", [])
            refund = {
                "id": ident * 10 + 2 + len(refunds),
                "order_id": ident,
                "created_at": stamp,
                "note": "goodwill",
            }
            refunds.append(refund)
            self._emit("refunds/create", {**refund, "refund_line_items": [], "transactions": []})
        else:
            order["note"] = f"edited at {stamp}"
        for topic in topics:
            self._emit(topic, order)
        return order

    async def _create_route(self, request: web.Request) -> web.StreamResponse:
        body = await read_json(request)
        if isinstance(body, web.Response):
            return body
        return web.json_response({"order": self.place_order(body.get("order"))}, status=201)
