"""WooCommerce sandbox catalogue admin: create, edit and delete products as a shop manager
would; each change sends WooCommerce's `product.created`, `product.updated` or
`product.deleted` webhook."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from platforms.sandbox.kit import CONTROL_PREFIX
from platforms.sandbox.webhooks import SandboxClock, read_json
from platforms.woocommerce.sandbox.seed import SITE_URL, SeedState, dates
from platforms.woocommerce.sandbox.webhooks import WooCommerceWebhookEmitter

NOT_FOUND = {"error": "no such product"}


class WooCommerceProductAdmin:
    """Control routes: `POST /_sandbox/products` creates a simple product (a copy of the first
    simple one, new id), `POST /_sandbox/products/{id}` renames it, `DELETE
    /_sandbox/products/{id}` deletes it (with its variations). Visible on REST v3 at once."""

    def __init__(
        self, state: SeedState, webhooks: WooCommerceWebhookEmitter, clock: SandboxClock
    ) -> None:
        self.state = state
        self.clock = clock
        self._webhooks = webhooks

    @classmethod
    def install(
        cls,
        app: web.Application,
        state: SeedState,
        webhooks: WooCommerceWebhookEmitter,
        clock: SandboxClock,
    ) -> WooCommerceProductAdmin:
        """Create the admin and register its control routes."""
        admin = cls(state, webhooks, clock)
        app.router.add_post(f"{CONTROL_PREFIX}/products", admin._create_route)
        app.router.add_post(rf"{CONTROL_PREFIX}/products/{{id:\d+}}", admin._update_route)
        app.router.add_delete(rf"{CONTROL_PREFIX}/products/{{id:\d+}}", admin._delete_route)
        return admin

    def create(self, name: str | None = None) -> dict[str, Any]:
        """A new simple product stamped now; emits `product.created`."""
        state = self.state
        template = next(p for p in state.products.values() if p["type"] == "simple")
        pid = max([*state.products, *state.variations]) + 1
        now = self.clock.tick()
        product: dict[str, Any] = json.loads(json.dumps(template))
        product.update(
            {
                "id": pid,
                "name": name or f"New Product {pid}",
                "slug": f"new-product-{pid}",
                "sku": f"NEW-{pid}",
                "permalink": f"{SITE_URL}/product/new-product-{pid}/",
                **dates("date_created", now),
                **dates("date_modified", now),
            }
        )
        product["_links"] = {"self": [{"href": f"{SITE_URL}/wp-json/wc/v3/products/{pid}"}]}
        state.products[pid] = product
        self._webhooks.announce("product.created", product)
        return product

    def update(self, pid: int) -> dict[str, Any] | None:
        """Rename a product; emits `product.updated`."""
        product = self.state.products.get(pid)
        if product is None:
            return None
        product.update(
            {"name": f"{product['name']} (edited)", **dates("date_modified", self.clock.tick())}
        )
        self._webhooks.announce("product.updated", product)
        return product

    def delete(self, pid: int) -> bool:
        """Delete a product and its variations; emits `product.deleted` (only the id)."""
        product = self.state.products.pop(pid, None)
        if product is None:
            return False
        for vid in product.get("variations", []):
            self.state.variations.pop(vid, None)
        self._webhooks.announce("product.deleted", {"id": pid})
        return True

    async def _create_route(self, request: web.Request) -> web.StreamResponse:
        body = await read_json(request)
        if isinstance(body, web.Response):
            return body
        name = body.get("name")
        return web.json_response(self.create(name if isinstance(name, str) else None), status=201)

    async def _update_route(self, request: web.Request) -> web.StreamResponse:
        product = self.update(int(request.match_info["id"]))
        if product is None:
            return web.json_response(NOT_FOUND, status=404)
        return web.json_response(product)

    async def _delete_route(self, request: web.Request) -> web.StreamResponse:
        if not self.delete(int(request.match_info["id"])):
            return web.json_response(NOT_FOUND, status=404)
        return web.json_response({"id": int(request.match_info["id"])})
