"""Orders API 2026-01-01 routes: `searchOrders` (items inline, `pagination.nextToken`) and
`getOrder`; buyer and recipient only with `includedData` and a Restricted Data Token."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta

from aiohttp import web

from platforms.amazon.sandbox.auth import RDT_KEY, Rdt, rdt_covers
from platforms.amazon.sandbox.query import (
    InvalidInput,
    Payload,
    csv_param,
    date_param,
    fingerprint,
    int_param,
    page,
    sp_error,
)
from platforms.amazon.sandbox.seed import AmazonState, stamp
from platforms.amazon.sandbox.seed_orders import updated_of
from platforms.mapping.kit import utc_datetime

ORDERS = "/orders/2026-01-01/orders"
DATASETS = frozenset(
    {
        "BUYER",
        "RECIPIENT",
        "PROCEEDS",
        "EXPENSE",
        "PROMOTION",
        "CANCELLATION",
        "FULFILLMENT",
        "PACKAGES",
        "TAX",
        "PAYMENT",
        "FULFILLMENT_ORDERS",
    }
)
# dataset -> the RDT data element it needs
PERSONAL = {"BUYER": "buyerInfo", "RECIPIENT": "shippingAddress"}
_ORDER_PARTS = {"proceeds": "PROCEEDS", "fulfillment": "FULFILLMENT", "packages": "PACKAGES"}
_ITEM_PARTS = {
    "proceeds": "PROCEEDS",
    "promotion": "PROMOTION",
    "cancellation": "CANCELLATION",
    "fulfillment": "FULFILLMENT",
}


def view(order: Payload, personal: Payload, included: set[str]) -> Payload:
    """The order as `includedData` shows it."""
    shown = {
        k: v
        for k, v in order.items()
        if _ORDER_PARTS.get(k, "") in included or k not in _ORDER_PARTS
    }
    shown["orderItems"] = [
        {k: v for k, v in item.items() if k not in _ITEM_PARTS or _ITEM_PARTS[k] in included}
        for item in order["orderItems"]
    ]
    if "BUYER" in included and "buyer" in personal:
        shown["buyer"] = personal["buyer"]
    if "RECIPIENT" in included and "recipient" in personal:
        shown["recipient"] = personal["recipient"]
    return copy.deepcopy(shown)


class AmazonOrderRoutes:
    """The read routes of the Orders API over the seeded state."""

    def __init__(self, state: AmazonState, now: Callable[[], datetime]) -> None:
        self.state = state
        self.personal_reads = 0  # orders answered with buyer or recipient data
        self._now = now

    def add_to(self, router: web.UrlDispatcher) -> None:
        """Register searchOrders and getOrder."""
        router.add_get(ORDERS, self.search, name="searchOrders")
        router.add_get(ORDERS + "/{orderId}", self.get, name="getOrder")

    def _included(self, request: web.Request) -> set[str] | web.Response:
        included = set(csv_param(request.query, "includedData"))
        if included - DATASETS:
            raise InvalidInput(f"Unknown includedData {sorted(included - DATASETS)[0]}")
        wanted = {PERSONAL[d] for d in included if d in PERSONAL}
        rdt = request.get(RDT_KEY)
        if not rdt_covers(rdt if isinstance(rdt, Rdt) else None, request.path, wanted):
            return sp_error(
                403,
                "Unauthorized",
                "Access to requested resource is denied.",
                "A Restricted Data Token is required for "
                + ", ".join(sorted(d for d in included if d in PERSONAL)),
            )
        return included

    def _matches(self, query: dict[str, str]) -> Callable[[Payload], bool]:
        created_after, updated_after = (
            date_param(query, "createdAfter"),
            date_param(query, "lastUpdatedAfter"),
        )
        if (created_after is None) == (updated_after is None):
            raise InvalidInput("Exactly one of createdAfter and lastUpdatedAfter is required")
        created_before = date_param(query, "createdBefore")
        updated_before = date_param(query, "lastUpdatedBefore")
        statuses = set(csv_param(query, "fulfillmentStatuses"))
        markets = set(csv_param(query, "marketplaceIds"))
        by = set(csv_param(query, "fulfilledBy"))

        def ok(order: Payload) -> bool:
            created = utc_datetime(order["createdTime"].replace("Z", "+00:00"))
            updated = updated_of(order)
            checks = [
                created_after is None or (created is not None and created >= created_after),
                created_before is None or (created is not None and created <= created_before),
                updated_after is None or updated >= updated_after,
                updated_before is None or updated <= updated_before,
                not statuses or order["fulfillment"]["fulfillmentStatus"] in statuses,
                not markets or order["salesChannel"]["marketplaceId"] in markets,
                not by or order["fulfillment"]["fulfilledBy"] in by,
            ]
            return all(checks)

        return ok

    async def search(self, request: web.Request) -> web.Response:
        """`searchOrders`: newest `lastUpdatedTime` first, `maxResultsPerPage` 1-100."""
        included = self._included(request)
        if isinstance(included, web.Response):
            return included
        query = dict(request.query)
        size = int_param(query, "maxResultsPerPage", 100, 1, 100)
        ok = self._matches(query)
        rows = sorted(
            (o for o in self.state.orders.values() if ok(o)),
            key=lambda o: (o["lastUpdatedTime"], o["orderId"]),
            reverse=True,
        )
        bound = fingerprint(query, ("paginationToken", "maxResultsPerPage"))
        chunk, token = page(rows, query.get("paginationToken"), size, bound)
        body: Payload = {"orders": [self._show(o, included) for o in chunk]}
        if token is not None:
            body["pagination"] = {"nextToken": token}
        key = "createdBefore" if "createdAfter" in query else "lastUpdatedBefore"
        body[key] = stamp(self._now() - timedelta(minutes=2))
        return web.json_response(body)

    async def get(self, request: web.Request) -> web.Response:
        """`getOrder`: one order, 404 NotFound for an id the seller does not have."""
        included = self._included(request)
        if isinstance(included, web.Response):
            return included
        order = self.state.orders.get(request.match_info["orderId"])
        if order is None:
            return sp_error(404, "NotFound", "The requested order was not found.")
        return web.json_response({"order": self._show(order, included)})

    def _show(self, order: Payload, included: set[str]) -> Payload:
        personal = self.state.personal.get(order["orderId"], {})
        if included & set(PERSONAL):
            self.personal_reads += 1
        return view(order, personal, included)
