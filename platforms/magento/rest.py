"""Magento REST plumbing the client's reads share: the store-view API root and searches."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.canonical import Platform
from platforms.client_kit import StoreClient, Wiring, chunked
from platforms.errors import ConfigError
from platforms.http import Request
from platforms.magento.auth import BearerAuthenticator
from platforms.magento.classify import MagentoErrorClassifier
from platforms.magento.mapping.common import as_dict, as_list, to_int
from platforms.magento.pagination import MAX_PAGE_SIZE, PagePosition, SearchCriteria

# Magento has no general REST rate limit; PHP-FPM workers are the bottleneck, so we
# impose a modest bucket of our own rather than saturate a merchant's server.
DEFAULT_RATE_LIMIT = RateLimitSettings(capacity=20, leak_per_second=10)

Payload = dict[str, Any]


class MagentoRest(StoreClient):
    """One Magento store view's REST API (`/rest/{store_code}/V1`): what every read of
    `MagentoClient` goes through."""

    platform = Platform.MAGENTO
    default_rate_limit = DEFAULT_RATE_LIMIT

    def wiring(self, connection: StoreConnection) -> Wiring:
        """An integration access token as a Bearer header, and Magento's error bodies."""
        token = connection.credentials.get("access_token")
        if not token:
            raise ConfigError(f"Magento store {connection.store_id!r} needs 'access_token'")
        auth = BearerAuthenticator(token)
        return Wiring(auth, MagentoErrorClassifier(auth.redact))

    @functools.cached_property
    def store_code(self) -> str:
        """The store view the API root names (`options["store_code"]`, else "default")."""
        return self.connection.options.get("store_code", "default")

    @functools.cached_property
    def _base(self) -> str:
        """The API root, without a trailing slash."""
        root = self.connection.base_url.rstrip("/")
        return f"{root}/rest/{quote(self.store_code, safe='')}/V1"

    async def _get(
        self, path: str, params: dict[str, str], operation: str, external_id: str | None = None
    ) -> Any:
        request = Request("GET", f"{self._base}/{path}", params=params)
        return (await self.transport.request(request, self._ctx(operation, external_id))).json()

    async def _search(
        self, path: str, criteria: SearchCriteria, operation: str
    ) -> tuple[list[Payload], int]:
        """One searchCriteria call: (items, total_count)."""
        body = as_dict(await self._get(path, criteria.params(), operation))
        items = [as_dict(item) for item in as_list(body.get("items")) if as_dict(item)]
        return items, to_int(body.get("total_count"), len(items))

    async def _newest_first(
        self, path: str, criteria: SearchCriteria, cursor: str | None, limit: int, operation: str
    ) -> tuple[list[Payload], str | None]:
        """One page of a search, newest updated_at first (entity_id breaks ties): exactly
        1 call. (rows, next cursor); ([], None) past the end, which is known from
        total_count, never from an empty page: Magento answers a page past the end with
        the last page again."""
        position = PagePosition.decode(cursor, limit)
        criteria.sort("updated_at", "DESC").sort("entity_id", "DESC")
        page = criteria.page(position.page, position.size)
        items, total = await self._search(path, page, operation)
        if position.is_past_end(total):
            return [], None
        following = position.next(total)
        return items, following.encode() if following else None

    async def _search_in(
        self, path: str, field: str, values: Sequence[str], operation: str
    ) -> list[Payload]:
        """Every row whose `field` is in `values`: one call per 300 values, plus one per
        further page only when a value has several rows (source items)."""
        rows: list[Payload] = []
        for chunk in chunked(values, MAX_PAGE_SIZE):
            position: PagePosition | None = PagePosition(1, MAX_PAGE_SIZE)
            while position is not None:
                criteria = SearchCriteria().where_in(field, chunk)
                items, total = await self._search(
                    path, criteria.page(position.page, position.size), operation
                )
                if position.is_past_end(total):
                    break
                rows.extend(items)
                position = position.next(total)
        return rows

    async def _all_pages(self, path: str, operation: str) -> list[Payload]:
        """Every row of an unfiltered search, page after page."""
        rows: list[Payload] = []
        position: PagePosition | None = PagePosition(1, MAX_PAGE_SIZE)
        while position is not None:
            criteria = SearchCriteria().page(position.page, position.size)
            items, total = await self._search(path, criteria, operation)
            if position.is_past_end(total):
                break
            rows.extend(items)
            position = position.next(total)
        return rows
