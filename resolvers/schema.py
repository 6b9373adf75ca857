"""The assembled schema: Query root, node lookup, and the extensions that shape errors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import strawberry
from graphql import ASTValidationRule, GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    SchemaExtension,
)
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule

from gateway.telemetry.graphql import OperationTelemetry
from platforms.errors import CartgraphError
from platforms.ids import Kind, decode_id
from resolvers.authz import ScopeCheck
from resolvers.budget import CostGuard
from resolvers.common import Node
from resolvers.customers import Customer, CustomerQueries, customer_by_id
from resolvers.hardened_schema import GatewaySchema, error_code
from resolvers.inventory import InventoryQueries
from resolvers.limits import DocumentCaches, extension_factories
from resolvers.mutations import Mutation
from resolvers.operability import OperabilityQueries
from resolvers.orders import Order, OrderQueries, order_by_id
from resolvers.product_events import ProductEventQueries, ProductEventSubscription
from resolvers.products import Product, ProductQueries, Variant, product_by_id, variant_by_id
from resolvers.stores import StoreQueries
from resolvers.subscriptions import EventQueries, PerEventExecutionContext
from resolvers.subscriptions import Subscription as StockAndOrderSubscriptions
from resolvers.write_operations import WriteOperationQueries

log = logging.getLogger("cartgraph.graphql")


@strawberry.type(description="Read the stores' orders, catalogue and stock through one schema.")
class Query(
    StoreQueries,
    OrderQueries,
    ProductQueries,
    InventoryQueries,
    EventQueries,
    CustomerQueries,
    WriteOperationQueries,
    ProductEventQueries,
    OperabilityQueries,
):
    @strawberry.field(description="Any object by its global id; null when it does not exist.")
    async def node(self, info: strawberry.Info, id: strawberry.ID) -> Node | None:
        kind = decode_id(str(id)).kind
        if kind is Kind.ORDER:
            return await order_by_id(info, id)
        if kind is Kind.PRODUCT:
            return await product_by_id(info, id)
        if kind is Kind.VARIANT:
            return await variant_by_id(info, id)
        if kind is Kind.CUSTOMER:
            return await customer_by_id(info, id)
        return None


@strawberry.type(description="Live events, replayable from the gateway's event log.")
class Subscription(StockAndOrderSubscriptions, ProductEventSubscription):
    pass


class ErrorShaping(SchemaExtension):
    """Typed extensions for our errors, per-store partial errors appended, the rest masked."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None:
            return
        errors = [_shape(e) for e in (getattr(result, "errors", None) or [])]
        context = self.execution_context.context
        errors.extend(getattr(context, "partial_errors", []))
        result.errors = errors or None


def _shape(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if original is None:  # syntax/validation errors: already safe and useful
        return error
    if isinstance(original, GraphQLError):
        # graphql-core's own client message ("Variable '$t' has invalid value: …"), which
        # the INTERNAL mask below used to hide (found by fuzzing with variables)
        error.extensions = {**(error.extensions or {}), "code": error_code(error)}
        return error
    if isinstance(original, CartgraphError):
        error.extensions = original.extensions()
        return error
    # an unexpected exception may carry anything (a URL with a token, a body): never echo it.
    # (GatewaySchema.process_errors has logged it with its traceback and the query hash.)
    return GraphQLError(
        "Internal error", path=error.path, nodes=error.nodes, extensions={"code": "INTERNAL"}
    )


def build_schema(
    max_depth: int = 12,
    introspection: bool = True,
    *,
    caches: DocumentCaches | None = None,
) -> strawberry.federation.Schema:
    """The federation-ready schema with parser/validation caches and abuse limits."""
    # factories: a fresh extension per request; the parse/validation caches live in
    # `caches` (one per schema, bounded in bytes), so they persist across requests.
    # The limit rules are built once: QueryDepthLimiter/MaxAliasesLimiter make a new rule
    # class per instance, which changes the validation cache's key on every request and
    # silently turns the cache off (the profile showed every request re-validated).
    limits: list[type[ASTValidationRule]] = [max_depth_rule(max_depth, None), max_aliases_rule(50)]
    if not introspection:  # production: clients get the SDL from the operator, not the API
        limits.append(NoSchemaIntrospectionCustomRule)
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        OperationTelemetry,  # outermost: its span and clock cover the others, it sees final errors
        ErrorShaping,
        ScopeCheck,  # before anything executes: a missing scope costs nothing upstream
        CostGuard,  # after ScopeCheck: list caps, COST_LIMIT and per-caller budgets
        # token cap and byte-bounded caches (only small documents are cached)
        *extension_factories(caches or DocumentCaches()),
        lambda: AddValidationRules(limits),
    ]
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Order, Product, Variant, Customer],
        federation_version="2.11",
        extensions=extensions,
        execution_context_class=PerEventExecutionContext,  # no memo leak per event
    )
