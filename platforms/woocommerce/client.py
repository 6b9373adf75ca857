"""WooCommerce REST v3 client: one per store connection, implementing PlatformClient."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from platforms.adapter import OrderQuery, Page, ProductQuery, VariantBatch, VariantKey
from platforms.canonical import InventoryLevel, Location, Order, Product, Variant
from platforms.errors import PayloadError
from platforms.mapping.kit import Found
from platforms.woocommerce.client_people import WooCommercePeopleReads
from platforms.woocommerce.mapping.catalog import (
    is_variable,
    map_product,
    map_variation,
    simple_variant,
    stock_level,
    store_location,
)
from platforms.woocommerce.mapping.orders import WOO_STATUSES_FOR, map_order
from platforms.woocommerce.pagination import MAX_PER_PAGE
from platforms.woocommerce.rest import Payload, numeric


def _gmt(value: datetime) -> str:
    # sent with dates_are_gmt=true, so WooCommerce compares against the *_gmt columns.
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


class WooCommerceClient(WooCommercePeopleReads):
    """Live reads from one WooCommerce store over REST v3 (`{base_url}/wp-json/wc/v3`).

    Upstream calls per read (V = variable products involved, U = variant/inventory ids
    given without a parent that are not simple products):
      list_orders 1 per page; get_orders ceil(n/100);
      list_products / get_products 1 per page or ceil(n/100), + V (each variable product's
      variations, which the products endpoint lists only as ids);
      get_variants ceil(parents/100) + V + U; get_inventory_levels ceil(n/100) + U;
      list_locations 0 (one synthetic location: core WooCommerce stock is not per place).
    """

    max_page_size = MAX_PER_PAGE

    def __repr__(self) -> str:
        return f"WooCommerceClient(store_id={self.connection.store_id!r})"

    # --- orders -----------------------------------------------------------------------

    def _order(self, payload: Payload) -> Order:
        return map_order(
            payload, store_id=self.connection.store_id, default_currency=self._currency
        )

    async def list_orders(
        self, query: OrderQuery, *, cursor: str | None, limit: int
    ) -> Page[Order]:
        """One page of orders, newest modification first: exactly 1 upstream call."""
        params = self._paginator.params(cursor, limit)
        params.update({"orderby": "modified", "order": "desc", "dates_are_gmt": "true"})
        if query.status is not None:
            params["status"] = ",".join(WOO_STATUSES_FOR.get(query.status, ("checkout-draft",)))
        if query.updated_after is not None:
            params["modified_after"] = _gmt(query.updated_after)
        if query.created_after is not None:
            params["after"] = _gmt(query.created_after)
        items, headers = await self._get_list("orders", params, "list_orders")
        orders, errors = self._site("list_orders").each(self._order, items)
        return Page(orders, self._paginator.next_cursor(params, headers), errors)

    async def get_orders(self, ids: Sequence[str]) -> Mapping[str, Order]:
        """Orders by id: `orders?include=..&per_page=100`, ceil(n/100) calls; unknown ids absent."""
        rows = await self._by_ids("orders", ids, "get_orders")
        mapped = self._site("get_orders").each(self._order, rows)
        return Found.keyed(*mapped, lambda o: o.external_id, ids)

    # --- products and variants ----------------------------------------------------------

    async def _variations(self, product_id: str) -> list[Payload]:
        """Every variation of one product, 100 per call (WooCommerce has no cross-product
        variations endpoint, so this is one call per variable product)."""
        params = self._paginator.params(None, MAX_PER_PAGE)
        found: list[Payload] = []
        while True:
            items, headers = await self._get_list(
                f"products/{product_id}/variations", params, "get_variations"
            )
            found.extend(items)
            nxt = self._paginator.next_cursor(params, headers)
            if nxt is None:
                return found
            params = self._paginator.params(nxt, MAX_PER_PAGE)

    async def _complete(
        self, payloads: list[Payload], operation: str
    ) -> tuple[list[Product], list[PayloadError]]:
        """Products with variants: variable ones get their variations fetched concurrently.
        Each product is mapped on its own (a bad one, or a bad variation, is its error)."""
        variable = [p for p in payloads if is_variable(p) and p.get("id")]
        fetched = await asyncio.gather(*(self._variations(str(p["id"])) for p in variable))
        by_parent = {str(p["id"]): v for p, v in zip(variable, fetched, strict=True)}

        def one(payload: Payload) -> Product:
            return map_product(
                payload,
                store_id=self.connection.store_id,
                currency=self._currency,
                variations=by_parent.get(str(payload.get("id"))),
            )

        return self._site(operation).each(one, payloads)

    async def list_products(
        self, query: ProductQuery, *, cursor: str | None, limit: int
    ) -> Page[Product]:
        """One page of products, newest modification first: 1 call + 1 per variable product."""
        params = self._paginator.params(cursor, limit)
        params.update({"orderby": "modified", "order": "desc", "dates_are_gmt": "true"})
        if query.updated_after is not None:
            params["modified_after"] = _gmt(query.updated_after)
        items, headers = await self._get_list("products", params, "list_products")
        products, errors = await self._complete(items, "list_products")
        return Page(products, self._paginator.next_cursor(params, headers), errors)

    async def get_products(self, ids: Sequence[str]) -> Found[Product]:
        """Products by id: ceil(n/100) `products?include=` calls + 1 per variable product."""
        rows = await self._by_ids("products", ids, "get_products")
        mapped = await self._complete(rows, "get_products")
        return Found.keyed(*mapped, lambda p: p.external_id, ids)

    async def _lone(self, ids: Iterable[str], operation: str) -> list[Payload]:
        """`products/{id}` per id, concurrently; WooCommerce answers it for variation ids too
        (woocommerce#41374), which is the only way to find a variation without its parent."""
        found = await asyncio.gather(
            *(self._get_optional(f"products/{i}", operation, i) for i in numeric(ids))
        )
        return [p for p in found if p is not None]

    async def get_variants(
        self, keys: Sequence[VariantKey], *, complete_parents: bool = True
    ) -> VariantBatch:
        """Variants by id plus the parent products fetched on the way.

        A simple product is its own variant (id = product id). Variations live under their
        parent and WooCommerce has no cross-product variations endpoint, so: one products
        batch for the parents (hinted parents + unhinted ids, which may be simple products),
        then each variable parent's variations (all of them, same call count as `include=`,
        so the parent returned is complete), then `products/{id}` for unhinted ids still
        unresolved. Calls: ceil(parents/100) + V + U. Parents come whole (the variations
        are fetched anyway), so `complete_parents` changes nothing.
        """
        parent_ids = [k.product_external_id or k.external_id for k in keys]
        products = await self.get_products(parent_ids)
        loaded = {v.external_id: v for p in products.values() for v in p.variants}
        variants: dict[str, Variant] = {}
        for key in keys:
            variant = loaded.get(key.external_id)
            hint = key.product_external_id
            if variant is not None and (hint is None or variant.product_external_id == hint):
                variants[key.external_id] = variant
        missing = [k.external_id for k in keys if k.external_id not in variants]
        unhinted = {k.external_id for k in keys if k.product_external_id is None}
        errors = {
            k.external_id: products.errors[k.product_external_id]
            for k in keys
            if k.external_id in missing and k.product_external_id in products.errors
        }
        site = self._site("get_variants")
        for payload in await self._lone([m for m in missing if m in unhinted], "get_variants"):
            try:
                variant = site.one(self._loose_variant, payload)
            except PayloadError as error:
                errors[error.external_id or ""] = error
                continue
            if variant is not None:
                variants[variant.external_id] = variant
                errors.pop(variant.external_id, None)
        return VariantBatch(variants=variants, products=products, errors=errors)

    def _loose_variant(self, payload: Payload) -> Variant | None:
        store, currency = self.connection.store_id, self._currency
        if payload.get("type") == "variation":
            return map_variation(payload, store_id=store, currency=currency)
        if is_variable(payload):
            return None  # a variable parent is not itself purchasable
        return simple_variant(payload, store_id=store, currency=currency)

    # --- inventory --------------------------------------------------------------------

    async def get_inventory_levels(
        self, inventory_item_ids: Sequence[str]
    ) -> Mapping[str, list[InventoryLevel]]:
        """Stock per item (= variant id) at the one location: ceil(n/100) + U calls.

        Variants already carry this as `inline_inventory`; this serves ids loaded some
        other way. Simple products come from one `products?include=` batch; ids it does
        not return (variations) cost one `products/{id}` call each.
        """
        store = self.connection.store_id
        found = {
            str(p["id"]): p
            for p in await self._by_ids("products", inventory_item_ids, "get_inventory_levels")
            if not is_variable(p)
        }
        rest = [i for i in inventory_item_ids if i not in found]
        for payload in await self._lone(rest, "get_inventory_levels"):
            if not is_variable(payload):
                found[str(payload.get("id"))] = payload
        site = self._site("get_inventory_levels")
        result: Found[list[InventoryLevel]] = Found()
        for item in dict.fromkeys(i for i in inventory_item_ids if i in found):

            def level(payload: Payload, item_id: str = item) -> list[InventoryLevel]:
                return [stock_level(payload, store_id=store, item_id=item_id)]

            try:
                result[item] = site.one(level, found[item], item)
            except PayloadError as error:
                result.errors[item] = error
        return result

    async def list_locations(self) -> list[Location]:
        """The store's one synthetic location: 0 upstream calls."""
        return [store_location(self.connection.store_id, self.connection.name)]
