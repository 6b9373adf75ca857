"""The Shopify Admin REST read endpoints the sandbox serves, over a `ShopifyState`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from aiohttp import web

from platforms.shopify.sandbox_filters import order_filter, product_filter
from platforms.shopify.sandbox_query import (
    Key,
    Page,
    QueryError,
    id_list,
    paginate,
    parse_limit,
    resolve_listing,
    select_fields,
    sort_key,
    time_filter,
)
from platforms.shopify.seed import ShopifyState

Payload = dict[str, Any]
API = r"/admin/api/{version:\d{4}-\d{2}|unstable}"
INVENTORY_ID_CAP = 50  # Shopify documents at most 50 ids per list on inventory_levels.json


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A JSON answer the way Shopify sends it (int64 ids kept exact)."""
    return web.Response(
        body=orjson.dumps(body),
        status=status,
        content_type="application/json",
        charset="utf-8",
        headers=headers,
    )


def not_found() -> web.Response:
    """Shopify's 404 for a missing resource or an unknown route."""
    return json_response({"errors": "Not Found"}, status=404)


def _level_key(level: Payload) -> Key:
    return (int(level["inventory_item_id"]), int(level["location_id"]))


def _link_header(request: web.Request, page: Page, limit: int) -> dict[str, str]:
    """Shopify's Link header: absolute URLs, `; rel="..."` parts joined by ", "."""
    parts = []
    for cursor, rel in ((page.prev_cursor, "previous"), (page.next_cursor, "next")):
        if cursor is None:
            continue
        query = {"limit": str(limit), "page_info": cursor.encode()}
        if request.query.get("fields"):
            query["fields"] = request.query["fields"]
        url = request.url.with_query(query)
        parts.append(f'<{url}>; rel="{rel}"')
    return {"Link": ", ".join(parts)} if parts else {}


class ShopifyRoutes:
    """Request handlers over one store's state; register them with `add_to(app)`."""

    def __init__(self, state: ShopifyState) -> None:
        self.state = state

    def add_to(self, app: web.Application) -> None:
        """Register every read endpoint under /admin/api/{version}/."""
        routes: list[tuple[str, Callable[[web.Request], Any]]] = [
            ("/orders.json", self.orders),
            ("/orders/count.json", self.orders_count),
            (r"/orders/{id:\d+}.json", self.order),
            ("/products.json", self.products),
            ("/products/count.json", self.products_count),
            (r"/products/{id:\d+}.json", self.product),
            (r"/products/{id:\d+}/variants.json", self.product_variants),
            (r"/variants/{id:\d+}.json", self.variant),
            ("/inventory_levels.json", self.inventory_levels),
            ("/locations.json", self.locations),
            (r"/locations/{id:\d+}.json", self.location),
            (r"/locations/{id:\d+}/inventory_levels.json", self.location_inventory_levels),
            ("/shop.json", self.shop),
        ]
        for path, handler in routes:
            app.router.add_get(API + path, handler)

    def _list(
        self,
        request: web.Request,
        root: str,
        rows: Sequence[Payload],
        default_order: str,
        build_filter: Callable[[Mapping[str, str]], Callable[[Payload], bool]],
    ) -> web.Response:
        """A paginated list endpoint: filter, sort, slice at page_info, trim fields, link."""
        try:
            limit = parse_limit(request.query)
            filters, order, cursor = resolve_listing(request.query, default_order)
            keep = build_filter(filters)
            matching = [row for row in rows if keep(row)]
            page = paginate(
                matching, sort_key(order), order.endswith("desc"), limit, cursor, filters, order
            )
        except QueryError as exc:
            return json_response({"errors": exc.errors}, status=exc.status)
        items = [select_fields(row, request.query) for row in page.rows]
        return json_response({root: items}, headers=_link_header(request, page, limit))

    def _count(
        self,
        request: web.Request,
        rows: Sequence[Payload],
        build_filter: Callable[[Mapping[str, str]], Callable[[Payload], bool]],
    ) -> web.Response:
        try:
            keep = build_filter({k: v for k, v in request.query.items() if k != "limit"})
        except QueryError as exc:
            return json_response({"errors": exc.errors}, status=exc.status)
        return json_response({"count": sum(1 for row in rows if keep(row))})

    async def orders(self, request: web.Request) -> web.Response:
        """GET orders.json (default status=open, default order created_at desc)."""
        return self._list(request, "orders", self.state.orders, "created_at desc", order_filter)

    async def orders_count(self, request: web.Request) -> web.Response:
        """GET orders/count.json with the same filters as the list."""
        return self._count(request, self.state.orders, order_filter)

    async def order(self, request: web.Request) -> web.Response:
        """GET orders/{id}.json, whatever the order's status."""
        return self._one(request, "order", self.state.orders)

    async def products(self, request: web.Request) -> web.Response:
        """GET products.json (all statuses unless filtered, default order id asc)."""
        return self._list(request, "products", self.state.products, "id asc", product_filter)

    async def products_count(self, request: web.Request) -> web.Response:
        """GET products/count.json."""
        return self._count(request, self.state.products, product_filter)

    async def product(self, request: web.Request) -> web.Response:
        """GET products/{id}.json."""
        return self._one(request, "product", self.state.products)

    async def product_variants(self, request: web.Request) -> web.Response:
        """GET products/{id}/variants.json (a product has at most 100 variants: one page)."""
        product = _find(self.state.products, int(request.match_info["id"]))
        if product is None:
            return not_found()
        variants = [select_fields(v, request.query) for v in product["variants"]]
        return json_response({"variants": variants})

    async def variant(self, request: web.Request) -> web.Response:
        """GET variants/{id}.json."""
        return self._one(request, "variant", self.state.variants())

    async def locations(self, request: web.Request) -> web.Response:
        """GET locations.json: every location, active or not, in one answer (no pagination)."""
        items = [select_fields(loc, request.query) for loc in self.state.locations]
        return json_response({"locations": items})

    async def location(self, request: web.Request) -> web.Response:
        """GET locations/{id}.json."""
        return self._one(request, "location", self.state.locations)

    async def shop(self, request: web.Request) -> web.Response:
        """GET shop.json."""
        return json_response({"shop": select_fields(self.state.shop, request.query)})

    async def inventory_levels(self, request: web.Request) -> web.Response:
        """GET inventory_levels.json: inventory_item_ids and/or location_ids (each <= 50)."""
        try:
            filters = self._inventory_filters(request)
        except QueryError as exc:
            return json_response({"errors": exc.errors}, status=exc.status)
        return self._levels(request, filters)

    async def location_inventory_levels(self, request: web.Request) -> web.Response:
        """GET locations/{id}/inventory_levels.json, paginated like every list."""
        ident = request.match_info["id"]
        if _find(self.state.locations, int(ident)) is None:
            return not_found()
        return self._levels(request, {"location_ids": ident})

    def _inventory_filters(self, request: web.Request) -> dict[str, str]:
        if "page_info" in request.query:
            return {}  # the cursor carries the first request's filters
        items = id_list(request.query, "inventory_item_ids", INVENTORY_ID_CAP)
        locs = id_list(request.query, "location_ids", INVENTORY_ID_CAP)
        if not items and not locs:
            raise QueryError(422, {"base": ["inventory_item_ids or location_ids must be present"]})
        keep = ("inventory_item_ids", "location_ids", "updated_at_min")
        return {k: request.query[k] for k in keep if k in request.query}

    def _levels(self, request: web.Request, fixed: Mapping[str, str]) -> web.Response:
        try:
            limit = parse_limit(request.query)
            # Path-implied filters join the first request only; the cursor carries them on.
            paging = "page_info" in request.query
            params = request.query if paging else {**request.query, **fixed}
            filters, _, cursor = resolve_listing(params, "id asc")
            items = set(id_list(filters, "inventory_item_ids") or [])
            locs = set(id_list(filters, "location_ids") or [])
            in_time = time_filter(filters)
            rows = [
                level
                for (item, loc), level in self.state.inventory_levels.items()
                if (not items or item in items) and (not locs or loc in locs) and in_time(level)
            ]
            page = paginate(rows, _level_key, False, limit, cursor, filters, "id asc")
        except QueryError as exc:
            return json_response({"errors": exc.errors}, status=exc.status)
        levels = [select_fields(level, request.query) for level in page.rows]
        return json_response(
            {"inventory_levels": levels}, headers=_link_header(request, page, limit)
        )

    def _one(self, request: web.Request, root: str, rows: Sequence[Payload]) -> web.Response:
        found = _find(rows, int(request.match_info["id"]))
        if found is None:
            return not_found()
        return json_response({root: select_fields(found, request.query)})


def _find(rows: Sequence[Payload], ident: int) -> Payload | None:
    return next((row for row in rows if row["id"] == ident), None)
