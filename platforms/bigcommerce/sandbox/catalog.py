"""V3 catalog (products, variants) and multi-location inventory reads of the sandbox."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from platforms.bigcommerce.mapping.common import parse_time
from platforms.bigcommerce.sandbox.query import (
    BadRequest,
    Payload,
    ids_param,
    time_param,
    v3_error,
    v3_one,
    v3_page,
)
from platforms.bigcommerce.sandbox.seed import StoreState

_SORTS = ("id", "name", "date_modified", "date_last_imported", "price")


def product_body(product: Payload, include: set[str]) -> Payload:
    """A product as V3 sends it: variants and custom fields only when `include` names them."""
    body = {k: v for k, v in product.items() if k not in ("variants", "custom_fields")}
    for part in ("variants", "custom_fields"):
        if part in include:
            body[part] = product[part]
    return body


def inventory_row(
    state: StoreState, product: Payload, variant: Payload, locations: set[int] | None
) -> Payload:
    """One `inventory/items` row: the variant's identity and a level per location with a record."""
    levels = []
    for lid, location in sorted(state.locations.items()):
        record = state.stock.get((variant["id"], lid))
        if record is None or (locations is not None and lid not in locations):
            continue
        levels.append(
            {
                "location_id": lid,
                "location_code": location["code"],
                "location_name": location["label"],
                "available_to_sell": max(0, record["onhand"] - record["safety"]),
                "total_inventory_onhand": record["onhand"],
                "location_enabled": location["enabled"],
                "settings": {
                    "safety_stock": record["safety"],
                    "is_in_stock": record["onhand"] > record["safety"],
                    "warning_level": 0,
                    "bin_picking_number": "",
                },
            }
        )
    identity = {
        "sku": variant["sku"],
        "variant_id": variant["id"],
        "product_id": product["id"],
        "sku_id": variant["sku_id"],
    }
    return {"identity": identity, "locations": levels}


class CatalogRoutes:
    """`/v3/catalog/products`, `/v3/catalog/variants`, `/v3/inventory/locations|items`."""

    def __init__(self, state: StoreState) -> None:
        self.state = state

    def add_to(self, router: web.UrlDispatcher, prefix: str) -> None:
        """Register the read routes under `/stores/{hash}`."""
        router.add_get(f"{prefix}/v3/catalog/products", self.products)
        router.add_get(f"{prefix}/v3/catalog/products/{{id:\\d+}}", self.product)
        router.add_get(f"{prefix}/v3/catalog/variants", self.variants)
        router.add_get(f"{prefix}/v3/inventory/locations", self.locations)
        router.add_get(f"{prefix}/v3/inventory/items", self.items)

    async def products(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        include = set((query.get("include") or "").split(","))
        rows = list(self.state.products.values())
        ids = ids_param(query, "id:in")
        if ids is not None:
            rows = [p for p in rows if p["id"] in ids]
        since = time_param(query, "date_modified:min")
        if since is not None:
            rows = [p for p in rows if _modified(p) >= since]
        sort = query.get("sort", "id")
        if sort not in _SORTS:
            raise BadRequest(f"sort must be one of {', '.join(_SORTS)}")
        key: Any = (
            (lambda p: (_modified(p), p["id"]))
            if sort == "date_modified"
            else (lambda p: p.get(sort, p["id"]))
        )
        rows.sort(key=key, reverse=query.get("direction") == "desc")
        return v3_page([product_body(p, include) for p in rows], query)

    async def product(self, request: web.Request) -> web.StreamResponse:
        product = self.state.products.get(int(request.match_info["id"]))
        if product is None:
            return v3_error(404, "The requested product was not found.")
        return v3_one(product_body(product, set((request.query.get("include") or "").split(","))))

    async def variants(self, request: web.Request) -> web.StreamResponse:
        ids = ids_param(request.query, "id:in")
        rows = [
            v
            for p in self.state.products.values()
            for v in p["variants"]
            if ids is None or v["id"] in ids
        ]
        return v3_page(sorted(rows, key=lambda v: v["id"]), request.query)

    async def locations(self, request: web.Request) -> web.StreamResponse:
        return v3_page(list(self.state.locations.values()), request.query)

    async def items(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        variants, locations = ids_param(query, "variant_id:in"), ids_param(query, "location_id:in")
        rows = [
            inventory_row(self.state, p, v, locations)
            for p in self.state.products.values()
            for v in p["variants"]
            if variants is None or v["id"] in variants
        ]
        return v3_page(rows, query)


def _modified(product: Payload) -> Any:
    return parse_time(product["date_modified"])
