"""BigCommerce client: V2 orders, V3 catalog and multi-location inventory, one per store."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime

from platforms.adapter import OrderQuery, Page, ProductQuery, VariantBatch, VariantKey
from platforms.bigcommerce.client_people import BigCommercePeopleReads, iso
from platforms.bigcommerce.mapping.catalog import map_levels, map_location, map_product
from platforms.bigcommerce.mapping.common import parse_time
from platforms.bigcommerce.mapping.orders import map_order, map_taxes, status_ids_for
from platforms.bigcommerce.pagination import (
    MAX_LIMIT,
    MAX_ORDERS_PAGE,
    OrdersCursor,
    v3_next,
    v3_params,
)
from platforms.bigcommerce.rest import Payload
from platforms.canonical import InventoryLevel, Location, Order, Product, TaxLine, Variant
from platforms.client_kit import numeric_ids
from platforms.errors import NotFoundError, PayloadError
from platforms.mapping.kit import Found

# line items come with the orders page: 1 call a page, not 1 + one products call per order
WITH_LINES = {"include": "consignments.line_items", "consignment_structure": "object"}
CATALOG_INCLUDE = "variants,custom_fields"


def id_windows(ids: Sequence[str], span: int = MAX_LIMIT) -> list[tuple[int, int]]:
    """Sorted integer ids packed into `min_id`..`max_id` windows of fewer than `span` ids,
    so one V2 page of `span` rows holds each window whole (V2 has no `id:in`)."""
    windows: list[tuple[int, int]] = []
    for value in sorted({int(i) for i in ids}):
        if windows and value - windows[-1][0] < span:
            windows[-1] = (windows[-1][0], value)
        else:
            windows.append((value, value))
    return windows


class BigCommerceClient(BigCommercePeopleReads):
    """Live reads from one BigCommerce store (`{base_url}/v2|v3`).

    Upstream calls per read: list_orders 1 a page (line items included); get_orders 1 per
    window of 250 consecutive ids; list_products 1 a page; get_products ceil(n/250)
    (variants included); get_variants that, + 1 per 250 variant ids given without a parent
    (`catalog/variants?id:in=`); get_tax_lines 1 per taxed order (only for `taxLines`);
    get_inventory_levels ceil(n/250) (`inventory/items`, every
    location in one row); list_locations 1.
    """

    max_page_size = MAX_ORDERS_PAGE

    def __repr__(self) -> str:
        return f"BigCommerceClient(store_id={self.connection.store_id!r})"

    # --- orders -----------------------------------------------------------------------

    def _order(self, payload: Payload) -> Order:
        order = map_order(
            payload, store_id=self.connection.store_id, default_currency=self._currency
        )
        self.remember_currency(order.external_id, order.currency_code)
        return order

    async def list_orders(
        self, query: OrderQuery, *, cursor: str | None, limit: int
    ) -> Page[Order]:
        """One page, newest modification first: exactly 1 call (see `OrdersCursor`)."""
        position = OrdersCursor.parse(cursor)
        params = {**position.params(limit), **WITH_LINES}
        if query.updated_after is not None:
            params["min_date_modified"] = iso(query.updated_after)
        if query.created_after is not None:
            params["min_date_created"] = iso(query.created_after)
        rows = await self.v2_list("v2/orders", params, "list_orders")
        page, next_cursor = position.page(rows, limit, lambda r: parse_time(r.get("date_modified")))
        orders, errors = self._site("list_orders").each(self._order, page)
        # V2 filters one status_id a call: the canonical status's several are kept here
        if query.updated_after is not None:
            orders = [o for o in orders if o.updated_at > query.updated_after]
        if query.created_after is not None:
            orders = [o for o in orders if o.created_at > query.created_after]
        if query.status is not None:
            wanted = set(status_ids_for(query.status))
            orders = [o for o in orders if o.raw.get("status_id") in wanted]
        return Page(orders, next_cursor, errors)

    async def get_orders(self, ids: Sequence[str]) -> Mapping[str, Order]:
        """Orders by id: 1 call per window of 250 consecutive ids."""
        found: list[Payload] = []
        for low, high in id_windows(numeric_ids(ids)):
            params = {"min_id": str(low), "max_id": str(high), "limit": str(MAX_LIMIT)}
            found += await self.v2_list("v2/orders", {**params, **WITH_LINES}, "get_orders")
        wanted = set(ids)
        rows = [r for r in found if str(r.get("id")) in wanted]
        mapped = self._site("get_orders").each(self._order, rows)
        return Found.keyed(*mapped, lambda o: o.external_id, ids)

    # --- taxes: a V2 sub-resource that no order `include` brings along ---------------------

    def embedded_tax_lines(self, order: Order) -> list[TaxLine] | None:
        """[] at 0 calls for an untaxed order; None (fetch) otherwise."""
        return [] if order.total_tax.amount == 0 else None

    async def get_tax_lines(self, order_ids: Sequence[str]) -> Mapping[str, list[TaxLine]]:
        """One `v2/orders/{id}/taxes` per order, concurrently (V2 has no batch read; an
        order without taxes answers 204)."""
        ids = numeric_ids(order_ids)
        fetched = await asyncio.gather(*(self._taxes(i) for i in ids))
        return self._per_order(order_ids, dict(zip(ids, fetched, strict=True)))

    async def _taxes(self, order_id: str) -> list[TaxLine] | PayloadError:
        try:
            rows = await self.v2_list(
                f"v2/orders/{order_id}/taxes", {"limit": str(MAX_LIMIT)}, "get_tax_lines"
            )
        except NotFoundError:
            return []
        # tax rows carry no currency: their order's, as this client mapped it
        currency = self.order_currencies.get(order_id, self._currency)
        try:
            taxes = self._site("get_tax_lines").one(
                lambda r: map_taxes(r, currency), rows, order_id
            )
        except PayloadError as error:
            return error
        return list(taxes)

    # --- products and variants ----------------------------------------------------------

    def _products(
        self, rows: list[Payload], operation: str
    ) -> tuple[list[Product], list[PayloadError]]:
        store, currency = self.connection.store_id, self._currency
        return self._site(operation).each(
            lambda p: map_product(p, store_id=store, currency=currency), rows
        )

    async def list_products(
        self, query: ProductQuery, *, cursor: str | None, limit: int
    ) -> Page[Product]:
        """One page, newest modification first, variants included: exactly 1 call."""
        params = v3_params(cursor, limit)
        params.update({"include": CATALOG_INCLUDE, "sort": "date_modified", "direction": "desc"})
        if query.updated_after is not None:
            params["date_modified:min"] = iso(query.updated_after)
        rows, body = await self.v3_list("v3/catalog/products", params, "list_products")
        products, errors = self._products(rows, "list_products")
        if query.updated_after is not None:
            after: datetime = query.updated_after
            products = [p for p in products if p.updated_at is not None and p.updated_at > after]
        return Page(products, v3_next(params, body), errors)

    async def get_products(self, ids: Sequence[str]) -> Found[Product]:
        """Products by id, variants included: ceil(n/250) calls."""
        rows = await self.v3_by_ids(
            "v3/catalog/products", ids, "get_products", include=CATALOG_INCLUDE
        )
        return Found.keyed(*self._products(rows, "get_products"), lambda p: p.external_id, ids)

    async def get_variants(
        self, keys: Sequence[VariantKey], *, complete_parents: bool = True
    ) -> VariantBatch:
        """Variants by id: their parents' products (variants included, so parents are whole);
        ids given without a parent are looked up first in `catalog/variants?id:in=`."""
        unhinted = [k.external_id for k in keys if k.product_external_id is None]
        parents = {k.external_id: k.product_external_id for k in keys if k.product_external_id}
        if numeric_ids(unhinted):
            for row in await self.v3_by_ids("v3/catalog/variants", unhinted, "get_variants"):
                parents.setdefault(str(row.get("id")), str(row.get("product_id")))
        products = await self.get_products([p for p in parents.values() if p])
        loaded = {v.external_id: v for p in products.values() for v in p.variants}
        variants: dict[str, Variant] = {}
        errors: dict[str, PayloadError] = {}
        for key in keys:
            variant = loaded.get(key.external_id)
            parent = parents.get(key.external_id)
            if variant is not None and variant.product_external_id == parent:
                variants[key.external_id] = variant
            elif parent in products.errors:
                errors[key.external_id] = products.errors[parent]
        return VariantBatch(variants=variants, products=products, errors=errors)

    # --- inventory --------------------------------------------------------------------

    async def get_inventory_levels(
        self, inventory_item_ids: Sequence[str]
    ) -> Mapping[str, list[InventoryLevel]]:
        """Levels per item (= variant id) at each location stocking it: ceil(n/250) calls of
        `inventory/items?variant_id:in=` (one row per variant, its locations inside)."""
        rows = await self.v3_by_ids(
            "v3/inventory/items", inventory_item_ids, "get_inventory_levels", key="variant_id:in"
        )
        store = self.connection.store_id
        site = self._site("get_inventory_levels")
        result: Found[list[InventoryLevel]] = Found()
        wanted = set(inventory_item_ids)
        for row in rows:
            identity = row.get("identity")
            item = str(identity.get("variant_id")) if isinstance(identity, dict) else ""
            if item not in wanted:
                continue
            try:
                result[item] = site.one(lambda r: map_levels(r, store_id=store), row, item)
            except PayloadError as error:
                result.errors[item] = error
        return result

    async def list_locations(self) -> list[Location]:
        """Every inventory location: 1 call."""
        rows, _ = await self.v3_list(
            "v3/inventory/locations", {"limit": str(MAX_LIMIT)}, "list_locations"
        )
        store = self.connection.store_id
        return [map_location(r, store_id=store) for r in rows]
