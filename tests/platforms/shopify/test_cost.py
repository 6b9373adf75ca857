"""Shopify's published cost rules, as `platforms.shopify.cost` computes them on the real schema."""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema, parse

from platforms.shopify.cost import CostError, actual_cost, requested_cost
from tests.platforms.shopify.schema import admin_schema


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return admin_schema()


def test_shopifys_own_example_costs_82(schema: GraphQLSchema) -> None:
    # shopify.dev's example: 2 + 10 x (1 + 2 + 5 x 1)
    doc = parse(
        "{ products(first: 10) { edges { node { title "
        "variants(first: 5) { edges { node { price } } } } } } }"
    )
    assert requested_cost(schema, doc) == 82


def test_scalars_are_free_objects_cost_one(schema: GraphQLSchema) -> None:
    assert requested_cost(schema, parse("{ shop { name id } }")) == 1
    assert requested_cost(schema, parse("{ shop { name billingAddress { city } } }")) == 2


def test_nodes_are_priced_per_id_at_their_dearest_fragment(schema: GraphQLSchema) -> None:
    doc = parse(
        """query($ids: [ID!]!) { nodes(ids: $ids) { id
          ... on InventoryItem { l0: inventoryLevel(locationId: "gid://shopify/Location/1") {
            quantities(names: ["available"]) { name quantity } } }
          ... on Product { title } } }"""
    )
    ids = [f"gid://shopify/InventoryItem/{n}" for n in range(3)]
    assert requested_cost(schema, doc, {"ids": ids}) == 3 * (1 + 1 + 1)


def test_a_list_without_first_counts_once_and_with_first_that_many(schema: GraphQLSchema) -> None:
    base = '{{ order(id: "gid://shopify/Order/1") {{ {} }} }}'
    assert requested_cost(schema, parse(base.format("refunds { id }"))) == 2
    assert requested_cost(schema, parse(base.format("refunds(first: 4) { id }"))) == 5


def test_a_mutation_costs_ten_and_a_connection_needs_a_size(schema: GraphQLSchema) -> None:
    doc = parse(
        'mutation { productDelete(input: {id: "gid://shopify/Product/1"}) { deletedProductId } }'
    )
    assert requested_cost(schema, doc) == 10
    with pytest.raises(CostError):
        requested_cost(schema, parse("{ products { nodes { id } } }"))


def test_the_actual_cost_is_what_came_back(schema: GraphQLSchema) -> None:
    doc = parse(
        "{ products(first: 10) { nodes { title variants(first: 5) { nodes { price } } } } }"
    )
    data = {"products": {"nodes": [{"title": "a", "variants": {"nodes": [{"price": "1.00"}]}}]}}
    assert requested_cost(schema, doc) == 82
    assert actual_cost(schema, doc, data) == 2 + (1 + 2 + 1)
    assert actual_cost(schema, doc, {"products": {"nodes": []}}) == 2
