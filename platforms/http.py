"""Shared HTTP transport: one per store, composing authenticator, limiter, retry and classifier."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
import orjson
from multidict import CIMultiDictProxy

from platforms.adapter import StoreConnection
from platforms.errors import (
    CartgraphError,
    PayloadError,
    RateLimitedError,
    RetryableError,
    UpstreamConnectionError,
    UpstreamTimeoutError,
    error_for_status,
)
from platforms.ratelimit import RateBucket

log = logging.getLogger("cartgraph.http")

Params = Mapping[str, str]


@dataclass(frozen=True)
class Request:
    """One upstream request as the transport will send it."""

    method: str
    url: str
    # signed requests carry credentials in headers or params: keep them out of reprs/logs.
    params: dict[str, str] = field(default_factory=dict, repr=False)
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    json: Any = None
    # what the rate bucket reserves for it: 1 request, or a GraphQL document's requested points
    cost: float = 1.0


@dataclass(frozen=True)
class Response:
    """One upstream response, body already read."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes
    url: str

    def json(self) -> Any:
        """The body parsed as JSON; a PayloadError (not a crash) if it is not JSON."""
        try:
            return orjson.loads(self.body) if self.body else None
        except orjson.JSONDecodeError as exc:
            raise PayloadError(f"Response from {self.url.split('?')[0]} is not JSON") from exc


@dataclass(frozen=True)
class CallContext:
    """Who is calling what, for errors and logs."""

    store_id: str
    platform: str
    operation: str
    external_id: str | None = None

    def where(self) -> dict[str, Any]:
        """The context as an error's keyword arguments (store, platform, operation, id)."""
        return {
            "store_id": self.store_id,
            "platform": self.platform,
            "operation": self.operation,
            "external_id": self.external_id,
        }


class Authenticator(Protocol):
    """Adds credentials to a request (headers, query signature, ...)."""

    def apply(self, request: Request) -> Request:
        """Return the request with credentials applied."""
        ...


class ErrorClassifier(Protocol):
    """Turns a non-success response into the right error of the hierarchy."""

    def classify(self, response: Response, ctx: CallContext) -> CartgraphError | None:
        """None when the response is a success."""
        ...


class UsageObserver(Protocol):
    """Reads platform rate-limit headers after each response."""

    def observe(self, response: Response, bucket: RateBucket) -> None:
        """Correct the bucket from the platform's own numbers."""
        ...


class AttemptWatch(Protocol):
    """One upstream attempt being watched; told how it ended."""

    def done(self, status: int | None, error: BaseException | None) -> None:
        """The attempt ended: the HTTP status when there was an answer, the error if any."""
        ...


class CallObserver(Protocol):
    """Watches every upstream attempt (the gateway's metrics and traces plug one in);
    platforms only call it, so they stay free of any telemetry library."""

    def attempt(
        self, request: Request, ctx: CallContext, attempt: int, wall_ns: int
    ) -> AttemptWatch:
        """An attempt leaves now (after the rate bucket); `wall_ns` is its start, epoch ns."""
        ...

    def retry(self, ctx: CallContext, error: CartgraphError, attempt: int) -> None:
        """Attempt `attempt` failed with a retryable `error`; another follows."""
        ...


MAX_DETAIL = 200


def short_text(text: str, limit: int = MAX_DETAIL) -> str:
    """Whitespace folded and truncated: platform error text, never a whole body."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class StatusClassifier:
    """The shared classification: <400 is success, else `error_for_status` with context.

    Platforms subclass it only for how they read their own short error text (`detail`);
    the message, retry-after, request id and the hierarchy are the same everywhere.
    """

    label = "platform"

    def __init__(self, redact: Callable[[str], str] | None = None) -> None:
        # the platform's text may echo a credential (Magento echoes tokens in some errors).
        self._redact = redact or (lambda text: text)

    def detail(self, response: Response) -> str:
        """The platform's short error text from the body; "" when there is none."""
        return ""

    def classify(self, response: Response, ctx: CallContext) -> CartgraphError | None:
        """None for a success; otherwise the error carrying where, status and retry-after."""
        if response.status < 400:
            return None
        detail = short_text(self._redact(self.detail(response)))
        message = f"{self.label} {ctx.operation} failed with HTTP {response.status}"
        retryable = response.status == 429 or response.status >= 500
        return error_for_status(
            response.status,
            f"{message}: {detail}" if detail else message,
            retry_after=parse_retry_after(response.headers) if retryable else None,
            store_id=ctx.store_id,
            platform=ctx.platform,
            operation=ctx.operation,
            external_id=ctx.external_id,
            request_id=response.headers.get("X-Request-Id"),
        )


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with full jitter; Retry-After wins when given."""

    max_attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 10.0

    def delay(self, attempt: int, error: CartgraphError) -> float:
        """Seconds to wait before attempt `attempt + 1`."""
        if error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self.max_delay * 6)
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return random.uniform(ceiling / 2, ceiling)


class HttpTransport:
    """Sends requests for one store: limit, authenticate, send, classify, retry."""

    def __init__(
        self,
        connection: StoreConnection,
        *,
        authenticator: Authenticator,
        classifier: ErrorClassifier,
        bucket: RateBucket | None = None,
        usage_observer: UsageObserver | None = None,
        retry: RetryPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
        observer: CallObserver | None = None,
    ) -> None:
        self.connection = connection
        self.authenticator = authenticator
        self.classifier = classifier
        self.bucket = bucket
        self.usage_observer = usage_observer
        # metrics/traces of each attempt; the gateway sets it per app (None: nothing watched)
        self.observer = observer
        self.retry = retry or RetryPolicy(max_attempts=connection.max_attempts)
        self._session = session
        self._owns_session = session is None
        self.calls = 0

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # one pooled session per store connection: keep-alive across requests.
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.connection.timeout_seconds),
                connector=aiohttp.TCPConnector(limit=32, ttl_dns_cache=300),
            )
            self._owns_session = True
        return self._session

    async def aclose(self) -> None:
        """Close the session if this transport created it."""
        if self._owns_session and self._session is not None:
            await self._session.close()

    async def request(self, request: Request, ctx: CallContext) -> Response:
        """Send with retries, each attempt signed afresh; raise the classified error when
        attempts run out."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._send_once(request, ctx, attempt)
            except RetryableError as error:
                if attempt >= self.retry.max_attempts:
                    raise
                if self.observer is not None:
                    self.observer.retry(ctx, error, attempt)
                delay = self.retry.delay(attempt, error)
                log.warning(
                    "retrying %s after %s",
                    ctx.operation,
                    error.code,
                    extra=_log_extra(ctx, attempt, status=error.status, delay=round(delay, 3)),
                )
                await asyncio.sleep(delay)
                continue
            return response

    async def send_once(self, request: Request, ctx: CallContext) -> Response:
        """One attempt, no retry: for non-idempotent writes, whose retries the write queue owns."""
        return await self._send_once(request, ctx, 1)

    async def _send_once(self, request: Request, ctx: CallContext, attempt: int) -> Response:
        if self.bucket is None:
            return await self._watched(request, ctx, attempt)
        await self.bucket.acquire(request.cost)
        try:
            return await self._watched(request, ctx, attempt)
        finally:
            self.bucket.answered(request.cost)

    async def _watched(self, request: Request, ctx: CallContext, attempt: int) -> Response:
        if self.observer is None:
            return await self._exchange(request, ctx, attempt)
        # started after the bucket: its latency is the platform's, not our own pacing
        watch = self.observer.attempt(request, ctx, attempt, time.time_ns())
        try:
            response = await self._exchange(request, ctx, attempt)
        except CartgraphError as error:
            watch.done(error.status, error)
            raise
        except BaseException as error:  # cancelled: the client left or the deadline passed
            watch.done(None, error)
            raise
        watch.done(response.status, None)
        return response

    async def _exchange(self, request: Request, ctx: CallContext, attempt: int) -> Response:
        """Sign, send, read, classify: one attempt past the bucket."""
        signed = self.authenticator.apply(request)
        self.calls += 1
        try:
            async with self._get_session().request(
                signed.method,
                signed.url,
                params=signed.params or None,
                headers=signed.headers or None,
                data=orjson.dumps(signed.json) if signed.json is not None else None,
                middlewares=(_no_silent_resend,),
            ) as raw:
                body = await raw.read()
                response = Response(raw.status, raw.headers, body, signed.url)
        except TimeoutError as exc:
            raise UpstreamTimeoutError(f"{ctx.operation} timed out", **ctx.where()) from exc
        except aiohttp.ClientError as exc:
            raise UpstreamConnectionError(
                f"{ctx.operation} failed: {type(exc).__name__}", **ctx.where()
            ) from exc
        if self.usage_observer is not None and self.bucket is not None:
            self.usage_observer.observe(response, self.bucket)
        log.debug(
            "%s %s -> %s",
            signed.method,
            signed.url,
            response.status,
            extra=_log_extra(ctx, attempt, status=response.status),
        )
        error = self.classifier.classify(response, ctx)
        if error is not None:
            if isinstance(error, RateLimitedError) and self.bucket is not None:
                # any 429 (read or write, any attempt, the last too) pauses the whole store:
                # every caller's next request waits in the bucket until Retry-After has passed.
                self.bucket.penalise(self.retry.delay(attempt, error))
            raise error
        return response


class ConnectionDroppedError(aiohttp.ClientConnectionError):
    """The connection closed before an answer (raised instead of aiohttp's silent re-send)."""


async def _no_silent_resend(
    request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
) -> aiohttp.ClientResponse:
    """aiohttp re-sends a GET/PUT/DELETE once, byte for byte, when the connection closes before
    an answer. Byte for byte means the same OAuth nonce (WooCommerce refuses it as a replay)
    and, for a write, a second send the write queue never hears of. Our retry loop signs each
    attempt afresh and the queue reconciles writes, so a drop surfaces here as an error that
    aiohttp does not retry."""
    try:
        return await handler(request)
    except aiohttp.ClientConnectorError:
        raise  # never connected: nothing was sent, and aiohttp does not retry it either
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
        raise ConnectionDroppedError(type(exc).__name__) from exc


def _log_extra(ctx: CallContext, attempt: int, **more: Any) -> dict[str, Any]:
    return {**ctx.where(), "attempt": attempt, **more}


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Retry-After in seconds (float allowed, as Shopify sends); None if absent or bad."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None
