"""WebSocket protocol handlers with the HTTP rules: persisted documents, timeouts, fairness."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol, cast

from graphql import OperationType
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import StartMessage

from gateway.deadline import timed_out
from gateway.documents import DocumentRefused, PersistedDocuments
from gateway.sockets import TRY_AGAIN_LATER, TooManySockets
from gateway.ws_messages import (
    INVALID_MESSAGE,
    malformed,
    operation_type,
    payload_problem,
    too_many,
)
from platforms.ratelimit import CallScope, current_scope
from resolvers.budget import identity_of, quotas_of
from resolvers.context import RequestContext
from resolvers.limits import DocumentCaches

log = logging.getLogger("cartgraph.ws")
INIT_TIMEOUT = 4408  # graphql-transport-ws's code; legacy graphql-ws has none of its own


class SocketView(Protocol):
    """What the handlers need of the gateway's view (GatewayGraphQL)."""

    documents: PersistedDocuments
    caches: DocumentCaches
    connection_init_wait_timeout: timedelta


def resolve_document(view: SocketView, payload: dict[str, Any]) -> None:
    """Replace `payload["query"]` by the text to run (APQ hash, trusted-documents check);
    DocumentRefused when it may not run."""
    query = payload.get("query")
    text = view.documents.resolve(query if isinstance(query, str) else None, _extensions(payload))
    if text is not None:
        payload["query"] = text


def _extensions(payload: dict[str, Any]) -> dict[str, Any] | None:
    extensions = payload.get("extensions")
    return extensions if isinstance(extensions, dict) else None


def refusal(exc: DocumentRefused) -> dict[str, Any]:
    """A refused document as a formatted GraphQL error."""
    log.info("refused a document over WebSocket: %s", exc.code, extra={"code": exc.code})
    return {"message": exc.message, "extensions": {"code": exc.code}}


def is_subscription(query: object, operation_name: object, caches: DocumentCaches) -> bool:
    """Whether the operation to run is a subscription (see operation_type)."""
    if not isinstance(query, str):
        return False
    return operation_type(query, operation_name, caches) is OperationType.SUBSCRIPTION


async def in_call_scope(context: RequestContext, work: Callable[[], Awaitable[None]]) -> None:
    """Run one operation in its own CallScope: its upstream calls queue in its caller's
    round-robin turn (not one shared queue for every socket) and are dropped when it ends."""
    scope = CallScope(identity_of(context))
    current_scope.set(scope)  # the operation's own task: other operations are unaffected
    try:
        await work()
    finally:
        scope.cancel()


class GatewayTransportWS(BaseGraphQLTransportWSHandler[RequestContext, None]):
    """graphql-transport-ws with persisted documents, the per-key socket cap (1013), a
    CallScope per operation and the request timeout on queries and mutations."""

    async def handle_message(self, message: Any) -> None:
        problem = malformed(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        try:
            await super().handle_connection_init(message)
        except TooManySockets as exc:
            await self.websocket.close(code=TRY_AGAIN_LATER, reason=str(exc))

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged and message.get("id") not in self.operations:
            payload = message.get("payload")
            if not isinstance(payload, dict):
                await self.websocket.close(code=4400, reason="Invalid subscribe payload")
                return
            try:
                resolve_document(cast(SocketView, self.view), cast(dict[str, Any], payload))
            except DocumentRefused as exc:
                error: Any = [refusal(exc)]
                await self.send_message({"id": message["id"], "type": "error", "payload": error})
                return
            cap = self.max_subscriptions_per_connection
            if cap is not None and len(self.operations) >= cap:
                full: Any = [too_many(cap)]
                await self.send_message({"id": message["id"], "type": "error", "payload": full})
                return
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[RequestContext, None]) -> None:
        await in_call_scope(self.context, lambda: self._run_with_deadline(operation))

    async def _run_with_deadline(self, operation: Operation[RequestContext, None]) -> None:
        view = cast(SocketView, self.view)
        timeout = quotas_of(self.context).settings.request_timeout_seconds
        # subscriptions are long-lived by design: only queries and mutations get the deadline.
        if not timeout or is_subscription(operation.query, operation.operation_name, view.caches):
            await super().run_operation(operation)
            return
        try:
            async with asyncio.timeout(timeout):
                await super().run_operation(operation)
        except TimeoutError:
            await operation.send_next(timed_out(timeout))
            await operation.send_operation_message({"id": operation.id, "type": "complete"})


class GatewayLegacyWS(BaseGraphQLWSHandler[RequestContext, None]):
    """Legacy graphql-ws (subscriptions only) with the same documents, caps and CallScope,
    and the connection_init deadline its Strawberry handler lacks."""

    async def handle(self) -> None:
        # an unauthenticated socket would otherwise hold one of the total slots forever.
        watchdog = asyncio.create_task(self._close_unless_acknowledged())
        try:
            await super().handle()
        finally:
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watchdog

    async def _close_unless_acknowledged(self) -> None:
        view = cast(SocketView, self.view)
        await asyncio.sleep(view.connection_init_wait_timeout.total_seconds())
        if not self.connection_acknowledged:
            with contextlib.suppress(RuntimeError, OSError):
                await self.websocket.close(INIT_TIMEOUT, "Connection initialisation timeout")

    async def handle_message(self, message: Any) -> None:
        problem = malformed(message, payload=False)
        if problem is None:
            await super().handle_message(message)
            return
        # graphql-ws has no code of its own for this: graphql-transport-ws's 4400
        with contextlib.suppress(RuntimeError, OSError):
            await self.websocket.close(INVALID_MESSAGE, problem)

    async def handle_connection_init(self, message: Any) -> None:
        try:
            await super().handle_connection_init(message)
        except TooManySockets as exc:
            await self.send_message({"type": "connection_error", "payload": {"message": str(exc)}})
            await self.websocket.close(code=TRY_AGAIN_LATER, reason=str(exc))

    async def handle_start(self, message: StartMessage) -> None:
        if self.connection_acknowledged:
            payload = message.get("payload")
            try:
                problem = payload_problem(payload)
                if problem is not None:
                    raise DocumentRefused(problem, "BAD_REQUEST")
                resolve_document(cast(SocketView, self.view), cast(dict[str, Any], payload))
                _only_subscriptions(cast(SocketView, self.view), cast(dict[str, Any], payload))
            except DocumentRefused as exc:
                error: Any = refusal(exc)
                await self.send_message({"type": "error", "id": message["id"], "payload": error})
                return
            cap = self.max_subscriptions_per_connection
            others = len([t for t in self.tasks if t != message["id"]])  # its own is replaced
            if cap is not None and others >= cap:
                full: Any = too_many(cap)
                await self.send_message({"type": "error", "id": message["id"], "payload": full})
                return
        await super().handle_start(message)

    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        await in_call_scope(
            self.context,
            lambda: super(GatewayLegacyWS, self).handle_async_results(
                operation_id, query, operation_name, variables
            ),
        )


def _only_subscriptions(view: SocketView, payload: dict[str, Any]) -> None:
    """DocumentRefused unless `payload` runs a subscription: graphql-ws carries nothing else
    (Strawberry's handler raised on a query: INTERNAL before, found by fuzzing)."""
    query = payload.get("query")
    if not isinstance(query, str):
        raise DocumentRefused("`payload.query` must be a string", "BAD_REQUEST")
    found = operation_type(query, payload.get("operationName"), view.caches)
    if found is not None and found is not OperationType.SUBSCRIPTION:
        raise DocumentRefused(
            "graphql-ws carries subscriptions only: send queries and mutations over "
            "graphql-transport-ws or HTTP",
            "BAD_REQUEST",
        )
