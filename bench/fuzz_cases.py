"""Hypothesis strategies for hostile requests: generated operations and raw bodies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import mutations, nodes, queries

from bench.fuzz_values import (
    DATETIMES,
    DECIMALS,
    JSON_VALUES,
    IdPool,
    cursor_values,
    encode,
    id_values,
    scalar_strategies,
)
from platforms.ids import Kind

Body = bytes | dict[str, Any]
MAX_ALIASES = 60  # a little over the schema's alias cap (50): both sides of it get tried


@dataclass(frozen=True)
class Request:
    """One fuzz example: who sends it (a key's role), and the POST body."""

    role: str  # "read", "one-store" or "write": see bench.fuzz_world.role_grants
    body: Body

    def describe(self) -> str:
        """The example, short enough for a report line."""
        text = self.body.decode("utf-8", "replace") if isinstance(self.body, bytes) else None
        return f"{self.role}: {(text or encode(self.body).decode())[:1500]}"


def _aliased(document: graphql.DocumentNode, copies: int) -> graphql.DocumentNode:
    """The root selection repeated `copies` times under aliases (cost and alias caps)."""
    operation = document.definitions[0]
    assert isinstance(operation, graphql.OperationDefinitionNode)
    roots = [s for s in operation.selection_set.selections if isinstance(s, graphql.FieldNode)]
    extra = [
        graphql.FieldNode(
            alias=graphql.NameNode(value=f"a{i}_{field.name.value.lstrip('_')}"),
            name=field.name,
            arguments=field.arguments,
            directives=field.directives,
            selection_set=field.selection_set,
        )
        for i in range(copies)
        for field in roots[:1]
    ]
    selections = (*operation.selection_set.selections, *extra)
    return _with_selections(document, operation, selections)


def _in_fragment(document: graphql.DocumentNode, spreads: int) -> graphql.DocumentNode:
    """The root selection moved into a named fragment, spread `spreads` times."""
    operation = document.definitions[0]
    assert isinstance(operation, graphql.OperationDefinitionNode)
    root = "Mutation" if operation.operation is graphql.OperationType.MUTATION else "Query"
    fragment = graphql.FragmentDefinitionNode(
        name=graphql.NameNode(value="F"),
        type_condition=graphql.NamedTypeNode(name=graphql.NameNode(value=root)),
        selection_set=operation.selection_set,
        directives=(),
    )
    spread = graphql.FragmentSpreadNode(name=graphql.NameNode(value="F"), directives=())
    moved = _with_selections(document, operation, (spread,) * spreads)
    return graphql.DocumentNode(definitions=(*moved.definitions, fragment))


def _with_selections(
    document: graphql.DocumentNode,
    operation: graphql.OperationDefinitionNode,
    selections: Sequence[graphql.SelectionNode],
) -> graphql.DocumentNode:
    changed = graphql.OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=operation.variable_definitions,
        directives=operation.directives,
        selection_set=graphql.SelectionSetNode(selections=tuple(selections)),
    )
    return graphql.DocumentNode(definitions=(changed, *document.definitions[1:]))


@st.composite
def _shaped(draw: st.DrawFn, documents: st.SearchStrategy[Any]) -> str:
    """A generated document, as is or with aliases and/or a fragment spread."""
    document: graphql.DocumentNode = draw(documents)
    if draw(st.integers(0, 3)) == 0:
        document = _aliased(document, draw(st.integers(1, MAX_ALIASES)))
    if draw(st.integers(0, 3)) == 0:
        document = _in_fragment(document, draw(st.integers(1, 3)))
    return graphql.print_ast(document)


# the SDL uses Federation's directives without defining them (a gateway's router knows them)
FEDERATION_DIRECTIVES = """
directive @link(url: String!, import: [String!]) repeatable on SCHEMA
directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
"""


def parse_sdl(sdl: str) -> graphql.GraphQLSchema:
    """The gateway's SDL (`cartgraph export-schema`) as a schema to generate operations from."""
    return graphql.build_schema(FEDERATION_DIRECTIVES + sdl)


# Arguments whose value must be an id of one kind: a generated ID is mostly of the wrong
# kind, so most are retargeted to a real id of the right kind, in one store per document,
# which is what lets a write reach the store (and the no-write-without-scope check bite).
ARGUMENT_KINDS = {
    "orderId": Kind.ORDER,
    "variantId": Kind.VARIANT,
    "variantIds": Kind.VARIANT,
    "locationId": Kind.LOCATION,
    "locationIds": Kind.LOCATION,
}


class _Retarget(graphql.Visitor):
    """Replaces id arguments (and input fields) named in ARGUMENT_KINDS with real ids."""

    def __init__(
        self, draw: st.DrawFn, ids: dict[Kind, list[str]], cursors: st.SearchStrategy[str]
    ) -> None:
        super().__init__()
        self.draw, self.ids, self.cursors = draw, ids, cursors

    def enter_argument(self, node: graphql.ArgumentNode, *_: Any) -> graphql.ArgumentNode | None:
        value = self._value(node.name.value, node.value)
        return None if value is None else graphql.ArgumentNode(name=node.name, value=value)

    def enter_object_field(
        self, node: graphql.ObjectFieldNode, *_: Any
    ) -> graphql.ObjectFieldNode | None:
        value = self._value(node.name.value, node.value)
        return None if value is None else graphql.ObjectFieldNode(name=node.name, value=value)

    def _value(self, name: str, old: graphql.ValueNode) -> graphql.ValueNode | None:
        kind = ARGUMENT_KINDS.get(name)
        if name != "after" and (kind is None or not self.ids[kind]):
            return None
        if self.draw(st.integers(0, 3)) == 0:
            return None  # keep the generated value: wrong kinds and junk get tried too
        if kind is None:
            return nodes.String(self.draw(self.cursors))
        real = st.sampled_from(self.ids[kind]).map(nodes.String)
        if isinstance(old, graphql.ListValueNode):
            return nodes.List(self.draw(st.lists(real, min_size=1, max_size=4)))
        return self.draw(real)


@st.composite
def _retargeted(draw: st.DrawFn, documents: st.SearchStrategy[Any], pool: IdPool) -> Any:
    document: graphql.DocumentNode = draw(documents)
    store = draw(st.sampled_from(sorted(pool.stores)))
    cursors = cursor_values(pool.cursors)
    return graphql.visit(document, _Retarget(draw, pool.stores[store], cursors))


def operations(
    schema: graphql.GraphQLSchema, pool: IdPool, *, mutation: bool
) -> st.SearchStrategy[str]:
    """Valid (schema-shaped) query or mutation documents with hostile argument values."""
    scalars = scalar_strategies(id_values(pool))
    make = mutations if mutation else queries
    documents = make(schema, custom_scalars=scalars, print_ast=lambda d: d)
    return _shaped(_retargeted(documents, pool))


HAND_WRITTEN = [
    "subscription { orderEvents { id } }",
    '{ _entities(representations: [{__typename: "Nope", id: "x"}, 1, null]) { __typename } }',
    '{ orders(filter: {updatedAfter: "0001-01-01T00:00:00+14:00"}) { edges { cursor } } }',
    '{ products(filter: {updatedAfter: "9999-12-31T23:59:59-14:00"}) { edges { cursor } } }',
    '{ customers(filter: {updatedAfter: "0001-01-01T00:00:00"}) { edges { cursor } } }',
    "{ __schema { types { name fields { name args { name } } } } }",
    '{ orders(after: "not a cursor") { edges { cursor } } }',
    "query A { stores { id } } query B { stores { id } }",
    "{ ...F } fragment F on Query { ...G } fragment G on Query { ...F }",
    "{ orders { edges { node { id ... on Order { id ... on Order { number } } } } } }",
]
# Variables are coerced by each scalar's parse_value, literals by parse_literal: both are tried.
VARIABLE_DOCUMENTS = [  # (variable, document): the variable is drawn, `v` is an ID
    ("t", "query($t: DateTime) { orders(filter: {updatedAfter: $t}) { edges { cursor } } }"),
    ("t", "query($t: DateTime) { customers(filter: {updatedAfter: $t}) { edges { cursor } } }"),
    ("r", "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"),
    ("ids", "query($ids: [ID!]!) { inventoryLevels(variantIds: $ids) { available } }"),
    ("id", "query($id: ID!) { node(id: $id) { id } }"),
    ("a", "query($a: String) { orders(first: 2, after: $a) { edges { cursor } } }"),
    ("a", "query($a: String) { writeOperations(after: $a) { totalCount } }"),
    (
        "p",
        "mutation($p: Decimal!, $v: ID!) { updateVariantPrice(input: {variantId: $v, price: $p"
        "}) { __typename } }",
    ),
    ("i", "mutation($i: CreateRefundInput!) { createRefund(input: $i) { __typename } }"),
]


def variable_bodies(pool: IdPool) -> st.SearchStrategy[dict[str, Any]]:
    """A fixed document with one variable: a plausible value for it, or any JSON at all."""
    plausible = st.one_of(
        DATETIMES, DECIMALS, id_values(pool), cursor_values(pool.cursors), st.lists(id_values(pool))
    )
    return st.builds(
        lambda item, value, other: {"query": item[1], "variables": {item[0]: value, "v": other}},
        st.sampled_from(VARIABLE_DOCUMENTS),
        st.one_of(plausible, JSON_VALUES),
        id_values(pool),
    )


def request_bodies(operation: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    """A GraphQL-over-HTTP body around a document, sometimes with odd optional members."""
    extras: st.SearchStrategy[dict[str, Any]] = st.just({}) | st.fixed_dictionaries(
        {},
        optional={
            "variables": JSON_VALUES,
            "operationName": st.one_of(st.none(), st.text(max_size=10), st.just("A")),
            "extensions": JSON_VALUES,
        },
    )
    return st.builds(lambda q, x: {"query": q, **x}, operation, extras)


def raw_bodies() -> st.SearchStrategy[Body]:
    """Bodies no client should send: bytes, non-objects, wrong member types, APQ shapes."""
    apq = st.fixed_dictionaries(
        {
            "extensions": st.fixed_dictionaries(
                {
                    "persistedQuery": st.fixed_dictionaries(
                        {"version": JSON_VALUES, "sha256Hash": JSON_VALUES}
                    )
                }
            )
        },
        optional={"query": JSON_VALUES},
    )
    members = st.dictionaries(
        st.sampled_from(["query", "variables", "operationName", "extensions", "id"]),
        JSON_VALUES,
        max_size=4,
    )
    json_text = JSON_VALUES.map(encode)
    return st.one_of(st.binary(max_size=200), json_text, members, apq)


def _as(role: str, bodies: st.SearchStrategy[Any]) -> st.SearchStrategy[Request]:
    return bodies.map(lambda body: Request(role, body))


def read_only_requests(schema: graphql.GraphQLSchema, pool: IdPool) -> st.SearchStrategy[Request]:
    """What keys without a write scope send: queries, mutations (each must be refused before
    any upstream call), variables, raw bodies and the hand-written cases."""
    reads = request_bodies(operations(schema, pool, mutation=False))
    writes = request_bodies(operations(schema, pool, mutation=True))
    return st.one_of(
        _as("read", reads),
        _as("read", reads),
        _as("read", writes),
        _as("one-store", reads),
        _as("one-store", writes),
        _as("read", variable_bodies(pool)),
        _as("read", raw_bodies()),
        _as("read", request_bodies(st.sampled_from(HAND_WRITTEN))),
    )


def write_requests(schema: graphql.GraphQLSchema, pool: IdPool) -> st.SearchStrategy[Request]:
    """What a key with every scope sends: mostly mutations, which reach the stores."""
    writes = request_bodies(operations(schema, pool, mutation=True))
    reads = request_bodies(operations(schema, pool, mutation=False))
    return st.one_of(
        _as("write", writes),
        _as("write", writes),
        _as("write", reads),
        _as("write", variable_bodies(pool)),
    )
