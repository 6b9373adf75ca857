"""V3 customer reads of the sandbox."""

from __future__ import annotations

from aiohttp import web

from platforms.bigcommerce.mapping.common import parse_time
from platforms.bigcommerce.sandbox.query import BadRequest, Payload, ids_param, time_param, v3_page
from platforms.bigcommerce.sandbox.seed import StoreState


def customer_body(customer: Payload, include: set[str]) -> Payload:
    """A customer as V3 sends it: addresses only with `include=addresses`."""
    return {k: v for k, v in customer.items() if k != "addresses" or "addresses" in include}


class PeopleRoutes:
    """`/v3/customers` with `id:in`, `email:in`, `date_modified:min`, sort and include."""

    def __init__(self, state: StoreState) -> None:
        self.state = state

    def add_to(self, router: web.UrlDispatcher, prefix: str) -> None:
        """Register the read routes under `/stores/{hash}`."""
        router.add_get(f"{prefix}/v3/customers", self.customers)

    async def customers(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        rows = list(self.state.customers.values())
        ids = ids_param(query, "id:in")
        if ids is not None:
            rows = [c for c in rows if c["id"] in ids]
        emails = query.get("email:in")
        if emails is not None:
            wanted = {e.strip().lower() for e in emails.split(",")}
            rows = [c for c in rows if c["email"].lower() in wanted]
        since = time_param(query, "date_modified:min")
        if since is not None:
            rows = [c for c in rows if (parse_time(c["date_modified"]) or since) >= since]
        field, _, direction = str(query.get("sort") or "id:asc").partition(":")
        if field not in ("id", "date_created", "date_modified", "last_name"):
            raise BadRequest(f"sort by {field!r} is not supported")
        rows.sort(key=lambda c: (c[field], c["id"]), reverse=direction == "desc")
        include = set((query.get("include") or "").split(","))
        return v3_page([customer_body(c, include) for c in rows], query)
