"""The Magento 2 REST emulator: `/rest/{store_code}/V1/...` over aiohttp.web."""

from __future__ import annotations

import copy
import math
from typing import Any

from aiohttp import web

from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.canonical import Platform
from platforms.magento.sandbox import query as sc
from platforms.magento.sandbox.catalog import MagentoCatalogRoutes
from platforms.magento.sandbox.facts import magento_facts
from platforms.magento.sandbox.orders import MagentoOrderRoutes
from platforms.magento.sandbox.people import MagentoPeopleRoutes
from platforms.magento.sandbox.scenario import scenario_creditmemo, scenario_order
from platforms.magento.sandbox.state import MagentoState, build_state
from platforms.magento.sandbox.storefront import MagentoStorefront
from platforms.magento.sandbox.writes import MagentoWriteRoutes
from platforms.sandbox.kit import (
    CallCounter,
    Faults,
    SandboxFacts,
    ServerBucket,
    add_control_routes,
    counting_middleware,
    fault_middleware,
)
from platforms.sandbox.scenario import Scenario

Handler = sc.Handler

_ERRORS = {
    429: "Too Many Requests",
    500: "Internal Error. Details are available in Magento log file. Report ID: webapi-0001",
}


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
        self.storefront = MagentoStorefront.install(self.app, self.state)
        self.people = MagentoPeopleRoutes.install(self.app, self.state, self._guard, msi=msi)
        self.writes = MagentoWriteRoutes.install(self.app, self.state, self._guard, msi=msi).log
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

    def seed_scenario(self, scenario: Scenario) -> str:
        """Seed `scenario` as a new order in Magento's shape, its refund a credit memo (see
        `Sandbox`); the last line is a configurable (parent and child rows). Its id."""
        orders, products = self.state.orders, self.state.products
        oid = max(orders) + 1
        open_order = next(o for o in reversed(orders.values()) if o["state"] == "processing")
        template = {**copy.deepcopy(open_order), "entity_id": oid, "increment_id": f"{oid:09d}"}
        simple = [p for p in products.values() if p["type_id"] == "simple" and p["visibility"] == 4]
        parent = next(p for p in products.values() if p["type_id"] == "configurable")
        kid = products[parent["extension_attributes"]["configurable_product_links"][0]]
        child = {"parent": parent, "product": kid}
        orders[oid] = order = scenario_order(scenario, template, simple[:2], child)
        memo = scenario_creditmemo(scenario, order)
        if memo is not None:
            self.state.creditmemos.append(memo)
        return str(oid)

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
            return web.json_response(sc.NO_ROUTE, status=404)

    @web.middleware
    async def _throttle_middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        throttled = self.bucket is not None and not request.path.startswith("/_sandbox")
        if throttled and self.bucket is not None and not self.bucket.try_take():
            wait = self.bucket.seconds_until_free()
            response = sc.error(429, _ERRORS[429])
            # rounded up: a client that waits exactly this long must be let in
            response.headers["Retry-After"] = f"{math.ceil(max(wait, 0.05) * 100) / 100:.2f}"
            return response
        return await handler(request)

    # --- routing ---------------------------------------------------------------------

    def _add_routes(self) -> None:
        routes = MagentoOrderRoutes(self.state).routes()
        routes += MagentoCatalogRoutes(self.state, msi=self.msi).routes()
        for prefix in sc.PREFIXES:
            for path, resource, handler in routes:
                self.app.router.add_get(prefix + path, self._guard(resource, handler))

    def _guard(self, resource: str, handler: Handler) -> Handler:
        """Store-code and bearer-token checks in front of a handler."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            store = request.match_info.get("store_code", "default")
            if store not in self.store_codes:
                # Magento reads an unknown first segment as part of the route.
                return web.json_response(sc.NO_ROUTE, status=404)
            if request.headers.get("Authorization") != f"Bearer {self.access_token}":
                return sc.error(
                    401,
                    "The consumer isn't authorized to access %resources.",
                    {"resources": resource},
                )
            return await handler(request)

        return guarded
