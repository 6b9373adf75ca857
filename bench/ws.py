"""A minimal `graphql-transport-ws` subscriber on aiohttp: a thousand of them fit in one loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from bench.procs import AUTH_HEADERS

PROTOCOL = "graphql-transport-ws"
HANDSHAKE_SECONDS = 30.0

# Called with (receive time on the wall clock, the `next` payload's data) for every result.
OnResult = Callable[[float, dict[str, Any]], None]


class SubscriptionError(Exception):
    """The server refused the connection or the subscription, or sent a GraphQL error."""


@dataclass
class Subscriber:
    """One WebSocket, one subscription; results go to `on_result` as they arrive."""

    session: aiohttp.ClientSession
    url: str
    document: str
    variables: dict[str, Any]
    on_result: OnResult
    errors: list[str] = field(default_factory=list)
    _ws: aiohttp.ClientWebSocketResponse | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect, init, subscribe; the reader runs in the background from then on."""
        self._ws = await self.session.ws_connect(self.url, protocols=(PROTOCOL,), heartbeat=None)
        await self._send({"type": "connection_init", "payload": dict(AUTH_HEADERS)})
        ack = await asyncio.wait_for(self._ws.receive(), HANDSHAKE_SECONDS)
        if ack.type is not aiohttp.WSMsgType.TEXT or orjson.loads(ack.data)["type"] != (
            "connection_ack"
        ):
            raise SubscriptionError(f"no connection_ack: {ack.type} {str(ack.data)[:200]}")
        payload = {"query": self.document, "variables": self.variables}
        await self._send({"id": "1", "type": "subscribe", "payload": payload})
        self._task = asyncio.create_task(self._read())

    async def _send(self, message: dict[str, Any]) -> None:
        assert self._ws is not None
        await self._ws.send_str(orjson.dumps(message).decode())  # the protocol is text frames

    async def _read(self) -> None:
        assert self._ws is not None
        async for msg in self._ws:
            received = time.time()  # wall clock: compared with the gateway's recordedAt
            if msg.type is not aiohttp.WSMsgType.TEXT:
                continue
            body = orjson.loads(msg.data)
            kind = body.get("type")
            if kind == "next":
                payload = body.get("payload") or {}
                if payload.get("errors"):
                    self.errors.append(str(payload["errors"])[:300])
                else:
                    self.on_result(received, payload["data"])
            elif kind == "ping":
                await self._send({"type": "pong"})
            elif kind in ("error", "complete"):
                self.errors.append(f"{kind}: {str(body.get('payload'))[:300]}")

    async def close(self) -> None:
        """Complete the subscription and close the socket."""
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
