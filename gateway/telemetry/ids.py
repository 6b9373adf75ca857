"""Request ids: accepted from `X-Request-Id` or made, returned as a header, in every log line."""

from __future__ import annotations

import contextvars
import re
import uuid

from opentelemetry import trace
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-Id"
# a client's id goes into our log lines and headers: short, and nothing that could forge
# a line or a header (no spaces, no quotes, no control characters)
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,128}")

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "cartgraph_request_id", default=None
)


def request_id_from(header: str | None) -> str:
    """The client's id when it is a safe one, else a new random one."""
    if header is not None and _ACCEPTED.fullmatch(header):
        return header
    return uuid.uuid4().hex


def current_trace_id() -> str | None:
    """The trace id of the current span (log lines); None outside any trace or when
    tracing is off (then no span is ever current)."""
    ids = trace.get_current_span().get_span_context()
    return format(ids.trace_id, "032x") if ids.is_valid else None


class RequestIds:
    """ASGI middleware: one id per HTTP request or WebSocket, set for its logs and returned
    in the response's `X-Request-Id` (HTTP; a socket's logs carry it too)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(Headers(scope=scope).get(HEADER))
        token = current_request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])  # optional in ASGI, needed by MutableHeaders
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id if scope["type"] == "http" else send)
        finally:
            current_request_id.reset(token)
