"""The Shopify Admin REST order reads the sandbox serves: orders.json (with its filters),
orders/count.json and orders/{id}.json."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from platforms.shopify.sandbox.query import (
    API,
    QueryError,
    count_response,
    id_filter,
    list_response,
    one_response,
    time_filter,
)
from platforms.shopify.sandbox.seed import ShopifyState

Payload = dict[str, Any]
Predicate = Callable[[Payload], bool]

_UNPAID = frozenset({"authorized", "pending", "partially_paid"})


def _order_status(value: str) -> Predicate:
    # Shopify's default listing is status=open: closed and cancelled orders need status=any.
    if value == "open":
        return lambda o: o.get("closed_at") is None and o.get("cancelled_at") is None
    if value == "closed":
        return lambda o: o.get("closed_at") is not None
    if value == "cancelled":
        return lambda o: o.get("cancelled_at") is not None
    if value == "any":
        return lambda o: True
    raise QueryError(400, {"status": "Invalid value."})


def _financial(value: str) -> Predicate:
    if value == "any":
        return lambda o: True
    if value == "unpaid":
        return lambda o: o.get("financial_status") in _UNPAID
    return lambda o: o.get("financial_status") == value


def _fulfillment(value: str) -> Predicate:
    if value == "any":
        return lambda o: True
    if value == "shipped":
        return lambda o: o.get("fulfillment_status") == "fulfilled"
    if value == "unshipped":
        return lambda o: o.get("fulfillment_status") is None
    if value == "unfulfilled":
        return lambda o: o.get("fulfillment_status") in (None, "partial")
    return lambda o: o.get("fulfillment_status") == value


def order_filter(filters: Mapping[str, str]) -> Predicate:
    """Everything GET orders.json filters on, compiled once per request."""
    checks = [
        id_filter(filters),
        time_filter(filters),
        _order_status(filters.get("status", "open")),
        _financial(filters.get("financial_status", "any")),
        _fulfillment(filters.get("fulfillment_status", "any")),
    ]
    return lambda row: all(check(row) for check in checks)


class ShopifyOrderRoutes:
    """Order read handlers over one store's state; register them with `add_to(app)`."""

    def __init__(self, state: ShopifyState) -> None:
        self.state = state

    def add_to(self, app: web.Application) -> None:
        """Register the order read endpoints under /admin/api/{version}/."""
        app.router.add_get(API + "/orders.json", self.orders)
        app.router.add_get(API + "/orders/count.json", self.orders_count)
        app.router.add_get(API + r"/orders/{id:\d+}.json", self.order)

    async def orders(self, request: web.Request) -> web.Response:
        """GET orders.json (default status=open, default order created_at desc)."""
        return list_response(request, "orders", self.state.orders, "created_at desc", order_filter)

    async def orders_count(self, request: web.Request) -> web.Response:
        """GET orders/count.json with the same filters as the list."""
        return count_response(request, self.state.orders, order_filter)

    async def order(self, request: web.Request) -> web.Response:
        """GET orders/{id}.json, whatever the order's status."""
        return one_response(request, "order", self.state.orders)
