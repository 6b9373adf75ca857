"""Admin GraphQL over the sandbox's REST state: sources, request context, resolver registry."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from graphql import GraphQLError, GraphQLList, GraphQLNonNull, GraphQLResolveInfo, get_named_type

from platforms.shopify.cost import MAX_INPUT_LIST
from platforms.shopify.sandbox.graphql_schema import gid, wire_value

if TYPE_CHECKING:
    from platforms.shopify.sandbox.people import ShopifyPeopleRoutes
    from platforms.shopify.sandbox.seed import ShopifyState
    from platforms.shopify.sandbox.writes import ShopifyWriteRoutes

Payload = dict[str, Any]
Resolver = Callable[[Any, "Ctx", dict[str, Any]], Any]
RESOLVERS: dict[str, dict[str, Resolver]] = {}
Info = GraphQLResolveInfo[Any]


@dataclass(frozen=True)
class Obj:
    """A value of GraphQL type `kind` backed by a REST payload (`data`); `parent` is the
    payload it belongs to where the REST shape nests it (a line item's order)."""

    kind: str
    data: Payload
    parent: Payload | None = None


@dataclass
class Ctx:
    """Per-request context: the store, its REST write routes, and lookups built on demand."""

    state: ShopifyState
    writes: ShopifyWriteRoutes
    people: ShopifyPeopleRoutes
    base_url: str = ""
    applied: list[str] = field(default_factory=list)  # writes applied, recorded after the run
    extras: dict[str, Any] = field(default_factory=dict)  # the app's jobs and bulk operations
    info: Any = None  # the mutation field being resolved (its directives carry the key)
    _cache: dict[str, Any] = field(default_factory=dict)

    def index(self, name: str, build: Callable[[], Any]) -> Any:
        """A lookup built once per request (the state may change between requests)."""
        if name not in self._cache:
            self._cache[name] = build()
        return self._cache[name]

    def next_number(self, name: str) -> int:
        """1, 2, 3… per kind of thing this store creates (jobs, bulk operations…): ids stay
        the same from run to run, whatever other stores in the process did."""
        counters: dict[str, int] = self.extras.setdefault("counters", {})
        counters[name] = counters.get(name, 0) + 1
        return counters[name]

    def forget(self) -> None:
        """Drop every lookup: a mutation changed the state under them."""
        self._cache.clear()

    def _by_id(
        self, name: str, rows: Callable[[], Iterable[Payload]], key: str
    ) -> dict[int, Payload]:
        found = self._cache.get(name)
        if found is None:
            found = self._cache[name] = {row[key]: row for row in rows()}
        return cast(dict[int, Payload], found)

    def orders(self) -> dict[int, Payload]:
        return self._by_id("orders", lambda: self.state.orders, "id")

    def products(self) -> dict[int, Payload]:
        return self._by_id("products", lambda: self.state.products, "id")

    def variants(self) -> dict[int, Payload]:
        return self._by_id("variants", self.state.variants, "id")

    def variant_of_item(self) -> dict[int, Payload]:
        return self._by_id("items", self.state.variants, "inventory_item_id")

    def locations(self) -> dict[int, Payload]:
        return self._by_id("locations", lambda: self.state.locations, "id")

    def customers(self) -> dict[int, Payload]:
        """Customers as the store keeps them (cheap: the order totals are not summed)."""
        return self._by_id("customers", lambda: self.state.customers, "id")

    def served_customers(self) -> dict[int, Payload]:
        """Customers as REST serves them: order count, spend and consent follow the orders
        (summed over every order, so only for the fields that need them)."""
        return self._by_id("served_customers", self.people.customer_rows, "id")

    def levels_of_item(self, item: int) -> list[Payload]:
        """An inventory item's levels, by location id."""
        by_item = cast(dict[int, list[Payload]], self.index("levels", self._levels_by_item))
        return list(by_item.get(item, []))

    def _levels_by_item(self) -> dict[int, list[Payload]]:
        out: dict[int, list[Payload]] = {}
        for (item, _), level in sorted(self.state.inventory_levels.items()):
            out.setdefault(item, []).append(level)
        return out

    def committed(self, item: int, location: int) -> int:
        """Units of open, unfulfilled order lines that hold stock of `item` at `location`:
        the sandbox ships every order from its first location, so only there."""
        first = self.state.locations[0]["id"] if self.state.locations else None
        if location != first:
            return 0
        held = cast(dict[int, int], self.index("committed", self._committed))
        return held.get(item, 0)

    def _committed(self) -> dict[int, int]:
        items = {v["id"]: v["inventory_item_id"] for v in self.state.variants()}
        held: dict[int, int] = {}
        for order in self.state.orders:
            if order.get("cancelled_at"):
                continue
            for line in order["line_items"]:
                item = items.get(line.get("variant_id"))
                if item is not None and line.get("fulfillable_quantity"):
                    held[item] = held.get(item, 0) + int(line["fulfillable_quantity"])
        return held


def resolves(*targets: str) -> Callable[[Resolver], Resolver]:
    """Register a resolver for fields named "Type.field"."""

    def register(fn: Resolver) -> Resolver:
        for target in targets:
            kind, name = target.split(".")
            RESOLVERS.setdefault(kind, {})[name] = fn
        return fn

    return register


def fixed(kind: str, values: dict[str, Any]) -> None:
    """Fields of `kind` whose value the sandbox's store always has (no gift cards, no B2B…)."""
    for name, value in values.items():
        RESOLVERS.setdefault(kind, {})[name] = _constant(value)


def renamed(kind: str, names: dict[str, str]) -> None:
    """Fields of `kind` that REST spells differently ("number" is REST's "order_number")."""
    for name, rest in names.items():
        RESOLVERS.setdefault(kind, {})[name] = _reader(rest)


def _reader(key: str) -> Resolver:
    def resolve(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
        return src.data.get(key)

    return resolve


def _constant(value: Any) -> Resolver:
    def resolve(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
        return value

    return resolve


def money_bag(amount: Decimal | str | int, currency: str) -> Payload:
    """A MoneyBag (shop and presentment money: one currency in the sandbox)."""
    value = f"{Decimal(amount):.2f}"
    money = {"amount": value, "currencyCode": currency}
    return {"shopMoney": dict(money), "presentmentMoney": dict(money)}


def empty_connection() -> Payload:
    """A connection with nothing in it (media, collections, events the seeded store lacks)."""
    info = {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None}
    return {"edges": [], "nodes": [], "pageInfo": info}


def field_resolver(source: Any, info: Info, **args: Any) -> Any:
    """Resolve one field: a registered resolver, or the REST payload's own value under the
    field's snake_case name; then the GraphQL wire form (UTC times, enums, int64 strings)."""
    _check_input_sizes(args)
    if info.parent_type.name == "Mutation":
        info.context.info = info
    fn = RESOLVERS.get(info.parent_type.name, {}).get(info.field_name)
    value = fn(source, info.context, args) if fn is not None else _default(source, info)
    return wire_value(value, info.return_type)


def type_resolver(value: Any, info: Info, abstract: Any) -> str | None:
    """The concrete type of a value returned through an interface or union (Node…)."""
    if isinstance(value, Obj):
        return value.kind
    return value.get("__typename") if isinstance(value, dict) else None


def _default(source: Any, info: Info) -> Any:
    name = info.field_name
    data = source.data if isinstance(source, Obj) else source
    if isinstance(source, Obj) and name in ("id", "legacyResourceId"):
        ident = data.get("id")
        if name == "legacyResourceId":
            return ident
        if data.get("admin_graphql_api_id"):
            return data["admin_graphql_api_id"]
        return None if ident is None else gid(source.kind, str(ident))
    if isinstance(data, dict):
        if name in data:
            return data[name]
        if _snake(name) in data:
            return data[_snake(name)]
    named = get_named_type(info.return_type)
    if named.name.endswith("Connection") and hasattr(named, "fields") and "edges" in named.fields:
        return empty_connection()
    if isinstance(info.return_type, GraphQLNonNull) and isinstance(
        info.return_type.of_type, GraphQLList
    ):
        return []
    if isinstance(info.return_type, GraphQLNonNull):
        raise GraphQLError(
            f"{info.parent_type.name}.{name} is not emulated by the cartgraph sandbox",
            extensions={"code": "NOT_EMULATED"},
        )
    return None


@functools.lru_cache(maxsize=4096)
def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _check_input_sizes(args: dict[str, Any]) -> None:
    """Shopify refuses any input list longer than 250 before running the field."""
    for value in args.values():
        if isinstance(value, list) and len(value) > MAX_INPUT_LIST:
            raise GraphQLError(
                f"The input array size of {len(value)} is greater than the maximum "
                f"allowed of {MAX_INPUT_LIST}.",
                extensions={"code": "MAX_INPUT_SIZE_EXCEEDED"},
            )
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                _check_input_sizes(item)
