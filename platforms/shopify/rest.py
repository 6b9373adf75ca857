"""Shopify Admin REST plumbing the client's reads share: URLs, bodies, pages, id batches."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.canonical import Platform
from platforms.client_kit import StoreClient, Wiring, chunked
from platforms.errors import InvalidInputError, PayloadError, UpstreamValidationError
from platforms.http import CallContext, Request, Response
from platforms.mapping.kit import MapSite
from platforms.shopify.auth import ShopifyTokenAuth
from platforms.shopify.classify import ShopifyCallLimitObserver, ShopifyErrorClassifier
from platforms.shopify.pagination import MAX_LIMIT, LinkPaginator

T = TypeVar("T")
K = TypeVar("K")

DEFAULT_API_VERSION = "2026-10"  # GraphQL and REST alike
DEFAULT_RATE_LIMIT = RateLimitSettings(40, 2)
IDS_PER_REQUEST = 250  # `ids=` on orders/products/customers: one page of up to 250 objects


def answer_field(body: Any, key: str, ctx: CallContext) -> dict[str, Any]:
    """`body[key]` as an object, or a PayloadError naming the operation (a write's answer)."""
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, dict):
        raise PayloadError(
            f"Shopify {ctx.operation} answer lacks {key!r}",
            store_id=ctx.store_id,
            platform=ctx.platform,
            operation=ctx.operation,
        )
    return value


class ShopifyRest(StoreClient):
    """One Shopify store's Admin REST API: what every read of `ShopifyClient` goes through."""

    platform = Platform.SHOPIFY
    default_rate_limit = DEFAULT_RATE_LIMIT
    paginator = LinkPaginator()  # stateless: one serves every store

    def wiring(self, connection: StoreConnection) -> Wiring:
        """Token auth, Shopify's error bodies, and its call-limit header feeding the bucket."""
        token = connection.credentials.get("access_token", "")
        auth = ShopifyTokenAuth(token, store_id=connection.store_id)
        return Wiring(auth, ShopifyErrorClassifier(redact=auth.redact), ShopifyCallLimitObserver())

    @functools.cached_property
    def _base(self) -> str:
        """The Admin API root, with a trailing slash: `self._base + "orders.json"`."""
        version = self.connection.api_version or DEFAULT_API_VERSION
        return f"{self.connection.base_url.rstrip('/')}/admin/api/{version}/"

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

    async def _by_ids(
        self, resource: str, ids: Sequence[str], ctx: CallContext, **filters: str
    ) -> list[dict[str, Any]]:
        """Every `resource` object of `{resource}.json?ids=…` (ids already numeric and
        distinct): one call per 250 ids, run concurrently."""

        async def chunk(part: list[str]) -> list[dict[str, Any]]:
            params = {"ids": ",".join(part), **filters, "limit": str(IDS_PER_REQUEST)}
            response = await self._get(f"{resource}.json", params, ctx)
            return self._objects(response, resource, ctx)

        return await self._gather(chunk, chunked(ids, IDS_PER_REQUEST))

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

    @staticmethod
    async def _gather(fetch: Callable[[K], Awaitable[list[T]]], parts: Sequence[K]) -> list[T]:
        """Run `fetch` over `parts` concurrently (the bucket paces them) and flatten."""
        results = await asyncio.gather(*(fetch(part) for part in parts))
        return [item for batch in results for item in batch]
