"""Scopes a request needs, read from its document before anything runs upstream."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    print_ast,
    visit,
)
from graphql.execution import ExecutionResult
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from gateway.auth.principal import Principal, Scope
from platforms.ratelimit import current_scope

# Root fields and the scope each needs. A root field missing here needs `admin`, so a field
# added later is closed until someone decides who may use it.
ROOT_SCOPES: dict[str, dict[str, Scope]] = {
    "Query": {
        "stores": Scope.READ,
        "store": Scope.READ,
        "locations": Scope.READ,
        "orders": Scope.READ,
        "order": Scope.READ,
        "products": Scope.READ,
        "product": Scope.READ,
        "variant": Scope.READ,
        "inventoryLevels": Scope.READ,
        "node": Scope.READ,
        "_entities": Scope.READ,
        "_service": Scope.READ,
        "customers": Scope.READ_CUSTOMERS,
        "customer": Scope.READ_CUSTOMERS,
        "eventFeedStatus": Scope.EVENTS,
        "writeOperation": Scope.READ,
        "writeOperations": Scope.READ,
        "productEvents": Scope.EVENTS,
        "syncStatus": Scope.ADMIN,
        "deadLetters": Scope.ADMIN,
        "objectHistory": Scope.ADMIN,
    },
    "Mutation": {
        "adjustInventory": Scope.WRITE_INVENTORY,
        "setInventory": Scope.WRITE_INVENTORY,
        "updateVariantPrice": Scope.WRITE_PRICES,
        "cancelOrder": Scope.WRITE_ORDERS,
        "createFulfillment": Scope.WRITE_ORDERS,
        "createRefund": Scope.WRITE_ORDERS,
        "replayWriteOperation": Scope.ADMIN,
        "replayReceipt": Scope.ADMIN,
        "replayReceipts": Scope.ADMIN,
    },
    "Subscription": {
        "orderEvents": Scope.EVENTS,
        "inventoryEvents": Scope.EVENTS,
        "productEvents": Scope.EVENTS,
    },
}

# Personal data: a customer, and what on an order, fulfilment or refund names or locates one.
PERSONAL_FIELDS: dict[str, frozenset[str]] = {
    "Order": frozenset({"email", "billingAddress", "shippingAddress", "customer", "raw"}),
    "Fulfillment": frozenset({"raw"}),
    "Refund": frozenset({"raw"}),
}
PERSONAL_TYPES = frozenset({"Customer", "Address"})
_ALWAYS_OPEN = frozenset({"__typename", "__schema", "__type"})


def required_scopes(
    schema: GraphQLSchema, document: DocumentNode, operation: str | None
) -> set[Scope]:
    """Every scope the chosen operation of `document` needs (fragments followed)."""
    needed: set[Scope] = set()
    type_info = TypeInfo(schema)
    fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    # every fragment is visited, used or not: over-asking is safe, under-asking is not.
    for node in [*_operations(document, operation), *fragments]:
        visit(node, TypeInfoVisitor(type_info, _Collector(type_info, needed)))
    return needed


def _operations(document: DocumentNode, name: str | None) -> Iterator[OperationDefinitionNode]:
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in ops if name is None or (o.name is not None and o.name.value == name)]
    yield from chosen or ops


class _Collector(Visitor):
    """Adds the scope of every root field and of every personal field it meets."""

    def __init__(self, type_info: TypeInfo, needed: set[Scope]) -> None:
        super().__init__()
        self.type_info = type_info
        self.needed = needed

    def enter_field(self, node: FieldNode, *_: object) -> None:
        name = node.name.value
        if name in _ALWAYS_OPEN:
            return
        parent = self.type_info.get_parent_type()
        parent_name = parent.name if parent is not None else ""
        if parent_name in ROOT_SCOPES:
            self.needed.add(ROOT_SCOPES[parent_name].get(name, Scope.ADMIN))
        if name in PERSONAL_FIELDS.get(parent_name, ()) or parent_name in PERSONAL_TYPES:
            self.needed.add(Scope.READ_CUSTOMERS)
        field_type = self.type_info.get_type()
        if field_type is not None and get_named_type(field_type).name in PERSONAL_TYPES:
            self.needed.add(Scope.READ_CUSTOMERS)


class ScopeCache:
    """Scopes per (document text, operation name): bounded, since documents come from clients."""

    def __init__(self, maxsize: int = 1024) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[bytes, frozenset[Scope]] = OrderedDict()

    def get(
        self, schema: GraphQLSchema, document: DocumentNode, operation: str | None
    ) -> frozenset[Scope]:
        """The scopes needed, computed once per distinct document."""
        source = document.loc.source.body if document.loc is not None else print_ast(document)
        # the operation name is hashed too: a client's name may be as long as its document
        key = hashlib.sha256(f"{len(source)}:{source}{operation or ''}".encode()).digest()
        hit = self._entries.get(key)
        if hit is not None:
            self._entries.move_to_end(key)
            return hit
        value = frozenset(required_scopes(schema, document, operation))
        self._entries[key] = value
        if len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return value


def forbidden(missing: set[Scope] | frozenset[Scope]) -> GraphQLError:
    """The error for a caller without the scopes an operation needs."""
    names = ", ".join(sorted(s.value for s in missing))
    return GraphQLError(
        f"This credential lacks the scope(s) this operation needs: {names}",
        extensions={"code": "FORBIDDEN", "missingScopes": sorted(s.value for s in missing)},
    )


class ScopeCheck(SchemaExtension):
    """Refuses an operation the caller's scopes do not cover, before it executes at all."""

    cache = ScopeCache()

    def on_execute(self) -> Iterator[None]:
        ctx = self.execution_context
        principal: Principal | None = getattr(ctx.context, "principal", None)
        if ctx.graphql_document is not None and principal is not None:
            schema = ctx.schema._schema  # the graphql-core schema strawberry wraps
            needed = self.cache.get(schema, ctx.graphql_document, ctx.operation_name)
            missing = {s for s in needed if not principal.has(s)}
            if missing and ctx.operation_type is OperationType.SUBSCRIPTION:
                raise forbidden(missing)  # the subscribe path ignores a preset result
            if missing:
                ctx.result = ExecutionResult(data=None, errors=[forbidden(missing)])
        scope = current_scope.get()
        if scope is not None and ctx.graphql_document is not None:
            # personal data selected and allowed (auth off: every caller may see it)
            schema = ctx.schema._schema
            wanted = Scope.READ_CUSTOMERS in self.cache.get(
                schema, ctx.graphql_document, ctx.operation_name
            )
            scope.personal_data = wanted and (
                principal is None or principal.has(Scope.READ_CUSTOMERS)
            )
        yield
