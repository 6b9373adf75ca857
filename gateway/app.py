"""The ASGI app: /graphql (HTTP + WebSocket), offline GraphiQL, /healthz and /readyz."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any, cast

import orjson
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UNSET, UnsetType

from gateway.auth.authenticator import AuthGate, bearer_token
from gateway.auth.guard import (
    HostGuard,
    default_allowed_hosts,
    unauthenticated,
    watch_revocation,
)
from gateway.auth.principal import ANONYMOUS, Principal, current_principal
from gateway.deadline import run_guarded
from gateway.documents import PersistedDocuments
from gateway.events.service import EventService
from gateway.graphiql import asset_routes, graphiql_html, verify_assets
from gateway.hardening import BodyLimitMiddleware, HardenedGraphQL, Hardening
from gateway.quotas import BudgetSettings, CallerQuotas
from gateway.readiness import Probe, unready
from gateway.sockets import TRY_AGAIN_LATER, SocketSlots
from gateway.statuspage.route import StatusPage, status_routes
from gateway.stores import StoreRegistry
from gateway.telemetry.endpoint import metrics_routes
from gateway.telemetry.hub import Telemetry
from gateway.telemetry.ids import HEADER as REQUEST_ID_HEADER
from gateway.telemetry.ids import RequestIds
from gateway.telemetry.sampler import Sampler
from gateway.writes.queue import WriteQueue, open_store
from gateway.ws import GatewayLegacyWS, GatewayTransportWS
from resolvers.context import Limits, RequestContext
from resolvers.limits import DocumentCaches
from resolvers.schema import build_schema
from resolvers.write_operations import IDEMPOTENCY_HEADER

# a socket before its connection_init: no stores, no scopes (Strawberry runs nothing before).
NOBODY = Principal(name="unauthenticated", store_ids=frozenset(), scopes=frozenset())
OPEN_DOOR = AuthGate([], off=True)  # tests of other features, and `[auth] mode = "off"`
# Strawberry waits a minute; a socket that never authenticates holds a slot of the total
# cap meanwhile (graphql-ws clients send connection_init at once; its server waits 3 s).
CONNECTION_INIT_WAIT = timedelta(seconds=10)
_WATCH = "cartgraph.revocation_watch"  # the scope entry holding a socket's revocation watch


class GatewayGraphQL(HardenedGraphQL):
    """Strawberry's ASGI view with our context, orjson responses and offline GraphiQL."""

    graphql_transport_ws_handler_class = GatewayTransportWS
    graphql_ws_handler_class = GatewayLegacyWS

    def __init__(
        self,
        registry: StoreRegistry,
        limits: Limits,
        max_depth: int,
        *,
        auth: AuthGate,
        graphiql: bool = True,
        introspection: bool = True,
        caches: DocumentCaches | None = None,
        documents: PersistedDocuments | None = None,
        sockets: SocketSlots | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.telemetry = telemetry or Telemetry()
        self.caches = caches or DocumentCaches()
        schema = build_schema(max_depth=max_depth, introspection=introspection, caches=self.caches)
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            connection_init_wait_timeout=CONNECTION_INIT_WAIT,
        )
        self.documents = documents or PersistedDocuments()  # APQ on, in memory
        self.sockets = sockets or SocketSlots(total=0, per_key=0)
        self.registry = registry
        self.limits = limits
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._socket(scope, receive, send)
            return
        if scope["type"] == "http" and not self._is_ide_page(scope):
            token = bearer_token(Headers(scope=scope).get("authorization"))
            principal = await self.auth.principal(token)
            if principal is None:
                await unauthenticated(send)
                return
            scope.setdefault("state", {})["principal"] = principal
            current_principal.set(principal)
        await super().__call__(scope, receive, send)

    async def _socket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A socket inside the total cap (its slot is freed when it closes)."""
        if not self.sockets.enter():
            socket = WebSocket(scope, receive, send)
            # accepted with the client's subprotocol, else browsers report 1006, not ours.
            await socket.accept(subprotocol=await self.pick_websocket_subprotocol(socket))
            await socket.close(TRY_AGAIN_LATER, "Try again later: too many open sockets")
            return
        try:
            await super().__call__(scope, receive, send)
        finally:
            _stop_watch(scope)  # else it lingers (holding the socket) until its next check
            self.sockets.leave(scope)

    def _is_ide_page(self, scope: Scope) -> bool:
        # GraphiQL's HTML loads without a credential; the queries it sends carry one.
        if self.graphql_ide is None or scope["method"] != "GET" or scope["query_string"]:
            return False
        return "text/html" in Headers(scope=scope).get("accept", "")

    async def get_context(self, request: Request | WebSocket, response: Any) -> RequestContext:
        if isinstance(request, WebSocket):
            principal = ANONYMOUS if self.auth.off else NOBODY  # set by on_ws_connect
        else:
            principal = request.scope.get("state", {}).get("principal", NOBODY)
        return RequestContext(
            self.registry, principal, self.limits, request=request, telemetry=self.telemetry
        )

    async def on_ws_connect(self, context: RequestContext) -> UnsetType | dict[str, object] | None:
        """Authenticate a socket from its connection_init payload (or its upgrade header)."""
        if self.auth.off:
            return cast(UnsetType, UNSET)
        token = _ws_token(context.connection_params, context.request)
        principal = await self.auth.principal(token)
        if principal is None:
            raise ConnectionRejectionError({"message": "A valid credential is required"})
        # TooManySockets: the protocol handler closes the socket with 1013 (Try Again Later)
        self.sockets.claim(context.request.scope, principal.identity)
        context.principal = principal
        current_principal.set(principal)
        _stop_watch(context.request.scope)  # a second connection_init (graphql-ws allows it)
        context.request.scope[_WATCH] = watch_revocation(self.auth, principal, context.request)
        return cast(UnsetType, UNSET)

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        # under the request timeout, and cancelled (upstream calls too) if the client leaves.
        request, context = kwargs["request"], kwargs["context"]
        quotas: CallerQuotas = request.app.state.quotas
        principal = context.principal
        return await run_guarded(
            super().execute_single(*args, **kwargs),
            request,
            str(getattr(principal, "identity", None) or principal.name),
            quotas.settings.request_timeout_seconds,
        )

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(graphiql_html())

    def encode_json(self, data: object) -> str:
        # text, not bytes: Strawberry sends bytes as binary WebSocket frames, which
        # graphql-ws clients (GraphiQL, gql) reject.
        return orjson.dumps(data).decode()


def _stop_watch(scope: Scope) -> None:
    watch = scope.pop(_WATCH, None)
    if watch is not None:
        watch.cancel()


def _ws_token(params: object, socket: object) -> str | None:
    """The bearer token of a socket: connection_init's `Authorization` (or `token`), else
    the upgrade request's header (browsers cannot set one; other clients can)."""
    if isinstance(params, dict):
        for name in ("Authorization", "authorization"):
            value = params.get(name)
            if isinstance(value, str):
                return bearer_token(value)
        token = params.get("token")
        if isinstance(token, str):
            return token
    if isinstance(socket, WebSocket):
        return bearer_token(socket.headers.get("authorization"))
    return None


def create_app(
    registry: StoreRegistry,
    *,
    limits: Limits | None = None,
    max_depth: int = 12,
    events: EventService | None = None,
    writes: WriteQueue | None = None,
    budgets: BudgetSettings | None = None,
    auth: AuthGate,
    allowed_hosts: Sequence[str] | None = None,
    cors_origins: Sequence[str] = (),
    graphiql: bool = True,
    introspection: bool = True,
    hardening: Hardening | None = None,
    documents: PersistedDocuments | None = None,
    readiness: Sequence[Probe] = (),
    telemetry: Telemetry | None = None,
) -> Starlette:
    """The gateway app for an already-built store registry (closed on shutdown).

    `auth` is required: pass `OPEN_DOOR` to serve without credentials, knowingly.
    `allowed_hosts` None allows the loopback names only. `/readyz` answers 503 while any
    of the `readiness` probes (shared storage, Redis) fails. `telemetry` None: metrics on
    `/metrics` for admin keys, tracing off (one `Telemetry` per app, never shared).
    """
    verify_assets()  # a tampered or missing GraphiQL file fails start-up, not a browser later
    # without a data dir the queue lives in memory: fine for tests, not durable.
    write_queue = writes or WriteQueue(open_store(None), registry)
    hardening = hardening or Hardening()
    budgets = budgets or BudgetSettings()
    caches = DocumentCaches(hardening.documents)
    telemetry = telemetry or Telemetry()
    telemetry.watch_stores(registry)
    telemetry.watch_writes(write_queue)
    sampler = Sampler(
        telemetry.metrics, registry, events=events, writes=write_queue, documents=caches
    )
    status = StatusPage(registry, telemetry.metrics, events=events, writes=write_queue)
    graphql = GatewayGraphQL(
        registry,
        limits or Limits(),
        max_depth,
        auth=auth,
        graphiql=graphiql,
        introspection=introspection,
        caches=caches,
        documents=documents,
        sockets=SocketSlots(budgets.max_ws_connections, budgets.max_ws_connections_per_key),
        telemetry=telemetry,
    )

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        problems = await unready(readiness)
        if problems:  # a load balancer sends this replica nothing until they pass again
            return JSONResponse({"status": "unavailable", "problems": problems}, 503)
        return JSONResponse({"status": "ready", "stores": len(registry.store_ids)})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # telemetry stops last: the shutdown's spans export too
        async with telemetry.running(sampler), status.history.running():
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
        *metrics_routes(telemetry.metrics, sampler, auth, telemetry.metrics_access),
        *status_routes(status, auth, telemetry.status_access),
    ]
    hosts = list(allowed_hosts) if allowed_hosts is not None else default_allowed_hosts([])
    middleware = [
        Middleware(HostGuard, allowed=hosts),  # first: a rebinding page gets nothing at all
        Middleware(RequestIds),  # every answer and log line below names its request
        Middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=[
                "authorization",
                "content-type",
                IDEMPOTENCY_HEADER.lower(),
                REQUEST_ID_HEADER.lower(),
                "traceparent",
                "tracestate",
            ],
            expose_headers=[REQUEST_ID_HEADER],
        ),
        Middleware(  # 413 / close 1009 while streaming, before any handler buffers a body
            BodyLimitMiddleware,
            max_body_bytes=hardening.max_body_bytes,
            max_ws_message_bytes=hardening.max_ws_message_bytes,
        ),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.events = events  # subscriptions and eventFeedStatus find the service here
    app.state.writes = write_queue  # mutations and writeOperations find the queue here
    app.state.document_caches = caches  # parse/validation cache sizes, for tests and metrics
    app.state.quotas = CallerQuotas(budgets)  # per-caller budgets
    app.state.sockets = graphql.sockets  # open sockets, for tests and metrics
    app.state.telemetry = telemetry  # metrics and tracer, for tests
    app.state.status = status  # /status, for tests
    # uvicorn's frame limit (gateway.server.running): an oversized frame is never buffered.
    app.state.max_ws_message_bytes = hardening.max_ws_message_bytes
    return app
