"""Hypothesis strategies for hostile WebSocket sessions: frames over either GraphQL protocol."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from bench.fuzz_values import JSON_VALUES

TRANSPORT = "graphql-transport-ws"
LEGACY = "graphql-ws"
MIB = 1024 * 1024
KEY_MARK = "@key:"  # "@key:read@" in a frame is replaced by the key of role "read" when sent

# A frame: ("json", value) sent as text, ("text", str), ("binary", bytes), or ("big", n):
# a valid-looking ping of n bytes (over the 1 MiB message cap when n is).
Frame = tuple[str, Any]


@dataclass(frozen=True)
class Session:
    """One socket: its subprotocol (None: none offered) and the frames sent, in order."""

    protocol: str | None
    frames: tuple[Frame, ...]

    def describe(self) -> str:
        """The session, short enough for a report line."""
        shown = [f"{kind}:{_short(value)}" for kind, value in self.frames[:12]]
        more = f" …+{len(self.frames) - 12}" if len(self.frames) > 12 else ""
        return f"{self.protocol}: {' | '.join(shown)}{more}"


def _short(value: Any) -> str:
    if isinstance(value, int):
        return f"{value} bytes"
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 120 else f"{text[:120]}…({len(text)} chars)"


def key(role: str) -> str:
    """The placeholder of a role's key (see KEY_MARK)."""
    return f"{KEY_MARK}{role}@"


def _bearer(value: str) -> str:
    return f"Bearer {value}"


def _deep_init(levels: int) -> Frame:
    """connection_init whose payload nests `levels` objects (as text: Hypothesis prints
    every example, and its printer recurses as deep as the value)."""
    return (
        "text",
        '{"type": "connection_init", "payload": ' + '{"a":' * levels + "{}" + "}" * levels + "}",
    )


# connection_init payloads: good keys, a key of one store, bad and absent ones, wrong shapes
CREDENTIALS = st.one_of(
    st.sampled_from(["read", "one-store"]).map(lambda r: {"Authorization": _bearer(key(r))}),
    st.just({"token": key("read")}),
    st.just({"authorization": _bearer(key("read")), "extra": {"a": [1, 2, {"b": None}]}}),
    st.just({}),
    st.just({"Authorization": "Bearer cg_000000000000_not-a-real-key"}),
    st.just({"Authorization": "Bearer "}),
    st.just({"Authorization": _bearer("x" * 100_000)}),  # a 100 KB "key"
    st.just({"Authorization": {"nested": key("read")}}),
    JSON_VALUES.map(lambda v: {"Authorization": v}),
    JSON_VALUES,  # not an object at all, or any object
)


def _alias_bomb(copies: int) -> str:
    return "{ " + " ".join(f"a{i}: stores {{ id }}" for i in range(copies)) + " }"


def _nested(depth: int) -> str:
    return "{ " + "orders { edges { node { " * depth + "id" + " } } }" * depth + " }"


DOCUMENTS = st.one_of(
    st.sampled_from(
        [
            "subscription { orderEvents { id type } }",
            "subscription { inventoryEvents { type available } }",
            'subscription { orderEvents(after: "99999999999999999999999") { id } }',
            "subscription { orderEvents(storeIds: []) { id } }",
            "subscription($s: [ID!]) { orderEvents(storeIds: $s) { id } }"
            " query Q { stores { id } }",
            "{ stores { id } }",
            "query A { stores { id } } query B { stores { id } }",
            'mutation { cancelOrder(input: {orderId: "x"}) { __typename } }',
            "{ ...F } fragment F on Query { ...G } fragment G on Query { ...F }",
            "{ stores { id ",  # a syntax error
            "",
        ]
    ),
    st.integers(1, 200_000).map(lambda n: "{ " + "__typename " * n + "}"),  # token cap
    st.integers(1, 120).map(_alias_bomb),
    st.integers(1, 40).map(_nested),
    st.text(max_size=200),
)


def subscribe_payloads(documents: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """subscribe/start payloads: a document, sometimes with odd optional members, or junk."""
    extensions = st.one_of(
        JSON_VALUES,
        st.builds(
            lambda h: {"persistedQuery": {"version": 1, "sha256Hash": h}},
            st.one_of(st.text(alphabet="0123456789abcdef", max_size=64), JSON_VALUES),
        ),
    )
    optional = {
        "variables": JSON_VALUES,
        "operationName": st.one_of(st.none(), st.sampled_from(["A", "Q", ""]), JSON_VALUES),
        "extensions": extensions,
    }
    return st.one_of(
        st.builds(lambda q: {"query": q}, documents),
        st.fixed_dictionaries({"query": documents}, optional=optional),
        JSON_VALUES,  # not an object, or an object without a query
    )


IDS = st.one_of(
    st.sampled_from(["1", "2", "3"]),  # reused: duplicates of live operations
    st.text(max_size=8),
    st.text(max_size=8),
    st.just("x" * 10_000),
    JSON_VALUES,  # numbers, null, lists, objects: not a string id
)
TYPES = st.one_of(
    st.sampled_from(["start", "stop", "connection_terminate", "data", "ka", "next", "error"]),
    st.text(max_size=12),
    JSON_VALUES,
)


def _message(kind: str, **members: Any) -> Frame:
    return ("json", {"type": kind, **members})


def _many(count: int, document: str) -> list[Frame]:
    return [_message("subscribe", id=f"m{i}", payload={"query": document}) for i in range(count)]


def frames(documents: st.SearchStrategy[str]) -> st.SearchStrategy[list[Frame]]:
    """One step of a session: usually one frame, sometimes a burst of subscriptions."""
    payloads = subscribe_payloads(documents)
    subscribe = st.builds(lambda i, p: [_message("subscribe", id=i, payload=p)], IDS, payloads)
    start = st.builds(lambda i, p: [_message("start", id=i, payload=p)], IDS, payloads)
    many = st.builds(
        _many,
        st.integers(1, 130),  # past Strawberry's 100 operations per socket
        st.sampled_from(["subscription { orderEvents { id } }", "{ stores { id } }"]),
    )
    return st.one_of(
        subscribe,
        subscribe,
        subscribe,
        start,
        many,
        CREDENTIALS.map(lambda p: [_message("connection_init", payload=p)]),
        st.just([("json", {"type": "connection_init"})]),  # no payload at all
        st.sampled_from([500, 3000]).map(lambda n: [_deep_init(n)]),  # past parsers' nesting
        IDS.map(lambda i: [_message("complete", id=i)]),
        IDS.map(lambda i: [_message("stop", id=i)]),
        st.sampled_from(["ping", "pong", "connection_terminate"]).map(lambda t: [_message(t)]),
        JSON_VALUES.map(lambda p: [_message("ping", payload=p)]),
        TYPES.map(lambda t: [("json", {"type": t, "id": "1"})]),  # unknown, misplaced types
        JSON_VALUES.map(lambda v: [("json", v)]),  # not an object, or without a type
        st.text(max_size=100).map(lambda t: [("text", t)]),  # mostly not JSON
        st.binary(max_size=100).map(lambda b: [("binary", b)]),
        st.integers(MIB - 64, MIB + 64).map(lambda n: [("big", n)]),  # both sides of the cap
    )


ODD_PROTOCOLS = [None, "graphql-transport-ws, graphql-ws", "mqtt", "x" * 300]


@st.composite
def sessions(draw: st.DrawFn, documents: st.SearchStrategy[str] | None = None) -> Session:
    """A socket's frames: most start with a good connection_init (so later frames reach the
    operations), the rest with anything at all (subscribe before init, bad keys, junk).
    `documents` (e.g. generated from the schema) join the hand-written ones."""
    roll = draw(st.integers(0, 19))  # 10% odd subprotocols, 25% graphql-ws, the rest current
    odd = draw(st.sampled_from(ODD_PROTOCOLS))
    protocol = odd if roll < 2 else LEGACY if roll < 7 else TRANSPORT
    steps = frames(DOCUMENTS if documents is None else st.one_of(DOCUMENTS, documents))
    good = draw(st.integers(0, 3)) > 0
    first = [_message("connection_init", payload={"Authorization": _bearer(key("read"))})]
    rest = draw(st.lists(steps, min_size=0 if good else 1, max_size=6))
    return Session(protocol, tuple(f for part in ([first, *rest] if good else rest) for f in part))


def render(frame: Frame, keys: dict[str, str]) -> tuple[str, str | bytes]:
    """("text" | "binary", what to send) with each role's key in place of its placeholder."""
    kind, value = frame
    if kind == "binary":
        return "binary", bytes(value)
    if kind == "big":
        filler = "x" * max(0, int(value) - 30)
        return "text", json.dumps({"type": "ping", "payload": filler})
    text = value if kind == "text" else json.dumps(value)
    for role, secret in keys.items():
        text = text.replace(key(role), secret)
    return "text", text
