"""WooCommerce sandbox stock changes: set stock on a product or variation, emit a webhook."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from platforms.sandbox_kit import CONTROL_PREFIX
from platforms.sandbox_webhook_kit import read_json
from platforms.woocommerce.seed import dates

if TYPE_CHECKING:
    from platforms.woocommerce.sandbox import WooCommerceSandbox
    from platforms.woocommerce.sandbox_webhooks import WooCommerceWebhookEmitter


def _stock_status(quantity: int) -> str:
    return "instock" if quantity > 0 else "outofstock"


class WooCommerceStockRoute:
    """`POST /_sandbox/products/{id}/stock` with `{"stock_quantity": n}`: the stock of a simple
    product or a variation changes (as a sale or a warehouse import would change it), the
    object's `date_modified` moves on, and `product.updated` carries it as REST renders it
    (a variation in the product shape `products/{id}` answers with)."""

    def __init__(self, sandbox: WooCommerceSandbox, emitter: WooCommerceWebhookEmitter) -> None:
        self.sandbox = sandbox
        self.emitter = emitter

    @classmethod
    def install(
        cls, sandbox: WooCommerceSandbox, emitter: WooCommerceWebhookEmitter
    ) -> WooCommerceStockRoute:
        """Register the control route on the sandbox's app."""
        route = cls(sandbox, emitter)
        path = rf"{CONTROL_PREFIX}/products/{{id:\d+}}/stock"
        sandbox.app.router.add_post(path, route._set_stock)
        return route

    def set_stock(self, object_id: int, quantity: int) -> dict[str, Any] | None:
        """Set managed stock on a product or variation; emits `product.updated`."""
        state = self.sandbox.state
        target = state.products.get(object_id) or state.variations.get(object_id)
        if target is None:
            return None
        target.update(
            {
                "manage_stock": True,
                "stock_quantity": quantity,
                "stock_status": _stock_status(quantity),
                **dates("date_modified", self.emitter.clock.tick()),
            }
        )
        rendered = (
            target if object_id in state.products else self.sandbox._variation_as_product(target)
        )
        from platforms.woocommerce.sandbox_webhooks import php_json

        self.emitter.sender.emit("product.updated", php_json(rendered))
        return rendered

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
