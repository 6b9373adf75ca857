"""OpenTelemetry traces of one app: its own tracer provider, or off at near-zero cost."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

OTLP_TRACES_PATH = "/v1/traces"
_PROPAGATOR = TraceContextTextMapPropagator()  # W3C traceparent/tracestate, stateless


class Tracing:
    """The app's tracer. Off (no provider) every hook is one `if`: no span, no context.

    The provider is the app's own, never OpenTelemetry's global one, so two apps (tests)
    export to their own exporters; spans still nest through OpenTelemetry's context,
    which lives in contextvars (per request, inherited by dataloader tasks)."""

    def __init__(self, provider: TracerProvider | None = None) -> None:
        self.provider = provider
        self.tracer = provider.get_tracer("cartgraph") if provider is not None else None

    @property
    def on(self) -> bool:
        """Whether spans are recorded."""
        return self.tracer is not None

    @classmethod
    def otlp(cls, endpoint: str, service_name: str, sample_ratio: float = 1.0) -> Tracing:
        """Spans batched to an OTLP/HTTP collector (`[telemetry] otlp_endpoint`)."""
        # imported here: the exporter (protobuf, an HTTP client) costs nothing when off
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=traces_url(endpoint))
        return cls.exporting(BatchSpanProcessor(exporter), service_name, sample_ratio)

    @classmethod
    def to_exporter(cls, exporter: SpanExporter, service_name: str = "cartgraph") -> Tracing:
        """Every span handed to `exporter` as it ends (tests: InMemorySpanExporter)."""
        return cls.exporting(SimpleSpanProcessor(exporter), service_name)

    @classmethod
    def exporting(
        cls,
        processor: BatchSpanProcessor | SimpleSpanProcessor,
        service_name: str,
        sample_ratio: float = 1.0,
    ) -> Tracing:
        """A provider with one span processor; a client's sampled flag is followed."""
        provider = TracerProvider(
            sampler=ParentBased(TraceIdRatioBased(sample_ratio)),
            resource=Resource.create({"service.name": service_name}),
            shutdown_on_exit=False,  # the app's lifespan shuts it down (an atexit per app leaks)
        )
        provider.add_span_processor(processor)
        return cls(provider)

    def start_operation(self, headers: Mapping[str, str] | None) -> Span | None:
        """The span of one GraphQL operation, child of the client's `traceparent` if sent."""
        if self.tracer is None:
            return None
        parent = _PROPAGATOR.extract(headers) if headers is not None else None
        return self.tracer.start_span("graphql", context=parent, kind=SpanKind.SERVER)

    @contextlib.contextmanager
    def span(self, name: str, attributes: Mapping[str, Any]) -> Iterator[Span | None]:
        """A child of the current span, current itself inside the block (None when off)."""
        if self.tracer is None:
            yield None
            return
        with self.tracer.start_as_current_span(name, attributes=dict(attributes)) as span:
            yield span

    def shutdown(self) -> None:
        """Export what is buffered and stop (the app's lifespan end)."""
        if self.provider is not None:
            self.provider.shutdown()


@contextlib.contextmanager
def current(span: Span | None) -> Iterator[None]:
    """`span` as the current span inside the block (nothing when None)."""
    if span is None:
        yield
        return
    token = otel_context.attach(trace.set_span_in_context(span))
    try:
        yield
    finally:
        otel_context.detach(token)


def trace_id_of(span: Span | None) -> str | None:
    """The W3C trace id (32 hex digits) of a recording span, else None."""
    if span is None:
        return None
    ids = span.get_span_context()
    return format(ids.trace_id, "032x") if ids.is_valid else None


def traces_url(endpoint: str) -> str:
    """The collector's traces URL: a bare `http://host:4318` gets `/v1/traces`."""
    path = urlsplit(endpoint).path
    return endpoint.rstrip("/") + OTLP_TRACES_PATH if path in ("", "/") else endpoint
