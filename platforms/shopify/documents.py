"""Admin GraphQL documents as data: fields that render themselves and state their own cost."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from platforms.shopify.cost import CONNECTION, MAX_INPUT_LIST, MAX_QUERY_COST, OBJECT

PAGE_INFO = "pageInfo { hasNextPage endCursor }"


class Shape(enum.Enum):
    """What a field returns, which is what Shopify's cost rules price."""

    SCALAR = "scalar"  # 0 points (enums too)
    OBJECT = "object"  # 1 + its fields
    LIST = "list"  # `size` x (1 + its fields)
    CONNECTION = "connection"  # 2 + `size` x (1 + its node's fields)


@dataclass(frozen=True)
class Enum:
    """An enum literal argument (`sortKey: UPDATED_AT`), rendered without quotes."""

    value: str


@dataclass(frozen=True)
class On:
    """An inline fragment on one concrete type (`... on ProductVariant { ... }`)."""

    type_name: str
    fields: tuple[Field, ...]

    @property
    def cost(self) -> int:
        """The fragment's fields' cost (an abstract field pays its dearest fragment)."""
        return _fields_cost(self.fields, ())

    def render(self) -> str:
        """`... on Type { fields }`."""
        return f"... on {self.type_name} {{ {_render_all(self.fields)} }}"


@dataclass(frozen=True)
class Field:
    """One field of a document, with its arguments, sub-fields and priced shape."""

    name: str
    fields: tuple[Field, ...] = ()
    args: tuple[tuple[str, Any], ...] = ()
    alias: str | None = None
    shape: Shape = Shape.SCALAR
    size: int = 1
    fragments: tuple[On, ...] = ()

    @property
    def cost(self) -> int:
        """The requested cost by Shopify's published rules (`platforms.shopify.cost`)."""
        inner = _fields_cost(self.fields, self.fragments)
        if self.shape is Shape.SCALAR:
            return 0
        if self.shape is Shape.OBJECT:
            return OBJECT + inner
        if self.shape is Shape.LIST:
            return self.size * (OBJECT + inner)
        return CONNECTION + self.size * (OBJECT + inner)

    def render(self) -> str:
        """The field as document text."""
        head = (f"{self.alias}: " if self.alias else "") + self.name + _render_args(self.args)
        if self.shape is Shape.SCALAR:
            return head
        body = " ".join([_render_all(self.fields), *(f.render() for f in self.fragments)])
        if self.shape is Shape.CONNECTION:
            return f"{head} {{ nodes {{ {body} }} {PAGE_INFO} }}"
        return f"{head} {{ {body} }}"


@dataclass(frozen=True)
class Document:
    """A query: its root fields, text and requested cost."""

    fields: tuple[Field, ...]

    @property
    def cost(self) -> int:
        """Requested cost: what the bucket reserves and Shopify's limit is checked against."""
        return _fields_cost(self.fields, ())

    @property
    def text(self) -> str:
        """The document as sent."""
        return f"query {{ {_render_all(self.fields)} }}"

    def fits(self) -> bool:
        """Within Shopify's single-query maximum."""
        return self.cost <= MAX_QUERY_COST


def _fields_cost(fields: Iterable[Field], fragments: Iterable[On]) -> int:
    return sum(f.cost for f in fields) + max((f.cost for f in fragments), default=0)


def _render_all(fields: Iterable[Field]) -> str:
    return " ".join(f.render() for f in fields)


def _render_args(args: tuple[tuple[str, Any], ...]) -> str:
    given = [(k, v) for k, v in args if v is not None]
    if not given:
        return ""
    return "(" + ", ".join(f"{k}: {_literal(v)}" for k, v in given) + ")"


def _literal(value: Any) -> str:
    """A GraphQL literal: JSON's string escapes are a subset of GraphQL's, so any text
    (a cursor a client sent back, a search term) stays one string."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Mapping):  # an input object (`{lineItemId: "…", quantity: 1}`)
        given = [(k, v) for k, v in value.items() if v is not None]
        return "{" + ", ".join(f"{k}: {_literal(v)}" for k, v in given) + "}"
    if isinstance(value, Sequence):
        if len(value) > MAX_INPUT_LIST:
            raise ValueError(f"input lists take at most {MAX_INPUT_LIST} items")
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    raise TypeError(f"no GraphQL literal for {type(value).__name__}")


# --- building blocks -------------------------------------------------------------------


def scalars(names: str) -> tuple[Field, ...]:
    """Scalar and enum fields from a space-separated list: free by the rules."""
    return tuple(Field(name) for name in names.split())


def obj(name: str, *fields: Field, alias: str | None = None, **args: Any) -> Field:
    """An object field (1 point plus its fields)."""
    return Field(name, fields, tuple(args.items()), alias, Shape.OBJECT)


def listed(
    name: str, *fields: Field, size: int = 1, alias: str | None = None, **args: Any
) -> Field:
    """A list of objects, priced `size` times (1 when Shopify cannot know its length)."""
    return Field(name, fields, tuple(args.items()), alias, Shape.LIST, size)


def conn(name: str, first: int, *fields: Field, alias: str | None = None, **args: Any) -> Field:
    """A connection read as `nodes` plus `pageInfo`: 2 points plus `first` nodes."""
    return Field(name, fields, (("first", first), *args.items()), alias, Shape.CONNECTION, first)


def nodes(type_name: str, gids: Sequence[str], *fields: Field, alias: str | None = None) -> Field:
    """`nodes(ids:)` of one type: each id priced as one object of that type."""
    fragment = On(type_name, fields)
    return Field(
        "nodes", scalars("id"), (("ids", list(gids)),), alias, Shape.LIST, len(gids), (fragment,)
    )


def node_by_id(root: str, gid: str, *fields: Field, alias: str) -> Field:
    """One object by id through its own root field (`order(id:)`), aliased."""
    return Field(root, fields, (("id", gid),), alias, Shape.OBJECT)


def query(*fields: Field) -> Document:
    """A document of these root fields."""
    return Document(tuple(fields))


def gid(kind: str, external_id: str) -> str:
    """The Admin API global id of a numeric REST id: `gid://shopify/Order/450789469`."""
    return f"gid://shopify/{kind}/{external_id}"


def numeric_id(value: Any) -> str | None:
    """The numeric id at the end of a global id ("gid://shopify/Order/1?x=y" -> "1");
    a bare number passes through; anything else is None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        return None
    tail = value.split("?", 1)[0].rsplit("/", 1)[-1]
    return tail if tail.isascii() and tail.isdigit() else None
