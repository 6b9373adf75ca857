"""WooCommerce REST v3 sandbox: an aiohttp.web emulator of one store's `/wp-json/wc/v3` read API."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.canonical import Platform
from platforms.sandbox.kit import (
    CONTROL_PREFIX,
    CallCounter,
    Faults,
    Handler,
    SandboxFacts,
    ServerBucket,
    add_control_routes,
    counting_middleware,
    fault_middleware,
)
from platforms.sandbox.scenario import Scenario
from platforms.woocommerce.sandbox import subscriptions
from platforms.woocommerce.sandbox.auth import AuthFailure, OAuthVerifier
from platforms.woocommerce.sandbox.catalog import WooCommerceCatalogRoutes
from platforms.woocommerce.sandbox.facts import woocommerce_facts
from platforms.woocommerce.sandbox.orders import WooCommerceOrderRoutes
from platforms.woocommerce.sandbox.people import WooCommercePeopleRoutes
from platforms.woocommerce.sandbox.query import InvalidParam, wp_error
from platforms.woocommerce.sandbox.scenario import REFUND_ID_BASE, scenario_order, scenario_refund
from platforms.woocommerce.sandbox.seed import CURRENCY, SeedState
from platforms.woocommerce.sandbox.seed_orders import build_state
from platforms.woocommerce.sandbox.storefront import WooCommerceStorefront
from platforms.woocommerce.sandbox.webhooks import WooCommerceWebhookEmitter
from platforms.woocommerce.sandbox.writes import add_write_routes

STORE_NAME = "Atelier Nord"


def _fault_body(status: int, reason: str) -> Any:
    # what a host/WAF in front of WordPress answers, in WP_Error shape
    code = "too_many_requests" if status == 429 else "internal_server_error"
    return {"code": code, "message": reason, "data": {"status": status}}


class WooCommerceSandbox:
    """A seeded WooCommerce store speaking REST v3 on http (so OAuth1 query signatures)."""

    def __init__(
        self,
        seed: int = 1,
        orders: int = 600,
        products: int = 150,
        consumer_key: str = "ck_sandbox0000000000000000000000000000000",
        consumer_secret: str = "cs_sandbox0000000000000000000000000000000",  # noqa: S107 (fake)
        bucket: RateLimitSettings | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.state: SeedState = build_state(seed, orders, products)
        self.calls = CallCounter()
        self.faults = Faults()
        self.bucket = ServerBucket(bucket.capacity, bucket.leak_per_second) if bucket else None
        self._consumer_key = consumer_key
        self._consumer_secret = consumer_secret
        self.verifier = OAuthVerifier(consumer_key, consumer_secret, clock=clock)
        self.app = self._build_app()
        self.webhooks = WooCommerceWebhookEmitter.install(self.app, self.state, self.writes)
        self.webhooks.sender.subscribed = self.subscriptions.targets
        self.storefront = WooCommerceStorefront.install(self.app, self.state, self.webhooks)

    def __repr__(self) -> str:
        counts = f"orders={len(self.state.orders)}, products={len(self.state.products)}"
        return f"WooCommerceSandbox({counts})"

    def connection(self, store_id: str, base_url: str) -> StoreConnection:
        """A connection with the credentials this sandbox accepts."""
        return StoreConnection(
            store_id=store_id,
            platform=Platform.WOOCOMMERCE,
            base_url=base_url,
            name=STORE_NAME,
            currency_code=CURRENCY,
            api_version="wc/v3",
            credentials={
                "consumer_key": self._consumer_key,
                "consumer_secret": self._consumer_secret,
            },
        )

    def facts(self) -> SandboxFacts:
        """Ground truth of the seeded store, in canonical ids, for the contract suite."""
        return woocommerce_facts(self.state)

    def seed_scenario(self, scenario: Scenario) -> str:
        """Seed `scenario` as a new order in WooCommerce's shape (see `Sandbox`); its id."""
        last = max(self.state.orders)
        oid = last + 1
        template = {**copy.deepcopy(self.state.orders[last]), "id": oid, "number": str(oid)}
        simple = [p for p in self.state.products.values() if p["type"] == "simple"][:3]
        order = scenario_order(scenario, template, simple)
        refund = scenario_refund(scenario, order, REFUND_ID_BASE + oid)
        if refund is not None:
            order["refunds"] = [refund[0]]
            self.state.refunds[refund[0]["id"]] = refund[1]
        self.state.orders[oid] = order
        return str(oid)

    def corrupt_order(self, external_id: str) -> str:
        """Test fault: an unparseable `date_created(_gmt)` on this order (see `Sandbox`)."""
        order = self.state.orders[int(external_id)]
        order["date_created"] = order["date_created_gmt"] = "not-a-date"
        return "date_created"

    # --- middleware -------------------------------------------------------------------

    @web.middleware
    async def _throttle(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if self.bucket is None or request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        if not self.bucket.try_take():
            wait = max(1, round(self.bucket.seconds_until_free() + 0.5))
            body = _fault_body(429, "Too many requests. Please slow down.")
            return web.json_response(body, status=429, headers={"Retry-After": str(wait)})
        return await handler(request)

    @web.middleware
    async def _authenticate(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        query = {k: request.query.getall(k)[-1] for k in request.query}  # PHP $_GET: last wins
        if not any(k.startswith("oauth_") for k in query):
            return wp_error(
                401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources."
            )
        url = str(request.url.with_query(None))
        try:
            self.verifier.verify(request.method, url, query)
        except AuthFailure as failure:
            return wp_error(401, failure.code, failure.message)
        return await handler(request)

    @web.middleware
    async def _bad_params(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except InvalidParam as invalid:
            return web.json_response(invalid.body(), status=400)

    def _build_app(self) -> web.Application:
        app = web.Application(
            middlewares=[
                counting_middleware(self.calls),
                fault_middleware(self.faults, _fault_body),
                self._throttle,
                self._authenticate,
                self._bad_params,
            ]
        )
        add_control_routes(app, self.calls, self.faults)
        router = app.router
        WooCommerceOrderRoutes(self.state).add_to(router)
        WooCommerceCatalogRoutes(self.state).add_to(router)
        WooCommercePeopleRoutes(self.state).add_to(router)
        self.writes = add_write_routes(router, self.state)
        self.subscriptions = subscriptions.install(router, lambda: self.webhooks.sender)
        router.add_route("*", "/wp-json/{tail:.*}", self._no_route)
        return app

    # --- handlers ---------------------------------------------------------------------

    async def _no_route(self, _: web.Request) -> web.Response:
        return wp_error(
            404, "rest_no_route", "No route was found matching the URL and request method."
        )
