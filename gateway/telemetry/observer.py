"""The transport's observer: one metric sample and one span per upstream attempt."""

from __future__ import annotations

import asyncio
import re
import time
from urllib.parse import unquote, urlsplit

from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from gateway.telemetry.metrics import Metrics
from gateway.telemetry.tracing import Tracing
from platforms.errors import (
    CartgraphError,
    RateLimitedError,
    ReauthError,
    UpstreamConnectionError,
    UpstreamTimeoutError,
)
from platforms.http import CallContext, Request

ID = "{id}"
# API versions stay literal: Shopify's 2024-01, WooCommerce's v3, Magento's V1
_VERSION = re.compile(r"v\d{1,2}|V\d{1,2}|\d{4}-\d{2}")
_WORD = re.compile(r"[A-Za-z_-]+")


def route_template(url: str, external_id: str | None = None) -> str:
    """The URL's path with its ids as `{id}`: no host, no query, no object id.

    A segment is an id when it holds anything but letters, `_` and `-` (digits, `%`,
    dots before the extension) or equals the call's external id (Magento's SKUs)."""
    segments = urlsplit(url).path.split("/")
    return "/".join(_segment(s, external_id) for s in segments)


def _segment(segment: str, external_id: str | None) -> str:
    if not segment or _VERSION.fullmatch(segment):
        return segment
    stem, dot, extension = segment.partition(".")
    if extension and not _WORD.fullmatch(extension):
        stem, dot, extension = segment, "", ""  # `a.b.c`: one opaque value
    if _WORD.fullmatch(stem) and unquote(stem) != external_id:
        return segment
    return ID + dot + extension


def status_label(status: int | None, error: BaseException | None) -> str:
    """An HTTP status, or the kind of failure that left none (a small fixed set)."""
    if status is not None:
        return str(status)
    if isinstance(error, UpstreamTimeoutError):
        return "timeout"
    if isinstance(error, UpstreamConnectionError):
        return "connection_error"
    if isinstance(error, asyncio.CancelledError):
        return "cancelled"
    return "error"


def store_answered(status: int | None, error: BaseException | None) -> bool | None:
    """Whether the attempt says the store works: None when it says nothing (cancelled)."""
    if isinstance(error, asyncio.CancelledError):
        return None
    if isinstance(error, ReauthError) or status is None:
        return False
    return status < 500


class TransportObserver:
    """What `HttpTransport.observer` calls: metrics always, spans when tracing is on."""

    def __init__(self, metrics: Metrics, tracing: Tracing) -> None:
        self.metrics = metrics
        self.tracing = tracing

    def attempt(
        self, request: Request, ctx: CallContext, attempt: int, wall_ns: int
    ) -> AttemptRecord:
        """Start watching one attempt (its span, if any, starts now)."""
        template = route_template(request.url, ctx.external_id)
        endpoint = self.metrics.endpoint(ctx.store_id, template)
        span = None
        if self.tracing.tracer is not None:
            span = self.tracing.tracer.start_span(
                f"{request.method} {template}",
                kind=SpanKind.CLIENT,
                start_time=wall_ns,
                attributes={
                    "cartgraph.store": ctx.store_id,
                    "cartgraph.platform": ctx.platform,
                    "cartgraph.operation": ctx.operation,
                    "cartgraph.attempt": attempt,
                    "http.request.method": request.method,
                    "http.route": template,
                },
            )
        return AttemptRecord(self.metrics, ctx, request.method, endpoint, span)

    def retry(self, ctx: CallContext, error: CartgraphError, attempt: int) -> None:
        """Count a retry by the error that caused it."""
        self.metrics.retries.labels(ctx.store_id, ctx.platform, error.code).inc()


class AttemptRecord:
    """One attempt in flight: its clock, labels and span."""

    __slots__ = ("ctx", "endpoint", "method", "metrics", "span", "started")

    def __init__(
        self, metrics: Metrics, ctx: CallContext, method: str, endpoint: str, span: Span | None
    ) -> None:
        self.metrics = metrics
        self.ctx = ctx
        self.method = method
        self.endpoint = endpoint
        self.span = span
        self.started = time.perf_counter()

    def done(self, status: int | None, error: BaseException | None) -> None:
        """Record the outcome: counters, latency, the store's health, the span's end."""
        seconds = time.perf_counter() - self.started
        m, store, platform = self.metrics, self.ctx.store_id, self.ctx.platform
        label = status_label(status, error)
        # `call` is the client's operation (list_orders, ...): a fixed set per platform, and
        # what tells apart calls to one endpoint (Shopify's graphql.json)
        where = (store, platform, self.method, self.endpoint, self.ctx.operation)
        m.upstream_requests.labels(*where, label).inc()
        m.upstream_duration.labels(*where).observe(seconds)
        if isinstance(error, CartgraphError):
            m.upstream_errors.labels(store, platform, error.code).inc()
        if status == 429 or isinstance(error, RateLimitedError):
            m.throttled.labels(store, platform).inc()
        healthy = store_answered(status, error)
        if healthy is not None:
            m.store_up.labels(store, platform).set(1 if healthy else 0)
        if self.span is not None:
            self._end_span(status, label, error)

    def _end_span(self, status: int | None, label: str, error: BaseException | None) -> None:
        span = self.span
        assert span is not None
        if status is not None:
            span.set_attribute("http.response.status_code", status)
        if error is not None:
            code = error.code if isinstance(error, CartgraphError) else type(error).__name__
            span.set_attribute("error.type", code)
            span.set_status(Status(StatusCode.ERROR, label))
        span.end()
