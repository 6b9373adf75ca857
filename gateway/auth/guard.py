"""HTTP and WebSocket doors: the Host allow-list, 401s, and sockets closed on revocation."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

import orjson
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketState

from gateway.auth.authenticator import AuthGate
from gateway.auth.principal import Principal

log = logging.getLogger("cartgraph.auth")

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")
# how often an open socket's key is re-checked (a revocation closes it within this).
REVALIDATE_SECONDS = 2.0
WS_FORBIDDEN = 4403  # graphql-transport-ws: the server refuses the connection


def default_allowed_hosts(configured: Iterable[str]) -> list[str]:
    """The configured host names (not wildcard addresses) plus the loopback names."""
    named = [h for h in configured if h not in ("0.0.0.0", "::", "")]  # noqa: S104
    return list(dict.fromkeys([*named, *LOCAL_HOSTS]))


def host_name(header: str) -> str:
    """`example.com:8000` -> `example.com`, `[::1]:8000` -> `[::1]`, lower-cased."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[: value.find("]") + 1] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class HostGuard:
    """Answers 421 to a request whose Host is not allowed (DNS rebinding, wrong vhost)."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = {h.lower() for h in allowed}
        self.any = "*" in self.allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.any:
            await self.app(scope, receive, send)
            return
        host = host_name(Headers(scope=scope).get("host", ""))
        if host in self.allowed:
            await self.app(scope, receive, send)
            return
        log.info("refused a request for host %r (not in allowed_hosts)", host[:100])
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "Host not allowed"})
            return
        await error_response(send, 421, "MISDIRECTED_REQUEST", "This Host is not served here")


async def error_response(
    send: Send, status: int, code: str, message: str, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    """A GraphQL-shaped JSON error answer, sent straight through ASGI."""
    body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def unauthenticated(send: Send) -> None:
    """401 with the Bearer challenge."""
    await error_response(
        send,
        401,
        "UNAUTHENTICATED",
        "A valid credential is required: send `Authorization: Bearer <key>`",
        [(b"www-authenticate", b'Bearer realm="cartgraph"')],
    )


def watch_revocation(gate: AuthGate, principal: Principal, socket: WebSocket) -> asyncio.Task[None]:
    """A task that closes `socket` with 4403 once `principal`'s credential stops being valid."""

    async def watch() -> None:
        while socket.application_state != WebSocketState.DISCONNECTED:
            await asyncio.sleep(REVALIDATE_SECONDS)
            if WebSocketState.DISCONNECTED in (socket.client_state, socket.application_state):
                return
            if not await gate.still_valid(principal):
                log.info("closing a socket of revoked key %s", principal.key_id)
                with contextlib.suppress(RuntimeError, OSError):
                    await socket.close(code=WS_FORBIDDEN, reason="Credential revoked")
                return

    return asyncio.create_task(watch())
