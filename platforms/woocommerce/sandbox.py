"""WooCommerce REST v3 sandbox: an aiohttp.web emulator of one store's `/wp-json/wc/v3` read API."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.canonical import Platform
from platforms.sandbox_kit import (
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
from platforms.woocommerce.sandbox_auth import AuthFailure, OAuthVerifier
from platforms.woocommerce.sandbox_facts import woocommerce_facts
from platforms.woocommerce.sandbox_people import WooCommercePeopleRoutes
from platforms.woocommerce.sandbox_query import (
    ORDER_STATUSES,
    ORDERS_ORDERBY,
    PRODUCT_STATUSES,
    PRODUCT_TYPES,
    PRODUCTS_ORDERBY,
    InvalidParam,
    Payload,
    date_filters,
    enum_param,
    id_list,
    list_param,
    paginate,
    sort_items,
)
from platforms.woocommerce.sandbox_webhooks import WooCommerceWebhookEmitter
from platforms.woocommerce.sandbox_writes import add_write_routes
from platforms.woocommerce.seed import CURRENCY, SeedState
from platforms.woocommerce.seed_orders import build_state

PREFIX = "/wp-json/wc/v3"
STORE_NAME = "Atelier Nord"


def wp_error(status: int, code: str, message: str) -> web.Response:
    """A WP_Error as the REST server serialises it."""
    body = {"code": code, "message": message, "data": {"status": status}}
    return web.json_response(body, status=status)


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
        self.webhooks = WooCommerceWebhookEmitter.install(self)

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
        router.add_get(f"{PREFIX}/orders", self._orders)
        router.add_get(f"{PREFIX}/orders/{{id:\\d+}}", self._order)
        router.add_get(f"{PREFIX}/products", self._products)
        router.add_get(f"{PREFIX}/products/{{id:\\d+}}", self._product)
        router.add_get(f"{PREFIX}/products/{{id:\\d+}}/variations", self._variations)
        router.add_get(f"{PREFIX}/products/{{id:\\d+}}/variations/{{vid:\\d+}}", self._variation)
        WooCommercePeopleRoutes(self.state).add_to(router)
        self.writes = add_write_routes(router, self.state)
        router.add_route("*", "/wp-json/{tail:.*}", self._no_route)
        return app

    # --- handlers ---------------------------------------------------------------------

    async def _no_route(self, _: web.Request) -> web.Response:
        return wp_error(
            404, "rest_no_route", "No route was found matching the URL and request method."
        )

    def _collection(
        self,
        request: web.Request,
        items: list[Payload],
        orderby_allowed: tuple[str, ...],
        default_orderby: str = "date",
        default_order: str = "desc",
    ) -> web.Response:
        query = request.query
        include = id_list(query, "include")
        exclude = set(id_list(query, "exclude"))
        orderby = enum_param(query, "orderby", default_orderby, orderby_allowed)
        order = enum_param(query, "order", default_order, ("asc", "desc"))
        checks = date_filters(query)
        wanted = set(include)
        selected = [
            item
            for item in items
            if (not wanted or item["id"] in wanted)
            and item["id"] not in exclude
            and all(check(item) for check in checks)
        ]
        page, headers = paginate(
            sort_items(selected, orderby, order, include), query, str(request.url.with_query(None))
        )
        return web.json_response(page, headers=headers)

    async def _orders(self, request: web.Request) -> web.Response:
        statuses = list_param(request.query, "status") or ["any"]
        for status in statuses:
            if status != "any" and status not in ORDER_STATUSES:
                raise InvalidParam(
                    "status", f"status[0] is not one of any, {', '.join(ORDER_STATUSES)}."
                )
        if "any" in statuses:
            # "any" is every registered status except trash (and drafts not yet placed).
            allowed = set(ORDER_STATUSES) - {"trash", "checkout-draft"}
        else:
            allowed = set(statuses)
        customer = request.query.get("customer")
        items = [
            o
            for o in self.state.orders.values()
            if o["status"] in allowed and (customer is None or str(o["customer_id"]) == customer)
        ]
        return self._collection(request, items, ORDERS_ORDERBY)

    async def _order(self, request: web.Request) -> web.Response:
        order = self.state.orders.get(int(request.match_info["id"]))
        if order is None:
            return wp_error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        return web.json_response(order)

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
        return self._collection(request, items, PRODUCTS_ORDERBY)

    async def _product(self, request: web.Request) -> web.Response:
        pid = int(request.match_info["id"])
        product = self.state.products.get(pid)
        if product is not None:
            return web.json_response(product)
        variation = self.state.variations.get(pid)
        if variation is not None:
            # woocommerce#41374: products/{id} also serves variations, in product shape.
            return web.json_response(self._variation_as_product(variation))
        return wp_error(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")

    def _variation_as_product(self, variation: Payload) -> Payload:
        parent = self.state.products[variation["parent_id"]]
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

    async def _variations(self, request: web.Request) -> web.Response:
        pid = int(request.match_info["id"])
        items = [v for v in self.state.variations.values() if v["parent_id"] == pid]
        return self._collection(
            request, items, (*ORDERS_ORDERBY, "menu_order"), "menu_order", "asc"
        )

    async def _variation(self, request: web.Request) -> web.Response:
        variation = self.state.variations.get(int(request.match_info["vid"]))
        if variation is None or variation["parent_id"] != int(request.match_info["id"]):
            return wp_error(404, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")
        return web.json_response(variation)
