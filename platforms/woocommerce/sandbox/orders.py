"""The WooCommerce REST v3 order reads the sandbox serves: orders (with its status and
customer filters) and orders/{id}."""

from __future__ import annotations

from aiohttp import web

from platforms.woocommerce.sandbox.query import (
    ORDER_STATUSES,
    ORDERS_ORDERBY,
    PREFIX,
    InvalidParam,
    collection,
    list_param,
    wp_error,
)
from platforms.woocommerce.sandbox.seed import SeedState


class WooCommerceOrderRoutes:
    """GET orders and orders/{id} over the sandbox state."""

    def __init__(self, state: SeedState) -> None:
        self.state = state

    def add_to(self, router: web.UrlDispatcher) -> None:
        """Register the routes (before the sandbox's catch-all `rest_no_route`)."""
        router.add_get(f"{PREFIX}/orders", self._orders)
        router.add_get(f"{PREFIX}/orders/{{id:\\d+}}", self._order)

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
        return collection(request, items, ORDERS_ORDERBY)

    async def _order(self, request: web.Request) -> web.Response:
        order = self.state.orders.get(int(request.match_info["id"]))
        if order is None:
            return wp_error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        return web.json_response(order)
