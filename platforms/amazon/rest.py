"""SP-API plumbing every read and write shares: endpoints, usage plans (one token bucket per
store and operation), access tokens and Restricted Data Tokens, GETs and their checks."""

from __future__ import annotations

import contextvars
import functools
import time
from collections.abc import Mapping
from typing import Any

import aiohttp

from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.amazon.auth import LWA_TOKEN_URL, TOKEN_HEADER, AccessTokenAuthenticator, LwaTokens
from platforms.amazon.classify import AmazonClassifier, rate_limit, token_expired
from platforms.canonical import Platform
from platforms.client_kit import StoreClient, Wiring
from platforms.errors import ConfigError, PayloadError, ReauthError, UpstreamUnavailableError
from platforms.http import Request, Response
from platforms.ratelimit import LeakyBucket, RateBucket

Payload = dict[str, Any]
REGIONS = {
    "na": "https://sellingpartnerapi-na.amazon.com",
    "eu": "https://sellingpartnerapi-eu.amazon.com",
    "fe": "https://sellingpartnerapi-fe.amazon.com",
}
# (rate per second, burst) per operation, from each operation's usage plan in the models
PLANS: dict[str, tuple[float, int]] = {
    "searchOrders": (0.0056, 20),
    "getOrder": (0.5, 30),
    "confirmShipment": (2.0, 10),
    "getInventorySummaries": (2.0, 2),
    "searchListingsItems": (5.0, 5),
    "getListingsItem": (5.0, 10),
    "patchListingsItem": (5.0, 5),
    "createRestrictedDataToken": (1.0, 10),
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2.0, 15),
    "getFeedDocument": (0.0222, 10),
    "listFinancialEventsByOrderId": (0.5, 30),
}
DEFAULT_PLAN = (1.0, 5)
DEFAULT_RATE_LIMIT = RateLimitSettings(DEFAULT_PLAN[1], DEFAULT_PLAN[0])
RDT_MARGIN = 60.0  # an RDT is used only while it outlives this
_operation: contextvars.ContextVar[str] = contextvars.ContextVar("amazon_op", default="")


def plan_settings(operation: str) -> RateLimitSettings:
    """The operation's usage plan as a bucket: burst requests, refilling at the rate."""
    rate, burst = PLANS.get(operation, DEFAULT_PLAN)
    return RateLimitSettings(burst, rate)


class OperationBuckets:
    """One leaky bucket per operation of one store (SP-API plans are per operation), chosen by
    the operation the calling task is making; `override` paces every operation alike."""

    def __init__(self, override: RateLimitSettings | None) -> None:
        self._override = override
        self._buckets: dict[str, LeakyBucket] = {}
        self.rates: dict[str, float] = {}  # x-amzn-RateLimit-Limit last stated, per operation
        self.settings = override or DEFAULT_RATE_LIMIT

    def bucket(self, operation: str | None = None) -> LeakyBucket:
        """The bucket of `operation` (default: the calling task's)."""
        name = operation if operation is not None else _operation.get()
        if name not in self._buckets:
            self._buckets[name] = LeakyBucket(self._override or plan_settings(name))
        return self._buckets[name]

    async def acquire(self, amount: float = 1) -> None:
        """Wait for the current operation's bucket."""
        await self.bucket().acquire(amount)

    def observe(self, used: float, size: float | None = None) -> None:
        """Adopt usage reported for the current operation."""
        self.bucket().observe(used, size)

    def penalise(self, retry_after: float) -> None:
        """After a 429: only the refused operation waits (plans are per operation)."""
        self.bucket().penalise(retry_after)

    def answered(self, amount: float = 1) -> None:
        """The current operation's call has its answer."""
        self.bucket().answered(amount)

    def adopt_rate(self, rate: float) -> None:
        """Amazon's `x-amzn-RateLimit-Limit` for the current operation, when it differs."""
        self.rates[_operation.get()] = rate
        if self._override is not None:
            return
        bucket = self.bucket()
        if abs(bucket.settings.leak_per_second - rate) > 1e-9:
            burst = bucket.settings.capacity
            self._buckets[_operation.get()] = LeakyBucket(RateLimitSettings(burst, rate))


class RateLimitObserver:
    """Feeds `x-amzn-RateLimit-Limit` to the operation's bucket."""

    def observe(self, response: Response, bucket: RateBucket) -> None:
        """Adopt the operation's rate when Amazon states it."""
        rate = rate_limit(response.headers)
        if rate is not None and isinstance(bucket, OperationBuckets):
            bucket.adopt_rate(rate)


def marketplaces(connection: StoreConnection) -> list[str]:
    """The store's marketplace ids (`options.marketplace_ids`, comma-separated), home first."""
    ids = [m.strip() for m in connection.options.get("marketplace_ids", "").split(",")]
    return [m for m in ids if m]


class AmazonRest(StoreClient):
    """One seller account's SP-API: every request goes through `_call`."""

    platform = Platform.AMAZON
    default_rate_limit = DEFAULT_RATE_LIMIT

    def wiring(self, connection: StoreConnection) -> Wiring:
        """LWA credentials, region and marketplaces are required."""
        creds = connection.credentials
        missing = [k for k in ("refresh_token", "client_id", "client_secret") if not creds.get(k)]
        region = connection.options.get("region", "na")
        problems = [f"credentials {', '.join(missing)}"] if missing else []
        if region not in REGIONS:
            problems.append(f"options.region one of {', '.join(REGIONS)}")
        if not marketplaces(connection) or not connection.options.get("seller_id"):
            problems.append("options.marketplace_ids and options.seller_id")
        if problems:
            raise ConfigError(f"Store {connection.store_id!r} needs {'; '.join(problems)}")
        self.tokens = LwaTokens(
            refresh_token=creds["refresh_token"],
            client_id=creds["client_id"],
            client_secret=creds["client_secret"],
            token_url=connection.options.get("token_url", LWA_TOKEN_URL),
            timeout=connection.timeout_seconds,
        )
        self._rdts: dict[str, tuple[str, float]] = {}
        self._documents: aiohttp.ClientSession | None = None
        self.buckets = OperationBuckets(connection.rate_limit)
        classifier = AmazonClassifier(lambda: self.buckets.rates.get(_operation.get()))
        return Wiring(AccessTokenAuthenticator(self.tokens), classifier, RateLimitObserver())

    def __init__(self, connection: StoreConnection, **kwargs: Any) -> None:
        super().__init__(connection, **kwargs)
        self.transport.bucket = self.buckets  # one bucket per operation, not per store

    @functools.cached_property
    def marketplace_ids(self) -> list[str]:
        """The store's marketplaces, its home marketplace first."""
        return marketplaces(self.connection)

    @functools.cached_property
    def seller_id(self) -> str:
        """The selling partner id the Listings API paths name."""
        return self.connection.options["seller_id"]

    @functools.cached_property
    def _root(self) -> str:
        return self.connection.base_url.rstrip("/")

    async def aclose(self) -> None:
        """Close the transport and the token endpoint's and documents' sessions."""
        await self.tokens.aclose()
        if self._documents is not None:
            await self._documents.close()
        await super().aclose()

    def _plain(self) -> aiohttp.ClientSession:
        # presigned document URLs (S3) take no SP-API token: a session without one
        if self._documents is None or self._documents.closed:
            timeout = aiohttp.ClientTimeout(total=self.connection.timeout_seconds)
            self._documents = aiohttp.ClientSession(timeout=timeout)
        return self._documents

    async def upload(self, url: str, content: bytes) -> None:
        """PUT a feed document's content to the URL `createFeedDocument` gave."""
        ctx = self._ctx("uploadFeedDocument")
        async with self._plain().put(
            url, data=content, headers={"Content-Type": "text/xml; charset=UTF-8"}
        ) as resp:
            if resp.status >= 300:
                raise UpstreamUnavailableError(
                    f"feed document upload failed with HTTP {resp.status}",
                    status=resp.status,
                    **ctx.where(),
                )

    async def download(self, url: str) -> bytes:
        """GET a document (a feed's processing report) from the URL Amazon gave."""
        ctx = self._ctx("downloadFeedDocument")
        async with self._plain().get(url) as resp:
            if resp.status >= 300:
                raise UpstreamUnavailableError(
                    f"feed document download failed with HTTP {resp.status}",
                    status=resp.status,
                    **ctx.where(),
                )
            return await resp.read()

    async def _call(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        external_id: str | None = None,
        rdt: str | None = None,
        once: bool = False,
    ) -> Response:
        """One SP-API operation: its plan's bucket, a live token (refreshed once when Amazon
        says it expired), retries by the transport (`once`: a write's single attempt)."""
        ctx = self._ctx(operation, external_id)
        _operation.set(operation)
        for attempt in (1, 2):
            token = await self.tokens.ensure(ctx)
            headers = {TOKEN_HEADER: rdt} if rdt else {}
            request = Request(method, self._root + path, dict(params or {}), headers, body)
            try:
                if once:
                    return await self.transport.send_once(request, ctx)
                return await self.transport.request(request, ctx)
            except ReauthError as error:
                if attempt == 2 or rdt or not token_expired(error):
                    raise
                self.tokens.invalidate(token)
        raise AssertionError("unreachable")

    async def _json(self, method: str, path: str, operation: str, **kwargs: Any) -> Payload:
        response = await self._call(method, path, operation, **kwargs)
        body = response.json()
        if not isinstance(body, dict):
            raise PayloadError(f"Amazon {operation} did not answer an object")
        return body

    async def restricted_token(self, path: str, elements: tuple[str, ...]) -> str:
        """A Restricted Data Token for GETs of `path` with personal `elements`, kept while it
        outlives `RDT_MARGIN` (one `createRestrictedDataToken` an hour per path)."""
        held = self._rdts.get(path)
        if held is not None and time.monotonic() < held[1] - RDT_MARGIN:
            return held[0]
        resource = {"method": "GET", "path": path, "dataElements": list(elements)}
        body = await self._json(
            "POST",
            "/tokens/2021-03-01/restrictedDataToken",
            "createRestrictedDataToken",
            body={"restrictedResources": [resource]},
        )
        token, lifetime = body.get("restrictedDataToken"), body.get("expiresIn")
        if not isinstance(token, str) or not isinstance(lifetime, int):
            raise PayloadError("Amazon createRestrictedDataToken answered without a token")
        self._rdts[path] = (token, time.monotonic() + lifetime)
        return token
