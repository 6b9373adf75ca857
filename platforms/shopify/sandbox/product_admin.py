"""Shopify sandbox catalogue admin: create, edit and delete products as a merchant would; each
change sends Shopify's `products/create`, `products/update` or `products/delete` webhook."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from platforms.sandbox.kit import CONTROL_PREFIX
from platforms.sandbox.webhooks import SandboxClock, read_json
from platforms.shopify.sandbox.format import clone, gid, shop_ts
from platforms.shopify.sandbox.seed import ShopifyState

Emit = Callable[[str, Mapping[str, Any]], None]
NOT_FOUND = {"errors": "Not Found"}


class ShopifyProductAdmin:
    """Control routes: `POST /_sandbox/products` creates a product (a copy of the newest, with
    new ids), `POST /_sandbox/products/{id}` edits its title, `DELETE /_sandbox/products/{id}`
    deletes it. Each is visible on the Admin API at once and sends its webhook."""

    def __init__(self, state: ShopifyState, emit: Emit, clock: SandboxClock) -> None:
        self.state = state
        self.clock = clock
        self._emit = emit

    @classmethod
    def install(
        cls, app: web.Application, state: ShopifyState, emit: Emit, clock: SandboxClock
    ) -> ShopifyProductAdmin:
        """Create the admin and register its control routes."""
        admin = cls(state, emit, clock)
        app.router.add_post(f"{CONTROL_PREFIX}/products", admin._create_route)
        app.router.add_post(rf"{CONTROL_PREFIX}/products/{{id:\d+}}", admin._update_route)
        app.router.add_delete(rf"{CONTROL_PREFIX}/products/{{id:\d+}}", admin._delete_route)
        return admin

    def create(self, title: str | None = None) -> dict[str, Any]:
        """A new product (and variants) stamped now; emits `products/create`."""
        products = self.state.products
        product: dict[str, Any] = clone(products[-1])
        ident = max(p["id"] for p in products) + 1
        variant_id = max(v["id"] for v in self.state.variants()) + 1
        item_id = max(v["inventory_item_id"] for v in self.state.variants()) + 1
        stamp = shop_ts(self.clock.tick())
        product.update(
            {
                "id": ident,
                "admin_graphql_api_id": gid("Product", ident),
                "title": title or f"New Product {ident}",
                "handle": f"new-product-{ident}",
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
        for offset, variant in enumerate(product["variants"]):
            vid, item = variant_id + offset, item_id + offset
            variant.update(
                {
                    "id": vid,
                    "product_id": ident,
                    "admin_graphql_api_id": gid("ProductVariant", vid),
                    "inventory_item_id": item,
                    "sku": f"NEW-{ident}-{offset + 1}",
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
        for option in product.get("options", []):
            option["product_id"] = ident
        products.append(product)
        self._emit("products/create", product)
        return product

    def update(self, ident: int) -> dict[str, Any] | None:
        """Edit a product's title; emits `products/update`."""
        product = self._find(ident)
        if product is None:
            return None
        stamp = shop_ts(self.clock.tick())
        product.update({"title": f"{product['title']} (edited)", "updated_at": stamp})
        self._emit("products/update", product)
        return product

    def delete(self, ident: int) -> bool:
        """Delete a product; emits `products/delete` (its body is only the id)."""
        product = self._find(ident)
        if product is None:
            return False
        self.state.products.remove(product)
        self._emit("products/delete", {"id": ident})
        return True

    def _find(self, ident: int) -> dict[str, Any] | None:
        return next((p for p in self.state.products if p["id"] == ident), None)

    async def _create_route(self, request: web.Request) -> web.StreamResponse:
        body = await read_json(request)
        if isinstance(body, web.Response):
            return body
        title = body.get("title")
        product = self.create(title if isinstance(title, str) else None)
        return web.json_response({"product": product}, status=201)

    async def _update_route(self, request: web.Request) -> web.StreamResponse:
        product = self.update(int(request.match_info["id"]))
        if product is None:
            return web.json_response(NOT_FOUND, status=404)
        return web.json_response({"product": product})

    async def _delete_route(self, request: web.Request) -> web.StreamResponse:
        if not self.delete(int(request.match_info["id"])):
            return web.json_response(NOT_FOUND, status=404)
        return web.json_response({})
