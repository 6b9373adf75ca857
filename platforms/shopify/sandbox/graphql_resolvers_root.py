"""Admin GraphQL root reads over the sandbox's store: lists, lookups by id, node(s), shop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLError

from platforms.shopify.sandbox.graphql_context import Ctx, Obj, Payload, resolves
from platforms.shopify.sandbox.graphql_resolvers_catalog import (
    PRODUCT_SORTS,
    PRODUCT_TERMS,
    VARIANT_SORTS,
    VARIANT_TERMS,
    product_obj,
    sorted_by,
    variant_obj,
)
from platforms.shopify.sandbox.graphql_resolvers_inventory import (
    ITEM_TERMS,
    LOCATION_TERMS,
    item_obj,
    level_obj,
    location_obj,
)
from platforms.shopify.sandbox.graphql_resolvers_lines import line_obj
from platforms.shopify.sandbox.graphql_resolvers_orders import ORDER_SORTS, ORDER_TERMS, order_obj
from platforms.shopify.sandbox.graphql_resolvers_people import (
    CUSTOMER_SORTS,
    CUSTOMER_TERMS,
    customer_obj,
)
from platforms.shopify.sandbox.graphql_schema import parse_gid
from platforms.shopify.sandbox.graphql_search import connection, search
from platforms.shopify.sandbox.transactions import transactions_of
from platforms.shopify.sandbox.writes import FULFILLMENT_ORDER_ID_BASE

Finder = Callable[[Ctx, int, str], Any]
LOCATION_SORTS: dict[str, Any] = {"ID": lambda loc: loc["id"], "NAME": lambda loc: loc["name"]}


@resolves("QueryRoot.orders")
def _orders(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    keep = search(args.get("query"), ORDER_TERMS)
    rows = [o for o in ctx.state.orders if keep(o)]
    return connection(rows, args, sorted_by(ORDER_SORTS, args), order_obj)


@resolves("QueryRoot.products")
def _products(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    keep = search(args.get("query"), PRODUCT_TERMS)
    rows = [p for p in ctx.state.products if keep(p)]
    return connection(rows, args, sorted_by(PRODUCT_SORTS, args), product_obj)


@resolves("QueryRoot.productVariants")
def _variants(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    keep = search(args.get("query"), VARIANT_TERMS)
    rows = [v for v in ctx.state.variants() if keep(v)]
    return connection(rows, args, sorted_by(VARIANT_SORTS, args), variant_obj)


COUNT_LIMIT = 10_000  # Shopify's default `limit` of a count; `limit: null` counts all


def _counted(total: int, args: dict[str, Any]) -> dict[str, Any]:
    limit = args.get("limit", COUNT_LIMIT)  # present and null: no limit
    if limit is not None and total > limit:
        return {"count": limit, "precision": "AT_LEAST"}
    return {"count": total, "precision": "EXACT"}


# one resolver per root: a resolver is not told which field it resolves (ctx.info is unset
# for root fields), and a shared one counted variants for `ordersCount`
@resolves("QueryRoot.productsCount")
def _products_count(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    keep = search(args.get("query"), PRODUCT_TERMS)
    return _counted(sum(1 for p in ctx.state.products if keep(p)), args)


@resolves("QueryRoot.ordersCount")
def _orders_count(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    keep = search(args.get("query"), ORDER_TERMS)
    return _counted(sum(1 for o in ctx.state.orders if keep(o)), args)


@resolves("QueryRoot.productVariantsCount")
def _variants_count(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    return _counted(len(ctx.state.variants()), args)


@resolves("QueryRoot.inventoryItems")
def _items(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    keep = search(args.get("query"), ITEM_TERMS)
    rows = [v for v in ctx.state.variants() if keep(v)]
    item: Callable[[Payload], int] = lambda v: int(v["inventory_item_id"])  # noqa: E731
    return connection(rows, args, item, item_obj, item)


@resolves("QueryRoot.locations")
def _locations(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    keep = search(args.get("query"), LOCATION_TERMS)
    rows = [
        loc
        for loc in ctx.state.locations
        if keep(loc)
        and (args.get("includeInactive") or loc.get("active", True))
        and (args.get("includeLegacy") or not loc.get("legacy"))
    ]
    return connection(rows, args, sorted_by(LOCATION_SORTS, args), location_obj)


@resolves("QueryRoot.customers")
def _customers(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    keep = search(args.get("query"), CUSTOMER_TERMS)
    rows = [c for c in ctx.served_customers().values() if keep(c)]
    return connection(rows, args, sorted_by(CUSTOMER_SORTS, args), customer_obj)


@resolves("QueryRoot.shop")
def _shop(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    return Obj("Shop", ctx.state.shop)


@resolves("QueryRoot.location")
def _location(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    if args.get("id") is None:  # no id: the shop's primary location
        active = [loc for loc in ctx.state.locations if loc.get("active", True)]
        return location_obj(active[0]) if active else None
    return find_node(ctx, args["id"], "Location")


BY_ID = {
    "order": "Order",
    "product": "Product",
    "productVariant": "ProductVariant",
    "inventoryItem": "InventoryItem",
    "inventoryLevel": "InventoryLevel",
    "customer": "Customer",
    "fulfillment": "Fulfillment",
    "fulfillmentOrder": "FulfillmentOrder",
}


def _by_id(kind: str) -> Any:
    def resolve(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
        return find_node(ctx, args["id"], kind)

    return resolve


for _field, _kind in BY_ID.items():
    resolves(f"QueryRoot.{_field}")(_by_id(_kind))


@resolves("QueryRoot.node")
def _node(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    return find_node(ctx, args["id"])


@resolves("QueryRoot.nodes")
def _nodes(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    return [find_node(ctx, ident) for ident in args["ids"]]


def find_node(ctx: Ctx, raw: Any, kind: str | None = None) -> Any:
    """The object a global id names (None when the store has none, or it is another kind);
    a string that is no global id at all is Shopify's "Invalid global id" error."""
    parsed = parse_gid(raw)
    if parsed is None:
        raise GraphQLError(
            f"Invalid global id '{raw}'",
            extensions={"code": "argumentLiteralsIncompatible", "typeName": "CoercionError"},
        )
    found_kind, number, query = parsed
    finder = NODE_FINDERS.get(found_kind)
    if finder is None or (kind is not None and kind != found_kind):
        return None
    return finder(ctx, number, query)


def _found(build: Callable[[Payload], Obj], row: Payload | None) -> Obj | None:
    return build(row) if row is not None else None


def _level(ctx: Ctx, location: int, query: str) -> Any:
    item = dict(part.partition("=")[::2] for part in query.split("&")).get("inventory_item_id")
    level = (
        ctx.state.inventory_levels.get((int(item), location)) if item and item.isdigit() else None
    )
    return _found(level_obj, level)


def _children(ctx: Ctx, key: str) -> dict[int, tuple[Payload, Payload]]:
    """(child, order) by id for an order's nested lists: line items, fulfillments, refunds."""

    def build() -> dict[int, tuple[Payload, Payload]]:
        rows = transactions_of if key == "transactions" else lambda o: o.get(key) or []
        return {child["id"]: (child, o) for o in ctx.state.orders for child in rows(o)}

    found: dict[int, tuple[Payload, Payload]] = ctx.index(f"children:{key}", build)
    return found


def _child(kind: str, key: str) -> Finder:
    def find(ctx: Ctx, number: int, query: str) -> Any:
        pair = _children(ctx, key).get(number)
        if pair is None:
            return None
        return line_obj(*pair) if kind == "LineItem" else Obj(kind, pair[0], pair[1])

    return find


def _fulfillment_order(ctx: Ctx, number: int, query: str) -> Any:
    order = next(
        (o for o in ctx.state.orders if FULFILLMENT_ORDER_ID_BASE + o["number"] == number), None
    )
    if order is None:
        return None
    return Obj("FulfillmentOrder", ctx.writes.fulfillment_order(order), order)


NODE_FINDERS: dict[str, Finder] = {
    "Order": lambda ctx, n, q: _found(order_obj, ctx.orders().get(n)),
    "Product": lambda ctx, n, q: _found(product_obj, ctx.products().get(n)),
    "ProductVariant": lambda ctx, n, q: _found(variant_obj, ctx.variants().get(n)),
    "InventoryItem": lambda ctx, n, q: _found(item_obj, ctx.variant_of_item().get(n)),
    "InventoryLevel": _level,
    "Location": lambda ctx, n, q: _found(location_obj, ctx.locations().get(n)),
    "Customer": lambda ctx, n, q: _found(customer_obj, ctx.customers().get(n)),
    "Shop": lambda ctx, n, q: Obj("Shop", ctx.state.shop) if n == ctx.state.shop["id"] else None,
    "LineItem": _child("LineItem", "line_items"),
    "Fulfillment": _child("Fulfillment", "fulfillments"),
    "Refund": _child("Refund", "refunds"),
    "OrderTransaction": _child("OrderTransaction", "transactions"),
    "FulfillmentOrder": _fulfillment_order,
}
