"""Refuses a request before any upstream call: over-long lists, over-cost, over-budget."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from gateway.quotas import BudgetSettings, CallerQuotas
from resolvers.context import RequestContext
from resolvers.cost import Estimate, ListTooLong, estimate_operation

SUBSCRIPTION = OperationType.SUBSCRIPTION
DEFAULT_QUOTAS = CallerQuotas(BudgetSettings(requests_per_second=0, upstream_calls_per_minute=0))


class CostGuard(SchemaExtension):
    """Between validation and execution: cap list arguments, estimate the upstream calls per
    store and refuse over `max_upstream_calls_per_request`, then charge the caller's buckets."""

    def on_execute(self) -> Iterator[None]:
        refused = self.execution_context.result is not None  # e.g. by ScopeCheck
        error = None if refused else self._refusal()
        if error is not None and self.execution_context.operation_type is SUBSCRIPTION:
            raise error  # the subscribe path ignores a preset result (see ScopeCheck)
        if error is not None:  # a result set before execution means "do not execute"
            self.execution_context.result = ExecutionResult(data=None, errors=[error])
        yield

    def _refusal(self) -> GraphQLError | None:
        ec = self.execution_context
        ctx = ec.context
        document = ec.graphql_document
        if not isinstance(ctx, RequestContext) or document is None:
            return None
        operation = get_operation_ast(document, ec.operation_name)
        if operation is None:
            return None
        quotas = quotas_of(ctx)
        settings = quotas.settings
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        schema: GraphQLSchema = ec.schema._schema
        try:
            estimate = estimate_operation(
                schema, ctx, operation, fragments, ec.variables, settings.max_list_argument
            )
        except ListTooLong as exc:
            return _error(str(exc), "BAD_USER_INPUT", argument=exc.argument, cap=exc.cap)
        if estimate.total > settings.max_upstream_calls_per_request:
            return _over_cost(estimate, settings.max_upstream_calls_per_request)
        retry_after = quotas.charge(identity_of(ctx), estimate.total)
        if retry_after is not None:
            return _error(
                f"Rate limit for this caller reached; retry in {retry_after:g} s",
                "RATE_LIMITED",
                retryable=True,
                retryAfter=retry_after,
            )
        return None


def quotas_of(ctx: RequestContext) -> CallerQuotas:
    """The app's per-caller quotas (no buckets when the context has no app, e.g. tests)."""
    app = getattr(ctx.request, "app", None)
    quotas = getattr(getattr(app, "state", None), "quotas", None)
    return quotas if isinstance(quotas, CallerQuotas) else DEFAULT_QUOTAS


def identity_of(ctx: RequestContext) -> str:
    """The caller's budget identity: its key id, else its name."""
    principal = ctx.principal
    return str(getattr(principal, "identity", None) or principal.name)


def _over_cost(estimate: Estimate, limit: int) -> GraphQLError:
    per_store = {s: c for s, c in sorted(estimate.per_store.items()) if c}
    return _error(
        f"This request would make about {estimate.total} upstream calls, over the limit of "
        f"{limit} per request; ask for fewer objects (smaller `first`, fewer ids or aliases)",
        "COST_LIMIT",
        estimate=estimate.total,
        limit=limit,
        perStore=per_store,
    )


def _error(message: str, code: str, *, retryable: bool = False, **more: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, "retryable": retryable, **more})
