"""Shopify's Admin GraphQL schema (2026-10) as the sandbox loads it, and the id and scalar rules."""

from __future__ import annotations

import functools
import gzip
import json
import re
import threading
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from graphql import GraphQLEnumType, GraphQLList, GraphQLNonNull, GraphQLSchema, build_client_schema

SCHEMA_FILE = "admin_2026-10.json.gz"
SCHEMA_VERSION = "2026-10"
_GID = re.compile(r"^gid://shopify/([A-Za-z]+)/(\d+)(?:\?(.*))?$")
# Each such mutation's description says so ("the idempotency key is required", since 2026-04):
# the schema cannot say it with a non-null argument, because the key rides in a directive.
_REQUIRES_KEY = "idempotency key is required"
_lock = threading.Lock()


def admin_schema() -> GraphQLSchema:
    """The 2026-10 schema, built once per process (about a second: 3,546 types)."""
    with _lock:
        return _built()


@functools.cache
def _built() -> GraphQLSchema:
    with (
        resources.files(__package__).joinpath(SCHEMA_FILE).open("rb") as raw,
        gzip.open(raw) as unzipped,
    ):
        introspection = json.load(unzipped)
    schema = build_client_schema(introspection["data"])
    # Shopify's schema breaks a rule graphql-ruby does not enforce (deprecated `id`s on types
    # whose interface field is not deprecated): mark it checked, as Shopify serves it anyway.
    schema._validation_errors = []
    return schema


def schema_loaded() -> bool:
    """Whether this process has built the schema already (the first request pays for it)."""
    return _built.cache_info().currsize > 0


@functools.cache
def idempotent_mutations() -> frozenset[str]:
    """Mutation fields whose 2026-10 description requires `@idempotent(key:)`."""
    mutation = admin_schema().mutation_type
    assert mutation is not None
    return frozenset(
        name
        for name, field in mutation.fields.items()
        if _REQUIRES_KEY in (field.description or "")
    )


def gid(kind: str, ident: int | str, query: str = "") -> str:
    """A Shopify global id, "gid://shopify/Order/5000000000001"."""
    return f"gid://shopify/{kind}/{ident}" + (f"?{query}" if query else "")


def parse_gid(raw: Any) -> tuple[str, int, str] | None:
    """(kind, numeric id, query) of a global id; None for anything that is not one."""
    found = _GID.match(raw) if isinstance(raw, str) else None
    if found is None:
        return None
    return found.group(1), int(found.group(2)), found.group(3) or ""


def gid_number(raw: Any, kind: str) -> int | None:
    """The numeric id of a global id of `kind` (None when it is another kind or no id)."""
    parsed = parse_gid(raw)
    return parsed[1] if parsed is not None and parsed[0] == kind else None


def utc_time(value: Any) -> Any:
    """A REST timestamp (shop offset) as GraphQL renders DateTime: UTC, "Z", whole seconds."""
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def wire_value(value: Any, return_type: Any) -> Any:
    """Convert what a resolver read from REST data into what the field's type serialises:
    DateTime in UTC, UnsignedInt64 as a string, enums in upper snake case ("paid" → "PAID")."""
    if value is None:
        return None
    named = return_type
    while isinstance(named, GraphQLNonNull | GraphQLList):
        if isinstance(named, GraphQLList) and isinstance(value, list):
            return [wire_value(item, named.of_type) for item in value]
        named = named.of_type
    name = getattr(named, "name", "")
    if name == "DateTime":
        return utc_time(value)
    if name == "UnsignedInt64" and isinstance(value, int):
        return str(value)
    if isinstance(named, GraphQLEnumType) and isinstance(value, str):
        upper = value.upper()
        return upper if upper in named.values else value
    return value
