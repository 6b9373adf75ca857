"""The operation's telemetry: its latency histogram, its span, its trace id in `extensions`."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError
from opentelemetry.trace import Span, Status, StatusCode
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from gateway.telemetry.tracing import current, trace_id_of

if TYPE_CHECKING:
    from gateway.telemetry.hub import Telemetry

TRACE_ID_KEY = "traceId"  # the response's `extensions.traceId`


class OperationTelemetry(SchemaExtension):
    """Outermost extension: its span is the parent of everything the operation does
    (dataloader batches, upstream requests), and it sees the errors as clients get them."""

    def __init__(self) -> None:
        super().__init__()
        self._trace_id: str | None = None

    def on_operation(self) -> Iterator[None]:
        ctx = self.execution_context
        telemetry: Telemetry | None = getattr(ctx.context, "telemetry", None)
        if telemetry is None:  # a schema run without the app (tests, export-schema)
            yield
            return
        started = time.perf_counter()
        span = telemetry.tracing.start_operation(_headers(ctx.context))
        self._trace_id = trace_id_of(span)
        try:
            with current(span):
                yield
        finally:
            name, kind = _operation_name(ctx), _operation_type(ctx)
            outcome = _outcome(ctx)
            label = telemetry.metrics.operation_names.label(name)
            seconds = time.perf_counter() - started
            telemetry.metrics.operations.labels(label, kind, outcome).observe(seconds)
            if span is not None:
                _end(span, label, kind, outcome)

    def get_results(self) -> dict[str, Any]:
        return {TRACE_ID_KEY: self._trace_id} if self._trace_id else {}


def _headers(context: object) -> Mapping[str, str] | None:
    """The HTTP request's (or WebSocket upgrade's) headers, for a client's `traceparent`."""
    headers = getattr(getattr(context, "request", None), "headers", None)
    return headers if isinstance(headers, Mapping) else None


def _operation_name(ctx: ExecutionContext) -> str | None:
    try:
        return ctx.operation_name
    except RuntimeError:  # the document did not parse
        return None


def _operation_type(ctx: ExecutionContext) -> str:
    try:
        return ctx.operation_type.value
    except Exception:  # unparsable, or no such operation: it never ran
        return "unknown"


def _outcome(ctx: ExecutionContext) -> str:
    """success, partial (data and errors: a store failed) or error (no data)."""
    result = ctx.result
    errors: list[GraphQLError] = list(ctx.pre_execution_errors or [])
    data = None
    if result is not None:
        errors = list(getattr(result, "errors", None) or [])
        data = getattr(result, "data", None)
    if not errors:
        return "success"
    return "partial" if data else "error"


def _end(span: Span, name: str, kind: str, outcome: str) -> None:
    span.update_name(f"{kind} {name}")
    span.set_attribute("graphql.operation.name", name)
    span.set_attribute("graphql.operation.type", kind)
    span.set_attribute("cartgraph.outcome", outcome)
    if outcome == "error":
        span.set_status(Status(StatusCode.ERROR, outcome))
    span.end()
