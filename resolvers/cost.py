"""Upstream-call estimate of an operation per store, from its selection and arguments.

The estimate is an upper bound under one stated assumption: a nested list with no page size
(an order's lines, a product's variants, a variant's levels, an order's refunds) holds at most
`ASSUMED_LIST_LENGTH` items. Every field occurrence (each alias) counts as its own batch, and
each store of a multi-store list is charged a whole page. The calls per batch come from each
platform's `PlatformSpec.call_costs`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    value_from_ast_untyped,
)

from platforms.costs import Read
from platforms.errors import CartgraphError
from platforms.ids import Kind, decode_id
from platforms.registry import get_spec

if TYPE_CHECKING:
    from resolvers.context import RequestContext

ASSUMED_LIST_LENGTH = 4  # the sandboxes seed 1-4 lines per order
Counts = dict[str, int]  # store id -> objects of the current type from that store


class ListTooLong(Exception):
    """A list argument over the cap (a BAD_USER_INPUT error naming argument and cap)."""

    def __init__(self, argument: str, length: int, cap: int) -> None:
        super().__init__(f"`{argument}` has {length} items; at most {cap} are allowed")
        self.argument, self.length, self.cap = argument, length, cap


@dataclass
class Estimate:
    """Upstream calls per store (an upper bound) of one operation."""

    per_store: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def total(self) -> int:
        """Calls over every store."""
        return sum(self.per_store.values())


_BY_KIND = {
    Kind.ORDER: Read.ORDERS,
    Kind.PRODUCT: Read.PRODUCTS,
    Kind.VARIANT: Read.VARIANTS_UNHINTED,
    Kind.CUSTOMER: Read.CUSTOMERS,
}
_ROOT_LISTS = {
    "Query.orders": Read.LIST_ORDERS,
    "Query.products": Read.LIST_PRODUCTS,
    "Query.customers": Read.LIST_CUSTOMERS,
}
_ROOT_BY_ID = {
    "Query.order": Read.ORDERS,
    "Query.product": Read.PRODUCTS,
    "Query.variant": Read.VARIANTS_UNHINTED,
    "Query.customer": Read.CUSTOMERS,
}
# nested fields that load through a per-request dataloader: one batch per occurrence.
_NESTED = {
    "LineItem.variant": Read.VARIANTS,
    "LineItem.product": Read.PRODUCTS,
    "Variant.inventoryLevels": Read.INVENTORY,
    "Order.customer": Read.CUSTOMERS,
    "Order.fulfillments": Read.FULFILLMENTS,
    "Order.refunds": Read.REFUNDS,
    "Order.taxLines": Read.TAX_LINES,
}
_LOCATIONS = {"InventoryLevel.location", "Store.locations"}


def check_list_arguments(args: Mapping[str, Any], cap: int, where: str = "") -> None:
    """ListTooLong for the first list argument (inputs' fields included) over `cap`."""
    for name, value in args.items():
        label = f"{where}.{name}" if where else name
        if isinstance(value, list):
            if len(value) > cap:
                raise ListTooLong(label, len(value), cap)
            for item in value:
                if isinstance(item, dict):
                    check_list_arguments(item, cap, label)
        elif isinstance(value, dict):
            check_list_arguments(value, cap, label)


class Estimator:
    """Walks one operation (fragments expanded) and charges each store's reads."""

    def __init__(
        self,
        schema: GraphQLSchema,
        ctx: RequestContext,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any] | None,
        max_list: int,
    ) -> None:
        self.schema, self.ctx, self.fragments = schema, ctx, fragments
        self.variables = dict(variables or {})
        self.max_list = max_list
        self.estimate = Estimate()
        self._located: set[str] = set()  # locations are listed once per store and request

    def run(self, operation: OperationDefinitionNode) -> Estimate:
        """The operation's estimate; ListTooLong on an over-long list argument."""
        root = self.schema.get_root_type(operation.operation)
        if root is not None:
            self._selections(root, operation.selection_set, {})
        return self.estimate

    def _selections(
        self, parent: GraphQLNamedType, selections: SelectionSetNode, n: Counts
    ) -> None:
        for node in selections.selections:
            if isinstance(node, FieldNode):
                self._field(parent, node, n)
            elif isinstance(node, InlineFragmentNode):
                cond = node.type_condition
                self._selections(
                    self._type(cond.name.value) if cond else parent, node.selection_set, n
                )
            elif isinstance(node, FragmentSpreadNode):
                frag = self.fragments.get(node.name.value)
                if frag is not None:
                    self._selections(
                        self._type(frag.type_condition.name.value), frag.selection_set, n
                    )

    def _type(self, name: str) -> GraphQLNamedType:
        found = self.schema.get_type(name)
        assert found is not None  # validation has checked every type condition
        return found

    def _field(self, parent: GraphQLNamedType, node: FieldNode, n: Counts) -> None:
        definition = getattr(parent, "fields", {}).get(node.name.value)
        if definition is None:  # __typename and other meta fields
            return
        given = node.arguments or ()
        args = {a.name.value: value_from_ast_untyped(a.value, self.variables) for a in given}
        check_list_arguments(args, self.max_list)
        key = f"{parent.name}.{node.name.value}"
        child = self._charge(key, args, n)
        if child is None:  # no special rule: lists multiply, connections' edges are the page
            many = isinstance(get_nullable_type(definition.type), GraphQLList)
            factor = ASSUMED_LIST_LENGTH if many and not key.endswith("Connection.edges") else 1
            child = {s: c * factor for s, c in n.items()}
        if node.selection_set is not None and child:
            self._selections(get_named_type(definition.type), node.selection_set, child)

    def _charge(self, key: str, args: Mapping[str, Any], n: Counts) -> Counts | None:
        """Charge the field's reads; the counts of its result objects (None: the default)."""
        rule = _RULES.get(key)
        if rule is not None:
            return rule(self, args)
        if key in _ROOT_LISTS:
            size = self._page_size(args.get("first"))
            stores = self._stores(args.get("storeIds"))
            for store_id in stores:
                self._add(store_id, _ROOT_LISTS[key], size)
            return dict.fromkeys(stores, size)
        if key in _ROOT_BY_ID:
            return self._by_ids([args.get("id")], _ROOT_BY_ID[key])
        if key in _NESTED:
            for store_id, count in n.items():
                self._add(store_id, _NESTED[key], count)
            return None
        if key in _LOCATIONS:
            for store_id in n:
                self._locations(store_id)
            return None
        if key.startswith("Mutation."):
            return self._write(args)
        return None

    def _page_size(self, first: Any) -> int:
        limits = self.ctx.limits
        size = first if isinstance(first, int) else limits.default_page_size
        return max(1, min(size, limits.max_page_size))  # out of range: paginate refuses it

    def _stores(self, requested: Any) -> list[str]:
        visible = self.ctx.visible_store_ids
        if not isinstance(requested, list):
            return visible
        return [s for s in dict.fromkeys(map(str, requested)) if s in visible]

    def _by_ids(self, ids: Any, read: Read | None) -> Counts:
        """Charge one batch of `read` per store for global ids (None: by each id's kind)."""
        per_store: dict[tuple[str, Read], int] = defaultdict(int)
        for raw in ids if isinstance(ids, list) else []:
            try:
                gid = decode_id(str(raw))
            except (CartgraphError, ValueError):
                continue  # the resolver reports a bad id itself
            kind_read = read or _BY_KIND.get(gid.kind)
            if kind_read is not None:
                per_store[gid.store_id, kind_read] += 1
        counts: Counts = defaultdict(int)
        for (store_id, kind_read), count in per_store.items():
            self._add(store_id, kind_read, count)
            counts[store_id] += count
        return counts

    def _add(self, store_id: str, read: Read, keys: int) -> None:
        if store_id not in self.ctx.visible_store_ids:
            return  # unknown or out of scope: refused by the resolver, never called
        connection = self.ctx.registry.get(store_id).connection
        spec = get_spec(connection.platform).for_connection(connection)  # the store's API
        calls = spec.call_costs.calls(read, keys)
        self.estimate.per_store[store_id] += calls

    def _locations(self, store_id: str) -> None:
        if store_id not in self._located:
            self._located.add(store_id)
            self._add(store_id, Read.LOCATIONS, 1)

    def _write(self, args: Mapping[str, Any]) -> Counts:
        """A mutation: the platform's calls per write, charged to the store its ids name."""
        for value in _strings(args):
            try:
                store_id = decode_id(value).store_id
            except (CartgraphError, ValueError):
                continue
            self._add(store_id, Read.WRITE, 1)
            return {}
        return {}

    def _inventory_levels(self, args: Mapping[str, Any]) -> Counts:
        counts = self._by_ids(args.get("variantIds"), Read.VARIANTS_UNHINTED)
        for store_id, count in counts.items():
            self._add(store_id, Read.INVENTORY, count)
        return {s: c * ASSUMED_LIST_LENGTH for s, c in counts.items()}

    def _store_objects(self, args: Mapping[str, Any]) -> Counts:
        store_id = args.get("id")
        return {str(store_id): 1} if store_id is not None else dict.fromkeys(self._stores(None), 1)

    def _store_locations(self, args: Mapping[str, Any]) -> Counts:
        store_id = str(args.get("storeId"))
        self._locations(store_id)
        return {store_id: ASSUMED_LIST_LENGTH}

    def _entities(self, args: Mapping[str, Any]) -> Counts:
        reps = args.get("representations")
        return (
            self._by_ids([r.get("id") for r in reps if isinstance(r, dict)], None)
            if isinstance(reps, list)
            else {}
        )

    def _node(self, args: Mapping[str, Any]) -> Counts:
        return self._by_ids([args.get("id")], None)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


_RULES: dict[str, Callable[[Estimator, Mapping[str, Any]], Counts]] = {
    "Query.inventoryLevels": Estimator._inventory_levels,
    "Subscription.inventoryEvents": lambda e, a: e._by_ids(
        a.get("variantIds"), Read.VARIANTS_UNHINTED
    ),
    "Query.stores": Estimator._store_objects,
    "Query.store": Estimator._store_objects,
    "Query.locations": Estimator._store_locations,
    "Query._entities": Estimator._entities,
    "Query.node": Estimator._node,
}


def estimate_operation(
    schema: GraphQLSchema,
    ctx: RequestContext,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
    max_list: int,
) -> Estimate:
    """The operation's upstream calls per store; ListTooLong on an over-long list argument."""
    return Estimator(schema, ctx, fragments, variables, max_list).run(operation)
