"""Amazon SP-API sandbox: an aiohttp.web emulator of one seller account (Login with Amazon,
Orders 2026-01-01, Listings Items, FBA inventory, Tokens, writes) with usage plans."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.amazon.sandbox.auth import LWA_PATH, RDT_KEY, TokenDesk
from platforms.amazon.sandbox.catalog import AmazonCatalogRoutes
from platforms.amazon.sandbox.facts import amazon_facts
from platforms.amazon.sandbox.orders import AmazonOrderRoutes
from platforms.amazon.sandbox.people import AmazonPeopleRoutes
from platforms.amazon.sandbox.plans import UsagePlans, plan_rate
from platforms.amazon.sandbox.query import InvalidInput, sp_error
from platforms.amazon.sandbox.seed import HOME_CURRENCY, MARKETPLACES, SELLER_ID
from platforms.amazon.sandbox.seed_orders import build_state
from platforms.amazon.sandbox.storefront import AmazonStorefront
from platforms.amazon.sandbox.webhooks import AmazonNotifier
from platforms.amazon.sandbox.writes import add_write_routes
from platforms.amazon.sandbox.writes_feeds import UPLOADS, AmazonFeeds
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
from platforms.sandbox.webhooks import SandboxClock

STORE_NAME = "Amazon Seller Sandbox"
REFRESH_TOKEN = "Atzr|sandbox-refresh-token-0000"  # noqa: S105 (fake, for the sandbox only)
CLIENT_ID = "amzn1.application-oa2-client.sandbox0000"
CLIENT_SECRET = "amzn1.oa2-cs.v1.sandbox00000000"  # noqa: S105 (fake)


def _fault_body(status: int, reason: str) -> Any:
    code = "QuotaExceeded" if status == 429 else "InternalFailure"
    message = "You exceeded your quota for the requested resource." if status == 429 else reason
    return {"errors": [{"code": code, "message": message, "details": ""}]}


def _operation(request: web.Request) -> str:
    return request.match_info.route.name or ""


class AmazonSandbox:
    """A seeded seller account. `usage_plans` enforces each operation's plan (429
    QuotaExceeded); `bucket` instead enforces one plan for every operation (contract suite);
    neither: unlimited. `token_lifetime` is the access tokens' `expires_in`."""

    def __init__(
        self,
        seed: int = 1,
        orders: int = 400,
        products: int = 90,
        bucket: RateLimitSettings | None = None,
        usage_plans: bool = False,
        token_lifetime: int = 3600,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.state = build_state(seed, orders, products)
        self.calls = CallCounter()
        self.faults = Faults()
        self.bucket = ServerBucket(bucket.capacity, bucket.leak_per_second) if bucket else None
        self.plans = UsagePlans(clock=clock) if usage_plans else None
        self.desk = TokenDesk(REFRESH_TOKEN, CLIENT_ID, CLIENT_SECRET, token_lifetime, clock)
        # changes made after seeding (storefront, writes) are stamped now, never twice alike
        self.now = now or SandboxClock().tick
        self._request_ids = itertools.count(1)
        self.app = self._build_app()

    def __repr__(self) -> str:
        return f"AmazonSandbox(orders={len(self.state.orders)}, skus={len(self.state.listings)})"

    @property
    def personal_reads(self) -> int:
        """Orders answered with buyer or recipient data so far."""
        return self.orders.personal_reads

    def connection(self, store_id: str, base_url: str) -> StoreConnection:
        """A connection with the credentials and marketplaces this sandbox accepts."""
        return StoreConnection(
            store_id=store_id,
            platform=Platform.AMAZON,
            base_url=base_url,
            name=STORE_NAME,
            currency_code=HOME_CURRENCY,
            api_version="2026-01-01",
            credentials={
                "refresh_token": REFRESH_TOKEN,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
            },
            options={
                "region": "na",
                "seller_id": SELLER_ID,
                "marketplace_ids": ",".join(m for m, _, _, _ in MARKETPLACES),
                "token_url": base_url.rstrip("/") + LWA_PATH,
                "feed_poll_seconds": "0.05",  # the sandbox processes a feed in 0.2 s
            },
        )

    def facts(self) -> SandboxFacts:
        """Ground truth of the seeded store, in canonical ids, for the contract suite."""
        return amazon_facts(self.state)

    def seed_scenario(self, scenario: Scenario) -> str:
        """Seed `scenario` as a new merchant-fulfilled order (see `Sandbox`); its id."""
        return self.storefront.seed_scenario(scenario)

    def corrupt_order(self, external_id: str) -> str:
        """Test fault: an unparseable `createdTime` on this order (see `Sandbox`)."""
        self.state.orders[external_id]["createdTime"] = "not-a-date"
        return "createdTime"

    # --- middleware -------------------------------------------------------------------

    @web.middleware
    async def _outside(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        # api.amazon.com and S3, not SP-API: neither counted as SP-API calls nor faulted
        if request.path == LWA_PATH and request.method == "POST":
            return await self.desk.lwa(request)
        if request.path.startswith(UPLOADS):
            return await request.match_info.handler(request)
        return await handler(request)

    @web.middleware
    async def _headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if not request.path.startswith(CONTROL_PREFIX):
            response.headers["x-amzn-RequestId"] = f"sandbox-{next(self._request_ids):08d}"
            rate = self._rate(_operation(request))
            if response.status != 429 and rate is not None:
                response.headers["x-amzn-RateLimit-Limit"] = f"{rate:g}"
        return response

    def _rate(self, operation: str) -> float | None:
        if self.bucket is not None:
            return self.bucket.leak_per_second
        # the plan's rate is stated whether or not this sandbox enforces it, as Amazon does
        if not operation:
            return None
        return self.plans.rate(operation) if self.plans is not None else plan_rate(operation)

    @web.middleware
    async def _throttle(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        admitted = True
        if self.bucket is not None:
            admitted = self.bucket.try_take()
        elif self.plans is not None:
            admitted = self.plans.take(_operation(request))
        if not admitted:
            return web.json_response(_fault_body(429, ""), status=429)
        return await handler(request)

    @web.middleware
    async def _authenticate(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        checked = self.desk.check(request)
        if isinstance(checked, web.Response):
            return checked
        request[RDT_KEY] = checked
        try:
            return await handler(request)
        except InvalidInput as invalid:
            return sp_error(400, "InvalidInput", "Invalid input", invalid.details)

    def _build_app(self) -> web.Application:
        app = web.Application(
            middlewares=[
                self._outside,
                counting_middleware(self.calls),
                self._headers,
                fault_middleware(self.faults, _fault_body),
                self._throttle,
                self._authenticate,
            ]
        )
        add_control_routes(app, self.calls, self.faults)
        router = app.router
        router.add_post(LWA_PATH, self.desk.lwa)
        self.orders = AmazonOrderRoutes(self.state, self.now)
        self.orders.add_to(router)
        AmazonCatalogRoutes(self.state).add_to(router)
        self.people = AmazonPeopleRoutes(self.desk)
        self.people.add_to(router)
        self.writes = add_write_routes(router, self.state, self.now)
        self.feeds = AmazonFeeds(self.state, self.writes, self.now)
        self.feeds.add_to(router)
        self.notifier = AmazonNotifier.install(app, self.state, self.writes, self.now)
        self.storefront = AmazonStorefront.install(app, self.state, self.writes, self.now)
        router.add_post(f"{CONTROL_PREFIX}/tokens/expire", self._expire_tokens)
        return app

    async def _expire_tokens(self, _: web.Request) -> web.Response:
        """Control: every access token issued so far is expired (acceptance 4's mid-run)."""
        self.desk.expire_all()
        return web.json_response({"expired": True, "at": datetime.now(UTC).isoformat()})
