"""The WooCommerce REST v3 catalog reads the sandbox serves: products (variations too, in
product shape, as woocommerce#41374 does) and a variable product's variations."""

from __future__ import annotations

from aiohttp import web

from platforms.woocommerce.sandbox.query import (
    ORDERS_ORDERBY,
    PREFIX,
    PRODUCT_STATUSES,
    PRODUCT_TYPES,
    PRODUCTS_ORDERBY,
    Payload,
    collection,
    enum_param,
    list_param,
    wp_error,
)
from platforms.woocommerce.sandbox.seed import SeedState


def variation_as_product(state: SeedState, variation: Payload) -> Payload:
    """A variation as `products/{id}` answers for it (woocommerce#41374): in product shape."""
    parent = state.products[variation["parent_id"]]
    options = ", ".join(a["option"] for a in variation["attributes"])
    return {
        **variation,
        "name": f"{parent['name']} - {options}",
        "slug": f"{parent['slug']}-{variation['id']}",
        "type": "variation",
        "categories": [],
        "tags": [],
        "variations": [],
    }


class WooCommerceCatalogRoutes:
    """GET products, products/{id}, products/{id}/variations and …/variations/{vid}."""

    def __init__(self, state: SeedState) -> None:
        self.state = state

    def add_to(self, router: web.UrlDispatcher) -> None:
        """Register the routes (before the sandbox's catch-all `rest_no_route`)."""
        router.add_get(f"{PREFIX}/products", self._products)
        router.add_get(f"{PREFIX}/products/{{id:\\d+}}", self._product)
        router.add_get(f"{PREFIX}/products/{{id:\\d+}}/variations", self._variations)
        router.add_get(f"{PREFIX}/products/{{id:\\d+}}/variations/{{vid:\\d+}}", self._variation)

    async def _products(self, request: web.Request) -> web.Response:
        query = request.query
        status = enum_param(query, "status", "any", PRODUCT_STATUSES)
        kind = enum_param(query, "type", "", ("", *PRODUCT_TYPES))
        skus = set(list_param(query, "sku"))
        items = [
            p
            for p in self.state.products.values()
            if (p["status"] == status or (status == "any" and p["status"] != "trash"))
            and (not kind or p["type"] == kind)
            and (not skus or p["sku"] in skus)
        ]
        return collection(request, items, PRODUCTS_ORDERBY)

    async def _product(self, request: web.Request) -> web.Response:
        pid = int(request.match_info["id"])
        product = self.state.products.get(pid)
        if product is not None:
            return web.json_response(product)
        variation = self.state.variations.get(pid)
        if variation is not None:
            # woocommerce#41374: products/{id} also serves variations, in product shape.
            return web.json_response(variation_as_product(self.state, variation))
        return wp_error(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")

    async def _variations(self, request: web.Request) -> web.Response:
        pid = int(request.match_info["id"])
        items = [v for v in self.state.variations.values() if v["parent_id"] == pid]
        return collection(request, items, (*ORDERS_ORDERBY, "menu_order"), "menu_order", "asc")

    async def _variation(self, request: web.Request) -> web.Response:
        variation = self.state.variations.get(int(request.match_info["vid"]))
        if variation is None or variation["parent_id"] != int(request.match_info["id"]):
            return wp_error(404, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")
        return web.json_response(variation)
