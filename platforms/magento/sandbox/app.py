"""The Magento 2 REST emulator: `/rest/{store_code}/V1/...` over aiohttp.web."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.canonical import Platform
from platforms.magento.sandbox import criteria as sc
from platforms.magento.sandbox.facts import magento_facts
from platforms.magento.sandbox.people import MagentoPeopleRoutes
from platforms.magento.sandbox.state import MagentoState, build_state
from platforms.magento.sandbox.storefront import MagentoStorefront
from platforms.magento.sandbox.writes import MagentoWriteRoutes
from platforms.sandbox_kit import (
    CallCounter,
    Faults,
    SandboxFacts,
    ServerBucket,
    add_control_routes,
    counting_middleware,
    fault_middleware,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

NO_ROUTE = {"message": "Request does not match any route."}
_PRODUCT_FIELDS = sc.field_getter({"entity_id": "id"})
_FIELDS = sc.field_getter()
_ERRORS = {
    429: "Too Many Requests",
    500: "Internal Error. Details are available in Magento log file. Report ID: webapi-0001",
}


def error(status: int, message: str, parameters: Any = None) -> web.Response:
    """A Magento error response: {"message", "parameters"} with placeholders unfilled."""
    body: dict[str, Any] = {"message": message}
    if parameters is not None:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


def _fault_body(status: int, reason: str) -> dict[str, Any]:
    return {"message": _ERRORS.get(status, reason)}


class MagentoSandbox:
    """A faithful local Magento 2.4 store: orders, catalog, MSI inventory, searchCriteria.

    `msi=False` emulates a store without the Inventory modules: the `inventory/*` routes
    do not exist (404 "Request does not match any route.") and stock lives only in the
    legacy `stock_item`. Set `bucket` to make the server answer 429 when it overflows.
    """

    def __init__(
        self,
        seed: int = 1,
        orders: int = 600,
        products: int = 150,
        access_token: str = "mage-sandbox-token",  # noqa: S107 - the emulator's own fake token
        msi: bool = True,
        bucket: RateLimitSettings | None = None,
    ) -> None:
        self.access_token = access_token
        self.msi = msi
        self.store_codes = {"default", "all"}
        self.state: MagentoState = build_state(seed, orders, products, msi)
        self.calls = CallCounter()
        self.faults = Faults()
        self.bucket = ServerBucket(bucket.capacity, bucket.leak_per_second) if bucket else None
        self.app = web.Application(
            middlewares=[
                counting_middleware(self.calls),
                self._no_route_middleware,
                fault_middleware(self.faults, _fault_body),
                self._throttle_middleware,
            ]
        )
        add_control_routes(self.app, self.calls, self.faults)
        self.storefront = MagentoStorefront.install(self)
        self.people = MagentoPeopleRoutes.install(self)
        self.writes = MagentoWriteRoutes.install(self).log
        self._add_routes()

    def __repr__(self) -> str:
        return f"MagentoSandbox(msi={self.msi}, orders={len(self.state.orders)})"

    def connection(self, store_id: str, base_url: str) -> StoreConnection:
        """A connection this sandbox accepts, for a sandbox served at `base_url`."""
        return StoreConnection(
            store_id=store_id,
            platform=Platform.MAGENTO,
            base_url=base_url,
            name=f"Magento sandbox {store_id}",
            currency_code=self.state.currency,
            credentials={"access_token": self.access_token},
            options={"store_code": "default"},
        )

    def facts(self) -> SandboxFacts:
        """Ground truth of the seeded store, in canonical ids, for the contract suite."""
        return magento_facts(self.state, msi=self.msi)

    def corrupt_order(self, external_id: str) -> str:
        """Test fault: an unparseable `created_at` on this order (see `Sandbox`)."""
        self.state.orders[int(external_id)]["created_at"] = "not-a-date"
        return "created_at"

    # --- middlewares -----------------------------------------------------------------

    @web.middleware
    async def _no_route_middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        try:
            return await handler(request)
        except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
            return web.json_response(NO_ROUTE, status=404)

    @web.middleware
    async def _throttle_middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        throttled = self.bucket is not None and not request.path.startswith("/_sandbox")
        if throttled and self.bucket is not None and not self.bucket.try_take():
            wait = self.bucket.seconds_until_free()
            response = error(429, _ERRORS[429])
            # rounded up: a client that waits exactly this long must be let in
            response.headers["Retry-After"] = f"{math.ceil(max(wait, 0.05) * 100) / 100:.2f}"
            return response
        return await handler(request)

    # --- routing ---------------------------------------------------------------------

    def _add_routes(self) -> None:
        routes: list[tuple[str, str, Handler]] = [
            ("/orders", "Magento_Sales::actions_view", self._orders),
            ("/orders/{id}", "Magento_Sales::actions_view", self._order),
            ("/products", "Magento_Catalog::products", self._products),
            ("/products/{sku}", "Magento_Catalog::products", self._product),
            ("/configurable-products/{sku}/children", "Magento_Catalog::products", self._children),
            ("/stockItems/{sku}", "Magento_CatalogInventory::cataloginventory", self._stock_item),
        ]
        if self.msi:
            routes += [
                ("/inventory/sources", "Magento_InventoryApi::source", self._sources),
                ("/inventory/source-items", "Magento_InventoryApi::source", self._source_items),
            ]
        for prefix in ("/rest/{store_code}/V1", "/rest/V1"):
            for path, resource, handler in routes:
                self.app.router.add_get(prefix + path, self._guard(resource, handler))

    def _guard(self, resource: str, handler: Handler) -> Handler:
        """Store-code and bearer-token checks in front of a handler."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            store = request.match_info.get("store_code", "default")
            if store not in self.store_codes:
                # Magento reads an unknown first segment as part of the route.
                return web.json_response(NO_ROUTE, status=404)
            if request.headers.get("Authorization") != f"Bearer {self.access_token}":
                return error(
                    401,
                    "The consumer isn't authorized to access %resources.",
                    {"resources": resource},
                )
            return await handler(request)

        return guarded

    def _search(
        self, request: web.Request, records: list[dict[str, Any]], getter: sc.Getter
    ) -> web.Response:
        try:
            criteria = sc.parse(request.query)
        except sc.CriteriaError as exc:
            return web.json_response(exc.body, status=400)
        if criteria is None:
            return error(400, "%fieldName is a required field.", {"fieldName": "searchCriteria"})
        items, total = sc.run(criteria, records, getter)
        return web.json_response(
            {"items": items, "search_criteria": criteria.echo(), "total_count": total}
        )

    # --- handlers --------------------------------------------------------------------

    async def _orders(self, request: web.Request) -> web.StreamResponse:
        return self._search(request, list(self.state.orders.values()), _FIELDS)

    async def _order(self, request: web.Request) -> web.StreamResponse:
        raw = request.match_info["id"]
        order = self.state.orders.get(int(raw)) if raw.isdigit() else None
        if order is None:
            return error(
                404, "The entity that was requested doesn't exist. Verify the entity and try again."
            )
        return web.json_response(order)

    async def _products(self, request: web.Request) -> web.StreamResponse:
        return self._search(request, list(self.state.products.values()), _PRODUCT_FIELDS)

    def _product_or_404(self, sku: str) -> dict[str, Any] | web.Response:
        product = self.state.product_by_sku(sku)
        if product is None:
            return error(
                404,
                "The product that was requested doesn't exist. Verify the product and try again.",
            )
        return product

    async def _product(self, request: web.Request) -> web.StreamResponse:
        found = self._product_or_404(request.match_info["sku"])
        return found if isinstance(found, web.Response) else web.json_response(found)

    async def _children(self, request: web.Request) -> web.StreamResponse:
        found = self._product_or_404(request.match_info["sku"])
        if isinstance(found, web.Response):
            return found
        links = found["extension_attributes"].get("configurable_product_links") or []
        return web.json_response([self.state.products[i] for i in links])

    async def _stock_item(self, request: web.Request) -> web.StreamResponse:
        sku = request.match_info["sku"]
        product = self.state.product_by_sku(sku)
        if product is None:
            return error(404, 'The Product with the "%1" SKU doesn\'t exist.', [sku])
        return web.json_response(product["extension_attributes"]["stock_item"])

    async def _sources(self, request: web.Request) -> web.StreamResponse:
        # SourceRepositoryInterface::getList takes an optional searchCriteria.
        if sc.parse(request.query) is None:
            sources = self.state.sources
            return web.json_response(
                {
                    "items": sources,
                    "search_criteria": {"filter_groups": []},
                    "total_count": len(sources),
                }
            )
        return self._search(request, self.state.sources, _FIELDS)

    async def _source_items(self, request: web.Request) -> web.StreamResponse:
        return self._search(request, self.state.source_items, _FIELDS)
