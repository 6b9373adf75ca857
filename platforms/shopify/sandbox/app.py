"""A faithful local emulator of one Shopify store's Admin API: REST, and GraphQL 2026-10."""

from __future__ import annotations

import hmac
import math
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.canonical import Platform
from platforms.sandbox.kit import (
    CONTROL_PREFIX,
    CallCounter,
    Faults,
    SandboxFacts,
    ServerBucket,
    add_control_routes,
    counting_middleware,
    fault_middleware,
)
from platforms.sandbox.scenario import Scenario
from platforms.shopify.sandbox import subscriptions
from platforms.shopify.sandbox.catalog import ShopifyCatalogRoutes
from platforms.shopify.sandbox.facts import shopify_facts
from platforms.shopify.sandbox.graphql_app import ShopifyGraphQL, method_middleware
from platforms.shopify.sandbox.graphql_throttle import PLANS, CostBucket
from platforms.shopify.sandbox.orders import ShopifyOrderRoutes
from platforms.shopify.sandbox.people import ShopifyPeopleRoutes
from platforms.shopify.sandbox.query import json_response
from platforms.shopify.sandbox.scenario import scenario_order
from platforms.shopify.sandbox.seed import ShopifyState, build_state
from platforms.shopify.sandbox.storefront import ShopifyStorefront
from platforms.shopify.sandbox.webhooks import ShopifyWebhookEmitter
from platforms.shopify.sandbox.writes import ShopifyWriteRoutes

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Middleware = Callable[..., Awaitable[web.StreamResponse]]

DEFAULT_TOKEN = "shpat_sandbox_token"  # noqa: S105 - the sandbox's public demo token
# the app client secret Shopify signs webhooks with (the store's `webhook_secret`)
APP_SECRET = "shpss_sandbox_app_secret"  # noqa: S105 - public, sandbox only
DEFAULT_VERSION = "2025-07"
STANDARD_PLAN = RateLimitSettings(40, 2)
AUTH_ERROR = "[API] Invalid API key or access token (unrecognized login or wrong password)"
THROTTLE_ERROR = (
    "Exceeded 2 calls per second for api client. "
    "Reduce request rates to resume uninterrupted service."
)
CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"
GRAPHQL_PATH = "/graphql.json"
_VERSION_IN_PATH = re.compile(r"^/admin/api/(\d{4}-\d{2}|unstable)/")


def _error_body(_: int, message: str) -> dict[str, str]:
    return {"errors": message}


class ShopifySandbox:
    """One seeded Shopify store served by aiohttp.

    Middleware order, outermost first: Shopify's common headers (and JSON for aiohttp's own
    404/405), call counting (every API request, including refused ones), access-token auth
    (401), the server-side leaky bucket (429 + Retry-After; REST only, GraphQL pays points),
    marking GraphQL queries as reads for chaos, scripted faults and chaos, the handler.
    """

    def __init__(
        self,
        seed: int = 1,
        orders: int = 1200,
        products: int = 300,
        locations: int = 3,
        access_token: str = DEFAULT_TOKEN,
        bucket: RateLimitSettings | None = STANDARD_PLAN,
        graphql_plan: str | None = None,
        app_secret: str = APP_SECRET,
    ) -> None:
        self._token = access_token
        self.state: ShopifyState = build_state(seed, orders, products, locations)
        self.calls = CallCounter()
        self.faults = Faults()
        self.bucket = (
            ServerBucket(bucket.capacity, bucket.leak_per_second) if bucket is not None else None
        )
        self._plan = bucket or STANDARD_PLAN
        self.app = web.Application(
            middlewares=[
                _headers_middleware,
                counting_middleware(self.calls),
                self._auth_middleware(),
                self._bucket_middleware(),
                method_middleware,
                fault_middleware(self.faults, _error_body),
            ]
        )
        ShopifyOrderRoutes(self.state).add_to(self.app)
        ShopifyCatalogRoutes(self.state).add_to(self.app)
        people = ShopifyPeopleRoutes(self.state)
        people.add_to(self.app)
        write_routes = ShopifyWriteRoutes(self.state)
        write_routes.add_to(self.app)
        self.writes = write_routes.log
        # GraphQL's points bucket: the named plan, enforced; by default the Standard plan,
        # enforced like the REST bucket (a store built with bucket=None is unthrottled).
        plan = PLANS[graphql_plan or "standard"]
        cost_bucket = CostBucket(plan, enforce=graphql_plan is not None or bucket is not None)
        self.graphql = ShopifyGraphQL.install(
            self.app, self.state, write_routes, people, cost_bucket
        )
        self.webhooks = ShopifyWebhookEmitter.install(self.app, self.state, self.writes)
        self.subscriptions = subscriptions.install(
            self.app, self.graphql.extras, self.webhooks.sender, app_secret
        )
        self.storefront = ShopifyStorefront.install(self.app, self.state, self.webhooks.emit)
        add_control_routes(self.app, self.calls, self.faults)

    def __repr__(self) -> str:
        # The access token stays out of reprs and logs.
        return (
            f"ShopifySandbox(orders={len(self.state.orders)}, products={len(self.state.products)})"
        )

    def connection(self, store_id: str, base_url: str) -> StoreConnection:
        """A store connection carrying the token this sandbox accepts."""
        return StoreConnection(
            store_id=store_id,
            platform=Platform.SHOPIFY,
            base_url=base_url,
            name=str(self.state.shop["name"]),
            currency_code=str(self.state.shop["currency"]),
            api_version=DEFAULT_VERSION,
            credentials={"access_token": self._token},
            rate_limit=self._plan,
        )

    def facts(self) -> SandboxFacts:
        """Ground truth of the seeded store, in canonical ids, for the contract suite."""
        return shopify_facts(self.state)

    def corrupt_order(self, external_id: str) -> str:
        """Test fault: a non-numeric `total_tax_set` amount on this order (see `Sandbox`),
        which Admin GraphQL serves as `totalTax` and `totalTaxSet`; the sandbox sorts and
        filters on its timestamps, so those stay intact."""
        order = next(o for o in self.state.orders if str(o["id"]) == external_id)
        for side in ("shop_money", "presentment_money"):  # the mapper reads either
            order["total_tax_set"][side]["amount"] = "twelve"
        return "total_tax_set|totalTax"

    def seed_scenario(self, scenario: Scenario) -> str:
        """Seed `scenario` as a new order in Shopify's shape (see `Sandbox`); its id."""
        orders = self.state.orders
        ident = max(o["id"] for o in orders) + 1
        number = max(int(o["number"]) for o in orders) + 1
        name = f"#{1000 + number}"
        base = {**orders[-1], "id": ident, "number": number, "order_number": 1000 + number}
        base.update(name=name, admin_graphql_api_id=f"gid://shopify/Order/{ident}")
        orders.append(scenario_order(scenario, base, self.state.variants()[:3]))
        return str(ident)

    def _auth_middleware(self) -> Middleware:
        @web.middleware
        async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
            if request.path.startswith(CONTROL_PREFIX):
                return await handler(request)
            sent = request.headers.get("X-Shopify-Access-Token", "")
            if not hmac.compare_digest(sent.encode(), self._token.encode()):
                return json_response({"errors": AUTH_ERROR}, status=401)
            return await handler(request)

        return middleware

    def _bucket_middleware(self) -> Middleware:
        @web.middleware
        async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
            bucket = self.bucket
            # GraphQL is charged by calculated cost (its own bucket), not by request count.
            graphql = request.path.endswith(GRAPHQL_PATH)
            if bucket is None or graphql or request.path.startswith(CONTROL_PREFIX):
                return await handler(request)
            size = math.floor(bucket.capacity)
            if not bucket.try_take():
                # Round the wait up to a tenth so a client that honours it is let in.
                wait = max(0.1, math.ceil(bucket.seconds_until_free() * 10) / 10)
                headers = {"Retry-After": f"{wait:.1f}", CALL_LIMIT_HEADER: f"{size}/{size}"}
                return json_response({"errors": THROTTLE_ERROR}, status=429, headers=headers)
            response = await handler(request)
            response.headers[CALL_LIMIT_HEADER] = f"{min(bucket.used, size)}/{size}"
            return response

        return middleware


@web.middleware
async def _headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """X-Request-Id and X-Shopify-API-Version on every answer; Shopify-style JSON for 404/405."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        body: Any = {"errors": "Not Found" if exc.status == 404 else exc.reason}
        response = json_response(body, status=exc.status)
    response.headers["X-Request-Id"] = str(uuid.uuid4())
    version = request.match_info.get("version")
    if version is None:
        found = _VERSION_IN_PATH.match(request.path)
        version = found.group(1) if found else None
    if version is not None:
        response.headers["X-Shopify-API-Version"] = version
    return response
