"""A keyed gateway (with events) over one Shopify sandbox, and a small WebSocket client."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.auth.authenticator import AuthGate
from gateway.auth.keys import KeyAuthenticator, KeyStore
from gateway.auth.principal import parse_scopes
from gateway.documents import PersistedDocuments
from gateway.events.service import EventService
from gateway.hardening import Hardening
from gateway.quotas import BudgetSettings
from gateway.server import running
from gateway.sockets import SocketSlots
from gateway.stores import CacheTTLs, StoreRegistry
from platforms.adapter import RateLimitSettings
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
WAIT = 20.0  # only there to fail instead of hanging, never a latency assertion
STORE = "shop"


@dataclass
class KeyedGateway:
    """A gateway whose API keys live in `keys`, in front of `sandbox`."""

    url: str
    app: Starlette
    keys: KeyStore
    sandbox: ShopifySandbox
    http: aiohttp.ClientSession
    received: list[str]  # every path the sandbox was asked for, in arrival order

    @property
    def sockets(self) -> SocketSlots:
        slots: SocketSlots = self.app.state.sockets
        return slots

    def key(self, scopes: str = "read,events", name: str = "k") -> str:
        """A new API key (the full secret)."""
        return self.keys.create(name, None, parse_scopes(scopes))[1]

    async def connect(self, protocol: str = TRANSPORT_WS) -> aiohttp.ClientWebSocketResponse:
        return await self.http.ws_connect(f"{self.url}/graphql", protocols=[protocol])

    async def open(self, key: str, protocol: str = TRANSPORT_WS) -> Socket:
        """A socket that sent connection_init with `key`; `.first` is the server's answer."""
        ws = await self.connect(protocol)
        await ws.send_json({"type": "connection_init", "payload": bearer(key)})
        return Socket(ws, await ws.receive(timeout=WAIT))

    async def post(self, key: str, query: str, variables: Any = None) -> dict[str, Any]:
        payload = {"query": query, "variables": variables or {}}
        headers = {"Authorization": f"Bearer {key}"}
        async with self.http.post(f"{self.url}/graphql", json=payload, headers=headers) as resp:
            assert resp.status == 200, await resp.text()
            body: dict[str, Any] = await resp.json()
            return body


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@dataclass
class Socket:
    """An open client socket and the first message the server sent after connection_init."""

    ws: aiohttp.ClientWebSocketResponse
    first: aiohttp.WSMessage

    @property
    def acked(self) -> bool:
        text = self.first.type == aiohttp.WSMsgType.TEXT
        return text and self.first.json()["type"] == "connection_ack"

    async def send(self, kind: str, op_id: str, query: str | None = None, **payload: Any) -> None:
        """A subscribe (graphql-transport-ws) or start (graphql-ws) message."""
        body = {k: v for k, v in {"query": query, **payload}.items() if v is not None}
        await self.ws.send_json({"id": op_id, "type": kind, "payload": body})

    async def result(self, op_id: str) -> dict[str, Any]:
        """The next message for `op_id` (next/data/error), skipping keep-alives."""
        while True:
            message = await self.ws.receive_json(timeout=WAIT)
            if message.get("id") == op_id and message["type"] != "complete":
                return dict(message)

    async def closed(self) -> int | None:
        """Wait for the server to close the socket; its close code."""
        while (await self.ws.receive(timeout=WAIT)).type not in CLOSING:
            pass
        return self.ws.close_code


CLOSING = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)


def errors_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The GraphQL errors of an error/next/data message."""
    payload = message["payload"]
    if message["type"] == "error":
        return payload if isinstance(payload, list) else [payload]
    errors: list[dict[str, Any]] = payload.get("errors") or []
    return errors


def recording(received: list[str]) -> Callable[..., Any]:
    """aiohttp middleware that notes each request's path in arrival order."""

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        received.append(request.path)
        response: web.StreamResponse = await handler(request)
        return response

    return middleware


async def until(condition: Callable[[], bool]) -> None:
    """Wait (bounded) for a condition the server reaches on its own, e.g. a closed socket."""
    async with asyncio.timeout(WAIT):
        while not condition():  # noqa: ASYNC110 (state inside the served app)
            await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def keyed_gateway(
    data_dir: Path,
    *,
    budgets: BudgetSettings | None = None,
    documents: PersistedDocuments | None = None,
    hardening: Hardening | None = None,
    rate_limit: RateLimitSettings | None = None,
    api: str | None = None,
) -> AsyncIterator[KeyedGateway]:
    """A gateway with keys and an event feed (no polling) over one recorded sandbox (`api`:
    the Shopify API the store selects; None: the default, Admin GraphQL)."""
    received: list[str] = []
    sandbox = ShopifySandbox(seed=1, orders=20, products=10, bucket=None)
    sandbox.app.middlewares.append(recording(received))
    async with contextlib.AsyncExitStack() as stack:
        conn = sandbox.connection(STORE, await stack.enter_async_context(serve(sandbox.app)))
        if rate_limit is not None:
            conn = dataclasses.replace(conn, rate_limit=rate_limit)
        if api is not None:
            conn = dataclasses.replace(conn, options={**conn.options, "api": api})
        registry = StoreRegistry([conn], ttls=CacheTTLs(products=0, locations=0))
        no_polls = {STORE: 0.0}
        events = EventService.open(
            registry, data_dir, poll_intervals=no_polls, inventory_poll_intervals=no_polls
        )
        keys = KeyStore(None)
        app = create_app(
            registry,
            events=events,
            budgets=budgets,
            documents=documents,
            hardening=hardening,
            auth=AuthGate([KeyAuthenticator(keys)]),
        )
        url = await stack.enter_async_context(running(app))
        http = await stack.enter_async_context(aiohttp.ClientSession())
        yield KeyedGateway(url, app, keys, sandbox, http, received)
