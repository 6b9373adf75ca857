"""Live reads from one Shopify store over Admin GraphQL, the caller's selection pushed down."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import aiohttp

from platforms.adapter import (
    OrderQuery,
    OrderSelection,
    Page,
    Related,
    StoreConnection,
)
from platforms.canonical import InventoryLevel, Order, OrderStatus, Variant
from platforms.client_kit import numeric_ids
from platforms.errors import InvalidInputError, UpstreamValidationError
from platforms.http import CallContext, RetryPolicy
from platforms.mapping.kit import Found
from platforms.shopify.client import ShopifyClient
from platforms.shopify.client_graphql_bulk import BulkCatalogue, History, ShopifyBulkReads
from platforms.shopify.client_graphql_catalog import (
    PARTIAL_PRODUCT,
    ShopifyGraphqlCatalog,
    locations_page,
)
from platforms.shopify.client_graphql_people import next_cursor, page_nodes, search_time
from platforms.shopify.cost import MAX_QUERY_COST
from platforms.shopify.documents import Enum, Field, conn, nodes, numeric_id, scalars
from platforms.shopify.documents import query as document
from platforms.shopify.graphql import pack
from platforms.shopify.mapping import graphql_common as g
from platforms.shopify.mapping.graphql_catalog import (
    map_location,
    map_variant,
    stocked_variant_fields,
)
from platforms.shopify.mapping.graphql_orders import (
    line_fields,
    map_order,
    needs_presentment,
    order_fields,
)
from platforms.shopify.pagination import MAX_LIMIT

# What an order read without a hint holds: what REST's order payload gives, less the
# fulfillments and refunds (read when asked: `embedded_*` answer None) and metafields.
PLAIN = OrderSelection(custom_fields=False, fulfillments=False, refunds=False)
MIN_LINES, MAX_LINES = 5, 50  # line items read with their order; more are paged
MORE_LINES = 100
_STATUS = {
    OrderStatus.OPEN: "status:open",
    OrderStatus.CLOSED: "status:closed",
    OrderStatus.CANCELLED: "status:cancelled",
}

Row = Mapping[str, Any]  # one object of an answer


class ShopifyGraphqlClient(ShopifyGraphqlCatalog):
    """`PlatformClient` for one Shopify store over Admin GraphQL (the default API).

    An orders page compiles the caller's selection (`OrderQuery.select`) into its document
    and fetches what its lines reach into `Page.related`: 1 document for the page (with the
    store's locations when stock is selected and they are not known), then `nodes(ids:)` of
    the lines' variants with their products and stock, packed into as few 1,000-point
    documents as their cost allows, sent at once. Writes are mutations on this client's
    transport (`writes/graphql_writer.py`); a large store's inventory poll reads in bulk
    (`whole_catalogue`).
    """

    max_page_size = MAX_LIMIT

    def __init__(
        self,
        connection: StoreConnection,
        *,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(connection, session=session, retry=retry)
        self.rest = ShopifyClient(connection, session=session, retry=retry)

    def __repr__(self) -> str:
        return f"ShopifyGraphqlClient(store_id={self.connection.store_id!r})"

    @property
    def calls(self) -> int:
        """Upstream HTTP requests sent so far, GraphQL and REST (retries included)."""
        return self.transport.calls + self.rest.transport.calls

    async def aclose(self) -> None:
        """Close both APIs' sessions (those this client created)."""
        await super().aclose()
        await self.rest.aclose()

    @functools.cached_property
    def bulk(self) -> ShopifyBulkReads:
        """This store's bulk queries (it remembers how large the store is for a while)."""
        return ShopifyBulkReads(self)

    async def whole_catalogue(self) -> BulkCatalogue | None:
        """Every product and stock level through bulk queries when the store has more
        variants than its `bulk_above` option (the inventory poll); None: page through it."""
        return await self.bulk.catalogue_if_large()

    async def whole_history(self, since: datetime) -> History | None:
        """Every order updated since `since` through one bulk query when there are more than
        the store's `bulk_above` option (the backfill); None: walk the pages."""
        return await self.bulk.history_if_large(since)

    # --- orders -----------------------------------------------------------------------

    async def list_orders(
        self, query: OrderQuery, *, cursor: str | None, limit: int
    ) -> Page[Order]:
        """One page of orders, newest `updated_at` first: 1 document of as many orders as
        1,000 points hold (at most `limit`), plus what `query.select` reaches (see class)."""
        ctx = self._ctx("list_orders")
        select = query.select or PLAIN
        stock_first = select.inventory and not self.locations_known()
        extra = (locations_field(),) if stock_first else ()
        points = sum(f.cost for f in extra)
        build = self._orders_field(query, select, cursor, limit, points)
        if build.size < min(limit, MAX_LIMIT) and (select.fulfillments or select.refunds):
            # they would cut the page into several sent one after another: the loaders read
            # them by id instead (`nodes(ids:)` of the page's orders), all at once
            select = dataclasses.replace(select, fulfillments=False, refunds=False)
            build = self._orders_field(query, select, cursor, limit, points)
        try:
            data = await self._query(document(build, *extra), ctx)
        except UpstreamValidationError:
            if cursor is None:
                raise
            raise InvalidInputError("Invalid pagination cursor", **ctx.where()) from None
        if stock_first:
            await self._adopt_locations(data.get("locations") or {}, ctx)
        page = data.get("orders") or {}
        rows = await self._presented(
            await self._whole_lines(page_nodes(page), select, ctx), select, ctx
        )
        orders, errors = self._map_each(ctx, map_order, rows, shop_currency=self._currency)
        related = await self._related(orders, select, ctx) if select.variants else None
        return Page(orders, next_cursor(page), errors, related)

    def _orders_field(
        self,
        query: OrderQuery,
        select: OrderSelection,
        cursor: str | None,
        limit: int,
        extra: int,
    ) -> Field:
        """The `orders` connection: lines per order sized so that `limit` orders fit the
        points left beside `extra` (within MIN_LINES..MAX_LINES), then as many orders as fit."""

        def build(first: int, lines: int) -> Field:
            return conn(
                "orders", first, *order_fields(select, lines), query=order_search(query),
                after=cursor, sortKey=Enum("UPDATED_AT"), reverse=True,
            )  # fmt: skip

        budget = MAX_QUERY_COST - extra
        base = build(1, 0).cost - build(0, 0).cost
        line = max(1, build(1, 1).cost - build(1, 0).cost)
        share = (budget - build(0, 0).cost) // max(1, min(limit, MAX_LIMIT))
        lines = min(MAX_LINES, max(MIN_LINES, (share - base) // line))
        each = build(1, lines).cost - build(0, lines).cost
        first = max(1, min(limit, (budget - build(0, lines).cost) // each))
        return build(first, lines)

    async def get_orders(self, ids: Sequence[str]) -> Mapping[str, Order]:
        """Orders by id: `nodes(ids:)` packed by cost, at once."""
        ctx = self._ctx("get_orders")
        wanted = numeric_ids(ids)
        fields = order_fields(PLAIN, lines_by_id(len(wanted)))
        rows = await self._nodes("Order", wanted, fields, ctx)
        rows = await self._presented(await self._whole_lines(rows, PLAIN, ctx), PLAIN, ctx)
        found, errors = self._map_each(ctx, map_order, rows, shop_currency=self._currency)
        return Found.keyed(found, errors, lambda o: o.external_id, wanted)

    async def _presented(
        self, rows: list[Row], select: OrderSelection, ctx: CallContext
    ) -> list[Row]:
        """The payloads, those read in shop money that need presentment money
        (`needs_presentment`) read again so, by `nodes(ids:)` packed by cost, at once: one
        more round trip, only for orders in another currency, with taxes in their prices or
        with a shipping discount."""
        again = [i for i in (numeric_id(r.get("id")) for r in rows if needs_presentment(r)) if i]
        if not again:
            return rows
        fields = order_fields(select, MIN_LINES * 2, presented=True)
        found = await self._whole_lines(await self._nodes("Order", again, fields, ctx), select, ctx)
        by_id = {numeric_id(r.get("id")): r for r in found}
        return [by_id.get(numeric_id(r.get("id")), r) for r in rows]

    async def _whole_lines(
        self, rows: list[Row], select: OrderSelection, ctx: CallContext
    ) -> list[Row]:
        """The payloads with every line item: orders with more than the first page get the
        rest through `order(id:) { lineItems(after:) }`, aliased and packed by cost."""
        todo = {
            numeric_id(r.get("id")): g.end_cursor(r.get("lineItems"))
            for r in rows
            if g.has_next_page(r.get("lineItems"))
        }
        more: dict[str | None, list[Row]] = {}
        presented = any(g.is_presented(r) for r in rows)
        # a presented line costs 11 points: 50 of them fit one alias
        size = MORE_LINES // 2 if presented else MORE_LINES
        lines = ("lineItems", size, line_fields(select, presented))
        while todo:
            pages = await self._by_alias("order", "Order", todo, lines, ctx)
            todo = {}
            for order_id, page in pages.items():
                more.setdefault(order_id, []).extend(g.nodes_of(page))
                if g.has_next_page(page):
                    todo[order_id] = g.end_cursor(page)
        if not more:
            return rows
        return [_with_lines(row, more.get(numeric_id(row.get("id")), [])) for row in rows]

    # --- what the page's lines reach --------------------------------------------------

    async def _related(
        self, orders: list[Order], select: OrderSelection, ctx: CallContext
    ) -> Related:
        """The lines' variants (with their products' own fields and, if selected, their stock
        at every location) by `nodes(ids:)`; whole products, if selected, by theirs."""
        ids = list(dict.fromkeys(li.variant_external_id for o in orders for li in o.line_items))
        wanted = [i for i in ids if i]
        locations = None
        if select.inventory:
            locations = [loc.external_id for loc in await self._location_list()]
        product = PARTIAL_PRODUCT if select.products else scalars("id")
        fields = stocked_variant_fields(product, locations)
        rows = await self._nodes("ProductVariant", wanted, fields, ctx)
        variants, _ = self._map_each(ctx, map_variant, rows, shop_currency=self._currency)
        related = Related(variants={v.external_id: v for v in variants})
        if select.products:
            related = await self._with_products(related, rows, variants, select, ctx)
        if locations is not None:
            items = [v.inventory_item_id for v in variants if v.inventory_item_id]
            levels = self.levels_of([r.get("inventoryItem") or {} for r in rows], locations, ctx)
            stock: dict[str, list[InventoryLevel]] = {i: levels.get(i, []) for i in items}
            for item in levels.errors:
                stock.pop(item, None)  # asked again by the loader: its error belongs there
            known = await self._location_list()
            related = _replace(related, inventory=stock, locations=list(known))
        return related

    async def _with_products(
        self,
        related: Related,
        rows: list[Row],
        variants: list[Variant],
        select: OrderSelection,
        ctx: CallContext,
    ) -> Related:
        if select.whole_products:
            parents = {v.product_external_id for v in variants}
            return _replace(related, products=dict(await self.get_products(sorted(parents))))
        return _replace(related, partial_products=self._partial_parents(rows, ctx))

    async def _adopt_locations(self, page: Mapping[str, Any], ctx: CallContext) -> None:
        """Locations read with an orders page: remembered, the rest of a long list paged."""
        found = [self._map(ctx, map_location, row) for row in page_nodes(page)]
        if next_cursor(page) is not None:
            self._locations = None
            await self._location_list()  # a store with more than one page lists them all
            return
        self.remember_locations(found)


def locations_field() -> Field:
    """The store's locations, read beside an orders page that needs their ids for stock."""
    return locations_page()


def order_search(query: OrderQuery) -> str | None:
    """Shopify's search syntax for the filters (`updated_at:>='…'`, inclusive as REST's
    `updated_at_min`); None for every order."""
    terms = []
    if query.status in _STATUS:
        terms.append(_STATUS[query.status])
    if query.updated_after is not None:
        terms.append(f"updated_at:>='{search_time(query.updated_after)}'")
    if query.created_after is not None:
        terms.append(f"created_at:>='{search_time(query.created_after)}'")
    return " ".join(terms) or None


def _with_lines(row: Row, more: list[Row]) -> Row:
    if not more:
        return row
    lines = row.get("lineItems") or {}
    merged = {**lines, "nodes": [*g.nodes_of(lines), *more]}
    return {**row, "lineItems": merged}


def _replace(related: Related, **changes: Any) -> Related:
    return dataclasses.replace(related, **changes)


@functools.lru_cache(maxsize=256)  # asked on every by-id batch: one answer per batch size
def lines_by_id(count: int) -> int:
    """Line items to read with each of `count` orders read by id: as many (up to
    MIN_LINES * 2) as keep them in the fewest documents that MIN_LINES allows, so 20 orders
    are one document of 48 points each rather than two of 78; an order with more lines gets
    the rest in one more round trip (`_whole_lines`)."""

    def documents(lines: int) -> int:
        each = nodes("Order", ["x"], *order_fields(PLAIN, lines)).cost
        return len(pack(["x"] * count, each))

    fewest = documents(MIN_LINES)
    return max(n for n in range(MIN_LINES, MIN_LINES * 2 + 1) if documents(n) == fewest)
