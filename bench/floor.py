"""The floor: a row's upstream calls made directly with the platform clients, no gateway.

The same requests in the same dependency order the API forces (orders before variants,
variants before stock), each store's calls concurrent where the API allows, with the
clients' own auth, JSON decoding and canonical mapping. What the gateway adds on top of
this is GraphQL parsing, validation, execution, serialisation and its HTTP server. For a
store read through Admin GraphQL the floor sends the gateway's own documents (the client is
given the same selection to push down), so both sides cost the same points.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from bench.load import Operation
from bench.procs import UNLIMITED, StoreInfo
from bench.queries import Row
from platforms.adapter import (
    OrderQuery,
    OrderSelection,
    PlatformClient,
    ProductQuery,
    RateLimitSettings,
    StoreConnection,
    VariantKey,
)
from platforms.canonical import Platform
from platforms.ids import decode_id
from platforms.registry import get_spec

# What the nested query reads of each order (as the gateway's `order_selection` finds it): a
# client that pushes a selection down (Shopify's Admin GraphQL) sends the gateway's documents
NESTED_SELECTION = OrderSelection(
    **{
        **dict.fromkeys(OrderSelection.__dataclass_fields__, False),
        **dict.fromkeys(
            ("line_items", "line_variants", "variants", "products", "inventory", "locations"),
            True,
        ),
    }
)


def connection(store: StoreInfo) -> StoreConnection:
    """The store's connection with the client bucket lifted, as in the overhead runs."""
    raw = store.raw
    return StoreConnection(
        store_id=store.id,
        platform=Platform(store.platform),
        base_url=store.url,
        name=raw["name"],
        currency_code=raw["currency"],
        api_version=raw["api_version"],
        credentials=dict(raw["credentials"]),
        options=dict(raw["options"]),
        rate_limit=RateLimitSettings(*UNLIMITED),
    )


@dataclass
class Clients:
    """One platform client per store, like the gateway's registry."""

    by_store: dict[str, PlatformClient]

    def op_for(self, row: Row) -> Operation:
        """The direct operation equivalent to a row's GraphQL query."""
        page = int(row.variables.get("first", 0))
        if row.query == "nested":
            return _nested(self.by_store[row.store_ids[0]], page)
        if row.query == "catalogue":
            return _catalogue(self.by_store[row.store_ids[0]], page)
        if row.query == "multi-store":
            return _multi([self.by_store[s] for s in row.store_ids], page)
        ids = [decode_id(r["id"]).external_id for r in row.variables["representations"]]
        return _entities(self.by_store[row.store_ids[0]], ids)


@contextlib.asynccontextmanager
async def clients(stores: list[StoreInfo]) -> AsyncIterator[Clients]:
    """Clients for these stores, closed on exit."""
    made = {s.id: get_spec(s.platform).create_client(connection(s), None) for s in stores}
    try:
        yield Clients(made)
    finally:
        await asyncio.gather(*(c.aclose() for c in made.values()))


def _nested(client: PlatformClient, page: int) -> Operation:
    async def op() -> None:
        query = OrderQuery(select=NESTED_SELECTION)
        orders = await client.list_orders(query, cursor=None, limit=page)
        if orders.related is not None:
            return  # pushed down: the page's documents fetched what its lines reach
        keys = {
            VariantKey(line.variant_external_id, line.product_external_id)
            for order in orders.items
            for line in order.line_items
            if line.variant_external_id
        }
        # the query reads `product { id title }`, not its variants: as the gateway does
        batch = await client.get_variants(list(keys), complete_parents=False)
        have = {*batch.products, *batch.partial_products}
        missing = {v.product_external_id for v in batch.variants.values()} - have
        items = [
            v.inventory_item_id
            for v in batch.variants.values()
            if v.inventory_item_id and v.inline_inventory is None
        ]
        await asyncio.gather(
            client.get_products(sorted(missing)) if missing else _nothing(),
            client.get_inventory_levels(items) if items else _nothing(),
            client.list_locations() if items else _nothing(),
        )

    return op


def _catalogue(client: PlatformClient, page: int) -> Operation:
    async def op() -> None:
        await client.list_products(ProductQuery(), cursor=None, limit=page)

    return op


def _multi(stores: list[PlatformClient], page: int) -> Operation:
    async def op() -> None:
        await asyncio.gather(
            *(c.list_orders(OrderQuery(), cursor=None, limit=page) for c in stores)
        )

    return op


def _entities(client: PlatformClient, ids: list[str]) -> Operation:
    async def op() -> None:
        await client.get_orders(ids)

    return op


async def _nothing() -> None:
    return None
