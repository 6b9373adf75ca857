"""Shopify Admin GraphQL plumbing: the endpoint, cost-paced documents, errors in 200 answers."""

from __future__ import annotations

import asyncio
import collections
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp

from platforms.adapter import StoreConnection
from platforms.canonical import Platform
from platforms.client_kit import StoreClient, Wiring
from platforms.cost_bucket import PointsBucket
from platforms.errors import (
    CartgraphError,
    PayloadError,
    PermissionDeniedError,
    RateLimitedError,
    UpstreamUnavailableError,
    UpstreamValidationError,
)
from platforms.http import CallContext, Request, Response, RetryPolicy, short_text
from platforms.mapping.kit import MapSite
from platforms.ratelimit import RateBucket
from platforms.shopify.auth import ShopifyTokenAuth
from platforms.shopify.classify import ShopifyErrorClassifier
from platforms.shopify.cost import MAX_INPUT_LIST, MAX_QUERY_COST
from platforms.shopify.documents import Document, numeric_id
from platforms.shopify.rest import DEFAULT_API_VERSION, DEFAULT_RATE_LIMIT

T = TypeVar("T")
_RETRYABLE_CODES = {"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT"}


@dataclass(frozen=True)
class Spent:
    """What one answer said it cost: requested and actual points (None: not reported)."""

    requested: int | None
    actual: int | None


def cost_extension(body: Any) -> Mapping[str, Any]:
    """`extensions.cost` of an answer body ({} when absent)."""
    extensions = body.get("extensions") if isinstance(body, Mapping) else None
    cost = extensions.get("cost") if isinstance(extensions, Mapping) else None
    return cost if isinstance(cost, Mapping) else {}


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def throttle_wait(body: Any) -> float | None:
    """Seconds until the bucket holds the throttled document's cost:
    (requested - currently available) / restore rate."""
    cost = cost_extension(body)
    status = cost.get("throttleStatus")
    status = status if isinstance(status, Mapping) else {}
    requested = _number(cost.get("requestedQueryCost"))
    available = _number(status.get("currentlyAvailable"))
    rate = _number(status.get("restoreRate"))
    if requested is None or available is None or not rate:
        return None
    return max(0.0, (requested - available) / rate)


class GraphqlErrorClassifier(ShopifyErrorClassifier):
    """Non-2xx as for REST; a 200 carrying `errors` by their `extensions.code`: THROTTLED
    waits and retries, MAX_COST_EXCEEDED and validation errors are permanent (the document
    is wrong), ACCESS_DENIED is a missing scope. `userErrors` are the caller's to read."""

    def classify(self, response: Response, ctx: CallContext) -> CartgraphError | None:
        """None for a 2xx answer without `errors`."""
        error = super().classify(response, ctx)
        if error is not None or b'"errors"' not in response.body:
            return error
        body = response.json()
        errors = body.get("errors") if isinstance(body, Mapping) else None
        if not errors:
            return None
        return self._error(errors, body, response, ctx)

    def _error(
        self, errors: Any, body: Any, response: Response, ctx: CallContext
    ) -> CartgraphError:
        items = errors if isinstance(errors, list) else [errors]
        codes = {_code(e) for e in items}
        first = items[0] if items else {}
        text = first.get("message") if isinstance(first, Mapping) else first
        detail = short_text(self._redact(str(text or "")))
        where = {**ctx.where(), "request_id": response.headers.get("X-Request-Id")}
        if "THROTTLED" in codes:
            return RateLimitedError(
                f"Shopify {ctx.operation} was throttled", retry_after=throttle_wait(body), **where
            )
        message = f"Shopify {ctx.operation} failed: {detail}" if detail else ctx.operation
        if "ACCESS_DENIED" in codes:
            return PermissionDeniedError(message, **where)
        if codes & _RETRYABLE_CODES:
            return UpstreamUnavailableError(message, **where)
        return UpstreamValidationError(message, **where)  # MAX_COST_EXCEEDED, validation


def _code(error: Any) -> str | None:
    extensions = error.get("extensions") if isinstance(error, Mapping) else None
    code = extensions.get("code") if isinstance(extensions, Mapping) else None
    return code if isinstance(code, str) else None


class ShopifyCostObserver:
    """Keeps the store's points bucket in step with every answer's `extensions.cost`: what
    the document did not spend goes back, and the reported `throttleStatus` is adopted."""

    def observe(self, response: Response, bucket: RateBucket) -> None:
        """Settle one answer's cost with the bucket (any answer carrying the extension)."""
        if b'"cost"' not in response.body:
            return
        try:
            cost = cost_extension(response.json())
        except PayloadError:
            return
        status = cost.get("throttleStatus")
        if not isinstance(status, Mapping):
            return
        maximum = _number(status.get("maximumAvailable")) or 0.0
        available = _number(status.get("currentlyAvailable"))
        rate = _number(status.get("restoreRate")) or 0.0
        if available is None:
            return
        if isinstance(bucket, PointsBucket):
            requested = _number(cost.get("requestedQueryCost")) or 0.0
            # throttled or refused before running: nothing was spent
            bucket.refund(requested - (_number(cost.get("actualQueryCost")) or 0.0))
            bucket.adopt(maximum, available, rate)
        elif maximum:
            bucket.observe(maximum - available, maximum)  # a bucket shared by replicas


class ShopifyGraphql(StoreClient):
    """One Shopify store's Admin GraphQL API: what every read of the GraphQL client goes
    through. Each document reserves its requested cost in the store's points bucket."""

    platform = Platform.SHOPIFY
    default_rate_limit = DEFAULT_RATE_LIMIT

    def __init__(
        self,
        connection: StoreConnection,
        *,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(connection, session=session, retry=retry)
        # points, not requests: the store's `rate_limit` (requests) paces its REST calls only;
        # this starts at the smallest plan and takes the store's own from its first answer
        self.transport.bucket = PointsBucket()
        # recent answers' requested and actual points, newest last (tests and benchmarks)
        self.spent: collections.deque[Spent] = collections.deque(maxlen=256)

    def wiring(self, connection: StoreConnection) -> Wiring:
        """Token auth, GraphQL error classification, and the cost extension feeding the bucket."""
        token = connection.credentials.get("access_token", "")
        auth = ShopifyTokenAuth(token, store_id=connection.store_id)
        return Wiring(auth, GraphqlErrorClassifier(redact=auth.redact), ShopifyCostObserver())

    @functools.cached_property
    def _endpoint(self) -> str:
        version = self.connection.api_version or DEFAULT_API_VERSION
        return f"{self.connection.base_url.rstrip('/')}/admin/api/{version}/graphql.json"

    async def _query(self, document: Document, ctx: CallContext) -> dict[str, Any]:
        """The `data` of one document's answer. A document over the single-query maximum is
        a planning bug: it is refused here, never sent."""
        if not document.fits():
            raise ValueError(f"{ctx.operation}: document costs {document.cost} points")
        request = Request("POST", self._endpoint, json={"query": document.text}, cost=document.cost)
        bucket = self.transport.bucket
        points = bucket if isinstance(bucket, PointsBucket) else None
        if points is not None:
            points.in_flight += 1
        try:
            response = await self.transport.request(request, ctx)
        finally:
            if points is not None:
                points.in_flight -= 1
        body = response.json()
        cost = cost_extension(body)
        requested, actual = cost.get("requestedQueryCost"), cost.get("actualQueryCost")
        self.spent.append(
            Spent(
                requested if isinstance(requested, int) else None,
                actual if isinstance(actual, int) else None,
            )
        )
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, dict):
            raise PayloadError(f"Shopify {ctx.operation} answer lacks 'data'", **ctx.where())
        return data

    async def _queries(
        self, documents: Sequence[Document], ctx: CallContext
    ) -> list[dict[str, Any]]:
        """Several documents at once (the bucket paces them), answers in order."""
        return list(await asyncio.gather(*(self._query(d, ctx) for d in documents)))

    def _map(self, ctx: CallContext, mapper: Callable[..., T], payload: Any, **kw: Any) -> T:
        """Run a mapping function for this store; a failure is a PayloadError naming the store,
        operation and payload id."""
        site = MapSite(ctx.store_id, ctx.platform, ctx.operation)
        store = self.connection.store_id
        return site.one(lambda p: mapper(p, store_id=store, **kw), payload, ctx.external_id)

    def _map_each(
        self, ctx: CallContext, mapper: Callable[..., T], payloads: Sequence[Any], **kw: Any
    ) -> tuple[list[T], list[PayloadError]]:
        """Map each payload on its own: the good ones, and one PayloadError per bad one
        naming its numeric id."""
        site = MapSite(ctx.store_id, ctx.platform, ctx.operation)
        store = self.connection.store_id
        return site.each(lambda p: mapper(p, store_id=store, **kw), payloads, payload_number)


def payload_number(payload: Any) -> str | None:
    """The numeric id of a payload's global `id`, for errors naming it."""
    return numeric_id(payload.get("id")) if isinstance(payload, Mapping) else None


def pack(ids: Sequence[str], each: int, fixed: int = 0) -> list[list[str]]:
    """`ids` in as few documents as Shopify's limits allow: each document costs `fixed` plus
    `each` per id, at most 1,000 points, and takes at most 250 ids; the documents are
    balanced (122 ids in two of 61, not 90 and 32), as they run at once."""
    if not ids:
        return []
    most = max(1, min(MAX_INPUT_LIST, (MAX_QUERY_COST - fixed) // max(1, each)))
    parts = math.ceil(len(ids) / most)
    size = math.ceil(len(ids) / parts)
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]
