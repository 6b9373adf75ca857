"""Shopify GraphQL reads of products, variants, inventory levels and locations."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp

from platforms.adapter import Page, ProductQuery, StoreConnection, VariantBatch, VariantKey
from platforms.canonical import InventoryLevel, Location, Product
from platforms.client_kit import numeric_ids
from platforms.errors import PayloadError
from platforms.http import CallContext, RetryPolicy
from platforms.mapping.kit import Found
from platforms.shopify.client_graphql_people import (
    ShopifyGraphqlPeople,
    next_cursor,
    page_nodes,
    search_time,
)
from platforms.shopify.documents import Enum, Field, conn, gid, node_by_id, nodes, numeric_id
from platforms.shopify.documents import query as document
from platforms.shopify.graphql import pack
from platforms.shopify.mapping import common as m
from platforms.shopify.mapping import graphql_common as g
from platforms.shopify.mapping.graphql_catalog import (
    LOCATION,
    PRODUCT,
    VARIANT,
    levels_at,
    levels_listed,
    map_level,
    map_location,
    map_product,
    map_variant,
    product_fields,
    variant_fields,
)

VARIANTS_PER_PRODUCT = 10  # read with the product; a product with more pages the rest
MORE_VARIANTS = 100  # each further page of a product's variants
LOCATIONS_PER_PAGE = 50
# A store's locations, as the inventory reads name them, are reused this long: a location
# added since is missing from levels for at most this long (the gateway caches them as long).
LOCATIONS_TTL = 60.0
# Up to this many locations, an item's levels are read one alias per location (2 points
# each); beyond, as a connection (2 + 3 a level) that a store with many locations pages.
ALIASED_LOCATIONS = 25
LEVELS_PER_PAGE = 10
MORE_LEVELS = 100
# A product read as a variant's parent without its variant list (`partial_products`).
PARTIAL_PRODUCT = tuple(f for f in PRODUCT if f.name != "metafields")

Row = Mapping[str, Any]  # one object of an answer


def locations_page(cursor: str | None = None) -> Field:
    """A page of the store's locations, active or not, in id order as REST lists them (the
    GraphQL default is by name), so stock and locations read alike on either API."""
    return conn(
        "locations", LOCATIONS_PER_PAGE, *LOCATION, after=cursor, includeInactive=True,
        sortKey=Enum("ID"),
    )  # fmt: skip


class ShopifyGraphqlCatalog(ShopifyGraphqlPeople):
    """Products (`products`, `nodes`), variants (`nodes`), stock (`nodes` of inventory items)
    and locations (`locations`), each in as few documents as 1,000 points allow."""

    def __init__(
        self,
        connection: StoreConnection,
        *,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(connection, session=session, retry=retry)
        self._locations: tuple[float, list[Location]] | None = None
        self._listing: asyncio.Future[list[Location]] | None = None

    # --- products ---------------------------------------------------------------------

    async def list_products(
        self, query: ProductQuery, *, cursor: str | None, limit: int
    ) -> Page[Product]:
        """One page of products (newest `updated_at` first, variants included): 1 document,
        plus one per 1,000 points of variants beyond each product's first 10."""
        ctx = self._ctx("list_products")
        search = None
        if query.updated_after is not None:
            search = f"updated_at:>='{search_time(query.updated_after)}'"

        def build(first: int) -> Field:
            return conn(
                "products", first, *product_fields(VARIANTS_PER_PRODUCT), query=search,
                after=cursor, sortKey=Enum("UPDATED_AT"), reverse=True,
            )  # fmt: skip

        page = (await self._page(build, limit, ctx, cursor)).get("products") or {}
        products, errors = await self._products(page_nodes(page), ctx)
        return Page(products, next_cursor(page), errors)

    async def get_products(self, ids: Sequence[str]) -> Mapping[str, Product]:
        """Products (with every variant) by id: `nodes(ids:)` packed by cost."""
        ctx = self._ctx("get_products")
        wanted = numeric_ids(ids)
        rows = await self._nodes("Product", wanted, product_fields(VARIANTS_PER_PRODUCT), ctx)
        products, errors = await self._products(rows, ctx)
        return Found.keyed(products, errors, lambda p: p.external_id, wanted)

    async def _products(
        self, rows: list[Row], ctx: CallContext
    ) -> tuple[list[Product], list[PayloadError]]:
        more = await self._more_variants(rows, ctx)
        products, errors = [], []
        for row in rows:
            variants = [*g.nodes_of(row.get("variants")), *more.get(numeric_id(row.get("id")), [])]
            try:
                products.append(
                    self._map(
                        ctx, map_product, row, shop_currency=self._currency, variants=variants
                    )
                )
            except PayloadError as error:
                errors.append(error)
        return products, errors

    async def _more_variants(
        self, rows: list[Row], ctx: CallContext
    ) -> dict[str | None, list[Row]]:
        """The variants of each product past its first page, page by page."""
        more: dict[str | None, list[Row]] = {}
        todo = {
            numeric_id(r.get("id")): g.end_cursor(r.get("variants"))
            for r in rows
            if g.has_next_page(r.get("variants"))
        }
        while todo:
            more_variants = ("variants", MORE_VARIANTS, VARIANT)
            pages = await self._by_alias("product", "Product", todo, more_variants, ctx)
            todo = {}
            for product_id, page in pages.items():
                more.setdefault(product_id, []).extend(g.nodes_of(page))
                if g.has_next_page(page):
                    todo[product_id] = g.end_cursor(page)
        return more

    async def _by_alias(
        self,
        root: str,
        kind: str,
        cursors: Mapping[str | None, str | None],
        connection: tuple[str, int, tuple[Field, ...]],
        ctx: CallContext,
    ) -> dict[str | None, Any]:
        """The next page of one connection (name, page size, fields) of several objects
        (`root(id:)` aliased, each after its own cursor), packed by cost:
        {object id: the connection's page}."""
        ids = [i for i in cursors if i]
        name, first, fields = connection

        def one(n: int, ident: str) -> Field:
            part = conn(name, first, *fields, after=cursors[ident])
            return node_by_id(root, gid(kind, ident), part, alias=f"o{n}")

        docs = (
            [
                (part, document(*(one(n, i) for n, i in enumerate(part))))
                for part in pack(ids, one(0, ids[0]).cost)
            ]
            if ids
            else []
        )
        answers = await self._queries([doc for _, doc in docs], ctx)
        found: dict[str | None, Any] = {}
        for (part, _), data in zip(docs, answers, strict=True):
            for n, ident in enumerate(part):
                found[ident] = (data.get(f"o{n}") or {}).get(name) or {}
        return found

    async def _nodes(
        self, kind: str, ids: Sequence[str], fields: tuple[Field, ...], ctx: CallContext
    ) -> list[Row]:
        """`nodes(ids:)` of one type, in as few documents as the limits allow, at once."""
        each = nodes(kind, ["x"], *fields).cost
        docs = [
            document(nodes(kind, [gid(kind, i) for i in part], *fields)) for part in pack(ids, each)
        ]
        return [r for data in await self._queries(docs, ctx) for r in m.dicts(data.get("nodes"))]

    # --- variants ---------------------------------------------------------------------

    async def get_variants(
        self, keys: Sequence[VariantKey], *, complete_parents: bool = True
    ) -> VariantBatch:
        """Variants by id through `nodes(ids:)`: with each parent's own fields only
        (`partial_products`) when `complete_parents` is False, else with the parents whole,
        read by `nodes(ids:)` of the products (hints need no round trip first)."""
        ctx = self._ctx("get_variants")
        wanted = numeric_ids(k.external_id for k in keys)
        parent = (
            PARTIAL_PRODUCT if not complete_parents else tuple(f for f in PRODUCT if f.name == "id")
        )
        hinted = numeric_ids(k.product_external_id or "" for k in keys)
        rows, parents = await asyncio.gather(
            self._nodes("ProductVariant", wanted, variant_fields(parent), ctx),
            self.get_products(hinted) if complete_parents else _nothing(),
        )
        found, errors = self._map_each(ctx, map_variant, rows, shop_currency=self._currency)
        variants = {v.external_id: v for v in found if v.external_id in set(wanted)}
        batch_errors = {e.external_id or "": e for e in errors}
        if not complete_parents:
            partial = self._partial_parents(rows, ctx)
            return VariantBatch(variants, {}, batch_errors, partial)
        missing = {v.product_external_id for v in variants.values()} - parents.keys()
        more = await self.get_products(sorted(missing)) if missing else {}
        products = {**parents, **more}
        return VariantBatch(variants, products, batch_errors)

    def _partial_parents(self, rows: list[Row], ctx: CallContext) -> dict[str, Product]:
        """Each variant's parent as read with it: every field but its variants and metafields."""
        parents: dict[str, Product] = {}
        for row in rows:
            product = row.get("product")
            if isinstance(product, dict) and numeric_id(product.get("id")) not in parents:
                try:
                    mapped = self._map(ctx, map_product, product, shop_currency=self._currency)
                except PayloadError:
                    continue  # the parent is only a by-product: its variant stands
                parents[mapped.external_id] = mapped
        return parents

    # --- inventory and locations ------------------------------------------------------

    async def get_inventory_levels(
        self, inventory_item_ids: Sequence[str]
    ) -> Mapping[str, list[InventoryLevel]]:
        """Levels at every location by inventory item: `nodes(ids:)` of the items, one alias
        per known location (2 points each), packed by cost. Items without levels are absent."""
        ctx = self._ctx("get_inventory_levels")
        wanted = numeric_ids(inventory_item_ids)
        locations = [loc.external_id for loc in await self._location_list()]
        if len(locations) <= ALIASED_LOCATIONS:
            rows = await self._nodes("InventoryItem", wanted, levels_at(locations), ctx)
            return self.levels_of(rows, locations, ctx)
        rows = await self._nodes("InventoryItem", wanted, (levels_listed(LEVELS_PER_PAGE),), ctx)
        more = await self._more_levels(rows, ctx)
        return self.levels_of(rows, None, ctx, more)

    async def _more_levels(self, rows: list[Row], ctx: CallContext) -> dict[str | None, list[Row]]:
        more: dict[str | None, list[Row]] = {}
        todo = {
            numeric_id(r.get("id")): g.end_cursor(r.get("inventoryLevels"))
            for r in rows
            if g.has_next_page(r.get("inventoryLevels"))
        }
        next_levels = ("inventoryLevels", MORE_LEVELS, levels_listed(1).fields)
        while todo:
            pages = await self._by_alias("inventoryItem", "InventoryItem", todo, next_levels, ctx)
            todo = {}
            for item_id, page in pages.items():
                more.setdefault(item_id, []).extend(g.nodes_of(page))
                if g.has_next_page(page):
                    todo[item_id] = g.end_cursor(page)
        return more

    def levels_of(
        self,
        rows: list[Row],
        locations: list[str] | None,
        ctx: CallContext,
        more: Mapping[str | None, list[Row]] | None = None,
    ) -> Found[list[InventoryLevel]]:
        """Map items' levels: the aliased ones (`locations` in alias order) or the listed ones."""
        result: Found[list[InventoryLevel]] = Found()
        for row in rows:
            item = numeric_id(row.get("id"))
            if item is None:
                continue
            pairs: list[tuple[Any, str | None]]
            if locations is not None:
                pairs = [(row.get(f"l{n}"), loc) for n, loc in enumerate(locations)]
            else:
                listed = [*g.nodes_of(row.get("inventoryLevels")), *(more or {}).get(item, [])]
                pairs = [(level, None) for level in listed]
            try:
                levels = [
                    self._map(ctx, map_level, level, item_id=item, location_id=loc)
                    for level, loc in pairs
                    if isinstance(level, dict)
                ]
            except PayloadError as error:
                # one bad level makes the item's list incomplete: the whole item is in error
                result.errors[item] = error
                continue
            if levels:
                result[item] = levels
        return result

    async def list_locations(self) -> list[Location]:
        """Every location, active or not: `locations(first: 50)` pages (1 for most stores),
        reused for `LOCATIONS_TTL` seconds."""
        return list(await self._location_list())

    def locations_known(self) -> bool:
        """Whether the store's locations were read less than `LOCATIONS_TTL` seconds ago."""
        known = self._locations
        return known is not None and time.monotonic() - known[0] < LOCATIONS_TTL

    async def _location_list(self) -> list[Location]:
        if self._locations is not None and self.locations_known():
            return self._locations[1]
        if self._listing is None or self._listing.done():
            # one listing at a time: the levels read and the gateway's location prefetch
            # of the same request share it
            self._listing = asyncio.ensure_future(self._read_locations())
        return await asyncio.shield(self._listing)

    async def _read_locations(self) -> list[Location]:
        ctx = self._ctx("list_locations")
        rows: list[Row] = []
        cursor: str | None = None
        while True:
            field = locations_page(cursor)
            page = (await self._query(document(field), ctx)).get("locations") or {}
            rows += page_nodes(page)
            cursor = next_cursor(page)
            if cursor is None:
                break
        found = [self._map(ctx, map_location, row) for row in rows]
        self.remember_locations(found)
        return found

    def remember_locations(self, locations: list[Location]) -> None:
        """Locations read now (by any document): what the inventory reads name for a while."""
        self._locations = (time.monotonic(), locations)


async def _nothing() -> Mapping[str, Product]:
    return {}
