"""A large Shopify store's whole catalogue and stock through bulk queries (JSONL), not pages."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
import orjson

from platforms.adapter import OrderSelection
from platforms.canonical import InventoryLevel, Order, Product
from platforms.errors import PayloadError, UpstreamTimeoutError, UpstreamValidationError
from platforms.http import CallContext, Request
from platforms.shopify.client_graphql_people import search_time
from platforms.shopify.cost import MUTATION
from platforms.shopify.documents import Field, Shape, conn, numeric_id, obj, scalars
from platforms.shopify.documents import query as document
from platforms.shopify.graphql import ShopifyGraphql
from platforms.shopify.mapping.graphql_catalog import (
    LEVEL,
    PRODUCT,
    VARIANT,
    map_level,
    map_product,
)
from platforms.shopify.mapping.graphql_orders import map_order, order_fields

# Store option: a store with more variants than this reads its whole catalogue (the
# inventory poll) in bulk, and a backfill of more orders than this reads them in bulk. A bulk
# query costs 10 points however large the store, where pages cost about 11 points a variant
# with its stock: 50,000 SKUs would take the Standard plan's 100 points/s over an hour.
BULK_ABOVE = "bulk_above"
DEFAULT_BULK_ABOVE = 10_000
POLLS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0)  # seconds between status polls, the last repeated
DEADLINE = 3600.0  # a bulk query still running after this is given up (Shopify: days)
SIZE_TTL = 3600.0  # the store's variant count is asked again after this (1 request)
DONE = ("COMPLETED", "FAILED", "CANCELED", "EXPIRED")
# an order as the backfill reads it over pages (what REST's order payload gives)
PLAIN = OrderSelection(custom_fields=False, fulfillments=False, refunds=False)
RUN = (
    "mutation BulkOperationRunQuery($query: String!) { bulkOperationRunQuery(query: $query, "
    "groupObjects: false) { bulkOperation { id status } userErrors { field message code } } }"
)


def edges(field: Field) -> str:
    """A field as bulk queries take it: connections as `edges { node }`, no pages."""
    inner = " ".join(edges(f) for f in field.fields)
    if field.shape is Shape.CONNECTION:
        return f"{field.name} {{ edges {{ node {{ {inner} }} }} }}"
    return field.render()


# Two bulk queries run at once (Shopify runs up to five per shop since 2026-01): products
# with their variants and metafields, and every location's levels naming their item. The
# levels hang off locations, not variants, so each JSONL line names its parent plainly.
_PRODUCT = " ".join(edges(f) for f in PRODUCT)
_VARIANT = " ".join(f.render() for f in VARIANT)
_LEVEL = " ".join(f.render() for f in LEVEL if f.name != "location")
CATALOGUE = (
    "{ products { edges { node { " + _PRODUCT
    + " variants { edges { node { " + _VARIANT + " } } } } } } }"
)  # fmt: skip
STOCK = (
    "{ locations(includeInactive: true) { edges { node { id inventoryLevels { edges { node { "
    + _LEVEL + " item { id } } } } } } } }"
)  # fmt: skip


History = tuple[list[Order], list[PayloadError]]  # orders, and those that did not map


@dataclass
class BulkCatalogue:
    """Every product (variants included) and every stock level, and what did not map."""

    products: list[Product] = field(default_factory=list)
    levels: list[InventoryLevel] = field(default_factory=list)
    errors: list[PayloadError] = field(default_factory=list)  # products
    level_errors: list[PayloadError] = field(default_factory=list)


class ShopifyBulkReads:
    """Bulk queries for one store, on its GraphQL client's transport and points bucket."""

    def __init__(self, api: ShopifyGraphql, *, deadline: float = DEADLINE) -> None:
        self.api = api
        self.deadline = deadline
        self._large: tuple[float, bool] | None = None  # (when asked, the answer)

    def threshold(self) -> int | None:
        """The store's `bulk_above` option (variants); None when set to "off"."""
        value = self.api.connection.options.get(BULK_ABOVE)
        if value is None:
            return DEFAULT_BULK_ABOVE
        return None if str(value).lower() == "off" else int(value)

    async def large(self) -> bool:
        """Whether the store has more variants than its threshold: asked (1 point) at most
        once per SIZE_TTL, so a steady poll costs no request for it."""
        limit = self.threshold()
        if limit is None:
            return False
        now = time.monotonic()
        if self._large is None or now - self._large[0] > SIZE_TTL:
            self._large = (now, await self._count_above(limit))
        return self._large[1]

    async def _count_above(
        self, limit: int, root: str = "productVariantsCount", **args: Any
    ) -> bool:
        """Whether Shopify counts more than `limit` (it stops counting just past it)."""
        ctx = self.api._ctx(f"count_{root}")
        given = (*args.items(), ("limit", limit + 1))
        count = Field(root, scalars("count"), given, None, Shape.OBJECT)
        found = (await self.api._query(document(count), ctx)).get(root) or {}
        return int(found.get("count") or 0) > limit

    async def catalogue_if_large(self) -> BulkCatalogue | None:
        """The whole catalogue in bulk when the store is large, else None (page it)."""
        return await self.catalogue() if await self.large() else None

    async def catalogue(self) -> BulkCatalogue:
        """Products and stock: both bulk queries at once, each polled and downloaded."""
        products, stock = await asyncio.gather(
            self.run(CATALOGUE, self.api._ctx("bulk_catalogue")),
            self.run(STOCK, self.api._ctx("bulk_stock")),
        )
        found = BulkCatalogue()
        self._products(products, found)
        self._levels(stock, found)
        return found

    # --- one bulk query ----------------------------------------------------------------

    async def run(self, text: str, ctx: CallContext) -> list[dict[str, Any]]:
        """Start a bulk query, poll it to its end, and read its JSONL lines."""
        started = await self._post(RUN, {"query": text}, MUTATION, ctx)
        payload = started.get("bulkOperationRunQuery") or {}
        refused = payload.get("userErrors") or []
        if refused or not (payload.get("bulkOperation") or {}).get("id"):
            message = "; ".join(str(e.get("message")) for e in refused)[:300]
            raise UpstreamValidationError(
                f"Shopify refused the bulk query: {message}", **ctx.where()
            )
        operation = await self._finished(str(payload["bulkOperation"]["id"]), ctx)
        if operation.get("status") != "COMPLETED":
            code = operation.get("errorCode") or operation.get("status")
            raise UpstreamValidationError(f"Shopify's bulk query ended {code}", **ctx.where())
        url = operation.get("url")
        return await self._download(str(url), ctx) if url else []  # no objects: no file

    async def _finished(self, ident: str, ctx: CallContext) -> Mapping[str, Any]:
        poll = obj("bulkOperation", *scalars("id status errorCode objectCount url"), id=ident)
        loop = asyncio.get_running_loop()
        until = loop.time() + self.deadline
        for n in range(1_000_000):
            operation = (await self.api._query(document(poll), ctx)).get("bulkOperation") or {}
            if operation.get("status") in DONE:
                return operation
            if loop.time() >= until:
                break
            await asyncio.sleep(POLLS[min(n, len(POLLS) - 1)])
        raise UpstreamTimeoutError("Shopify's bulk query is still running", **ctx.where())

    async def _post(
        self, text: str, variables: dict[str, Any], cost: int, ctx: CallContext
    ) -> dict[str, Any]:
        """A raw document through the transport (retried: starting a bulk read twice costs
        only a duplicate read); its `data`."""
        body = {"query": text, "variables": variables}
        request = Request("POST", self.api._endpoint, json=body, cost=cost)
        answer = (await self.api.transport.request(request, ctx)).json()
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict):
            raise PayloadError(f"Shopify {ctx.operation} answer lacks 'data'", **ctx.where())
        return data

    async def _download(self, url: str, ctx: CallContext) -> list[dict[str, Any]]:
        """The JSONL file at its signed URL: fetched without the store's token (the URL is
        storage, not the Admin API, and must never see the token)."""
        timeout = aiohttp.ClientTimeout(total=self.deadline, sock_read=60)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as plain, plain.get(url) as got:
                if got.status != 200:
                    raise UpstreamValidationError(
                        f"Shopify's bulk result answered {got.status}",
                        status=got.status,
                        **ctx.where(),
                    )
                lines = [orjson.loads(line) async for line in got.content if line.strip()]
        except aiohttp.ClientError as exc:
            raise UpstreamTimeoutError(
                f"Shopify's bulk result: {type(exc).__name__}", **ctx.where()
            ) from exc
        return [line for line in lines if isinstance(line, dict)]

    # --- JSONL back into payloads ------------------------------------------------------

    def _products(self, lines: list[dict[str, Any]], found: BulkCatalogue) -> None:
        ctx = self.api._ctx("bulk_catalogue")
        currency = self.api.connection.currency_code
        payloads = nest(lines, (*PRODUCT, conn("variants", 1, *VARIANT)))
        products, errors = self.api._map_each(ctx, map_product, payloads, shop_currency=currency)
        found.products += products
        found.errors += errors

    async def history_if_large(self, since: datetime) -> History | None:
        """Every order updated since `since` in one bulk query when there are more than the
        store's `bulk_above` option (1 request to count them), else None (walk the pages)."""
        limit = self.threshold()
        search = f"updated_at:>='{search_time(since)}'"
        if limit is None or not await self._count_above(limit, "ordersCount", query=search):
            return None
        ctx = self.api._ctx("bulk_orders")
        fields = order_fields(PLAIN, 1)
        text = (
            "{ orders(query: " + json.dumps(search) + ", sortKey: UPDATED_AT, reverse: true) "
            "{ edges { node { " + " ".join(edges(f) for f in fields) + " } } } }"
        )
        payloads = nest(await self.run(text, ctx), fields)
        currency = self.api.connection.currency_code
        return self.api._map_each(ctx, map_order, payloads, shop_currency=currency)

    def _levels(self, lines: list[dict[str, Any]], found: BulkCatalogue) -> None:
        """Level lines (their parent a location, their `item` named inline)."""
        ctx = self.api._ctx("bulk_stock")
        for line in lines:
            item = numeric_id((line.get("item") or {}).get("id"))
            location = numeric_id(line.get("__parentId"))
            if item is None or location is None:
                continue  # a location line
            payload = {k: v for k, v in line.items() if k not in ("__parentId", "item")}
            try:
                level = self.api._map(ctx, map_level, payload, item_id=item, location_id=location)
            except PayloadError as error:
                found.level_errors.append(error)
                continue
            found.levels.append(level)


def nest(lines: list[dict[str, Any]], fields: tuple[Field, ...]) -> list[dict[str, Any]]:
    """Bulk JSONL back into the payloads pages give: each root line with its children (lines
    whose `__parentId` is its id) under the connection whose fields they carry, as `nodes`
    (a bulk result is whole: no further pages)."""
    conns = {
        f.name: {g.alias or g.name for g in f.fields} for f in fields if f.shape is Shape.CONNECTION
    }
    children: dict[str, list[dict[str, Any]]] = {}
    roots = []
    for line in lines:
        parent = line.get("__parentId")
        if parent is None:
            roots.append(line)
        else:  # the JSONL's link, not a field of the object
            child = {k: v for k, v in line.items() if k != "__parentId"}
            children.setdefault(str(parent), []).append(child)
    payloads = []
    for root in roots:
        nested: dict[str, list[dict[str, Any]]] = {name: [] for name in conns}
        for child in children.get(str(root.get("id")), []):
            name = next((n for n, keys in conns.items() if set(child) <= keys), None)
            if name is not None:
                nested[name].append(child)
        payloads.append({**root, **{n: {"nodes": rows} for n, rows in nested.items()}})
    return payloads
