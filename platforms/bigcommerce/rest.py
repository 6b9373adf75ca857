"""BigCommerce REST plumbing the client's reads share: the V2 and V3 roots, GETs, id batches."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import aiohttp

from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.bigcommerce.auth import TokenAuthenticator
from platforms.bigcommerce.classify import BigCommerceClassifier
from platforms.bigcommerce.client_quota import QuotaObserver, WindowQuota
from platforms.bigcommerce.pagination import MAX_LIMIT
from platforms.canonical import Platform
from platforms.client_kit import StoreClient, Wiring, chunked, numeric_ids
from platforms.errors import ConfigError, PayloadError
from platforms.http import Request, RetryPolicy

# The Standard plan's 150 requests per 30 s: only the quota's first guess, replaced by the
# store's own headers on the first answer (Pro: 450, Enterprise: by contract).
DEFAULT_RATE_LIMIT = RateLimitSettings(150, 5)
Payload = dict[str, Any]
MAX_REMEMBERED = 10_000


def answer_object(body: Any, operation: str) -> Payload:
    """A write's answer as an object (V3's `data` unwrapped), or a PayloadError."""
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        return dict(body["data"])
    if isinstance(body, dict):
        return body
    raise PayloadError(f"BigCommerce answered {operation} with something other than an object")


def store_root(connection: StoreConnection) -> str:
    """The store's API root, without a trailing slash; ConfigError when no store is named."""
    base = connection.base_url.rstrip("/")
    store_hash = connection.options.get("store_hash")
    if store_hash:
        return f"{base}/stores/{store_hash}"
    if "/stores/" not in base:
        raise ConfigError(
            f"Store {connection.store_id!r} needs options.store_hash (or a base_url ending "
            "in /stores/{store_hash})"
        )
    return base


class BigCommerceRest(StoreClient):
    """One BigCommerce store's V2 and V3 APIs: what every read of the client goes through."""

    platform = Platform.BIGCOMMERCE
    default_rate_limit = DEFAULT_RATE_LIMIT

    def __init__(
        self,
        connection: StoreConnection,
        *,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(connection, session=session, retry=retry)
        # a window quota, not a bucket: see client_quota
        self.transport.bucket = WindowQuota(
            connection.rate_limit or DEFAULT_RATE_LIMIT, probe_timeout=connection.timeout_seconds
        )
        # V3 refunds carry no currency: the currency of each order this client mapped, so
        # its refunds are in the customer's currency as the order is (else the store's)
        self.order_currencies: dict[str, str] = {}

    def remember_currency(self, order_id: str, currency: str) -> None:
        """Note an order's currency for its refunds (the oldest forgotten past 10,000)."""
        self.order_currencies[order_id] = currency
        if len(self.order_currencies) > MAX_REMEMBERED:
            del self.order_currencies[next(iter(self.order_currencies))]

    def wiring(self, connection: StoreConnection) -> Wiring:
        """The API account's access token; the quota observer reads every answer's headers."""
        store_root(connection)  # fails before any set-up when the store is not named
        token = connection.credentials.get("access_token")
        if not token:
            raise ConfigError(f"Store {connection.store_id!r} needs credential access_token")
        return Wiring(TokenAuthenticator(token), BigCommerceClassifier(), QuotaObserver())

    @property
    def root(self) -> str:
        """`{base_url}/stores/{store_hash}` (base_url `https://api.bigcommerce.com`, the hash
        in `options.store_hash`), or a base_url that already names the store."""
        return store_root(self.connection)

    async def get(
        self, path: str, params: dict[str, str], operation: str, external_id: str | None = None
    ) -> Any:
        """GET `{root}/{path}` ("v2/orders", "v3/catalog/products"): the body, None for 204."""
        request = Request("GET", f"{self.root}/{path}", params=params)
        response = await self.transport.request(request, self._ctx(operation, external_id))
        return None if response.status == 204 else response.json()

    async def v2_list(self, path: str, params: dict[str, str], operation: str) -> list[Payload]:
        """A V2 list: a JSON array, or 204 No Content for an empty one."""
        body = await self.get(path, params, operation)
        if body is None:
            return []
        if not isinstance(body, list):
            raise PayloadError(f"BigCommerce {operation} did not return a list")
        return [row for row in body if isinstance(row, dict)]

    async def v3_list(
        self, path: str, params: dict[str, str], operation: str
    ) -> tuple[list[Payload], Any]:
        """A V3 list: `data` rows and the whole body (for `meta.pagination`)."""
        body = await self.get(path, params, operation)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise PayloadError(f"BigCommerce {operation} did not return a data list")
        return [row for row in data if isinstance(row, dict)], body

    async def v3_by_ids(
        self, path: str, ids: Sequence[str], operation: str, key: str = "id:in", **more: str
    ) -> list[Payload]:
        """`{path}?{key}=..&limit=250` (plus `more`), one call per 250 ids, concurrently."""
        chunks = chunked(numeric_ids(ids), MAX_LIMIT)
        answers = await asyncio.gather(
            *(
                self.v3_list(path, {key: ",".join(c), "limit": str(MAX_LIMIT), **more}, operation)
                for c in chunks
            )
        )
        return [row for rows, _ in answers for row in rows]
