"""The ASGI app: /graphql (HTTP + WebSocket), offline GraphiQL, /healthz and /readyz."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from gateway.events.service import EventService
from gateway.graphiql import asset_routes, graphiql_html, verify_assets
from gateway.stores import StoreRegistry
from gateway.writes.queue import WriteQueue, open_store
from resolvers.context import Limits, Principal, RequestContext
from resolvers.schema import build_schema

ANONYMOUS = Principal(name="anonymous")


class GatewayGraphQL(GraphQL[RequestContext, None]):
    """Strawberry's ASGI view with our context, orjson responses and offline GraphiQL."""

    def __init__(self, registry: StoreRegistry, limits: Limits, max_depth: int) -> None:
        super().__init__(build_schema(max_depth=max_depth), graphql_ide="graphiql")
        self.registry = registry
        self.limits = limits

    async def get_context(self, request: Request | WebSocket, response: Any) -> RequestContext:
        # authentication arrives later; until then every caller sees every configured store.
        return RequestContext(self.registry, ANONYMOUS, self.limits, request=request)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql_html())

    def encode_json(self, data: object) -> str:
        # text, not bytes: Strawberry sends bytes as binary WebSocket frames, which
        # graphql-ws clients (GraphiQL, gql) reject.
        return orjson.dumps(data).decode()


def create_app(
    registry: StoreRegistry,
    *,
    limits: Limits | None = None,
    max_depth: int = 12,
    events: EventService | None = None,
    writes: WriteQueue | None = None,
) -> Starlette:
    """The gateway app for an already-built store registry (closed on shutdown)."""
    verify_assets()  # a tampered or missing GraphiQL file fails start-up, not a browser later
    # without a data dir the queue lives in memory: fine for tests, not durable.
    write_queue = writes or WriteQueue(open_store(None), registry)
    graphql = GatewayGraphQL(registry, limits or Limits(), max_depth)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        return JSONResponse({"status": "ready", "stores": len(registry.store_ids)})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if events is not None:
            await events.start()
        try:
            async with write_queue.running():
                yield
        finally:
            if events is not None:
                await events.stop()
            await registry.aclose()

    routes: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        *asset_routes(),
        *(events.routes() if events is not None else []),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.events = events  # subscriptions and eventFeedStatus find the service here
    app.state.writes = write_queue  # mutations and writeOperations find the queue here
    return app
