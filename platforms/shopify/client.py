"""Live reads from one Shopify store over the Admin REST API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from platforms.adapter import OrderQuery, Page, ProductQuery, VariantBatch, VariantKey
from platforms.canonical import InventoryLevel, Location, Order, OrderStatus, Product, Variant
from platforms.client_kit import chunked
from platforms.client_kit import numeric_ids as _numeric_ids
from platforms.errors import NotFoundError, PayloadError
from platforms.http import CallContext
from platforms.mapping.kit import Found, partition
from platforms.shopify.client_people import ShopifyPeopleReads
from platforms.shopify.mapping.catalog import (
    map_inventory_level,
    map_location,
    map_product,
    map_variant,
)
from platforms.shopify.mapping.orders import map_order
from platforms.shopify.pagination import MAX_LIMIT

INVENTORY_ITEMS_PER_REQUEST = 50  # Shopify's documented max for inventory_item_ids

_STATUS_FILTER = {
    OrderStatus.OPEN: "open",
    OrderStatus.CLOSED: "closed",
    OrderStatus.CANCELLED: "cancelled",
}


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat()


class ShopifyClient(ShopifyPeopleReads):
    """`PlatformClient` for one Shopify store; construct one per store connection."""

    max_page_size = MAX_LIMIT

    def __repr__(self) -> str:
        return f"ShopifyClient(store_id={self.connection.store_id!r}, base={self._base!r})"

    # --- orders -----------------------------------------------------------------------

    async def list_orders(
        self, query: OrderQuery, *, cursor: str | None, limit: int
    ) -> Page[Order]:
        """One page of orders, newest `updated_at` first: exactly 1 upstream call."""
        ctx = self._ctx("list_orders")
        filters = {
            "status": _STATUS_FILTER.get(query.status, "any") if query.status else "any",
            "order": "updated_at desc",
        }
        if query.updated_after is not None:
            filters["updated_at_min"] = _iso(query.updated_after)
        if query.created_after is not None:
            filters["created_at_min"] = _iso(query.created_after)
        response = await self._page("orders.json", filters, cursor, limit, ctx)
        orders, errors = partition(self._orders(self._objects(response, "orders", ctx), ctx))
        return Page(orders, self.paginator.next_cursor(response.headers), errors)

    def _orders(
        self, payloads: list[dict[str, Any]], ctx: CallContext
    ) -> list[Order | PayloadError]:
        return self._map_each(ctx, map_order, payloads, shop_currency=self._currency)

    async def get_orders(self, ids: Sequence[str]) -> Mapping[str, Order]:
        """Orders by id: ceil(n / 250) upstream calls (`orders.json?ids=`), run concurrently."""
        ctx = self._ctx("get_orders")
        wanted = _numeric_ids(ids)
        rows = await self._by_ids("orders", wanted, ctx, status="any")
        return Found.keyed(*partition(self._orders(rows, ctx)), lambda o: o.external_id, wanted)

    # --- catalogue --------------------------------------------------------------------

    async def list_products(
        self, query: ProductQuery, *, cursor: str | None, limit: int
    ) -> Page[Product]:
        """One page of products, newest `updated_at` first: exactly 1 upstream call."""
        ctx = self._ctx("list_products")
        filters = {"order": "updated_at desc"}
        if query.updated_after is not None:
            filters["updated_at_min"] = _iso(query.updated_after)
        response = await self._page("products.json", filters, cursor, limit, ctx)
        rows = self._objects(response, "products", ctx)
        products, errors = partition(self._products(rows, ctx))
        return Page(products, self.paginator.next_cursor(response.headers), errors)

    def _products(
        self, payloads: list[dict[str, Any]], ctx: CallContext
    ) -> list[Product | PayloadError]:
        return self._map_each(ctx, map_product, payloads, shop_currency=self._currency)

    async def get_products(self, ids: Sequence[str]) -> Mapping[str, Product]:
        """Products (with variants) by id: ceil(n / 250) calls (`products.json?ids=`)."""
        ctx = self._ctx("get_products")
        wanted = _numeric_ids(ids)
        rows = await self._by_ids("products", wanted, ctx)
        return Found.keyed(*partition(self._products(rows, ctx)), lambda p: p.external_id, wanted)

    async def get_variants(
        self, keys: Sequence[VariantKey], *, complete_parents: bool = True
    ) -> VariantBatch:
        """Variants by id, with their parent products.

        Shopify REST has no batch variant endpoint, but products embed their variants:
        keys with a product hint cost ceil(P / 250) calls for P distinct parents. Keys without
        a hint (or whose hint was wrong) cost one `variants/{id}.json` each, concurrently,
        plus ceil(P' / 250) calls for parents not already fetched. Parents come whole, so
        `complete_parents` changes nothing.
        """
        wanted = set(_numeric_ids(k.external_id for k in keys))
        hinted = [k for k in keys if k.external_id in wanted and k.product_external_id]
        products = await self.get_products([k.product_external_id or "" for k in hinted])
        variants = {
            v.external_id: v
            for p in products.values()
            for v in p.variants
            if v.external_id in wanted
        }
        singles, errors = partition(
            await self._variants_one_by_one(sorted(wanted - variants.keys()))
        )
        variants.update({v.external_id: v for v in singles})
        parents = {v.product_external_id for v in singles} - products.keys()
        more = await self.get_products(sorted(parents))
        return VariantBatch(
            variants=variants,
            products={**products, **more},
            errors={e.external_id or "": e for e in errors},
        )

    async def _variants_one_by_one(self, ids: Sequence[str]) -> list[Variant | PayloadError]:
        async def one(variant_id: str) -> list[Variant | PayloadError]:
            ctx = self._ctx("get_variant", variant_id)
            try:
                response = await self._get(f"variants/{variant_id}.json", {}, ctx)
            except NotFoundError:
                return []  # absent, not an error for the batch
            payload = self._body(response, "variant", ctx)
            try:
                return [self._map(ctx, map_variant, payload, shop_currency=self._currency)]
            except PayloadError as error:
                return [error]

        return await self._gather(one, ids)

    # --- inventory --------------------------------------------------------------------

    async def get_inventory_levels(
        self, inventory_item_ids: Sequence[str]
    ) -> Mapping[str, list[InventoryLevel]]:
        """Levels at every location by inventory item: one call per 50 items (Shopify's cap),
        more only when a chunk has over 250 levels. Items without levels are absent."""
        ctx = self._ctx("get_inventory_levels")

        async def chunk(part: list[str]) -> list[InventoryLevel | PayloadError]:
            params = {"inventory_item_ids": ",".join(part)}
            rows = await self._walk("inventory_levels.json", params, "inventory_levels", ctx)
            return self._map_each(ctx, map_inventory_level, rows, "inventory_item_id")

        wanted = _numeric_ids(inventory_item_ids)
        chunks = await self._gather(chunk, chunked(wanted, INVENTORY_ITEMS_PER_REQUEST))
        levels, errors = partition(chunks)
        result: Found[list[InventoryLevel]] = Found()
        for level in levels:
            result.setdefault(level.inventory_item_id, []).append(level)
        for error in errors:
            # one bad row makes the item's level list incomplete: the whole item is in error.
            result.pop(error.external_id or "", None)
            result.errors[error.external_id or ""] = error
        return result

    async def list_locations(self) -> list[Location]:
        """Every location: 1 upstream call (`locations.json` is not paginated in practice)."""
        ctx = self._ctx("list_locations")
        rows = await self._walk("locations.json", {}, "locations", ctx)
        return [self._map(ctx, map_location, row) for row in rows]
