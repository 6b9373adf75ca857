"""The Admin GraphQL 2026-10 schema for tests: the sandbox's copy, ready for `validate`."""

from __future__ import annotations

from graphql import GraphQLSchema

from platforms.shopify.sandbox.graphql_schema import admin_schema as sandbox_schema


def admin_schema() -> GraphQLSchema:
    """Shopify's own introspection, as the sandbox loads it. graphql-core would refuse to
    validate documents against it: Shopify deprecates some fields on types whose interfaces
    do not, which the spec's type rules reject; the documents themselves are unaffected."""
    schema = sandbox_schema()
    schema._validation_errors = []  # the schema's own type rules, not the documents'
    return schema
