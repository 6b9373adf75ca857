"""The Shopify Admin REST catalog reads the sandbox serves: products (with their filters),
variants, locations, the shop and inventory levels."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from platforms.shopify.sandbox.query import (
    API,
    Key,
    QueryError,
    count_response,
    find,
    id_filter,
    id_list,
    json_response,
    link_header,
    list_response,
    not_found,
    one_response,
    paginate,
    parse_limit,
    resolve_listing,
    select_fields,
    time_filter,
)
from platforms.shopify.sandbox.seed import ShopifyState

Payload = dict[str, Any]
Predicate = Callable[[Payload], bool]
INVENTORY_ID_CAP = 50  # Shopify documents at most 50 ids per list on inventory_levels.json


def _one_of(field_name: str, raw: str | None) -> Predicate:
    if raw is None:
        return lambda p: True
    allowed = {part.strip() for part in raw.split(",") if part.strip()}
    return lambda p: p.get(field_name) in allowed


def product_filter(filters: Mapping[str, str]) -> Predicate:
    """Everything GET products.json filters on (all statuses unless `status` is given)."""
    checks = [
        id_filter(filters),
        time_filter(filters),
        _one_of("status", filters.get("status")),
        _one_of("vendor", filters.get("vendor")),
        _one_of("product_type", filters.get("product_type")),
        _one_of("handle", filters.get("handle")),
        _one_of("title", filters.get("title")),
    ]
    return lambda row: all(check(row) for check in checks)


def _level_key(level: Payload) -> Key:
    return (int(level["inventory_item_id"]), int(level["location_id"]))


class ShopifyCatalogRoutes:
    """Catalog read handlers over one store's state; register them with `add_to(app)`."""

    def __init__(self, state: ShopifyState) -> None:
        self.state = state

    def add_to(self, app: web.Application) -> None:
        """Register the catalog read endpoints under /admin/api/{version}/."""
        routes: list[tuple[str, Callable[[web.Request], Any]]] = [
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

    async def products(self, request: web.Request) -> web.Response:
        """GET products.json (all statuses unless filtered, default order id asc)."""
        return list_response(request, "products", self.state.products, "id asc", product_filter)

    async def products_count(self, request: web.Request) -> web.Response:
        """GET products/count.json."""
        return count_response(request, self.state.products, product_filter)

    async def product(self, request: web.Request) -> web.Response:
        """GET products/{id}.json."""
        return one_response(request, "product", self.state.products)

    async def product_variants(self, request: web.Request) -> web.Response:
        """GET products/{id}/variants.json (a product has at most 100 variants: one page)."""
        product = find(self.state.products, int(request.match_info["id"]))
        if product is None:
            return not_found()
        variants = [select_fields(v, request.query) for v in product["variants"]]
        return json_response({"variants": variants})

    async def variant(self, request: web.Request) -> web.Response:
        """GET variants/{id}.json."""
        return one_response(request, "variant", self.state.variants())

    async def locations(self, request: web.Request) -> web.Response:
        """GET locations.json: every location, active or not, in one answer (no pagination)."""
        items = [select_fields(loc, request.query) for loc in self.state.locations]
        return json_response({"locations": items})

    async def location(self, request: web.Request) -> web.Response:
        """GET locations/{id}.json."""
        return one_response(request, "location", self.state.locations)

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
        if find(self.state.locations, int(ident)) is None:
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
            {"inventory_levels": levels}, headers=link_header(request, page, limit)
        )
