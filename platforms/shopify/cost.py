"""Requested and actual cost of an Admin GraphQL document by Shopify's published rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_composite_type,
    value_from_ast_untyped,
)

# The rules (shopify.dev, "GraphQL Admin API rate limits"): scalar and enum 0, object 1,
# interface and union the most expensive of their possible selections, a connection 2 plus
# `first` (or `last`) times the cost of one node, a mutation 10. Lists are not in the table:
# a list is sized by its `first` argument, else by the ids it is given (`nodes(ids:)`), else
# counted once, as Shopify cannot know its length before running the query. The actual cost
# applies the same rules to what came back: a null object costs 0, a connection 2 plus its
# returned nodes. The client reserves with these rules and the sandbox charges with them.
MAX_QUERY_COST = 1000
MAX_INPUT_LIST = 250  # any list argument: Shopify refuses longer ones
CONNECTION = 2
OBJECT = 1
MUTATION = 10


class CostError(ValueError):
    """The document cannot be costed: a connection without `first`/`last`, an unknown field."""


def requested_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """The requested cost of the document's operation (the one named, else the only one)."""
    return _walk(schema, document, variables, operation_name, None)


def actual_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    data: Mapping[str, Any] | None,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """The cost of what the operation returned (`data` of the answer)."""
    return _walk(schema, document, variables, operation_name, dict(data or {}))


def _walk(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
    data: dict[str, Any] | None,
) -> int:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or _name(o) == operation_name]
    if len(chosen) != 1:
        raise CostError("name exactly one operation of the document")
    operation = chosen[0]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    costing = _Costing(schema, fragments, dict(variables or {}))
    if operation.operation is OperationType.MUTATION:
        return MUTATION * len(costing.fields(operation.selection_set, None))
    if operation.operation is not OperationType.QUERY or schema.query_type is None:
        raise CostError("only queries and mutations have a cost")
    if data is None:
        return costing.selection(schema.query_type, operation.selection_set)
    return costing.returned(schema.query_type, operation.selection_set, data)


def _name(operation: OperationDefinitionNode) -> str | None:
    return operation.name.value if operation.name else None


class _Costing:
    """One document's fragments and variables, walked field by field."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    # --- which fields apply -------------------------------------------------------------

    def fields(
        self, selections: SelectionSetNode | None, on: GraphQLNamedType | None
    ) -> list[FieldNode]:
        """The fields a selection set applies to `on` (every fragment's when `on` is None)."""
        found: list[FieldNode] = []
        for node in selections.selections if selections else ():
            if isinstance(node, FieldNode):
                found.append(node)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition.name.value if node.type_condition else None
                if self._applies(condition, on):
                    found += self.fields(node.selection_set, on)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments.get(node.name.value)
                if fragment is None:
                    raise CostError(f"unknown fragment {node.name.value!r}")
                if self._applies(fragment.type_condition.name.value, on):
                    found += self.fields(fragment.selection_set, on)
        return found

    def _applies(self, condition: str | None, on: GraphQLNamedType | None) -> bool:
        if condition is None or on is None or condition == on.name:
            return True
        wanted = self.schema.get_type(condition)
        if not is_abstract_type(wanted) or not isinstance(on, GraphQLObjectType):
            return False
        return self.schema.is_sub_type(wanted, on)

    def _definition(self, parent: GraphQLNamedType, node: FieldNode) -> GraphQLField | None:
        name = node.name.value
        if name.startswith("__"):
            return None  # introspection: free
        definition: GraphQLField | None = getattr(parent, "fields", {}).get(name)
        if definition is None:
            raise CostError(f"{parent.name} has no field {name!r}")
        return definition

    # --- requested ----------------------------------------------------------------------

    def selection(self, parent: GraphQLNamedType, selections: SelectionSetNode | None) -> int:
        """The requested cost of a selection set on an object, interface or union type."""
        if not is_abstract_type(parent):
            return sum(self.field(parent, f) for f in self.fields(selections, parent))
        possible = self.schema.get_possible_types(parent)
        return max((self.selection(t, selections) for t in possible), default=0)

    def field(self, parent: GraphQLNamedType, node: FieldNode) -> int:
        definition = self._definition(parent, node)
        named = None if definition is None else get_named_type(definition.type)
        if definition is None or named is None or not is_composite_type(named):
            return 0  # scalars, enums, introspection
        args = {
            a.name.value: value_from_ast_untyped(a.value, self.variables)
            for a in node.arguments or ()
        }
        if _is_connection(named):
            size = _size(node.name.value, args, required=True)
            return CONNECTION + size * sum(
                OBJECT + self.selection(target, part.selection_set)
                for target, part in self._node_parts(named, node)
            )
        one = OBJECT + self.selection(named, node.selection_set)
        if isinstance(get_nullable_type(definition.type), GraphQLList):
            return _size(node.name.value, args, required=False) * one
        return one

    def _node_parts(
        self, connection: GraphQLNamedType, node: FieldNode
    ) -> list[tuple[GraphQLNamedType, FieldNode]]:
        """What `nodes` and `edges { node }` select of one node: (node type, field) pairs."""
        parts: list[tuple[GraphQLNamedType, FieldNode]] = []
        fields = getattr(connection, "fields", {})
        for part in self.fields(node.selection_set, connection):
            if part.name.value == "nodes":
                parts.append((get_named_type(fields["nodes"].type), part))
            elif part.name.value == "edges":
                edge = get_named_type(fields["edges"].type)
                for leaf in self.fields(part.selection_set, edge):
                    if leaf.name.value == "node":
                        parts.append((get_named_type(edge.fields["node"].type), leaf))
        return parts

    # --- actual -------------------------------------------------------------------------

    def returned(
        self, parent: GraphQLNamedType, selections: SelectionSetNode | None, data: Any
    ) -> int:
        """The cost of what a selection set returned for one object (0 for null)."""
        if not isinstance(data, Mapping):
            return 0
        if is_abstract_type(parent):
            concrete = self.schema.get_type(str(data.get("__typename", "")))
            possible = self.schema.get_possible_types(parent)
            if concrete not in possible:
                return max((self.returned(t, selections, data) for t in possible), default=0)
            parent = concrete
        total = 0
        for node in self.fields(selections, parent):
            key = node.alias.value if node.alias else node.name.value
            total += self._returned_field(parent, node, data.get(key))
        return total

    def _returned_field(self, parent: GraphQLNamedType, node: FieldNode, value: Any) -> int:
        definition = self._definition(parent, node)
        named = None if definition is None else get_named_type(definition.type)
        if definition is None or named is None or not is_composite_type(named) or value is None:
            return 0
        if _is_connection(named) and isinstance(value, Mapping):
            return CONNECTION + self._returned_nodes(named, node, value)
        if isinstance(value, list):
            return sum(OBJECT + self.returned(named, node.selection_set, v) for v in value if v)
        return OBJECT + self.returned(named, node.selection_set, value)

    def _returned_nodes(
        self, connection: GraphQLNamedType, node: FieldNode, value: Mapping[str, Any]
    ) -> int:
        total = 0
        for target, part in self._node_parts(connection, node):
            key = part.alias.value if part.alias else part.name.value
            if part.name.value == "nodes":
                items = value.get(key) or []
            else:  # the `node` under `edges`: the edges list sits one level up
                items = [e.get(key) for e in _edges(node, value) if isinstance(e, Mapping)]
            total += sum(OBJECT + self.returned(target, part.selection_set, i) for i in items if i)
        return total


def _edges(connection: FieldNode, value: Mapping[str, Any]) -> list[Any]:
    for part in connection.selection_set.selections if connection.selection_set else ():
        if isinstance(part, FieldNode) and part.name.value == "edges":
            found = value.get(part.alias.value if part.alias else "edges")
            return found if isinstance(found, list) else []
    return []


def _is_connection(named: GraphQLNamedType) -> bool:
    return named.name.endswith("Connection") and "pageInfo" in getattr(named, "fields", {})


def _size(name: str, args: Mapping[str, Any], *, required: bool) -> int:
    for key in ("first", "last"):
        if isinstance(args.get(key), int):
            return max(0, int(args[key]))
    ids = args.get("ids")
    if isinstance(ids, Iterable) and not isinstance(ids, str | bytes):
        return len(list(ids))
    if required:
        raise CostError(f"connection {name!r} needs `first` or `last`")
    return 1
