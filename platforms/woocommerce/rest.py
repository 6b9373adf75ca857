"""WooCommerce REST v3 plumbing the client's reads share: the API root, GETs, id batches."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.canonical import Platform
from platforms.client_kit import StoreClient, Wiring, chunked
from platforms.errors import ConfigError, NotFoundError, PayloadError
from platforms.http import Request
from platforms.woocommerce.auth import WooCommerceAuthenticator
from platforms.woocommerce.classify import WooCommerceClassifier
from platforms.woocommerce.pagination import MAX_PER_PAGE, PagePaginator

API_PREFIX = "/wp-json/wc/v3"
# Core WooCommerce has no REST rate limit; PHP workers are the bottleneck, so we
# self-limit to 20 requests in a burst, 10/s sustained.
DEFAULT_RATE_LIMIT = RateLimitSettings(20, 10)
Payload = dict[str, Any]


def answer_object(body: Any) -> Payload:
    """A write's answer as the object WooCommerce sends, or a PayloadError."""
    if not isinstance(body, dict):
        raise PayloadError("WooCommerce answered a write with something other than an object")
    return body


def numeric(ids: Iterable[str]) -> list[str]:
    """Distinct positive integer ids: WooCommerce ids are integers; anything else cannot
    exist, so it is simply absent."""
    return list(dict.fromkeys(i for i in ids if i.isdigit() and int(i) > 0))


class WooCommerceRest(StoreClient):
    """One WooCommerce store's REST v3 API: what every read of `WooCommerceClient` goes through."""

    platform = Platform.WOOCOMMERCE
    default_rate_limit = DEFAULT_RATE_LIMIT
    _paginator = PagePaginator()  # stateless: one serves every store

    def wiring(self, connection: StoreConnection) -> Wiring:
        """Consumer key and secret (Basic over HTTPS, OAuth 1.0a signature over HTTP)."""
        key = connection.credentials.get("consumer_key")
        secret = connection.credentials.get("consumer_secret")
        if not key or not secret:
            raise ConfigError(
                f"Store {connection.store_id!r} needs credentials consumer_key and consumer_secret"
            )
        return Wiring(WooCommerceAuthenticator(key, secret), WooCommerceClassifier())

    @functools.cached_property
    def _api(self) -> str:
        """The REST root, `{base_url}/wp-json/wc/v3`, without a trailing slash."""
        return self.connection.base_url.rstrip("/") + API_PREFIX

    async def _get(
        self, path: str, params: dict[str, str], operation: str, external_id: str | None = None
    ) -> tuple[Any, Mapping[str, str]]:
        request = Request("GET", f"{self._api}/{path}", params=params)
        response = await self.transport.request(request, self._ctx(operation, external_id))
        return response.json(), response.headers

    async def _get_list(
        self, path: str, params: dict[str, str], operation: str
    ) -> tuple[list[Payload], Mapping[str, str]]:
        body, headers = await self._get(path, params, operation)
        if not isinstance(body, list):
            raise PayloadError(f"WooCommerce {operation} did not return a list")
        return [item for item in body if isinstance(item, dict)], headers

    async def _get_optional(self, path: str, operation: str, external_id: str) -> Payload | None:
        try:
            body, _ = await self._get(path, {}, operation, external_id)
        except NotFoundError:
            return None
        return body if isinstance(body, dict) else None

    async def _by_ids(
        self, resource: str, ids: Sequence[str], operation: str, **filters: str
    ) -> list[Payload]:
        """`{resource}?include=..&per_page=100` (plus `filters`), one call per 100 ids, run
        concurrently."""
        results = await asyncio.gather(
            *(
                self._get_list(
                    resource,
                    {"include": ",".join(chunk), "per_page": str(MAX_PER_PAGE), **filters},
                    operation,
                )
                for chunk in chunked(numeric(ids), MAX_PER_PAGE)
            )
        )
        return [item for items, _ in results for item in items]
