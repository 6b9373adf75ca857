"""Admin GraphQL list semantics: `query:` search strings, sort keys, cursors, connections."""

from __future__ import annotations

import base64
import binascii
import functools
import json
import shlex
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from graphql import GraphQLError

from platforms.shopify.cost import MAX_INPUT_LIST
from platforms.shopify.sandbox.format import parse_query_time, parse_wire_time
from platforms.shopify.sandbox.graphql_schema import parse_gid

Payload = dict[str, Any]
Predicate = Callable[[Payload], bool]
SortValue = int | str | float
_OPS = (">=", "<=", ">", "<")
# Set while a bulk operation runs its query: connections then hold every row, unpaged.
UNPAGED: ContextVar[bool] = ContextVar("unpaged", default=False)


@dataclass(frozen=True)
class Term:
    """One searchable field of a resource: how to read it from a row, and how to compare."""

    read: Callable[[Payload], Any]  # a value, or a list of values (any may match)
    kind: str = "text"  # "text" | "time" | "number" | "bool"


def search(query: str | None, fields: Mapping[str, Term]) -> Predicate:
    """A predicate for Shopify's search syntax: `field:value` terms (AND by default), `OR`,
    `-field:value` / `NOT`, `>`/`>=`/`<`/`<=` on times and numbers, `a,b` any-of, `x*`
    prefixes, quoted values. Unknown fields are ignored, as Shopify ignores them."""
    if not query or not query.strip():
        return lambda row: True
    try:
        tokens = shlex.split(query)
    except ValueError:  # an unbalanced quote: Shopify searches the words as they are
        tokens = query.split()
    groups: list[list[Predicate]] = [[]]
    negate = False
    for word in tokens:
        if word == "OR":
            groups.append([])
        elif word == "NOT":
            negate = True
        elif word != "AND":
            check = _term(word.lstrip("-"), fields)
            if check is not None:
                flip = negate or word.startswith("-")
                groups[-1].append((lambda c: lambda row: not c(row))(check) if flip else check)
            negate = False
    return lambda row: any(all(check(row) for check in group) for group in groups)


def _term(token: str, fields: Mapping[str, Term]) -> Predicate | None:
    name, colon, raw = token.partition(":")
    field = fields.get(name.lower()) if colon else fields.get("")
    if field is None:
        return None
    value = raw if colon else token
    op = next((o for o in _OPS if value.startswith(o)), "=")
    value = value[len(op) :] if op != "=" else value
    wanted = [part for part in value.split(",") if part] if op == "=" else [value]
    compare = _COMPARE[field.kind]
    try:
        bounds = [_parse(field.kind, part) for part in wanted]
    except ValueError:
        return None  # a value Shopify cannot read is ignored too

    def check(row: Payload) -> bool:
        found = field.read(row)
        values = found if isinstance(found, list) else [found]
        return any(compare(v, op, b) for v in values if v is not None for b in bounds)

    return check


def _parse(kind: str, raw: str) -> Any:
    if kind == "time":
        return parse_query_time(raw)
    if kind == "number":
        parsed = parse_gid(raw)
        return Decimal(parsed[1]) if parsed else Decimal(raw)
    if kind == "bool":
        return raw.lower() == "true"
    return raw.lower()


def _ordered(value: Any, op: str, bound: Any) -> bool:
    if op == "=":
        return bool(value == bound)
    checks = {">": value > bound, ">=": value >= bound, "<": value < bound, "<=": value <= bound}
    return bool(checks[op])


def _text(value: Any, op: str, bound: str) -> bool:
    text = str(value).lower()
    if bound.endswith("*"):
        return text.startswith(bound[:-1])
    return text == bound if op == "=" else _ordered(text, op, bound)


def _time(value: Any, op: str, bound: datetime) -> bool:
    return _ordered(_moment(value), op, bound)


@functools.lru_cache(maxsize=65536)
def _moment(raw: str) -> datetime:
    # Every list request filters and sorts the whole store by time: parse each stamp once.
    return parse_wire_time(raw)


def _number(value: Any, op: str, bound: Decimal) -> bool:
    try:
        return _ordered(Decimal(str(value)), op, bound)
    except InvalidOperation:
        return False


_COMPARE: dict[str, Callable[[Any, str, Any], bool]] = {
    "text": _text,
    "time": _time,
    "number": _number,
    "bool": lambda value, op, bound: bool(value) == bound,
}


def time_key(raw: Any) -> int:
    """A REST timestamp as a sortable number (epoch seconds)."""
    return int(_moment(raw).timestamp()) if raw else 0


# --- connections ------------------------------------------------------------------------


def page_size(args: Mapping[str, Any]) -> int:
    """`first` or `last`, checked as Shopify checks them (one is required, at most 250)."""
    size = args.get("first") if args.get("first") is not None else args.get("last")
    if size is None:
        raise GraphQLError("you must provide one of first or last")
    if size < 0 or size > MAX_INPUT_LIST:
        name = "first" if args.get("first") is not None else "last"
        raise GraphQLError(
            f"Argument '{name}' has an invalid value ({size}). "
            f"Expected a page size from 0 to {MAX_INPUT_LIST}.",
            extensions={"code": "argumentLiteralsIncompatible", "argumentName": name},
        )
    return int(size)


def connection(
    rows: Sequence[Payload],
    args: Mapping[str, Any],
    sort: Callable[[Payload], SortValue],
    node: Callable[[Payload], Any],
    ident: Callable[[Payload], int] = lambda row: int(row["id"]),
) -> dict[str, Any]:
    """One page of `rows` as a Relay connection: sorted by (`sort`, id), `reverse`d if asked,
    sliced at `after`/`before` and to `first`/`last`; cursors are Shopify-style base64 JSON."""
    unpaged = UNPAGED.get()
    size = len(rows) if unpaged else page_size(args)
    if unpaged:
        args = {"reverse": args.get("reverse")}
    keyed = sorted((((sort(row), ident(row)), row) for row in rows), key=lambda pair: pair[0])
    if args.get("reverse"):
        keyed.reverse()
    keys = [key for key, _ in keyed]
    start, stop = 0, len(keyed)
    if args.get("after"):
        mark = decode_cursor(args["after"])
        start = next((i for i, k in enumerate(keys) if _beyond(k, mark, args)), len(keys))
    if args.get("before"):
        mark = decode_cursor(args["before"])
        stop = sum(1 for k in keys if _beyond(mark, k, args))
    if args.get("first") is not None:
        stop = min(stop, start + size)
    else:
        start = max(start, stop - size)
    page = keyed[start:stop] if start < stop else []
    edges = [{"cursor": encode_cursor(key), "node": node(row)} for key, row in page]
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": stop < len(keyed),
            "hasPreviousPage": start > 0,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _beyond(key: tuple[Any, int], mark: tuple[Any, int], args: Mapping[str, Any]) -> bool:
    try:
        return key < mark if args.get("reverse") else key > mark
    except TypeError:  # a cursor of another sort order
        raise GraphQLError("Invalid cursor for current pagination sort.") from None


def encode_cursor(key: tuple[SortValue, int]) -> str:
    """`{"last_id": …, "last_value": …}` in base64, the shape Shopify's cursors decode to."""
    body = json.dumps({"last_id": key[1], "last_value": key[0]}, separators=(",", ":"))
    return base64.b64encode(body.encode()).decode()


def decode_cursor(raw: Any) -> tuple[Any, int]:
    """The (sort value, id) a cursor points at; anything else is Shopify's invalid cursor."""
    try:
        body = json.loads(base64.b64decode(str(raw), validate=True))
        return body["last_value"], int(body["last_id"])
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise GraphQLError("Invalid cursor for current pagination sort.") from exc


def listed(rows: Sequence[Any], args: Mapping[str, Any]) -> list[Any]:
    """A plain list field cut to its optional `first` (Order.refunds, Fulfillment.trackingInfo)."""
    first = args.get("first")
    return list(rows if first is None else rows[: int(first)])
