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

from gateway.graphiql import asset_routes, graphiql_html, verify_assets
from gateway.stores import StoreRegistry
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

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def create_app(
    registry: StoreRegistry, *, limits: Limits | None = None, max_depth: int = 12
) -> Starlette:
    """The gateway app for an already-built store registry (closed on shutdown)."""
    verify_assets()  # a tampered or missing GraphiQL file fails start-up, not a browser later
    graphql = GatewayGraphQL(registry, limits or Limits(), max_depth)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        return JSONResponse({"status": "ready", "stores": len(registry.store_ids)})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await registry.aclose()

    routes: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        *asset_routes(),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
