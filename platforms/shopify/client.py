"""Live reads from one Shopify store over the Admin REST API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import aiohttp

from platforms.adapter import (
    OrderQuery,
    Page,
    ProductQuery,
    RateLimitSettings,
    StoreConnection,
    VariantBatch,
    VariantKey,
)
from platforms.canonical import (
    InventoryLevel,
    Location,
    Order,
    OrderStatus,
    Platform,
    Product,
    Variant,
)
from platforms.errors import (
    InvalidInputError,
    NotFoundError,
    PayloadError,
    UpstreamValidationError,
)
from platforms.http import CallContext, HttpTransport, Request, Response, RetryPolicy
from platforms.mapping_kit import Found, MapSite, partition
from platforms.ratelimit import LeakyBucket
from platforms.shopify.auth import ShopifyTokenAuth
from platforms.shopify.classify import ShopifyCallLimitObserver, ShopifyErrorClassifier
from platforms.shopify.client_people import ShopifyPeopleReads
from platforms.shopify.mapping import (
    map_inventory_level,
    map_location,
    map_order,
    map_product,
    map_variant,
)
from platforms.shopify.pagination import MAX_LIMIT, LinkPaginator

T = TypeVar("T")
K = TypeVar("K")

DEFAULT_API_VERSION = "2025-07"
DEFAULT_RATE_LIMIT = RateLimitSettings(40, 2)
IDS_PER_REQUEST = 250  # `ids=` on orders/products: one page of up to 250 objects
INVENTORY_ITEMS_PER_REQUEST = 50  # Shopify's documented max for inventory_item_ids

_STATUS_FILTER = {
    OrderStatus.OPEN: "open",
    OrderStatus.CLOSED: "closed",
    OrderStatus.CANCELLED: "cancelled",
}


def _chunks(ids: Sequence[str], size: int) -> list[list[str]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def _numeric_ids(ids: Iterable[str]) -> list[str]:
    """Distinct ids in first-seen order; non-numeric ids cannot exist on Shopify, so they are
    dropped here (absent from the result) rather than failing the whole batch upstream."""
    return list(dict.fromkeys(i for i in ids if i.isascii() and i.isdigit()))


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat()


class ShopifyClient(ShopifyPeopleReads):
    """`PlatformClient` for one Shopify store; construct one per store connection."""

    max_page_size = MAX_LIMIT

    def __init__(
        self,
        connection: StoreConnection,
        session: aiohttp.ClientSession | None = None,
        *,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.connection = connection
        auth = ShopifyTokenAuth(
            connection.credentials.get("access_token", ""), store_id=connection.store_id
        )
        self.transport = HttpTransport(
            connection,
            authenticator=auth,
            classifier=ShopifyErrorClassifier(redact=auth.redact),
            bucket=LeakyBucket(connection.rate_limit or DEFAULT_RATE_LIMIT),
            usage_observer=ShopifyCallLimitObserver(),
            retry=retry,
            session=session,
        )
        self.paginator = LinkPaginator()
        version = connection.api_version or DEFAULT_API_VERSION
        self._base = f"{connection.base_url.rstrip('/')}/admin/api/{version}/"
        self._currency = connection.currency_code

    def __repr__(self) -> str:
        return f"ShopifyClient(store_id={self.connection.store_id!r}, base={self._base!r})"

    # --- plumbing ---------------------------------------------------------------------

    def _ctx(self, operation: str, external_id: str | None = None) -> CallContext:
        return CallContext(self.connection.store_id, Platform.SHOPIFY.value, operation, external_id)

    async def _get(self, path: str, params: Mapping[str, str], ctx: CallContext) -> Response:
        return await self.transport.request(Request("GET", self._base + path, dict(params)), ctx)

    def _body(self, response: Response, key: str, ctx: CallContext) -> Any:
        body = response.json()
        if not isinstance(body, dict) or key not in body:
            raise PayloadError(
                f"Shopify {ctx.operation} answer lacks {key!r}",
                store_id=ctx.store_id,
                platform=ctx.platform,
                operation=ctx.operation,
            )
        return body[key]

    def _objects(self, response: Response, key: str, ctx: CallContext) -> list[dict[str, Any]]:
        value = self._body(response, key, ctx)
        return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []

    def _map(self, ctx: CallContext, mapper: Callable[..., T], payload: Any, **kw: Any) -> T:
        """Run a mapping function for this store; a failure is a PayloadError naming the store,
        operation and payload id."""
        site = MapSite(ctx.store_id, ctx.platform, ctx.operation)
        store = self.connection.store_id
        return site.one(lambda p: mapper(p, store_id=store, **kw), payload, ctx.external_id)

    def _map_each(
        self,
        ctx: CallContext,
        mapper: Callable[..., T],
        payloads: list[dict[str, Any]],
        id_field: str = "id",
        **kw: Any,
    ) -> list[T | PayloadError]:
        """Map each payload on its own: the good ones and one PayloadError per bad one."""
        site = MapSite(ctx.store_id, ctx.platform, ctx.operation)
        store = self.connection.store_id
        items, errors = site.each(
            lambda p: mapper(p, store_id=store, **kw),
            payloads,
            lambda p: None if p.get(id_field) is None else str(p.get(id_field)),
        )
        return [*items, *errors]

    async def _page(
        self,
        path: str,
        filters: Mapping[str, str],
        cursor: str | None,
        limit: int,
        ctx: CallContext,
    ) -> Response:
        """One listing page; Shopify's 400 on a cursor it did not issue is the caller's error."""
        params = self.paginator.params(filters, cursor=cursor, limit=limit)
        try:
            return await self._get(path, params, ctx)
        except UpstreamValidationError as error:
            if cursor is None or error.status != 400:
                raise
            raise InvalidInputError(
                "Invalid pagination cursor",
                store_id=ctx.store_id,
                platform=ctx.platform,
                operation=ctx.operation,
            ) from None

    async def _walk(
        self, path: str, params: Mapping[str, str], key: str, ctx: CallContext
    ) -> list[dict[str, Any]]:
        """Every object of a listing, following `Link: rel="next"` to the last page."""
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = self.paginator.params(params, cursor=cursor, limit=MAX_LIMIT)
            response = await self._get(path, page, ctx)
            found += self._objects(response, key, ctx)
            cursor = self.paginator.next_cursor(response.headers)
            if cursor is None:
                return found

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

        async def chunk(part: list[str]) -> list[Order | PayloadError]:
            params = {"ids": ",".join(part), "status": "any", "limit": str(IDS_PER_REQUEST)}
            response = await self._get("orders.json", params, ctx)
            return self._orders(self._objects(response, "orders", ctx), ctx)

        wanted = _numeric_ids(ids)
        found = await self._gather(chunk, _chunks(wanted, IDS_PER_REQUEST))
        return Found.keyed(*partition(found), lambda o: o.external_id, wanted)

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

        async def chunk(part: list[str]) -> list[Product | PayloadError]:
            params = {"ids": ",".join(part), "limit": str(IDS_PER_REQUEST)}
            response = await self._get("products.json", params, ctx)
            return self._products(self._objects(response, "products", ctx), ctx)

        wanted = _numeric_ids(ids)
        found = await self._gather(chunk, _chunks(wanted, IDS_PER_REQUEST))
        return Found.keyed(*partition(found), lambda p: p.external_id, wanted)

    async def get_variants(self, keys: Sequence[VariantKey]) -> VariantBatch:
        """Variants by id, with their parent products.

        Shopify REST has no batch variant endpoint, but products embed their variants:
        keys with a product hint cost ceil(P / 250) calls for P distinct parents. Keys without
        a hint (or whose hint was wrong) cost one `variants/{id}.json` each, concurrently,
        plus ceil(P' / 250) calls for parents not already fetched.
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
        chunks = await self._gather(chunk, _chunks(wanted, INVENTORY_ITEMS_PER_REQUEST))
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

    async def aclose(self) -> None:
        """Close the HTTP session if this client created it."""
        await self.transport.aclose()

    # --- helpers ----------------------------------------------------------------------

    @staticmethod
    async def _gather(fetch: Callable[[K], Awaitable[list[T]]], parts: Sequence[K]) -> list[T]:
        """Run `fetch` over `parts` concurrently (the bucket paces them) and flatten."""
        results = await asyncio.gather(*(fetch(part) for part in parts))
        return [item for batch in results for item in batch]
