"""Hypothesis strategies for hostile argument values: ids, DateTimes, Decimals, Ints, JSON."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from platforms.ids import Kind, encode_id
from platforms.sandbox.kit import Sandbox


def encode(body: Any) -> bytes:
    """JSON text of a body; stdlib json, which (unlike orjson) writes ints past 64 bits."""
    return body if isinstance(body, bytes) else json.dumps(body).encode()


@dataclass(frozen=True)
class IdPool:
    """Global ids of real objects in the seeded sandboxes: store id -> kind -> ids."""

    stores: dict[str, dict[Kind, list[str]]]
    cursors: tuple[str, ...] = ()  # real `endCursor`s, forged into hostile ones

    @classmethod
    def of(cls, sandboxes: Mapping[str, Sandbox], cursors: Sequence[str] = ()) -> IdPool:
        """A few ids of each kind per store, read from the sandboxes' facts."""
        stores: dict[str, dict[Kind, list[str]]] = {}
        for store_id, sandbox in sandboxes.items():
            facts = sandbox.facts()
            externals = {
                Kind.ORDER: list(facts.orders)[:4],
                Kind.PRODUCT: list(facts.products)[:4],
                Kind.VARIANT: list(facts.variants)[:4],
                Kind.LOCATION: list(facts.locations)[:2],
                Kind.STORE: [store_id],
            }
            stores[store_id] = {
                kind: [encode_id(store_id, kind, e) for e in found]
                for kind, found in externals.items()
            }
        return cls(stores, tuple(cursors))

    def flat(self) -> list[str]:
        """Every id, an order's first (Hypothesis shrinks towards the first)."""
        return [i for kinds in self.stores.values() for ids in kinds.values() for i in ids]


def _made_up_ids(store_ids: Sequence[str]) -> st.SearchStrategy[str]:
    """Ids shaped like ours that name nothing, or that are not quite ids at all."""
    stores = st.sampled_from([*store_ids, "nope", "", "a:b", "../x"])
    externals = st.one_of(st.integers(-(2**70), 2**70).map(str), st.text(max_size=30), st.just("0"))
    shaped = st.builds(encode_id, stores, st.sampled_from(list(Kind)), externals)
    raw = st.binary(max_size=40).map(lambda b: base64.urlsafe_b64encode(b).decode().rstrip("="))
    prefixed = st.text(max_size=40).map(lambda t: _b64(f"cg1:{t}"))
    return st.one_of(shaped, raw, prefixed, st.text(max_size=60), st.just(""))


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8", "surrogatepass")).decode().rstrip("=")


def id_values(pool: IdPool) -> st.SearchStrategy[str]:
    """Mostly real ids (reads then reach the stores), else made-up and malformed ones."""
    real = st.sampled_from([*pool.flat(), *pool.stores])
    return st.one_of(real, real, real, _made_up_ids(list(pool.stores)))


@st.composite
def _forged(draw: st.DrawFn, real: st.SearchStrategy[str]) -> str:
    """A real connection cursor with its store positions (or all of it) replaced."""
    cursor = draw(real)
    data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    positions = data.get("p") or {}
    if positions and draw(st.booleans()):
        store = draw(st.sampled_from(sorted(positions)))
        fields = st.lists(JSON_VALUES, min_size=2, max_size=4)
        data["p"] = {**positions, store: draw(st.one_of(fields, JSON_VALUES))}
    else:
        data[draw(st.sampled_from(["p", "f"]))] = draw(JSON_VALUES)
    return _b64(json.dumps(data))


def cursor_values(cursors: Sequence[str]) -> st.SearchStrategy[str]:
    """`after` values: real cursors, forged ones, and write-operation / event cursors with
    any number in them."""
    numbered = st.builds(
        lambda prefix, n: _b64(f"{prefix}:{n}"),
        st.sampled_from(["wop", "events"]),
        st.one_of(st.integers(-(2**70), 2**70), st.text(max_size=5)),
    )
    if not cursors:
        return st.one_of(numbered, st.text(max_size=30))
    real = st.sampled_from(list(cursors))
    return st.one_of(real, _forged(real), _forged(real), numbered, st.text(max_size=30))


# Each scalar: mostly plausible values (the request then reaches the stores and the write
# queue), else edge cases and junk (which must be typed client errors, never a crash).
DATETIMES = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(
        [
            "2026-01-01T00:00:00Z",
            "0001-01-01T00:00:00",
            "0001-01-01T00:00:00+14:00",
            "0001-01-01T00:00:00-23:59",
            "9999-12-31T23:59:59.999999-14:00",
            "9999-12-31T23:59:59+00:00",
            "1970-01-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-06-30T23:59:60Z",
            "2026-06-30",
            "now",
            "",
        ]
    ),
    st.text(max_size=30),
)
_PLAUSIBLE_DECIMALS = st.decimals(min_value=-1000, max_value=1000, places=2).map(str)
DECIMALS = st.one_of(
    _PLAUSIBLE_DECIMALS,
    _PLAUSIBLE_DECIMALS,
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["1e999999", "-1E+400", "NaN", "-0", "0.0000000001", "9" * 400, "1_0"]),
    st.text(max_size=20),
)
INTS = st.one_of(
    st.integers(-5, 120),
    st.integers(-(2**31), 2**31 - 1),
    st.sampled_from([0, -1, 1, 100, 101, 250, 251, 2**31 - 1, -(2**31)]),
    st.integers(-(2**80), 2**80),  # outside GraphQL's Int: a validation error, never a crash
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _json_node(value: Any) -> graphql.ValueNode:
    """Any JSON value as a literal (objects and lists keep their shape)."""
    if isinstance(value, dict):
        names = {_name(k): v for k, v in value.items()}  # one field per name, as GraphQL says
        fields = [
            graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=_json_node(v))
            for k, v in names.items()
        ]
        return nodes.Object(fields)
    if isinstance(value, list):
        return nodes.List([_json_node(v) for v in value])
    if value is None:
        return nodes.Null
    if isinstance(value, bool):
        return nodes.Boolean(value)
    if isinstance(value, int):
        return nodes.Int(value)
    if isinstance(value, float):
        return nodes.Float(value) if math.isfinite(value) else nodes.Null
    return nodes.String(value)


def _name(key: str) -> str:
    # object keys of a literal must be GraphQL names
    clean = "".join(c for c in key if c.isascii() and (c.isalnum() or c == "_"))
    return clean if clean and not clean[0].isdigit() else f"k{clean}"


def _representations(ids: st.SearchStrategy[str]) -> st.SearchStrategy[graphql.ValueNode]:
    typenames = st.sampled_from(["Order", "Product", "Variant", "Customer", "Store", "Nope", ""])
    entity = st.fixed_dictionaries({"__typename": typenames, "id": ids})
    odd = st.dictionaries(st.sampled_from(["__typename", "id", "x"]), JSON_VALUES, max_size=3)
    # a representation is non-null (`_Any!`): null is a validation error, not worth the tries
    some = JSON_VALUES.filter(lambda v: v is not None)
    return st.one_of(entity, entity, odd, some).map(_json_node)


def scalar_strategies(ids: st.SearchStrategy[str]) -> dict[str, st.SearchStrategy[Any]]:
    """Value-node strategies for our scalars, and hostile ones for ID and Int."""
    return {
        "ID": ids.map(nodes.String),
        "Int": INTS.map(nodes.Int),
        "DateTime": st.one_of(DATETIMES.map(nodes.String), INTS.map(nodes.Int)),
        "Decimal": st.one_of(
            DECIMALS.map(nodes.String),
            st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
        ),
        "JSON": JSON_VALUES.map(_json_node),
        "_Any": _representations(ids),
    }
