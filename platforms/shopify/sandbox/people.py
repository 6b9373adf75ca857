"""Sandbox routes for Shopify customers and per-order fulfillments and refunds."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from aiohttp import web

from platforms.shopify.sandbox.format import parse_query_time, parse_wire_time
from platforms.shopify.sandbox.query import (
    API,
    QueryError,
    id_filter,
    json_response,
    link_header,
    not_found,
    paginate,
    parse_limit,
    resolve_listing,
    select_fields,
    sort_key,
    time_filter,
)
from platforms.shopify.sandbox.seed import ShopifyState

Payload = dict[str, Any]
Predicate = Callable[[Payload], bool]
CUSTOMER_ID_CAP = 250


def _search_filter(filters: Mapping[str, str]) -> Predicate:
    """`query=` of customers/search.json: space-separated `email:x`, `updated_at:>'T'` (or
    `>=`, `<`, `<=`; also created_at) terms, AND-ed; an empty query matches everyone."""
    emails: list[str] = []
    bounds: list[tuple[str, str, datetime]] = []
    for term in filters.get("query", "").split():
        name, _, value = term.partition(":")
        if name == "email" and value:
            emails.append(value.lower())
        elif name in ("updated_at", "created_at"):
            op = next((o for o in (">=", "<=", ">", "<") if value.startswith(o)), None)
            if op is None:
                raise QueryError(400, {"query": "Invalid value."})
            try:
                bounds.append((name, op, parse_query_time(value[len(op) :].strip("'\""))))
            except ValueError as exc:
                raise QueryError(400, {"query": "Invalid value."}) from exc

    def keep(row: Payload) -> bool:
        if emails and str(row.get("email") or "").lower() not in emails:
            return False
        return all(_compare(parse_wire_time(row[name]), op, b) for name, op, b in bounds)

    return keep


def _compare(value: datetime, op: str, bound: datetime) -> bool:
    return {">": value > bound, ">=": value >= bound, "<": value < bound, "<=": value <= bound}[op]


class ShopifyPeopleRoutes:
    """customers.json, customers/search.json, customers/{id}.json, and the order's
    fulfillments.json and refunds.json; customers carry totals computed from the orders."""

    def __init__(self, state: ShopifyState) -> None:
        self.state = state

    def add_to(self, app: web.Application) -> None:
        """Register the routes under /admin/api/{version}/."""
        app.router.add_get(API + "/customers.json", self.customers)
        app.router.add_get(API + "/customers/search.json", self.search)
        app.router.add_get(API + r"/customers/{id:\d+}.json", self.customer)
        app.router.add_get(API + r"/orders/{id:\d+}/fulfillments.json", self.fulfillments)
        app.router.add_get(API + r"/orders/{id:\d+}/refunds.json", self.refunds)

    def customer_rows(self) -> list[Payload]:
        """Every customer as the REST routes serve them (the GraphQL resolvers read these)."""
        return self._customers()

    def _customers(self) -> list[Payload]:
        """Customers as Shopify serves them: order count and spend follow the orders."""
        count: dict[int, int] = {}
        spent: dict[int, Decimal] = {}
        for order in self.state.orders:
            customer = order.get("customer")
            if not isinstance(customer, dict) or order.get("cancelled_at"):
                continue
            ident = customer["id"]
            count[ident] = count.get(ident, 0) + 1
            refunded = sum(
                (Decimal(t["amount"]) for r in order["refunds"] for t in r["transactions"]),
                Decimal(0),
            )
            spent[ident] = spent.get(ident, Decimal(0)) + Decimal(order["total_price"]) - refunded
        return [
            {
                **c,
                "orders_count": count.get(c["id"], 0),
                "total_spent": f"{spent.get(c['id'], Decimal(0)):.2f}",
                "email_marketing_consent": {
                    "state": "subscribed" if c["id"] % 3 == 0 else "not_subscribed",
                    "opt_in_level": "single_opt_in",
                    "consent_updated_at": None,
                },
                "addresses": [c["default_address"]],
            }
            for c in self.state.customers
        ]

    def _list(self, request: web.Request, keep_for: Callable[..., Predicate]) -> web.Response:
        try:
            limit = parse_limit(request.query)
            filters, order, cursor = resolve_listing(request.query, "id asc")
            ids = filters.get("ids")
            if ids is not None and len(ids.split(",")) > CUSTOMER_ID_CAP:
                raise QueryError(422, {"ids": [f"must contain at most {CUSTOMER_ID_CAP} ids"]})
            keep = keep_for(filters)
            rows = [row for row in self._customers() if keep(row)]
            page = paginate(
                rows, sort_key(order), order.endswith("desc"), limit, cursor, filters, order
            )
        except QueryError as exc:
            return json_response({"errors": exc.errors}, status=exc.status)
        items = [select_fields(row, request.query) for row in page.rows]
        return json_response({"customers": items}, headers=link_header(request, page, limit))

    async def customers(self, request: web.Request) -> web.Response:
        """GET customers.json: ids, since_id, created/updated_at_min/max, limit, fields."""

        def keep_for(filters: Mapping[str, str]) -> Predicate:
            by_id, by_time = id_filter(filters), time_filter(filters)
            return lambda row: by_id(row) and by_time(row)

        return self._list(request, keep_for)

    async def search(self, request: web.Request) -> web.Response:
        """GET customers/search.json: query, order, limit, fields."""
        return self._list(request, _search_filter)

    async def customer(self, request: web.Request) -> web.Response:
        """GET customers/{id}.json."""
        ident = int(request.match_info["id"])
        found = next((c for c in self._customers() if c["id"] == ident), None)
        if found is None:
            return not_found()
        return json_response({"customer": select_fields(found, request.query)})

    def _order(self, request: web.Request) -> Payload | None:
        return self.state.order(int(request.match_info["id"]))

    async def fulfillments(self, request: web.Request) -> web.Response:
        """GET orders/{id}/fulfillments.json."""
        order = self._order(request)
        if order is None:
            return not_found()
        return json_response({"fulfillments": order.get("fulfillments", [])})

    async def refunds(self, request: web.Request) -> web.Response:
        """GET orders/{id}/refunds.json."""
        order = self._order(request)
        if order is None:
            return not_found()
        return json_response({"refunds": order.get("refunds", [])})
