"""WooCommerce sandbox storefront: place and change orders, and change a product's stock, as a
shopper, an admin or a warehouse import would; each change sends WooCommerce's webhook."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from platforms.sandbox.kit import CONTROL_PREFIX
from platforms.sandbox.webhooks import SandboxClock, order_change_route, read_json
from platforms.woocommerce.sandbox.catalog import variation_as_product
from platforms.woocommerce.sandbox.product_admin import WooCommerceProductAdmin
from platforms.woocommerce.sandbox.seed import SITE_URL, SeedState, dates
from platforms.woocommerce.sandbox.seed_orders import FIRST_ORDER_ID
from platforms.woocommerce.sandbox.webhooks import WooCommerceWebhookEmitter


def _stock_status(quantity: int) -> str:
    return "instock" if quantity > 0 else "outofstock"


class WooCommerceStorefront:
    """Storefront simulation for one WooCommerce sandbox.

    Control routes (outside the REST API): `POST /_sandbox/orders` places an order,
    `POST /_sandbox/orders/{id}` with `{"action": "update"|"cancel"|"fulfill"|"refund"|
    "partial_refund"}` changes one (a partial refund of 1.00 keeps the status, as in Woo), and
    `POST /_sandbox/products/{id}/stock` with `{"stock_quantity": n}` changes the stock of a
    simple product or a variation (its `date_modified` moves on, and `product.updated` carries
    it as REST renders it: a variation in the product shape `products/{id}` answers with).
    Each change is visible on `/wp-json/wc/v3` at once.
    """

    def __init__(self, state: SeedState, webhooks: WooCommerceWebhookEmitter) -> None:
        self.state = state
        self.clock = SandboxClock()
        self._webhooks = webhooks

    @classmethod
    def install(
        cls, app: web.Application, state: SeedState, webhooks: WooCommerceWebhookEmitter
    ) -> WooCommerceStorefront:
        """Create the storefront and register its control routes on the sandbox's app."""
        front = cls(state, webhooks)
        app.router.add_post(f"{CONTROL_PREFIX}/orders", front._create_route)
        change = order_change_route(front.change_order, not_found={"error": "no such order"})
        app.router.add_post(rf"{CONTROL_PREFIX}/orders/{{id:\d+}}", change)
        app.router.add_post(rf"{CONTROL_PREFIX}/products/{{id:\d+}}/stock", front._set_stock)
        WooCommerceProductAdmin.install(app, state, webhooks, front.clock)  # product.* webhooks
        return front

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
        self._webhooks.announce("order.created", order)
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
        self._webhooks.announce("order.updated", order)
        return order

    def set_stock(self, object_id: int, quantity: int) -> dict[str, Any] | None:
        """Set managed stock on a product or variation; emits `product.updated`."""
        state = self.state
        target = state.products.get(object_id) or state.variations.get(object_id)
        if target is None:
            return None
        target.update(
            {
                "manage_stock": True,
                "stock_quantity": quantity,
                "stock_status": _stock_status(quantity),
                **dates("date_modified", self.clock.tick()),
            }
        )
        rendered = target if object_id in state.products else variation_as_product(state, target)
        self._webhooks.announce("product.updated", rendered)
        return rendered

    async def _create_route(self, request: web.Request) -> web.StreamResponse:
        body = await read_json(request)
        if isinstance(body, web.Response):
            return body
        return web.json_response(self.place_order(body.get("order")), status=201)

    async def _set_stock(self, request: web.Request) -> web.StreamResponse:
        body = await read_json(request)
        if isinstance(body, web.Response):
            return body
        quantity = body.get("stock_quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            return web.json_response({"error": "stock_quantity must be an integer"}, status=400)
        rendered = self.set_stock(int(request.match_info["id"]), quantity)
        if rendered is None:
            return web.json_response({"error": "no such product or variation"}, status=404)
        return web.json_response(rendered)
