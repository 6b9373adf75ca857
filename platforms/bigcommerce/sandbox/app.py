"""BigCommerce sandbox: an aiohttp.web emulator of one store's V2 and V3 REST APIs under
`/stores/{store_hash}`, with the window quota, token auth and error shapes of the platform."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.bigcommerce.sandbox import subscriptions
from platforms.bigcommerce.sandbox.catalog import CatalogRoutes
from platforms.bigcommerce.sandbox.facts import bigcommerce_facts
from platforms.bigcommerce.sandbox.orders import OrderRoutes
from platforms.bigcommerce.sandbox.people import PeopleRoutes
from platforms.bigcommerce.sandbox.query import BadRequest, error_for
from platforms.bigcommerce.sandbox.scenario import seed_scenario
from platforms.bigcommerce.sandbox.seed import CURRENCY, STORE_HASH, StoreState
from platforms.bigcommerce.sandbox.seed_orders import build_state
from platforms.bigcommerce.sandbox.storefront import Storefront
from platforms.bigcommerce.sandbox.webhooks import BigCommerceWebhookEmitter
from platforms.bigcommerce.sandbox.window import WindowQuotaServer
from platforms.bigcommerce.sandbox.writes import WriteRoutes
from platforms.canonical import Platform
from platforms.sandbox.kit import (
    CONTROL_PREFIX,
    CallCounter,
    Faults,
    Handler,
    add_control_routes,
    counting_middleware,
    fault_middleware,
)
from platforms.sandbox.scenario import Scenario

STORE_NAME = "Northwind Goods"
UNAUTHORIZED = "No valid credential was supplied."


def _fault_body(status: int, reason: str) -> Any:
    # BigCommerce's edge answers overload and 5xx in the V3 problem shape, without the
    # X-Rate-Limit-* headers of a quota 429
    return {"status": status, "title": reason, "type": "about:blank", "errors": {}}


class BigCommerceSandbox:
    """A seeded BigCommerce store speaking V2 and V3 on http."""

    def __init__(
        self,
        seed: int = 1,
        orders: int = 600,
        products: int = 150,
        access_token: str = "bc-sandbox-token-0000000000000000",  # noqa: S107 (fake)
        bucket: RateLimitSettings | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.state: StoreState = build_state(seed, orders, products)
        self.calls = CallCounter()
        self.faults = Faults()
        # the `bucket` of the other sandboxes, as BigCommerce has it: `capacity` requests per
        # window of capacity / leak_per_second seconds; None = a large contract plan
        self.bucket = WindowQuotaServer.of(bucket, clock)
        self._token = access_token
        self.prefix = f"/stores/{STORE_HASH}"
        self.app = self._build_app()

    def __repr__(self) -> str:
        state = self.state
        return f"BigCommerceSandbox(orders={len(state.orders)}, products={len(state.products)})"

    def connection(self, store_id: str, base_url: str) -> StoreConnection:
        """A connection with the token this sandbox accepts."""
        return StoreConnection(
            store_id=store_id,
            platform=Platform.BIGCOMMERCE,
            base_url=base_url,
            name=STORE_NAME,
            currency_code=CURRENCY,
            api_version="v2+v3",
            credentials={"access_token": self._token},
            options={"store_hash": STORE_HASH},
        )

    def facts(self) -> Any:
        """Ground truth of the seeded store, in canonical ids, for the contract suite."""
        return bigcommerce_facts(self.state)

    def seed_scenario(self, scenario: Scenario) -> str:
        """Seed `scenario` as a new order in BigCommerce's shapes (see `Sandbox`); its id."""
        return seed_scenario(self.state, scenario)

    def corrupt_order(self, external_id: str) -> str:
        """Test fault: an unparseable `date_created` on this order (see `Sandbox`)."""
        self.state.orders[int(external_id)]["date_created"] = "not-a-date"
        return "date_created"

    # --- middleware -------------------------------------------------------------------

    @web.middleware
    async def _quota(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        allowed, headers = self.bucket.take()
        if not allowed:
            response: web.StreamResponse = error_for(request.path, 429, "Too many requests")
        else:
            response = await handler(request)
        response.headers.update(headers)
        return response

    @web.middleware
    async def _authenticate(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        if request.headers.get("X-Auth-Token") != self._token:
            return error_for(request.path, 401, UNAUTHORIZED)
        try:
            return await handler(request)
        except BadRequest as bad:
            return error_for(request.path, 400, str(bad))

    def _build_app(self) -> web.Application:
        app = web.Application(
            middlewares=[
                counting_middleware(self.calls),
                fault_middleware(self.faults, _fault_body),
                self._quota,
                self._authenticate,
            ]
        )
        add_control_routes(app, self.calls, self.faults)
        self.bucket.add_control_route(app)
        root = f"https://api.bigcommerce.com{self.prefix}"
        OrderRoutes(self.state, root).add_to(app.router, self.prefix)
        CatalogRoutes(self.state).add_to(app.router, self.prefix)
        PeopleRoutes(self.state).add_to(app.router, self.prefix)
        self.writes = WriteRoutes(self.state)
        self.writes.add_to(app.router, self.prefix)
        self.webhooks = BigCommerceWebhookEmitter.install(app, self.writes.log)
        self.subscriptions = subscriptions.install(app.router, self.prefix)
        self.webhooks.sender.subscribed = self.subscriptions.targets
        self.storefront = Storefront(self.state, root, self.writes.log.announce)
        self.storefront.add_to(app)
        app.router.add_route("*", "/{tail:.*}", self._no_route)
        return app

    async def _no_route(self, request: web.Request) -> web.Response:
        return error_for(request.path, 404, "The requested resource was not found.")
