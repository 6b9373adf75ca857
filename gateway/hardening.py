"""Hostile HTTP/WebSocket input: streamed size caps, typed JSON errors for malformed bodies."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData

from gateway.config import GatewaySettings
from gateway.documents import DocumentRefused, PersistedDocuments
from resolvers.context import RequestContext
from resolvers.hardened_schema import safe_message
from resolvers.limits import InputLimits

log = logging.getLogger("cartgraph.http")

MIB = 1024 * 1024
WS_MESSAGE_TOO_BIG = 1009  # RFC 6455
MAX_CLOSE_REASON_BYTES = 123  # RFC 6455: a control frame carries 125 bytes, 2 of them the code

_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
}


@dataclass(frozen=True)
class Hardening:
    """Request-size and document limits (config: `[gateway]` max_body_bytes etc.)."""

    max_body_bytes: int = MIB
    max_ws_message_bytes: int = MIB
    documents: InputLimits = field(default_factory=InputLimits)


def json_error(status: int, message: str, code: str, **headers: str) -> Response:
    """`{"errors": [{"message", "extensions": {"code"}}]}` with an HTTP status."""
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status, headers=headers or None)


class _BodyTooLarge(Exception):
    """Raised from `receive` once the streamed body passes the limit."""


class BodyLimitMiddleware:
    """Refuses HTTP bodies over `max_body_bytes` (413) while streaming, and WebSocket
    messages over `max_ws_message_bytes` (close 1009), before any handler buffers them."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_ws_message_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_ws_message_bytes = max_ws_message_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._refuse(scope, receive, send)  # not one byte of the body is read
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:  # chunked bodies declare no length
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        log.info("refused a body over %d bytes", self.max_body_bytes, extra={"status": 413})
        message = f"The request body is over the limit of {self.max_body_bytes} bytes"
        # close: the rest of the body is never read, so the connection cannot be reused.
        response = json_error(413, message, "PAYLOAD_TOO_LARGE", connection="close")
        await response(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        closed = False

        async def capped_receive() -> Message:
            nonlocal closed
            message = await receive()
            if (
                message["type"] == "websocket.receive"
                and _size(message) > self.max_ws_message_bytes
            ):
                log.info("closed a socket: message over %d bytes", self.max_ws_message_bytes)
                if not closed:
                    closed = True
                    await send({"type": "websocket.close", "code": WS_MESSAGE_TOO_BIG})
                return {"type": "websocket.disconnect", "code": WS_MESSAGE_TOO_BIG}
            return message

        async def guarded_send(message: Message) -> None:
            if not closed:  # the handler does not know we closed it; a second close is an error
                await send(_short_reason(message))

        await self.app(scope, capped_receive, guarded_send)


def _short_reason(message: Message) -> Message:
    """A close reason cut to what a close frame holds (RFC 6455: 123 bytes). Strawberry
    echoes client input into some ("Subscriber for <id> already exists"): with a long id
    the frame could not be built and the socket died unclosed (found by fuzzing)."""
    reason = message.get("reason")
    if message["type"] != "websocket.close" or not isinstance(reason, str):
        return message
    cut = reason.encode()[:MAX_CLOSE_REASON_BYTES].decode("utf-8", "ignore")
    return message if cut == reason else {**message, "reason": cut}


def _size(message: Message) -> int:
    text = message.get("text")
    if text is not None:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(message.get("bytes") or b"")


class HardenedGraphQL(GraphQL[RequestContext, None]):
    """Strawberry's ASGI view answering malformed requests with typed JSON errors (not 500),
    resolving persisted documents (APQ / trusted documents) before execution."""

    documents: PersistedDocuments  # set by the subclass: one APQ cache per app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:
            response = _refusal(exc.status_code, exc.reason)
        except DocumentRefused as exc:
            log.info("refused a document: %s", exc.code, extra={"code": exc.code})
            response = json_error(exc.status, exc.message, exc.code)
        await response(scope, receive, send)

    def decode_json(self, data: str | bytes) -> object:
        # orjson: faster, and invalid UTF-8 is a JSONDecodeError (Strawberry's json: a 500).
        return orjson.loads(data)

    def parse_json(self, data: str | bytes) -> Any:
        value = super().parse_json(data)
        if not isinstance(value, dict):
            # `null`, strings, numbers (a 500 before) and lists (no batching) are refused.
            raise HTTPException(400, "The request body must be a JSON object")
        return value

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData):
            # Strawberry checks `variables` and `extensions` but passes any JSON on as the
            # operation name (an object was an INTERNAL in the metrics; found by fuzzing)
            if not isinstance(data.operation_name, str | None):
                raise HTTPException(400, "`operationName` must be a string or null")
            data.query = self.documents.resolve(data.query, data.extensions)
        return data


def _refusal(status: int, reason: str) -> Response:
    code = _CODES.get(status, "BAD_REQUEST")
    if reason.startswith("subscriptions are not allowed"):
        reason = "Subscriptions need a WebSocket (graphql-transport-ws) connection"
    log.info("refused a request: %s", safe_message(reason), extra={"status": status, "code": code})
    return json_error(status, reason, code)


def hardening(settings: GatewaySettings) -> Hardening:
    """The limits of a `[gateway]` config section (GatewaySettings)."""
    return Hardening(
        max_body_bytes=settings.max_body_bytes,
        max_ws_message_bytes=settings.max_ws_message_bytes,
        documents=InputLimits(
            max_query_tokens=settings.max_query_tokens,
            max_query_fields=settings.max_query_fields,
        ),
    )
