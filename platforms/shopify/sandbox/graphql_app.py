"""The sandbox's Admin GraphQL endpoint: validated by the 2026-10 schema, charged by cost."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    OperationDefinitionNode,
    execute,
)

from platforms.sandbox.chaos import APPLIED, EFFECTIVE_METHOD
from platforms.sandbox.kit import CONTROL_PREFIX
from platforms.shopify.cost import MAX_QUERY_COST, CostError, actual_cost, requested_cost

# The resolver modules register themselves on import: the endpoint needs every one of them.
from platforms.shopify.sandbox import (  # noqa: F401
    graphql_bulk,
    graphql_mutations,
    graphql_mutations_orders,
    graphql_resolvers_fulfillments,
    graphql_resolvers_refunds,
    graphql_resolvers_root,
)
from platforms.shopify.sandbox.graphql_context import Ctx, field_resolver, type_resolver
from platforms.shopify.sandbox.graphql_errors import (
    parse_or_errors,
    validation_errors,
    variable_error,
)
from platforms.shopify.sandbox.graphql_schema import admin_schema, schema_loaded
from platforms.shopify.sandbox.graphql_throttle import PLANS, CostBucket
from platforms.shopify.sandbox.query import API, json_response
from platforms.shopify.sandbox.writes import THROTTLED as REST_THROTTLED

if TYPE_CHECKING:
    from platforms.shopify.sandbox.people import ShopifyPeopleRoutes
    from platforms.shopify.sandbox.seed import ShopifyState
    from platforms.shopify.sandbox.writes import ShopifyWriteRoutes

ROUTE = API + "/graphql.json"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
RATE_LIMITS_DOC = "https://shopify.dev/api/usage/rate-limits"
CHARGES_KEPT = 100_000
MISSING_QUERY = {"errors": {"query": "Required parameter missing or invalid"}}


class ShopifyGraphQL:
    """The GraphQL endpoint of one sandbox store: its cost bucket, what it has counted per root
    field ("query orders", "mutation refundCreate"), and the jobs and bulk operations it ran."""

    def __init__(
        self,
        state: ShopifyState,
        writes: ShopifyWriteRoutes,
        people: ShopifyPeopleRoutes,
        bucket: CostBucket,
    ) -> None:
        self.state = state
        self.writes = writes
        self.people = people
        self.bucket = bucket
        self.fields: Counter[str] = Counter()
        # (monotonic time, actual, requested points) of every document run: what a benchmark
        # measures budget use against (a throttled one ran nothing: `bucket.throttled` counts)
        self.charges: deque[tuple[float, int, int]] = deque(maxlen=CHARGES_KEPT)
        self.extras: dict[str, Any] = {"plan": bucket.plan.name, "jobs": {}, "bulk": {}}

    @classmethod
    def install(
        cls,
        app: web.Application,
        state: ShopifyState,
        writes: ShopifyWriteRoutes,
        people: ShopifyPeopleRoutes,
        bucket: CostBucket,
    ) -> ShopifyGraphQL:
        """Create the endpoint and register it (and its control routes) on the sandbox's app."""
        endpoint = cls(state, writes, people, bucket)
        app.router.add_post(ROUTE, endpoint.handle)
        app.router.add_get(f"{CONTROL_PREFIX}/graphql", endpoint._status_route)
        app.router.add_post(f"{CONTROL_PREFIX}/graphql", endpoint._configure_route)
        graphql_bulk.add_bulk_routes(app, endpoint.extras)
        return endpoint

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """One Admin GraphQL request, answered the way Shopify answers it."""
        request[APPLIED] = False  # until a mutation's resolver changes the store (see _run)
        body = await _request_body(request)
        if body is None:
            return json_response(MISSING_QUERY, status=400)
        await self._ensure_schema()
        query, variables = body["query"], body.get("variables") or {}
        operation_name = body.get("operationName") or None
        parsed = parse_or_errors(query)
        if isinstance(parsed, list):
            return json_response({"errors": parsed})
        static = validation_errors(admin_schema(), query)
        if static:
            return json_response({"errors": list(static)})
        try:
            operation = _operation(parsed, operation_name)
        except ValueError:
            message = (
                f'No operation named "{operation_name}"'
                if operation_name
                else "An operation name is required"
            )
            return json_response({"errors": [{"message": message}]})
        try:
            requested = requested_cost(admin_schema(), parsed, variables, operation_name)
        except CostError:
            requested = 0  # a connection without first/last: its resolver answers the error
        if requested > MAX_QUERY_COST:
            return json_response(_max_cost(requested, self.bucket.status()))
        if not self.bucket.take(requested):
            return json_response(_throttled(requested, self.bucket.status()))
        is_mutation = operation.operation.value == "mutation"
        refused = self.writes.log.refusal() if is_mutation else None
        if refused is not None:
            self.bucket.give_back(requested)
            return _scripted(refused)
        return await self._run(request, parsed, variables, operation_name, requested)

    async def _run(
        self,
        request: web.Request,
        document: DocumentNode,
        variables: dict[str, Any],
        operation_name: str | None,
        requested: int,
    ) -> web.StreamResponse:
        self._count(document, operation_name)
        base = f"{request.scheme}://{request.host}"
        ctx = Ctx(self.state, self.writes, self.people, base, extras=self.extras)
        result = self.execute(ctx, document, variables, operation_name)
        request[APPLIED] = bool(ctx.applied)
        try:
            actual = actual_cost(admin_schema(), document, result.data, variables, operation_name)
        except CostError:
            actual = 0
        actual = min(actual, requested)
        self.bucket.give_back(requested - actual)
        self.charges.append((time.monotonic(), actual, requested))
        for what in ctx.applied:
            status = await self.writes.log.record(what)
            if status is not None:
                return _scripted(status)
        answer = _answer(result, document)
        answer["extensions"] = {"cost": _cost(requested, actual, self.bucket.status())}
        return json_response(answer)

    def execute(
        self,
        ctx: Ctx,
        document: DocumentNode,
        variables: dict[str, Any],
        operation_name: str | None,
    ) -> ExecutionResult:
        """Run a validated document over the store (bulk operations run theirs through here)."""
        outcome = execute(
            admin_schema(),
            document,
            context_value=ctx,
            variable_values=variables,
            operation_name=operation_name,
            field_resolver=field_resolver,
            type_resolver=type_resolver,
        )
        assert isinstance(outcome, ExecutionResult)  # every resolver is synchronous
        return outcome

    async def _ensure_schema(self) -> None:
        # The first request of a process builds the schema (about a second): off the loop.
        if not schema_loaded():
            await asyncio.to_thread(admin_schema)  # its own lock: one thread builds it

    def _count(self, document: DocumentNode, operation_name: str | None) -> None:
        try:
            operation = _operation(document, operation_name)
        except ValueError:
            return
        for node in operation.selection_set.selections:
            if isinstance(node, FieldNode):
                self.fields[f"{operation.operation.value} {node.name.value}"] += 1

    async def _status_route(self, _: web.Request) -> web.Response:
        return web.json_response(
            {
                "plan": self.bucket.plan.name,
                "throttleStatus": self.bucket.status(),
                "byField": dict(self.fields),
            }
        )

    async def _configure_route(self, request: web.Request) -> web.Response:
        """`{"plan": "plus"}` switches plans (a full bucket), `{"available": 0}` drains it,
        `{"enforce": false}` stops refusing, `{"reset": true}` forgets the field counts."""
        body = await request.json()
        if "plan" in body:
            if body["plan"] not in PLANS:
                return web.json_response({"error": f"plans: {sorted(PLANS)}"}, status=400)
            self.bucket.switch(PLANS[body["plan"]])
            self.extras["plan"] = body["plan"]
        if "available" in body:
            self.bucket.set_available(float(body["available"]))
        if "enforce" in body:
            self.bucket.enforce = bool(body["enforce"])
        if body.get("reset"):
            self.fields.clear()
        return await self._status_route(request)


@web.middleware
async def method_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Mark a GraphQL request as the read ("GET") or write ("POST") it is, for chaos's
    `methods` and the write ledger (the handler then reads the body aiohttp cached)."""
    if request.method == "POST" and request.path.endswith("/graphql.json"):
        body = await _request_body(request)
        request[EFFECTIVE_METHOD] = "POST" if body is not None and _mutates(body) else "GET"
    return await handler(request)


def _mutates(body: dict[str, Any]) -> bool:
    parsed = parse_or_errors(body["query"])
    if isinstance(parsed, list):
        return False
    try:
        operation = _operation(parsed, body.get("operationName") or None)
    except ValueError:
        return False
    return operation.operation.value == "mutation"


async def _request_body(request: web.Request) -> dict[str, Any] | None:
    """`{"query", "variables", "operationName"}` from JSON, or a raw application/graphql body."""
    text = await request.text()
    if request.content_type == "application/graphql":
        return {"query": text}
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return None
    variables = body.get("variables")
    if isinstance(variables, str):  # some clients send the variables JSON-encoded twice
        try:
            body["variables"] = json.loads(variables or "{}")
        except ValueError:
            return None
    if not isinstance(body.get("variables") or {}, dict):
        return None
    return body


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for operation in operations:
        if (name is None and len(operations) == 1) or (
            operation.name is not None and operation.name.value == name
        ):
            return operation
    raise ValueError("no such operation")


def _answer(result: ExecutionResult, document: DocumentNode) -> dict[str, Any]:
    errors: list[Any] = []
    for error in result.errors or []:
        if error.path is None and error.message.startswith("Variable '$"):
            errors.append(variable_error(error, document))
        else:
            errors.append(error.formatted)
    answer: dict[str, Any] = {}
    if errors:
        answer["errors"] = errors
    answer["data"] = result.data
    return answer


def _cost(requested: int, actual: int | None, status: dict[str, Any]) -> dict[str, Any]:
    return {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": status}


def _max_cost(requested: int, status: dict[str, Any]) -> dict[str, Any]:
    message = (
        f"Query cost is {requested}, which exceeds the single query max cost limit "
        f"({MAX_QUERY_COST}).\n\nSee {RATE_LIMITS_DOC} for more information on how the\n"
        "cost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, "
        "bulk operations should be used instead.\nSee https://shopify.dev/tutorials/"
        "perform-bulk-operations-with-admin-api for usage details.\n"
    )
    extensions = {
        "code": "MAX_COST_EXCEEDED",
        "cost": requested,
        "maxCost": MAX_QUERY_COST,
        "documentation": RATE_LIMITS_DOC,
    }
    return {
        "errors": [{"message": message, "extensions": extensions}],
        "extensions": {"cost": _cost(requested, None, status)},
    }


def _throttled(requested: int, status: dict[str, Any]) -> dict[str, Any]:
    extensions = {"code": "THROTTLED", "documentation": RATE_LIMITS_DOC}
    return {
        "errors": [{"message": "Throttled", "extensions": extensions}],
        "extensions": {"cost": _cost(requested, None, status)},
    }


def _scripted(status: int) -> web.Response:
    """A scripted write failure (the write log's faults), answered as REST answers it."""
    if status == 429:
        return json_response({"errors": REST_THROTTLED}, status=429, headers={"Retry-After": "0.1"})
    return json_response({"errors": "Internal Server Error"}, status=status)
